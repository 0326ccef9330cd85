"""core: regions, agencies, users, role assignments, module state

Revision ID: core_0001
Revises:
Create Date: 2026-11-24
"""
from alembic import op
import sqlalchemy as sa

revision = "core_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "core_region",
        sa.Column("code", sa.String(13), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("parent_code", sa.String(13), sa.ForeignKey("core_region.code"), nullable=True),
    )
    op.create_index("ix_core_region_parent_code", "core_region", ["parent_code"])
    op.create_table(
        "core_agency",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("head_title", sa.String(80), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "core_user",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "core_role_assignment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("core_user.id", ondelete="CASCADE"), nullable=False),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("region_code", sa.String(13), sa.ForeignKey("core_region.code"), nullable=True),
        sa.Column("agency_code", sa.String(32), sa.ForeignKey("core_agency.code"), nullable=True),
    )
    op.create_index("ix_core_role_assignment_user_id", "core_role_assignment", ["user_id"])
    op.create_table(
        "core_module",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade():
    op.drop_table("core_module")
    op.drop_index("ix_core_role_assignment_user_id", "core_role_assignment")
    op.drop_table("core_role_assignment")
    op.drop_table("core_user")
    op.drop_table("core_agency")
    op.drop_index("ix_core_region_parent_code", "core_region")
    op.drop_table("core_region")
