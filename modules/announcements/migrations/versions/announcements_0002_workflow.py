"""announcements: notices drafted per village/district/agency and approved through a workflow

Revision ID: announcements_0002
Revises: announcements_0001
Create Date: 2026-11-24
"""
from alembic import op
import sqlalchemy as sa

revision = "announcements_0002"
down_revision = "announcements_0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("announcements_notice") as batch:
        batch.add_column(sa.Column("region_code", sa.String(13), nullable=True))
        batch.add_column(sa.Column("case_id", sa.Integer(), nullable=True))
        batch.alter_column("published_at", existing_type=sa.DateTime(timezone=True), nullable=True)
        batch.create_foreign_key("fk_announcements_notice_region_code_core_region", "core_region",
                                 ["region_code"], ["code"])
        batch.create_foreign_key("fk_announcements_notice_case_id_core_case", "core_case", ["case_id"], ["id"])
        batch.create_index("ix_announcements_notice_region_code", ["region_code"])


def downgrade():
    with op.batch_alter_table("announcements_notice") as batch:
        batch.drop_index("ix_announcements_notice_region_code")
        batch.drop_constraint("fk_announcements_notice_case_id_core_case", type_="foreignkey")
        batch.drop_constraint("fk_announcements_notice_region_code_core_region", type_="foreignkey")
        batch.drop_column("case_id")
        batch.drop_column("region_code")
