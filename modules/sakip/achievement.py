"""Achievement of an indicator (docs/sakip.md, "Achievement"): the year's value from its verified quarters,
against the year's target, with the indicator's direction; the scorecard of a plan and year."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flask import current_app
from sqlalchemy import select

from egovkit.db import db
from egovkit.i18n import N_
from egovkit.services import workflow

from .models import Goal, Indicator, Plan, Realisation, Target

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
# Permendagri 86/2017, the rating scale of the achievement of performance (skala nilai peringkat kinerja)
CATEGORIES = ((Decimal(91), "very_high", N_("Very high")), (Decimal(76), "high", N_("High")),
              (Decimal(66), "medium", N_("Medium")), (Decimal(51), "low", N_("Low")),
              (None, "very_low", N_("Very low")))
IN_DOCUMENTS = {"very_high": "Sangat tinggi", "high": "Tinggi", "medium": "Sedang", "low": "Rendah",
                "very_low": "Sangat rendah"}  # documents (LKjIP) are in Indonesian
AGGREGATIONS = {"last": N_("Last quarter"), "sum": N_("Sum of the quarters"), "average": N_("Average of the quarters")}
DIRECTIONS = {"up": N_("Higher is better"), "down": N_("Lower is better")}


def achievement(direction: str, target: Decimal | None, value: Decimal | None) -> Decimal | None:
    """Percent achieved: value/target*100 when higher is better, (2*target - value)/target*100 when lower is
    better; None without a target (or a zero one) or a value."""
    if target is None or value is None or target == 0:
        return None
    try:
        percent = (value if direction == "up" else 2 * target - value) / target * HUNDRED
    except InvalidOperation:
        return None
    return percent.quantize(CENT, rounding=ROUND_HALF_UP)


def capped(percent: Decimal | None, cap: int | None = None) -> Decimal | None:
    """The percentage as shown and averaged: between 0 and the profile's cap."""
    if percent is None:
        return None
    if cap is None:
        cap = current_app.extensions["egovkit"].profile.modules["sakip"].achievement_cap
    return min(max(percent, Decimal(0)), Decimal(cap))


def annual(aggregation: str, quarters: dict[int, Decimal]) -> Decimal | None:
    """The year's value from the quarters known: the latest, their sum, or their average."""
    if not quarters:
        return None
    if aggregation == "last":
        return quarters[max(quarters)]
    total = sum(quarters.values(), Decimal(0))
    if aggregation == "sum":
        return total
    return (total / len(quarters)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def category(percent: Decimal | None) -> tuple[str, str] | None:
    if percent is None:
        return None
    for bound, key, title in CATEGORIES:
        if bound is None or percent >= bound:
            return key, title
    return None


def translated_category(cat: tuple[str, str] | None) -> str:
    return IN_DOCUMENTS[cat[0]] if cat else ""


@dataclass
class Row:
    tujuan: Goal | None
    sasaran: Goal
    indicator: Indicator
    target: Decimal | None
    quarters: dict[int, Decimal] = field(default_factory=dict)  # verified
    pending: dict[int, Decimal] = field(default_factory=dict)  # entered, not yet verified
    value: Decimal | None = None
    percent: Decimal | None = None  # as computed
    shown: Decimal | None = None  # capped
    category: tuple[str, str] | None = None


@dataclass
class Card:
    plan: Plan
    year: int
    rows: list[Row]

    @property
    def measured(self) -> list[Row]:
        return [r for r in self.rows if r.shown is not None]

    @property
    def average(self) -> Decimal | None:
        """The mean of the capped achievements of the indicators measured this year."""
        measured = self.measured
        if not measured:
            return None
        return (sum((r.shown for r in measured), Decimal(0)) / len(measured)).quantize(CENT, rounding=ROUND_HALF_UP)


def row_of(ind: Indicator, tujuan: Goal | None, sasaran: Goal, target: Decimal | None,
           realised: list[tuple[int, Decimal, str]], cap: int | None = None) -> Row:
    """One indicator in one year: ``realised`` is (quarter, value, case state); verified ones count."""
    row = Row(tujuan, sasaran, ind, target,
              {q: v for q, v, state in realised if state == "verified"},
              {q: v for q, v, state in realised if state != "verified"})
    row.value = annual(ind.aggregation, row.quarters)
    row.percent = achievement(ind.direction, row.target, row.value)
    row.shown = capped(row.percent, cap)
    row.category = category(row.shown)
    return row


def card(plan: Plan, year: int, cap: int | None = None) -> Card:
    """Every indicator of the plan with its target, quarters, year's value and achievement in ``year``."""
    return cards([plan], year, cap)[plan.id]


def cards(plans: list[Plan], year: int, cap: int | None = None) -> dict[int, Card]:
    """Plan id -> its card in ``year``, for many plans in four queries whatever their number (the regency's
    agencies on the dashboard)."""
    ids = [p.id for p in plans]
    if not ids:
        return {}
    goals = {g.id: g for g in db.session.scalars(select(Goal).where(Goal.plan_id.in_(ids)))}
    indicators = db.session.scalars(select(Indicator).where(Indicator.plan_id.in_(ids))).all()
    targets = dict(db.session.execute(
        select(Target.indicator_id, Target.value).join(Indicator, Indicator.id == Target.indicator_id)
        .where(Indicator.plan_id.in_(ids), Target.year == year)).all())
    realised: dict[int, list] = {}
    for ind, quarter, value, state in db.session.execute(
            select(Realisation.indicator_id, Realisation.quarter, Realisation.value, workflow.Case.state)
            .join(workflow.Case, workflow.Case.id == Realisation.case_id)
            .join(Indicator, Indicator.id == Realisation.indicator_id)
            .where(Indicator.plan_id.in_(ids), Realisation.year == year)):
        realised.setdefault(ind, []).append((quarter, value, state))
    if cap is None:
        cap = current_app.extensions["egovkit"].profile.modules["sakip"].achievement_cap
    rows: dict[int, list[Row]] = {i: [] for i in ids}
    for ind in indicators:
        sasaran = goals[ind.goal_id]
        rows[ind.plan_id].append(row_of(ind, goals.get(sasaran.parent_id), sasaran, targets.get(ind.id),
                                        realised.get(ind.id, []), cap))
    for found in rows.values():
        found.sort(key=lambda r: (_natural(r.tujuan.code if r.tujuan else ""), _natural(r.sasaran.code),
                                  _natural(r.indicator.code)))
    return {p.id: Card(p, year, rows[p.id]) for p in plans}


def _natural(code: str) -> tuple:
    """'S1.10' after 'S1.9'."""
    import re

    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", code))
