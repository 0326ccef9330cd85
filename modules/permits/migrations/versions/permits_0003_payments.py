"""permits: a fee is paid through the core's payments (core_payment), not the permit's own columns

A receipt number was unique among permits only: the same receipt could also clear a tax bill. Payments now
live in core_payment (egovkit.services.payments), once per fee and once per receipt in the regency. The
fees paid so far are copied there; paid_on, paid_amount and payment_ref (and its unique index) go. The
downgrade puts the standing payments back.

Revision ID: permits_0003
Revises: permits_0002
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

from egovkit.services.payments import migrate_in, migrate_out

revision = "permits_0003"
down_revision = "permits_0002"
branch_labels = None
depends_on = None


def upgrade():
    conn = op.get_bind()
    rows = [dict(r._mapping) for r in conn.execute(sa.text(
        "SELECT id AS payable_id, paid_amount AS amount, paid_on, payment_ref AS reference, billing_code, "
        "applicant_name AS party FROM permits_permit WHERE paid_on IS NOT NULL ORDER BY id"))]
    for row in rows:
        row["details"] = {"billing_code": row.pop("billing_code")}
    for warning in migrate_in(conn, "permits", "fee", "in", rows):
        print(f"permits_0003: {warning}")
    op.drop_index("ux_permits_permit_payment_ref", table_name="permits_permit")
    # plain DROP COLUMN (SQLite 3.35+): a batch rebuild would drop a table that renewals reference
    for column in ("payment_ref", "paid_amount", "paid_on"):
        op.drop_column("permits_permit", column)


def downgrade():
    op.add_column("permits_permit", sa.Column("paid_on", sa.Date(), nullable=True))
    op.add_column("permits_permit", sa.Column("paid_amount", sa.BigInteger(), nullable=True))
    op.add_column("permits_permit", sa.Column("payment_ref", sa.String(60), nullable=True))
    conn = op.get_bind()
    permit = sa.table("permits_permit", sa.column("id", sa.Integer), sa.column("paid_on", sa.Date),
                      sa.column("paid_amount", sa.BigInteger), sa.column("payment_ref", sa.String))
    for row in migrate_out(conn, "permits", "fee"):
        conn.execute(permit.update().where(permit.c.id == int(row["payable_id"])).values(
            paid_on=row["paid_on"], paid_amount=row["amount"],
            payment_ref="".join(row["reference"].split()).upper()))  # as permits_0002 compared them
    op.create_index("ux_permits_permit_payment_ref", "permits_permit", ["payment_ref"], unique=True)
