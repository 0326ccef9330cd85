"""core: workflow cases and their steps

Revision ID: core_0005
Revises: core_0004
Create Date: 2026-11-24
"""
from alembic import op
import sqlalchemy as sa

revision = "core_0005"
down_revision = "core_0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "core_case",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("workflow", sa.String(80), nullable=False),
        sa.Column("state", sa.String(40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("module", sa.String(64), nullable=False),
        sa.Column("record_id", sa.String(64), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("region_code", sa.String(13), nullable=True),
        sa.Column("agency_code", sa.String(32), nullable=True),
        sa.Column("owner_id", sa.Integer(), sa.ForeignKey("core_user.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed", sa.Boolean(), nullable=False),
    )
    for column in ("workflow", "state", "region_code", "agency_code", "due_at"):
        op.create_index(f"ix_core_case_{column}", "core_case", [column])
    op.create_table(
        "core_case_step",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("core_case.id"), nullable=False),
        sa.Column("transition", sa.String(40), nullable=False),
        sa.Column("from_state", sa.String(40), nullable=True),
        sa.Column("to_state", sa.String(40), nullable=False),
        sa.Column("actor_id", sa.Integer(), sa.ForeignKey("core_user.id"), nullable=True),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
    )
    op.create_index("ix_core_case_step_case_id", "core_case_step", ["case_id"])


def downgrade():
    op.drop_table("core_case_step")
    op.drop_table("core_case")
