"""etax: bills are paid through the core's payments (core_payment), not etax's own table and columns

Two Bapenda sessions paying one bill at once both recorded a payment, and a receipt number could clear two
bills. Payments now live in core_payment (egovkit.services.payments), once per bill and once per receipt in
the regency. Existing payments are copied there (a second payment of one bill is copied with its reversal);
etax_payment and etax_declaration's paid_at, paid_amount and penalty_paid go. The downgrade puts the standing
payments back.

Revision ID: etax_0003
Revises: etax_0002
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

from egovkit.services.payments import migrate_in, migrate_out

revision = "etax_0003"
down_revision = "etax_0002"
branch_labels = None
depends_on = None


def upgrade():
    conn = op.get_bind()
    rows = [dict(r._mapping) for r in conn.execute(sa.text(
        "SELECT d.id AS payable_id, p.amount, p.penalty, d.tax_due, d.period, d.billing_code, p.paid_on, "
        "p.reference, p.recorded_by, p.created_at, d.agency_code FROM etax_payment p "
        "JOIN etax_declaration d ON d.id = p.declaration_id ORDER BY p.id"))]
    for row in rows:
        row["details"] = {"tax": row.pop("tax_due"), "interest": row.pop("penalty"), "period": row.pop("period"),
                          "billing_code": row.pop("billing_code")}
        row["created_at"] = None  # as stored: a string on SQLite; the copy's own time is kept instead
    for warning in migrate_in(conn, "etax", "bill", "in", rows):
        print(f"etax_0003: {warning}")
    op.drop_table("etax_payment")
    # plain DROP COLUMN (SQLite 3.35+): a batch rebuild would drop a table others reference
    for column in ("penalty_paid", "paid_amount", "paid_at"):
        op.drop_column("etax_declaration", column)


def downgrade():
    op.add_column("etax_declaration", sa.Column("paid_at", sa.Date(), nullable=True))
    op.add_column("etax_declaration", sa.Column("paid_amount", sa.BigInteger(), nullable=False, server_default="0"))
    op.add_column("etax_declaration", sa.Column("penalty_paid", sa.BigInteger(), nullable=False,
                                                server_default="0"))
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
    conn = op.get_bind()
    declaration = sa.table("etax_declaration", sa.column("id", sa.Integer), sa.column("paid_at", sa.Date),
                           sa.column("paid_amount", sa.BigInteger), sa.column("penalty_paid", sa.BigInteger))
    payment = sa.table("etax_payment", *(sa.column(c, t) for c, t in (
        ("declaration_id", sa.Integer), ("amount", sa.BigInteger), ("penalty", sa.BigInteger),
        ("paid_on", sa.Date), ("reference", sa.String), ("recorded_by", sa.Integer),
        ("created_at", sa.DateTime(timezone=True)))))
    for row in migrate_out(conn, "etax", "bill"):
        interest = int(row["details"].get("interest", 0))
        conn.execute(declaration.update().where(declaration.c.id == int(row["payable_id"]))
                     .values(paid_at=row["paid_on"], paid_amount=row["amount"], penalty_paid=interest))
        conn.execute(payment.insert().values(declaration_id=int(row["payable_id"]), amount=row["amount"],
                                             penalty=interest, paid_on=row["paid_on"], reference=row["reference"],
                                             recorded_by=row["recorded_by"], created_at=row["created_at"]))
