"""smart_kampung: RTLH proposals

Revision ID: smart_kampung_0003
Revises: smart_kampung_0002
Create Date: 2026-11-24
"""
from alembic import op
import sqlalchemy as sa

revision = "smart_kampung_0003"
down_revision = "smart_kampung_0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "smart_kampung_rtlh",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("resident_id", sa.Integer(), sa.ForeignKey("smart_kampung_resident.id"), nullable=False),
        sa.Column("village_code", sa.String(13), sa.ForeignKey("core_region.code"), nullable=False),
        sa.Column("survey", sa.Text(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("photos", sa.Text(), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("core_case.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_smart_kampung_rtlh_resident_id", "smart_kampung_rtlh", ["resident_id"])
    op.create_index("ix_smart_kampung_rtlh_village_code", "smart_kampung_rtlh", ["village_code"])


def downgrade():
    op.drop_table("smart_kampung_rtlh")
