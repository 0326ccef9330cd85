"""announcements: notice table

Revision ID: announcements_0001
Revises:
Create Date: 2026-11-24
"""
from alembic import op
import sqlalchemy as sa

revision = "announcements_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "announcements_notice",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("agency_code", sa.String(32), sa.ForeignKey("core_agency.code"), nullable=True),
        sa.Column("author_id", sa.Integer(), sa.ForeignKey("core_user.id"), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("demo", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_announcements_notice_published_at", "announcements_notice", ["published_at"])


def downgrade():
    op.drop_index("ix_announcements_notice_published_at", "announcements_notice")
    op.drop_table("announcements_notice")
