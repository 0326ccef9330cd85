"""core: two-factor sign-in (TOTP secrets, recovery codes) and atomic sign-in counters

The per-attempt table core_login_attempt gives way to core_login_counter: one row per bucket (account and
address, account, trusted browser, two-factor codes), reserved with a conditional UPDATE before a password or
code is checked, so concurrent guesses cannot exceed the limit.

Revision ID: core_0014
Revises: core_0013
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = "core_0014"
down_revision = "core_0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "core_user_totp",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("core_user.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("secret", sa.String(255), nullable=False),
        sa.Column("last_step", sa.BigInteger(), nullable=True),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "core_recovery_code",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("core_user.id", ondelete="CASCADE"), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_core_recovery_code_user_id", "core_recovery_code", ["user_id"])
    op.create_table(
        "core_login_counter",
        sa.Column("bucket", sa.String(80), primary_key=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
    )
    op.create_index("ix_core_login_counter_started_at", "core_login_counter", ["started_at"])
    op.drop_table("core_login_attempt")


def downgrade():
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
    op.drop_table("core_login_counter")
    op.drop_table("core_recovery_code")
    op.drop_table("core_user_totp")
