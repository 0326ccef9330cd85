"""etax: taxpayers, objects, declarations, payments, devices, transactions

Revision ID: etax_0001
Revises:
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa

revision = "etax_0001"
down_revision = None
branch_labels = None
depends_on = None


def _scoped():
    return [sa.Column("agency_code", sa.String(32), nullable=False, index=True),
            sa.Column("owner_id", sa.Integer(), sa.ForeignKey("core_user.id"), nullable=True, index=True)]


def upgrade():
    op.create_table(
        "etax_taxpayer",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("npwpd", sa.String(32), nullable=False, unique=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("nik", sa.String(16), nullable=True, unique=True),
        sa.Column("address", sa.String(300), nullable=False),
        *_scoped(),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "etax_object",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("taxpayer_id", sa.Integer(), sa.ForeignKey("etax_taxpayer.id"), nullable=False, index=True),
        sa.Column("tax_type", sa.String(20), nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("address", sa.String(300), nullable=False),
        sa.Column("permit_id", sa.Integer(), nullable=True, unique=True),
        *_scoped(),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "etax_declaration",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("object_id", sa.Integer(), sa.ForeignKey("etax_object.id"), nullable=False, index=True),
        sa.Column("period", sa.String(7), nullable=False, index=True),
        sa.Column("turnover", sa.BigInteger(), nullable=False),
        sa.Column("rate_bp", sa.Integer(), nullable=False),
        sa.Column("tax_due", sa.BigInteger(), nullable=False),
        sa.Column("billing_code", sa.String(20), nullable=False, unique=True),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("paid_at", sa.Date(), nullable=True),
        sa.Column("paid_amount", sa.BigInteger(), nullable=False),
        sa.Column("penalty_paid", sa.BigInteger(), nullable=False),
        sa.Column("declared_by", sa.Integer(), sa.ForeignKey("core_user.id"), nullable=True),
        *_scoped(),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("object_id", "period"),
    )
    op.create_table(
        "etax_payment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("declaration_id", sa.Integer(), sa.ForeignKey("etax_declaration.id"), nullable=False,
                  index=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("penalty", sa.BigInteger(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(60), nullable=False),
        sa.Column("recorded_by", sa.Integer(), sa.ForeignKey("core_user.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "etax_device",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("object_id", sa.Integer(), sa.ForeignKey("etax_object.id"), nullable=False, index=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("prefix", sa.String(12), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_scoped(),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "etax_transaction",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("device_id", sa.Integer(), sa.ForeignKey("etax_device.id"), nullable=False),
        sa.Column("object_id", sa.Integer(), sa.ForeignKey("etax_object.id"), nullable=False),
        sa.Column("receipt", sa.String(64), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("device_id", "receipt"),
    )
    op.create_index("ix_etax_transaction_object_period", "etax_transaction", ["object_id", "period"])


def downgrade():
    for table in ("etax_transaction", "etax_device", "etax_payment", "etax_declaration", "etax_object",
                  "etax_taxpayer"):
        op.drop_table(table)
