"""social_aid: poverty statements (SPM Online)

Revision ID: social_aid_0003
Revises: social_aid_0002
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = "social_aid_0003"
down_revision = "social_aid_0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "social_aid_statement",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("nik", sa.String(16), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("village_code", sa.String(13), sa.ForeignKey("core_region.code"), nullable=False),
        sa.Column("decile", sa.SmallInteger(), nullable=False),
        sa.Column("decile_date", sa.Date(), nullable=False),
        sa.Column("purpose", sa.String(200), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("document_code", sa.String(16), nullable=True, unique=True),
        sa.Column("ack_digest", sa.String(64), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(32), nullable=True),
        sa.Column("acknowledged_user", sa.Integer(), sa.ForeignKey("core_user.id"), nullable=True),
        sa.Column("issued_by", sa.Integer(), sa.ForeignKey("core_user.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_social_aid_statement_nik", "social_aid_statement", ["nik"])
    op.create_index("ix_social_aid_statement_village_code", "social_aid_statement", ["village_code"])


def downgrade():
    op.drop_index("ix_social_aid_statement_village_code", "social_aid_statement")
    op.drop_index("ix_social_aid_statement_nik", "social_aid_statement")
    op.drop_table("social_aid_statement")
