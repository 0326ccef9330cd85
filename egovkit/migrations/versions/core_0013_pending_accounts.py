"""core: pending citizen accounts, their language, one-time codes

Revision ID: core_0013
Revises: core_0012
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = "core_0013"
down_revision = "core_0012"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("core_user") as batch:
        # Accounts made before this revision were usable: they stay so.
        batch.add_column(sa.Column("pending", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("locale", sa.String(8), nullable=True))
    op.create_table(
        "core_user_code",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("core_user.id", ondelete="CASCADE"), nullable=False),
        sa.Column("purpose", sa.String(10), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_core_user_code_user_id", "core_user_code", ["user_id"])


def downgrade():
    op.drop_table("core_user_code")
    with op.batch_alter_table("core_user") as batch:
        batch.drop_column("locale")
        batch.drop_column("pending")
