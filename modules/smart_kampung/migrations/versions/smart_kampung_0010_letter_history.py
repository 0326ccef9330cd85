"""smart_kampung: letters issued before the kit (imported from OpenSID's log_surat), read-only

Revision ID: smart_kampung_0010
Revises: smart_kampung_0009
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa

revision = "smart_kampung_0010"
down_revision = "smart_kampung_0009"
branch_labels = None
depends_on = None

TABLE = "smart_kampung_letter_history"


def upgrade():
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source_key", sa.String(80), nullable=False, unique=True),
        sa.Column("resident_id", sa.Integer(), sa.ForeignKey("smart_kampung_resident.id"), nullable=False),
        sa.Column("village_code", sa.String(13), sa.ForeignKey("core_region.code"), nullable=False),
        sa.Column("letter_type", sa.String(40), nullable=True),
        sa.Column("kind", sa.String(100), nullable=False),
        sa.Column("number", sa.String(40), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("signer", sa.String(100), nullable=True),
    )
    op.create_index("ix_smart_kampung_letter_history_resident_id", TABLE, ["resident_id"])
    op.create_index("ix_smart_kampung_letter_history_village_code", TABLE, ["village_code"])


def downgrade():
    op.drop_table(TABLE)
