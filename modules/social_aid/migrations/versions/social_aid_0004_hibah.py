"""social_aid: organisations and their grants (hibah)

Revision ID: social_aid_0004
Revises: social_aid_0003
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = "social_aid_0004"
down_revision = "social_aid_0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "social_aid_org",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("legal_number", sa.String(60), nullable=False, unique=True),
        sa.Column("address", sa.String(300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "social_aid_grant",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("social_aid_org.id"), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("budget", sa.Text(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("evaluator", sa.String(32), nullable=False),
        sa.Column("agency_code", sa.String(32), nullable=False),
        sa.Column("documents", sa.String(40), nullable=False),
        sa.Column("village_code", sa.String(13), sa.ForeignKey("core_region.code"), nullable=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("core_case.id"), nullable=True),
        sa.Column("agreement_code", sa.String(16), nullable=True),
        sa.Column("agreed_by", sa.Integer(), sa.ForeignKey("core_user.id"), nullable=True),
        sa.Column("agreed_on", sa.Date(), nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("lpj_due", sa.Date(), nullable=True),
        sa.Column("lpj", sa.String(40), nullable=True),
        sa.Column("lpj_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("core_user.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_social_aid_grant_org_id", "social_aid_grant", ["org_id"])
    op.create_index("ix_social_aid_grant_agency_code", "social_aid_grant", ["agency_code"])


def downgrade():
    op.drop_index("ix_social_aid_grant_agency_code", "social_aid_grant")
    op.drop_index("ix_social_aid_grant_org_id", "social_aid_grant")
    op.drop_table("social_aid_grant")
    op.drop_table("social_aid_org")
