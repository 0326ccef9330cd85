"""social_aid: decile data, proposals and quota counters

Revision ID: social_aid_0001
Revises:
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = "social_aid_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "social_aid_decile",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kk", sa.String(16), nullable=True, unique=True),
        sa.Column("nik", sa.String(16), nullable=True, unique=True),
        sa.Column("decile", sa.SmallInteger(), nullable=False),
        sa.Column("data_date", sa.Date(), nullable=False),
        sa.Column("source", sa.String(120), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "social_aid_proposal",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("programme", sa.String(15), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("nik", sa.String(16), nullable=False),
        sa.Column("subject", sa.String(16), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("village_code", sa.String(13), sa.ForeignKey("core_region.code"), nullable=False),
        sa.Column("agency_code", sa.String(32), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("decile", sa.SmallInteger(), nullable=True),
        sa.Column("decile_date", sa.Date(), nullable=True),
        sa.Column("checks", sa.Text(), nullable=False),
        sa.Column("minutes", sa.String(40), nullable=False),
        sa.Column("active_key", sa.String(40), nullable=True, unique=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("core_case.id"), nullable=True),
        sa.Column("proposed_by", sa.Integer(), sa.ForeignKey("core_user.id"), nullable=True),
        sa.Column("approved_by", sa.Integer(), sa.ForeignKey("core_user.id"), nullable=True),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("stopped", sa.String(12), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    for column in ("programme", "nik", "subject", "village_code", "agency_code"):
        op.create_index(f"ix_social_aid_proposal_{column}", "social_aid_proposal", [column])
    op.create_table(
        "social_aid_quota",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("programme", sa.String(15), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("village_code", sa.String(13), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.UniqueConstraint("programme", "period", "village_code"),
    )


def downgrade():
    op.drop_table("social_aid_quota")
    for column in ("programme", "nik", "subject", "village_code", "agency_code"):
        op.drop_index(f"ix_social_aid_proposal_{column}", "social_aid_proposal")
    op.drop_table("social_aid_proposal")
    op.drop_table("social_aid_decile")
