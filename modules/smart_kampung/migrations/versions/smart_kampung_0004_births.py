"""smart_kampung: newborns without a NIK yet; the child a birth letter added

Revision ID: smart_kampung_0004
Revises: smart_kampung_0003
Create Date: 2026-11-24
"""
from alembic import op
import sqlalchemy as sa

revision = "smart_kampung_0004"
down_revision = "smart_kampung_0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("smart_kampung_resident") as batch:
        batch.alter_column("nik", existing_type=sa.String(16), nullable=True)
    with op.batch_alter_table("smart_kampung_letter") as batch:
        batch.add_column(sa.Column("child_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_smart_kampung_letter_child_id", "smart_kampung_resident", ["child_id"], ["id"])


def downgrade():
    waiting = op.get_bind().execute(sa.text("SELECT count(*) FROM smart_kampung_resident WHERE nik IS NULL")).scalar()
    if waiting:
        raise RuntimeError(f"{waiting} resident(s) have no NIK yet (newborns): enter their NIK before downgrading")
    with op.batch_alter_table("smart_kampung_letter") as batch:
        batch.drop_constraint("fk_smart_kampung_letter_child_id", type_="foreignkey")
        batch.drop_column("child_id")
    with op.batch_alter_table("smart_kampung_resident") as batch:
        batch.alter_column("nik", existing_type=sa.String(16), nullable=False)
