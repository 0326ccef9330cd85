"""core: session epoch per user (sign-out and password reset end every session)

Revision ID: core_0008
Revises: core_0007
Create Date: 2026-11-24
"""
from alembic import op
import sqlalchemy as sa

revision = "core_0008"
down_revision = "core_0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("core_user") as batch:
        batch.add_column(sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0"))


def downgrade():
    with op.batch_alter_table("core_user") as batch:
        batch.drop_column("session_epoch")
