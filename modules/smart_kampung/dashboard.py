"""The village dashboard: population by sex and age, families, letters served,
time to serve, overdue requests; per village, district or regency, always
within the viewer's reach. Population and families come from the counter
tables that database triggers keep (PopulationCount, FamilyCount, and
PopulationTotal for a viewer who reaches the whole regency) instead of
every resident."""
from __future__ import annotations

from datetime import timedelta
from statistics import median

from sqlalchemy import func, select

from egovkit.services import workflow
from egovkit.auth import scope
from egovkit.db import db
from egovkit.models import Region, as_utc, utcnow

from .models import FamilyCount, Letter, PopulationCount, PopulationTotal

AGE_GROUPS = [(lo, lo + 4) for lo in range(0, 75, 5)] + [(75, 200)]


def population(today_year: int) -> dict:
    """{"groups": [(label, men, women)], "men": n, "women": n} for residents alive within reach."""
    if scope.reaches_all():  # the regency's totals (~190 rows), not a sum over every village's
        stmt = select(PopulationTotal.sex, PopulationTotal.birth_year, PopulationTotal.n)
    else:
        stmt = scope.visible(select(PopulationCount.sex, PopulationCount.birth_year, func.sum(PopulationCount.n))
                             .group_by(PopulationCount.sex, PopulationCount.birth_year), PopulationCount)
    counts = {(lo, "L"): 0 for lo, _ in AGE_GROUPS} | {(lo, "P"): 0 for lo, _ in AGE_GROUPS}
    for sex, year, n in db.session.execute(stmt):
        age = today_year - int(year)
        lo = next(lo for lo, hi in AGE_GROUPS if lo <= age <= hi) if age >= 0 else 0
        counts[(lo, sex)] += int(n)
    groups = [(f"{lo}-{hi}" if hi < 200 else f"{lo}+", counts[(lo, "L")], counts[(lo, "P")]) for lo, hi in AGE_GROUPS]
    return {"groups": groups, "men": sum(g[1] for g in groups), "women": sum(g[2] for g in groups)}


def letters_summary() -> dict:
    now = utcnow()
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    issued = (select(Letter.created_at, workflow.Step.at)
              .join(workflow.Case, workflow.Case.id == Letter.case_id)
              .join(workflow.Step, (workflow.Step.case_id == workflow.Case.id) & (workflow.Step.to_state == "issued"))
              .where(workflow.Step.at >= now - timedelta(days=90)))
    durations, this_month = [], 0
    for created, done in db.session.execute(scope.visible(issued, Letter)):
        durations.append((as_utc(done) - as_utc(created)).total_seconds() / 3600)
        this_month += as_utc(done) >= month_start
    overdue = db.session.scalar(scope.visible(
        select(func.count()).select_from(Letter).join(workflow.Case, workflow.Case.id == Letter.case_id)
        .where(workflow.Case.closed.is_(False), workflow.Case.due_at < now), Letter))
    return {"served_this_month": this_month, "median_hours": round(median(durations), 1) if durations else None,
            "overdue": overdue}


def by_district() -> list[tuple[str, str, int, int]]:
    """(district code, name, residents, families) within reach."""
    people: dict[str, int] = {}
    # grouped by village, in the table's key order (no sort), then summed per district here: 217 rows
    for village, n in db.session.execute(scope.visible(
            select(PopulationCount.village_code, func.sum(PopulationCount.n)).group_by(PopulationCount.village_code),
            PopulationCount)):
        if n:
            people[village[:8]] = people.get(village[:8], 0) + int(n)
    fdistrict = func.substr(FamilyCount.village_code, 1, 8)
    families = {code: int(n) for code, n in db.session.execute(scope.visible(
        select(fdistrict, func.sum(FamilyCount.n)).group_by(fdistrict), FamilyCount))}
    names = dict(db.session.execute(select(Region.code, Region.name).where(Region.code.in_(list(people)))).all())
    return [(code, names.get(code, code), people[code], families.get(code, 0)) for code in sorted(people)]


def families_count() -> int:
    return int(db.session.scalar(scope.visible(select(func.sum(FamilyCount.n)), FamilyCount)) or 0)
