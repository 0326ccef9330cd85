"""core: issued documents and their number sequences

Revision ID: core_0007
Revises: core_0006
Create Date: 2026-11-24
"""
from alembic import op
import sqlalchemy as sa

revision = "core_0007"
down_revision = "core_0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "core_document",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(16), nullable=False, unique=True),
        sa.Column("doc_type", sa.String(80), nullable=False),
        sa.Column("number", sa.String(120), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("module", sa.String(64), nullable=False),
        sa.Column("record_id", sa.String(64), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("signature", sa.String(64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.String(120), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("doc_type", "record_id"),
    )
    op.create_table(
        "core_doc_sequence",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("doc_type", sa.String(80), nullable=False),
        sa.Column("scope", sa.String(32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.UniqueConstraint("doc_type", "scope", "year"),
    )


def downgrade():
    op.drop_table("core_doc_sequence")
    op.drop_table("core_document")
