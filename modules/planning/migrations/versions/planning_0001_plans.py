"""planning: musrenbang proposals, ceilings, Renja versions and their lines

Revision ID: planning_0001
Revises:
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = "planning_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "planning_proposal",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tracking_code", sa.String(12), nullable=False, unique=True),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column("proposer", sa.String(120), nullable=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("village_code", sa.String(13), sa.ForeignKey("core_region.code"), nullable=False),
        sa.Column("district_code", sa.String(13), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("estimate", sa.BigInteger(), nullable=False),
        sa.Column("priority", sa.SmallInteger(), nullable=False),
        sa.Column("district_rank", sa.SmallInteger(), nullable=True),
        sa.Column("photos", sa.Text(), nullable=False),
        sa.Column("self_funded", sa.Boolean(), nullable=False),
        sa.Column("rkpdes_ref", sa.String(60), nullable=True),
        sa.Column("agency_code", sa.String(32), sa.ForeignKey("core_agency.code"), nullable=True),
        sa.Column("subactivity_code", sa.String(24), nullable=True),
        sa.Column("rkpd_year", sa.SmallInteger(), nullable=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("core_case.id"), nullable=True),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("core_user.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    for column in ("year", "village_code", "district_code", "agency_code", "created_at"):
        op.create_index(f"ix_planning_proposal_{column}", "planning_proposal", [column])
    op.create_table(
        "planning_ceiling",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("agency_code", sa.String(32), sa.ForeignKey("core_agency.code"), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("set_by", sa.Integer(), sa.ForeignKey("core_user.id"), nullable=True),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("agency_code", "year"),
    )
    op.create_table(
        "planning_renja",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("agency_code", sa.String(32), sa.ForeignKey("core_agency.code"), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("number", sa.SmallInteger(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("edition", sa.String(60), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("core_case.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("agency_code", "year", "number"),
    )
    op.create_index("ix_planning_renja_agency_code", "planning_renja", ["agency_code"])
    op.create_table(
        "planning_line",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("renja_id", sa.Integer(), sa.ForeignKey("planning_renja.id"), nullable=False),
        sa.Column("subactivity_code", sa.String(24), nullable=False),
        sa.Column("subactivity_name", sa.String(300), nullable=False),
        sa.Column("indicator", sa.String(300), nullable=False),
        sa.Column("target", sa.String(30), nullable=False),
        sa.Column("unit", sa.String(60), nullable=False),
        sa.Column("cost", sa.BigInteger(), nullable=False),
        sa.Column("location", sa.String(13), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("proposal_id", sa.Integer(), sa.ForeignKey("planning_proposal.id"), nullable=True),
        sa.Column("dpa", sa.BigInteger(), nullable=True),
        sa.Column("realised", sa.BigInteger(), nullable=True),
        sa.UniqueConstraint("renja_id", "subactivity_code", "location"),
    )
    op.create_index("ix_planning_line_renja_id", "planning_line", ["renja_id"])


def downgrade():
    op.drop_index("ix_planning_line_renja_id", "planning_line")
    op.drop_table("planning_line")
    op.drop_index("ix_planning_renja_agency_code", "planning_renja")
    op.drop_table("planning_renja")
    op.drop_table("planning_ceiling")
    for column in ("year", "village_code", "district_code", "agency_code", "created_at"):
        op.drop_index(f"ix_planning_proposal_{column}", "planning_proposal")
    op.drop_table("planning_proposal")
