"""core: citizens sign in by NIK; login attempts for throttling

Revision ID: core_0002
Revises: core_0001
Create Date: 2026-11-24
"""
from alembic import op
import sqlalchemy as sa

revision = "core_0002"
down_revision = "core_0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("core_user") as batch:
        batch.alter_column("email", existing_type=sa.String(254), nullable=True)
        batch.add_column(sa.Column("nik", sa.String(16), nullable=True))
        batch.add_column(sa.Column("phone", sa.String(20), nullable=True))
        batch.create_unique_constraint("uq_core_user_nik", ["nik"])
    op.create_table(
        "core_login_attempt",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("identifier", sa.String(254), nullable=False),
        sa.Column("ip", sa.String(45), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_core_login_attempt_at", "core_login_attempt", ["at"])
    op.create_index("ix_core_login_attempt_identifier", "core_login_attempt", ["identifier"])
    op.create_index("ix_core_login_attempt_ip", "core_login_attempt", ["ip"])


def downgrade():
    op.drop_table("core_login_attempt")
    with op.batch_alter_table("core_user") as batch:
        batch.drop_constraint("uq_core_user_nik", type_="unique")
        batch.drop_column("phone")
        batch.drop_column("nik")
        batch.alter_column("email", existing_type=sa.String(254), nullable=False)
