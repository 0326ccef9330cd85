"""smart_kampung: families and residents

Revision ID: smart_kampung_0001
Revises:
Create Date: 2026-11-24
"""
from alembic import op
import sqlalchemy as sa

revision = "smart_kampung_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "smart_kampung_family",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kk_number", sa.String(16), nullable=False, unique=True),
        sa.Column("village_code", sa.String(13), sa.ForeignKey("core_region.code"), nullable=False),
        sa.Column("address", sa.String(200), nullable=False),
        sa.Column("rt", sa.String(3), nullable=False),
        sa.Column("rw", sa.String(3), nullable=False),
    )
    op.create_index("ix_smart_kampung_family_village_code", "smart_kampung_family", ["village_code"])
    op.create_table(
        "smart_kampung_resident",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("nik", sa.String(16), nullable=False, unique=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("name_key", sa.String(120), nullable=False),
        sa.Column("sex", sa.String(1), nullable=False),
        sa.Column("birth_place", sa.String(60), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("religion", sa.String(20), nullable=False),
        sa.Column("education", sa.String(24), nullable=False),
        sa.Column("occupation", sa.String(60), nullable=False),
        sa.Column("marital_status", sa.String(16), nullable=False),
        sa.Column("relation", sa.String(20), nullable=False),
        sa.Column("family_id", sa.Integer(), sa.ForeignKey("smart_kampung_family.id"), nullable=True),
        sa.Column("village_code", sa.String(13), sa.ForeignKey("core_region.code"), nullable=False),
        sa.Column("address", sa.String(200), nullable=False),
        sa.Column("rt", sa.String(3), nullable=False),
        sa.Column("rw", sa.String(3), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_smart_kampung_resident_village_code", "smart_kampung_resident", ["village_code"])
    op.create_index("ix_smart_kampung_resident_name_key", "smart_kampung_resident", ["name_key"])
    op.create_index("ix_smart_kampung_resident_family_id", "smart_kampung_resident", ["family_id"])
    op.create_index("ix_smart_kampung_resident_status", "smart_kampung_resident", ["status"])
    op.create_index("ix_smart_kampung_resident_village_name", "smart_kampung_resident", ["village_code", "name_key"])


def downgrade():
    op.drop_table("smart_kampung_resident")
    op.drop_table("smart_kampung_family")
