"""core: queued notifications (SMS, WhatsApp, e-mail)

Revision ID: core_0012
Revises: core_0011
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = "core_0012"
down_revision = "core_0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "core_notification",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("recipient", sa.String(254), nullable=False),
        sa.Column("template", sa.String(80), nullable=False),
        sa.Column("locale", sa.String(8), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("secret", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_core_notification_status", "core_notification", ["status"])


def downgrade():
    op.drop_table("core_notification")
