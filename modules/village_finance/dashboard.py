"""Absorption (serapan) of the budgets in force: per desa, kecamatan and regency,
by source of funds and by bidang, always within the viewer's reach. Figures
come from the lines' running totals, so the dashboard reads one row per line,
never the realisation entries."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from egovkit.auth import scope
from egovkit.db import db
from egovkit.models import Region

from .models import Budget, Line


@dataclass
class Figure:
    key: str
    name: str
    budget: int
    realised: int

    @property
    def share(self) -> float:
        return self.realised / self.budget if self.budget else 0.0


def expected_share(year: int, today: date | None = None) -> float:
    """Share of the fiscal year gone by: what an even pace would have spent by now."""
    today = today or date.today()
    if today.year != year:
        return 1.0 if today.year > year else 0.0
    return (today.timetuple().tm_yday) / (366 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 365)


def light(share: float, expected: float, yellow: float, red: float) -> str:
    """green, yellow or red: absorption against the even pace, with the profile's thresholds (ratios)."""
    if expected <= 0:
        return "green"
    pace = share / expected
    return "green" if pace >= yellow else ("yellow" if pace >= red else "red")


def _spending(year: int, *columns):
    stmt = (select(*columns, func.sum(Line.amount), func.sum(Line.realised))
            .join(Budget, Budget.id == Line.budget_id)
            .where(Budget.year == year, Budget.in_force.is_(True), Line.account.like("5%")))
    return scope.visible(stmt, Line)


def units(year: int, district: str | None = None) -> list[Figure]:
    """Per desa of one kecamatan, else per kecamatan; per desa when only one kecamatan is in reach."""
    found = by_village(year, district) if district else by_district(year)
    if not district and len(found) <= 1:
        found = by_village(year)
    return found


def by_village(year: int, district: str | None = None) -> list[Figure]:
    stmt = _spending(year, Line.village_code).group_by(Line.village_code)
    if district:
        stmt = stmt.where(Line.village_code.like(f"{district}.%"))
    rows = db.session.execute(stmt).all()
    names = _names([r[0] for r in rows])
    return sorted((Figure(code, names.get(code, code), int(b or 0), int(r or 0)) for code, b, r in rows),
                  key=lambda f: f.key)


def by_district(year: int) -> list[Figure]:
    district = func.substr(Line.village_code, 1, 8)
    rows = db.session.execute(_spending(year, district).group_by(district)).all()
    names = _names([r[0] for r in rows])
    return sorted((Figure(code, names.get(code, code), int(b or 0), int(r or 0)) for code, b, r in rows),
                  key=lambda f: f.key)


def by_source(year: int, district: str | None = None) -> list[Figure]:
    stmt = _spending(year, Line.source).group_by(Line.source)
    if district:
        stmt = stmt.where(Line.village_code.like(f"{district}.%"))
    return [Figure(s, s, int(b or 0), int(r or 0)) for s, b, r in db.session.execute(stmt.order_by(Line.source))]


def by_bidang(year: int, names: dict[str, str], district: str | None = None) -> list[Figure]:
    bidang = func.substr(Line.kegiatan, 1, 1)
    stmt = _spending(year, bidang).group_by(bidang)
    if district:
        stmt = stmt.where(Line.village_code.like(f"{district}.%"))
    return [Figure(k, names.get(k, k), int(b or 0), int(r or 0))
            for k, b, r in db.session.execute(stmt.order_by(bidang))]


def _names(codes: list[str]) -> dict[str, str]:
    if not codes:
        return {}
    return dict(db.session.execute(select(Region.code, Region.name).where(Region.code.in_(codes))).all())
