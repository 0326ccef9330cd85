"""The dashboard's figures: aid paid by programme, desa and month (from the core's payment entries, so every
figure is the sum of its entries), coverage of deciles 1 and 2 per desa, death benefits paid within their SLA."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import false, or_, select

from egovkit.auth import roles as roles_mod, scope
from egovkit.db import db
from egovkit.models import Region
from egovkit.services import payments

from .models import DEATH, DeathCase, DeathClaim, Decile

READ = "social_aid.read"
DEATH_KEY, HIBAH_KEY = "santunan_kematian", "hibah"


@dataclass
class Cell:
    programme: str
    village_code: str | None
    month: str
    entries: int = 0
    total: int = 0


@dataclass
class Coverage:
    village_code: str
    poorest: int = 0  # households (or persons) of deciles 1-2 in the decile data
    covered: int = 0  # of them, paid a bansos this year

    @property
    def share(self) -> float:
        return self.covered / self.poorest if self.poorest else 0.0


@dataclass
class Summary:
    year: int
    cells: list[Cell]
    by_programme: dict[str, int]
    total: int
    coverage: list[Coverage]
    deaths_paid: int
    deaths_within_sla: int
    deaths_waiting_past_sla: int
    sla_days: int | None
    names: dict[str, str] = field(default_factory=dict)  # programme key -> name; village code -> name


def _reach(region_col, agency_col):
    """The viewer's reach over rows with these columns (None: everything)."""
    held = roles_mod.granted_roles(current_app.extensions["egovkit"].profile, READ)
    grants = scope.grants(roles=held)
    if any(g.everything for g in grants):
        return None
    clauses = []
    for g in grants:
        if g.region is not None:
            clauses.append(or_(region_col == g.region, region_col.startswith(g.region + ".")))
        elif g.agency is not None:
            if agency_col is None:  # data with no agency (deciles): agency staff see the regency's
                return None
            clauses.append(agency_col == g.agency)
    return or_(*clauses) if clauses else false()


def programme_of(kind: str, payable_id: str) -> str:
    if kind == DEATH.name:
        return DEATH_KEY
    if kind == HIBAH_KEY:
        return HIBAH_KEY
    return payable_id.split(":", 1)[0]


def summary(year: int) -> Summary:
    P = payments.Payment
    stmt = select(P.kind, P.payable_id, P.region_code, P.month, P.amount).where(
        P.module == "social_aid", P.direction == "out", P.month >= f"{year:04d}-01", P.month <= f"{year:04d}-12")
    reach = _reach(P.region_code, P.agency_code)
    if reach is not None:
        stmt = stmt.where(reach)
    cells: dict[tuple, Cell] = {}
    paid_subjects: set[str] = set()
    for kind, payable_id, region, month, amount in db.session.execute(stmt):
        key = programme_of(kind, payable_id)
        cell = cells.setdefault((key, region, month), Cell(key, region, month))
        cell.entries += 1
        cell.total += int(amount)
        if kind == "benefit" and amount > 0:
            paid_subjects.add(payable_id.rsplit(":", 1)[1])
    ordered = sorted(cells.values(), key=lambda c: (c.programme, c.village_code or "", c.month))
    by_programme: dict[str, int] = defaultdict(int)
    for c in ordered:
        by_programme[c.programme] += c.total
    coverage: dict[str, Coverage] = {}
    dstmt = select(Decile.village_code, Decile.kk, Decile.nik).where(Decile.decile <= 2,
                                                                    Decile.village_code.is_not(None))
    dreach = _reach(Decile.village_code, None)
    if dreach is not None:
        dstmt = dstmt.where(dreach)
    for village, kk, nik in db.session.execute(dstmt):
        row = coverage.setdefault(village, Coverage(village))
        row.poorest += 1
        row.covered += (kk in paid_subjects) or (nik in paid_subjects)
    benefit = current_app.extensions["egovkit"].profile.modules["social_aid"].death_benefit
    paid = within = waiting = 0
    if benefit is not None:
        cstmt = select(DeathClaim.filed_on, DeathCase.nik).join(DeathCase, DeathCase.id == DeathClaim.death_id) \
            .where(DeathClaim.active_key.is_not(None))
        creach = _reach(DeathClaim.village_code, DeathClaim.agency_code)
        if creach is not None:
            cstmt = cstmt.where(creach)
        claims = db.session.execute(cstmt).all()
        standing = payments.standing(DEATH, [nik for _filed, nik in claims])
        today = payments.today()
        for filed_on, nik in claims:
            payment = standing.get(nik)
            if payment is not None and payment.paid_on.year == year:
                paid += 1
                within += (payment.paid_on - filed_on).days <= benefit.sla_days
            elif payment is None and (today - filed_on).days > benefit.sla_days:
                waiting += 1
    names = {k: p.name for k, p in current_app.extensions["egovkit"].profile.modules["social_aid"].programmes.items()}
    names.update({DEATH_KEY: "Santunan kematian", HIBAH_KEY: "Hibah"})
    codes = {c.village_code for c in ordered if c.village_code} | set(coverage)
    if codes:
        names.update(dict(db.session.execute(select(Region.code, Region.name).where(Region.code.in_(codes))).all()))
    return Summary(year, ordered, dict(by_programme), sum(c.total for c in ordered),
                   sorted(coverage.values(), key=lambda c: c.village_code), paid, within, waiting,
                   benefit.sla_days if benefit else None, names)

