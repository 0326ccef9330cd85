"""smart_kampung: the residents list's index for a status in name order; one redundant index dropped

The regency's list (living residents in name order, any page up to the 10,000th name) is read from
(status, name_key) without touching a row until the page's 50 are fetched; it replaces the index on
status alone (a prefix of it). The index on village_code alone was a prefix of (village_code, name_key):
dropped, one index fewer to keep on every imported resident.

Revision ID: smart_kampung_0009
Revises: smart_kampung_0008
Create Date: 2026-12-01
"""
from alembic import op

revision = "smart_kampung_0009"
down_revision = "smart_kampung_0008"
branch_labels = None
depends_on = None

TABLE = "smart_kampung_resident"


def upgrade():
    # Plain index operations: a batch rebuild of the resident table would drop its counter triggers on SQLite.
    op.create_index("ix_smart_kampung_resident_status_name", TABLE, ["status", "name_key"])
    op.drop_index("ix_smart_kampung_resident_status", table_name=TABLE)
    op.drop_index("ix_smart_kampung_resident_village_code", table_name=TABLE)


def downgrade():
    op.create_index("ix_smart_kampung_resident_village_code", TABLE, ["village_code"])
    op.create_index("ix_smart_kampung_resident_status", TABLE, ["status"])
    op.drop_index("ix_smart_kampung_resident_status_name", table_name=TABLE)
