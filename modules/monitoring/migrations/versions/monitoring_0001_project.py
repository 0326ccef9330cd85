"""monitoring: projects, progress reports, photos

Revision ID: monitoring_0001
Revises:
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = "monitoring_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "monitoring_project",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("origin", sa.String(40), nullable=False),
        sa.Column("origin_ref", sa.String(80), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("agency_code", sa.String(32), sa.ForeignKey("core_agency.code"), nullable=True),
        sa.Column("region_code", sa.String(13), sa.ForeignKey("core_region.code"), nullable=True),
        sa.Column("district_code", sa.String(13), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("budget", sa.BigInteger(), nullable=False),
        sa.Column("realised", sa.BigInteger(), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("contractor", sa.String(200), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("updated_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("demo", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("origin", "origin_ref", name="uq_monitoring_project_origin"),
    )
    op.create_index("ix_monitoring_project_year_district", "monitoring_project", ["year", "district_code"])
    op.create_index("ix_monitoring_project_year_agency", "monitoring_project", ["year", "agency_code"])
    op.create_index("ix_monitoring_project_year_region", "monitoring_project", ["year", "region_code"])
    op.create_table(
        "monitoring_report",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("project_id", sa.Integer(), sa.ForeignKey("monitoring_project.id"), nullable=False),
        sa.Column("region_code", sa.String(13), nullable=True),
        sa.Column("agency_code", sa.String(32), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("realised", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("core_user.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_monitoring_report_project_id", "monitoring_report", ["project_id"])
    op.create_table(
        "monitoring_photo",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("project_id", sa.Integer(), sa.ForeignKey("monitoring_project.id"), nullable=False),
        sa.Column("region_code", sa.String(13), nullable=True),
        sa.Column("agency_code", sa.String(32), nullable=True),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("stored", sa.String(40), nullable=False),
        sa.Column("caption", sa.String(200), nullable=False),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("core_user.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_monitoring_photo_project_id", "monitoring_photo", ["project_id"])


def downgrade():
    op.drop_index("ix_monitoring_photo_project_id", "monitoring_photo")
    op.drop_table("monitoring_photo")
    op.drop_index("ix_monitoring_report_project_id", "monitoring_report")
    op.drop_table("monitoring_report")
    for name in ("region", "agency", "district"):
        op.drop_index(f"ix_monitoring_project_year_{name}", "monitoring_project")
    op.drop_table("monitoring_project")
