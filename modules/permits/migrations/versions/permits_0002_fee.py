"""permits: the fee's bill and its payment

Revision ID: permits_0002
Revises: permits_0001
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa

revision = "permits_0002"
down_revision = "permits_0001"
branch_labels = None
depends_on = None


def upgrade():
    # plain ADD COLUMN (no table rebuild on SQLite); the billing code's uniqueness as an index
    op.add_column("permits_permit", sa.Column("billing_code", sa.String(20), nullable=True))
    op.add_column("permits_permit", sa.Column("bill_due", sa.Date(), nullable=True))
    op.add_column("permits_permit", sa.Column("paid_on", sa.Date(), nullable=True))
    op.add_column("permits_permit", sa.Column("paid_amount", sa.BigInteger(), nullable=True))
    op.add_column("permits_permit", sa.Column("payment_ref", sa.String(60), nullable=True))
    op.create_index("ux_permits_permit_billing_code", "permits_permit", ["billing_code"], unique=True)
    op.create_index("ux_permits_permit_payment_ref", "permits_permit", ["payment_ref"], unique=True)


def downgrade():
    op.drop_index("ux_permits_permit_payment_ref", table_name="permits_permit")
    op.drop_index("ux_permits_permit_billing_code", table_name="permits_permit")
    # plain DROP COLUMN (SQLite 3.35+): a batch rebuild would drop a table that renewals reference
    for column in ("payment_ref", "paid_amount", "paid_on", "bill_due", "billing_code"):
        op.drop_column("permits_permit", column)
