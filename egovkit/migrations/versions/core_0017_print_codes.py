"""core: one-time print codes of issued documents (kiosk self-print)

Revision ID: core_0017
Revises: core_0016
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = "core_0017"
down_revision = "core_0016"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "core_print_code",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("core_document.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("core_user.id", ondelete="SET NULL"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_core_print_code_document_id", "core_print_code", ["document_id"])


def downgrade():
    op.drop_table("core_print_code")
