"""Figures for the revenue agency and the bupati: billed and paid tax by tax type over a year, compliance
for a month (objects that declared / objects) and the objects flagged for under-reporting; all within the
viewer's reach."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import case, func, or_, select

from egovkit.auth import scope
from egovkit.db import db
from egovkit.services import payments

from . import TAX_TYPES
from . import service
from .models import BILL, Declaration, TaxObject, Taxpayer

PERMISSION = "etax.dashboard"


@dataclass
class TypeFigure:
    tax_type: str
    billed: int
    paid: int

    @property
    def share(self) -> float:
        return self.paid / self.billed if self.billed else 0.0


@dataclass
class Flag:
    object_id: int
    object_name: str
    npwpd: str
    taxpayer: str
    declared: int
    tapped: int


@dataclass
class Summary:
    period: str
    types: list[TypeFigure]
    objects: int
    declared: int
    flags: list[Flag]

    @property
    def compliance(self) -> float:
        return self.declared / self.objects if self.objects else 0.0

    @property
    def billed(self) -> int:
        return sum(t.billed for t in self.types)

    @property
    def paid(self) -> int:
        return sum(t.paid for t in self.types)


def summary(period: str, user=None, where=None) -> Summary:
    """The figures of ``period`` (YYYY-MM) within the user's reach, or within ``where`` (a clause on
    TaxObject: the regent's dashboard tile passes its own reach)."""
    year = period[:4]
    reach = scope.condition(TaxObject, user, permission=PERMISSION) if where is None else where
    rows = db.session.execute(
        select(Declaration.tax_type, func.coalesce(func.sum(Declaration.tax_due), 0),
               func.coalesce(func.sum(case((payments.paid_clause(BILL, Declaration.id), Declaration.tax_due),
                                            else_=0)), 0))
        .select_from(TaxObject).join(Declaration, Declaration.object_id == TaxObject.id)
        .where(reach, Declaration.period >= f"{year}-01", Declaration.period <= f"{year}-12")
        .group_by(Declaration.tax_type)).all()
    by_type = {t: (int(b), int(p)) for t, b, p in rows}
    types = [TypeFigure(t, *by_type.get(t, (0, 0))) for t in TAX_TYPES]
    year_, month = int(period[:4]), int(period[5:])
    month_over = datetime(year_ + month // 12, month % 12 + 1, 1, tzinfo=service.zone()).astimezone(timezone.utc)
    objects = db.session.execute(select(TaxObject.id, TaxObject.name, Taxpayer.npwpd, Taxpayer.name)
                                 .join(Taxpayer, Taxpayer.id == TaxObject.taxpayer_id)
                                 .where(reach, or_(TaxObject.created_at < month_over,  # it could declare it
                                                   TaxObject.id.in_(select(Declaration.object_id)
                                                                    .where(Declaration.period == period))))).all()
    ids = [o[0] for o in objects]
    declared = dict(db.session.execute(select(Declaration.object_id, Declaration.turnover).where(
        Declaration.period == period, Declaration.object_id.in_(ids))).all()) if ids else {}
    taps = service.tapped(ids, [period]) if ids else {}
    flags = [Flag(oid, name, npwpd, payer, declared[oid], taps.get((oid, period), 0))
             for oid, name, npwpd, payer in objects
             if oid in declared and service.flagged(declared[oid], taps.get((oid, period), 0))]
    return Summary(period, types, len(ids), len(declared), sorted(flags, key=lambda f: f.tapped - f.declared,
                                                                      reverse=True))
