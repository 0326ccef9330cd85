"""Open data of village_finance (Module.datasets): the APBDes in force and its realisation per desa (public
by law: UU 6/2014 on villages asks a desa to publish its budget)."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from egovkit.db import db
from egovkit.models import Region

from .models import Budget, Line


def apbdes():
    sums: dict = defaultdict(lambda: defaultdict(int))
    for village, year, account, amount, realised in db.session.execute(
            select(Budget.village_code, Budget.year, Line.account, Line.amount, Line.realised)
            .join(Line, Line.budget_id == Budget.id).where(Budget.in_force.is_(True))):
        cell = sums[(year, village)]
        part = {"4": "revenue", "5": "spending", "6": "financing"}.get(account[:1])
        if part:
            cell[f"{part}_budget"] += amount
            cell[f"{part}_realised"] += realised
    names = dict(db.session.execute(select(Region.code, Region.name).where(
        Region.code.in_({v for _y, v in sums}))).all()) if sums else {}
    for (year, village), cell in sorted(sums.items()):
        yield {"year": year, "village_code": village, "village": names.get(village, village),
               "revenue_budget": cell["revenue_budget"], "revenue_realised": cell["revenue_realised"],
               "spending_budget": cell["spending_budget"], "spending_realised": cell["spending_realised"],
               "financing_budget": cell["financing_budget"]}
