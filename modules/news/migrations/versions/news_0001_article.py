"""news: articles

Revision ID: news_0001
Revises:
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = "news_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "news_article",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("summary", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("agency_code", sa.String(32), sa.ForeignKey("core_agency.code"), nullable=True, index=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("core_case.id"), nullable=True),
        sa.Column("author_id", sa.Integer(), sa.ForeignKey("core_user.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True, index=True),
        sa.Column("demo", sa.Boolean(), nullable=False),
    )


def downgrade():
    op.drop_table("news_article")
