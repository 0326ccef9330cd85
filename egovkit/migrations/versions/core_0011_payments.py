"""core: payments and disbursements, exactly once (egovkit.services.payments)

Revision ID: core_0011
Revises: core_0010
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = "core_0011"
down_revision = "core_0010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "core_payment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("module", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("payable_id", sa.String(40), nullable=False),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("reference", sa.String(60), nullable=False),
        sa.Column("settles", sa.String(130), nullable=True),
        sa.Column("reference_key", sa.String(60), nullable=True),
        sa.Column("reverses_id", sa.Integer(), sa.ForeignKey("core_payment.id"), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("party", sa.String(200), nullable=True),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("agency_code", sa.String(32), nullable=True),
        sa.Column("region_code", sa.String(13), nullable=True),
        sa.Column("recorded_by", sa.Integer(), sa.ForeignKey("core_user.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("settles", name="uq_core_payment_settles"),  # one standing payment per payable
        sa.UniqueConstraint("reference_key", name="uq_core_payment_reference_key"),  # a receipt pays once
        sa.UniqueConstraint("reverses_id", name="uq_core_payment_reverses_id"),  # reversed once
    )
    op.create_index("ix_core_payment_payable", "core_payment", ["module", "kind", "payable_id"])
    op.create_index("ix_core_payment_report", "core_payment", ["month", "module", "kind"])
    op.create_index("ix_core_payment_agency_code", "core_payment", ["agency_code"])
    op.create_index("ix_core_payment_region_code", "core_payment", ["region_code"])


def downgrade():
    op.drop_table("core_payment")
