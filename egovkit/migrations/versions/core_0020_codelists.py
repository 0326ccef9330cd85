"""core: versioned code lists (the edition an instance uses) and the history of region codes

Revision ID: core_0020
Revises: core_0019
Create Date: 2026-12-01
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

revision = "core_0020"
down_revision = "core_0019"
branch_labels = None
depends_on = None


def upgrade():
    edition = op.create_table(
        "core_codelist_edition",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("list_name", sa.String(40), nullable=False, index=True),
        sa.Column("edition", sa.String(40), nullable=False),
        sa.Column("note", sa.String(200), nullable=False, server_default=""),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "core_region_history",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(13), nullable=False, index=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("parent_code", sa.String(13)),
        sa.Column("change", sa.String(10), nullable=False),
        sa.Column("successor_codes", sa.String(200)),
        sa.Column("edition_from", sa.String(40), nullable=False),
        sa.Column("edition_to", sa.String(40), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    # An instance made before editions existed loaded the list now called "pre-2022" (or, migrated down
    # and up again, a later one): record the edition its regions match best.
    rows = set(op.get_bind().execute(sa.text("SELECT code, name FROM core_region")).fetchall())
    if rows:
        op.bulk_insert(edition, [{"list_name": "regions", "edition": _best_edition(rows),
                                  "note": "found by core_0020", "applied_at": datetime.now(timezone.utc)}])


def _best_edition(rows: set) -> str:
    try:
        from egovkit.wilayah import data as wilayah

        regency = next(code for code, _ in rows if len(code) == 5)
        best, score = "pre-2022", -1
        for edition in wilayah.editions():
            if regency not in wilayah.regencies(edition):
                continue
            same = len(rows & {(r.code, r.name) for r in wilayah.subtree(regency, edition)})
            if same > score:
                best, score = edition, same
        return best
    except Exception:  # noqa: BLE001  (a region list that cannot be read: the list of before)
        return "pre-2022"


def downgrade():
    op.drop_table("core_region_history")
    op.drop_table("core_codelist_edition")
