"""core: how many times a background job was started (a job queue worker may die and the job run again)

Revision ID: core_0016
Revises: core_0015
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = "core_0016"
down_revision = "core_0015"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("core_job") as batch:
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))


def downgrade():
    with op.batch_alter_table("core_job") as batch:
        batch.drop_column("attempts")
