"""core: event outbox and deliveries

Revision ID: core_0004
Revises: core_0003
Create Date: 2026-11-24
"""
from alembic import op
import sqlalchemy as sa

revision = "core_0004"
down_revision = "core_0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "core_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_core_event_name", "core_event", ["name"])
    op.create_table(
        "core_event_delivery",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("event_id", sa.Integer(), sa.ForeignKey("core_event.id"), nullable=False),
        sa.Column("handler", sa.String(200), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("event_id", "handler"),
    )
    op.create_index("ix_core_event_delivery_event_id", "core_event_delivery", ["event_id"])


def downgrade():
    op.drop_table("core_event_delivery")
    op.drop_table("core_event")
