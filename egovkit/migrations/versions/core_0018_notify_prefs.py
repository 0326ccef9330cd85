"""core: notification preferences (staff told when a case arrives in their inbox)

Revision ID: core_0018
Revises: core_0017
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = "core_0018"
down_revision = "core_0017"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "core_notify_pref",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("core_user.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("case_arrival", sa.Boolean(), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade():
    op.drop_table("core_notify_pref")
