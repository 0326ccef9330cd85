"""core: a case's own deadline (an SLA per letter or permit type)

Revision ID: core_0009
Revises: core_0008
Create Date: 2026-11-24
"""
from alembic import op
import sqlalchemy as sa

revision = "core_0009"
down_revision = "core_0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("core_case") as batch:
        batch.add_column(sa.Column("deadline", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("core_case") as batch:
        batch.drop_column("deadline")
