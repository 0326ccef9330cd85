"""complaints: complaints (pengaduan) and their routing

Revision ID: complaints_0001
Revises:
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = "complaints_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "complaints_complaint",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tracking_code", sa.String(12), nullable=False, unique=True),
        sa.Column("lapor_number", sa.String(30), nullable=True, unique=True),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("village_code", sa.String(13), sa.ForeignKey("core_region.code"), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("photos", sa.Text(), nullable=False),
        sa.Column("mode", sa.String(12), nullable=False),
        sa.Column("reporter_id", sa.Integer(), sa.ForeignKey("core_user.id"), nullable=True),
        sa.Column("unit_agency", sa.String(32), nullable=True),
        sa.Column("unit_region", sa.String(13), nullable=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("core_case.id"), nullable=True),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("rating_note", sa.Text(), nullable=True),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    for column in ("category", "village_code", "reporter_id", "unit_agency", "unit_region", "created_at"):
        op.create_index(f"ix_complaints_complaint_{column}", "complaints_complaint", [column])


def downgrade():
    for column in ("category", "village_code", "reporter_id", "unit_agency", "unit_region", "created_at"):
        op.drop_index(f"ix_complaints_complaint_{column}", "complaints_complaint")
    op.drop_table("complaints_complaint")
