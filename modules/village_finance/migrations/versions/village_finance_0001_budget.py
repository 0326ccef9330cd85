"""village_finance: plan activities, APBDes versions and lines, realisation entries

Revision ID: village_finance_0001
Revises:
Create Date: 2026-11-24
"""
from alembic import op
import sqlalchemy as sa

revision = "village_finance_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "village_finance_activity",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("village_code", sa.String(13), sa.ForeignKey("core_region.code"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kegiatan", sa.String(20), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("location", sa.String(200), nullable=False),
        sa.Column("estimate", sa.BigInteger(), nullable=False),
        sa.Column("origin", sa.String(40), nullable=False),
        sa.Column("origin_ref", sa.String(64), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("origin", "origin_ref", name="uq_village_finance_activity_origin"),
    )
    op.create_index("ix_village_finance_activity_village_year", "village_finance_activity", ["village_code", "year"])
    op.create_table(
        "village_finance_budget",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("village_code", sa.String(13), sa.ForeignKey("core_region.code"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("previous_id", sa.Integer(), sa.ForeignKey("village_finance_budget.id"), nullable=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("core_case.id"), nullable=True),
        sa.Column("in_force", sa.Boolean(), nullable=False),
        sa.Column("perdes", sa.String(80), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("village_code", "year", "version", name="uq_village_finance_budget_version"),
    )
    for column in ("village_code", "year", "in_force"):
        op.create_index(f"ix_village_finance_budget_{column}", "village_finance_budget", [column])
    op.create_table(
        "village_finance_line",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("budget_id", sa.Integer(), sa.ForeignKey("village_finance_budget.id"), nullable=False),
        sa.Column("village_code", sa.String(13), sa.ForeignKey("core_region.code"), nullable=False),
        sa.Column("key", sa.String(12), nullable=False),
        sa.Column("account", sa.String(20), nullable=False),
        sa.Column("kegiatan", sa.String(20), nullable=True),
        sa.Column("activity_id", sa.Integer(), sa.ForeignKey("village_finance_activity.id"), nullable=True),
        sa.Column("source", sa.String(12), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("description", sa.String(200), nullable=False),
        sa.Column("realised", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("budget_id", "key", name="uq_village_finance_line_key"),
    )
    op.create_index("ix_village_finance_line_budget_id", "village_finance_line", ["budget_id"])
    op.create_index("ix_village_finance_line_village_code", "village_finance_line", ["village_code"])
    op.create_table(
        "village_finance_entry",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("village_code", sa.String(13), sa.ForeignKey("core_region.code"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("line_key", sa.String(12), nullable=False),
        sa.Column("line_id", sa.Integer(), sa.ForeignKey("village_finance_line.id"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("description", sa.String(200), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=True),
        sa.Column("evidence", sa.String(120), nullable=True),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("core_user.id"), nullable=True),
        sa.Column("reverses_id", sa.Integer(), sa.ForeignKey("village_finance_entry.id"), nullable=True,
                  unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_village_finance_entry_village_year_day", "village_finance_entry", ["village_code", "year", "day"])
    op.create_index("ix_village_finance_entry_line_id", "village_finance_entry", ["line_id"])


def downgrade():
    for table in ("village_finance_entry", "village_finance_line", "village_finance_budget",
                  "village_finance_activity"):
        op.drop_table(table)
