"""core: an official's NIP, printed under their name on the documents they sign

Revision ID: core_0019
Revises: core_0018
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = "core_0019"
down_revision = "core_0018"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("core_user") as batch:
        batch.add_column(sa.Column("nip", sa.String(18), nullable=True))


def downgrade():
    with op.batch_alter_table("core_user") as batch:
        batch.drop_column("nip")
