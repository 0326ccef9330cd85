"""Open data of etax (Module.datasets): revenue, never a taxpayer's figure (sums of few payments are
suppressed with their count by the core)."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from egovkit.db import db
from egovkit.services.payments import Payment

from .models import BILL, Declaration


def revenue():
    """Per month (of the first payment) and tax type: bills paid and the net amount received."""
    kinds = {str(i): t for i, t in db.session.execute(select(Declaration.id, Declaration.tax_type))}
    net: dict = defaultdict(int)
    first: dict = {}
    for payable, month, amount in db.session.execute(
            select(Payment.payable_id, Payment.month, Payment.amount)
            .where(Payment.module == BILL.module, Payment.kind == BILL.name).order_by(Payment.id)):
        net[payable] += amount
        first.setdefault(payable, month)
    cells: dict = defaultdict(lambda: [0, 0])
    for payable, amount in net.items():
        if amount > 0:  # a reversed payment counts no more
            cell = cells[(first[payable], kinds.get(payable) or "-")]
            cell[0] += 1
            cell[1] += amount
    for (month, kind), (n, amount) in sorted(cells.items()):
        yield {"month": month, "tax_type": kind, "payments": n, "revenue": amount}
