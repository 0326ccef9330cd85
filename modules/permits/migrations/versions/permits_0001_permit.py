"""permits: applications

Revision ID: permits_0001
Revises:
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa

revision = "permits_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "permits_permit",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tracking_code", sa.String(12), nullable=False, unique=True),
        sa.Column("permit_type", sa.String(40), nullable=False),
        sa.Column("agency_code", sa.String(32), nullable=False),
        sa.Column("applicant_id", sa.Integer(), sa.ForeignKey("core_user.id"), nullable=True),
        sa.Column("applicant_name", sa.String(120), nullable=False),
        sa.Column("applicant_nik", sa.String(16), nullable=True),
        sa.Column("applicant_nib", sa.String(13), nullable=True),
        sa.Column("business", sa.String(200), nullable=False),
        sa.Column("address", sa.String(300), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("files", sa.Text(), nullable=False),
        sa.Column("fee", sa.BigInteger(), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("core_case.id"), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("renews_id", sa.Integer(), sa.ForeignKey("permits_permit.id"), nullable=True),
        sa.Column("ended", sa.String(12), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    for column in ("permit_type", "agency_code", "applicant_id"):
        op.create_index(f"ix_permits_permit_{column}", "permits_permit", [column])


def downgrade():
    op.drop_table("permits_permit")
