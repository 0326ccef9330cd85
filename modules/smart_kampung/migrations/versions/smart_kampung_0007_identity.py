"""smart_kampung: a resident's phone (for account codes); the reporter of a letter about someone else

Revision ID: smart_kampung_0007
Revises: smart_kampung_0006
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = "smart_kampung_0007"
down_revision = "smart_kampung_0006"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN: a batch rebuild of the resident table would drop its counter triggers on SQLite.
    op.add_column("smart_kampung_resident", sa.Column("phone", sa.String(20), nullable=True))
    with op.batch_alter_table("smart_kampung_letter") as batch:
        batch.add_column(sa.Column("reporter_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_smart_kampung_letter_reporter_id", "smart_kampung_resident",
                                 ["reporter_id"], ["id"])


def downgrade():
    with op.batch_alter_table("smart_kampung_letter") as batch:
        batch.drop_constraint("fk_smart_kampung_letter_reporter_id", type_="foreignkey")
        batch.drop_column("reporter_id")
    op.drop_column("smart_kampung_resident", "phone")  # SQLite 3.35+ drops a column without a rebuild
