"""smart_kampung: letter requests

Revision ID: smart_kampung_0002
Revises: smart_kampung_0001
Create Date: 2026-11-24
"""
from alembic import op
import sqlalchemy as sa

revision = "smart_kampung_0002"
down_revision = "smart_kampung_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "smart_kampung_letter",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tracking_code", sa.String(12), nullable=False, unique=True),
        sa.Column("letter_type", sa.String(40), nullable=False),
        sa.Column("resident_id", sa.Integer(), sa.ForeignKey("smart_kampung_resident.id"), nullable=False),
        sa.Column("village_code", sa.String(13), sa.ForeignKey("core_region.code"), nullable=False),
        sa.Column("citizen_id", sa.Integer(), sa.ForeignKey("core_user.id"), nullable=True),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("core_case.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_smart_kampung_letter_resident_id", "smart_kampung_letter", ["resident_id"])
    op.create_index("ix_smart_kampung_letter_village_code", "smart_kampung_letter", ["village_code"])
    op.create_index("ix_smart_kampung_letter_citizen_id", "smart_kampung_letter", ["citizen_id"])


def downgrade():
    op.drop_table("smart_kampung_letter")
