"""core: one-time tokens of create forms (a form sent twice makes one record)

Revision ID: core_0015
Revises: core_0014
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = "core_0015"
down_revision = "core_0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "core_form_use",
        sa.Column("token", sa.String(32), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("core_user.id"), nullable=True),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_core_form_use_created_at", "core_form_use", ["created_at"])


def downgrade():
    op.drop_table("core_form_use")
