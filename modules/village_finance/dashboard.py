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

from .budget import chart as budget_chart
from .budget import today as budget_today
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
    today = today or budget_today()
    if today.year != year:
        return 1.0 if today.year > year else 0.0
    return (today.timetuple().tm_yday) / (366 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 365)


def light(share: float, expected: float, yellow: float, red: float) -> str:
    """green, yellow or red: absorption against the even pace, with the profile's thresholds (ratios)."""
    if expected <= 0:
        return "green"
    pace = share / expected
    return "green" if pace >= yellow else ("yellow" if pace >= red else "red")


def summary(year: int, district: str | None = None) -> dict[str, list[Figure]]:
    """Absorption per unit (desa of one kecamatan, else kecamatan; desa when only one kecamatan is in
    reach), per source of funds and per bidang: one scan of the year's lines in force, rolled up here."""
    bidang = func.substr(Line.kegiatan, 1, 1)
    stmt = (select(Line.village_code, Line.source, bidang, func.sum(Line.amount), func.sum(Line.realised))
            .join(Budget, Budget.id == Line.budget_id)
            .where(Budget.year == year, Budget.in_force.is_(True), Line.account.like("5%"))
            .group_by(Line.village_code, Line.source, bidang))
    if district:
        stmt = stmt.where(Line.village_code.like(f"{district}.%"))
    rows = db.session.execute(scope.visible(stmt, Line, permission="village_finance.budget.read")).all()
    chart = budget_chart()
    per_village = _roll((code, b, r) for code, _, _, b, r in rows)
    per_district = _roll((code[:8], b, r) for code, _, _, b, r in rows)
    units = per_village if district or len(per_district) <= 1 else per_district
    names = _names(list(units))
    return {"units": [Figure(k, names.get(k, k), b, r) for k, (b, r) in sorted(units.items())],
            "sources": [Figure(k, chart.source_name(k), b, r)
                        for k, (b, r) in sorted(_roll((s, b, r) for _, s, _, b, r in rows).items())],
            "bidang": [Figure(k, chart.kegiatan_name(k) or k, b, r)
                       for k, (b, r) in sorted(_roll((g or "", b, r) for _, _, g, b, r in rows).items())]}


def totals(year: int, where) -> tuple[int, int]:
    """(spending budget, realised) of the year's budgets in force within ``where`` (a clause on Line): one
    aggregate, for the regent's dashboard tile."""
    budget, realised = db.session.execute(
        select(func.coalesce(func.sum(Line.amount), 0), func.coalesce(func.sum(Line.realised), 0))
        .join(Budget, Budget.id == Line.budget_id)
        .where(Budget.year == year, Budget.in_force.is_(True), Line.account.like("5%"), where)).one()
    return int(budget), int(realised)


def _roll(triples) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {}
    for key, budget, realised in triples:
        b, r = out.get(key, (0, 0))
        out[key] = (b + int(budget or 0), r + int(realised or 0))
    return out


def _names(codes: list[str]) -> dict[str, str]:
    if not codes:
        return {}
    return dict(db.session.execute(select(Region.code, Region.name).where(Region.code.in_(codes))).all())
