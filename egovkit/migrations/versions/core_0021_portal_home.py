"""core: the portal home the regency edits (welcome, services, contacts, opening hours, logo, banner)

Revision ID: core_0021
Revises: core_0020
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = "core_0021"
down_revision = "core_0020"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "core_portal_home",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("welcome", sa.String(400)),
        sa.Column("services", sa.String(2000)),
        sa.Column("address", sa.String(200)),
        sa.Column("phone", sa.String(30)),
        sa.Column("email", sa.String(120)),
        sa.Column("hours", sa.String(1000)),
        sa.Column("logo", sa.String(40)),
        sa.Column("banner", sa.String(40)),
        sa.Column("banner_size", sa.String(20)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Integer, sa.ForeignKey("core_user.id")),
    )


def downgrade():
    op.drop_table("core_portal_home")
