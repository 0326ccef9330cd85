"""What the regent's dashboard asks of e-SAKIP (docs/sakip.md, "For the dashboard"): the achievement of each
agency's Renstra in a year, without a request or a signed-in user (the dashboard applies the viewer's reach)."""
from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from flask import current_app
from sqlalchemy import select

from egovkit.db import db

from .achievement import cards
from .models import Plan


class Achievement(NamedTuple):
    agency: str  # core_agency.code
    name: str  # the agency's name from the profile
    percent: Decimal | None  # mean of its indicators' capped achievement; None: nothing verified yet
    indicators: int  # indicators measured (a verified realisation and a target this year)


def achievement(year: int) -> list[Achievement]:
    """Per agency with a Renstra covering ``year`` (the regency's RPJMD excluded), by agency name."""
    names = {a.code: a.name for a in current_app.extensions["egovkit"].profile.agencies}
    cap = current_app.extensions["egovkit"].profile.modules["sakip"].achievement_cap
    plans = db.session.scalars(select(Plan).where(Plan.level == "agency", Plan.first_year <= year,
                                                  Plan.last_year >= year)).all()
    out = []
    for plan, c in zip(plans, cards(plans, year, cap).values(), strict=True):
        out.append(Achievement(plan.agency_code, names.get(plan.agency_code, plan.agency_code), c.average,
                               len(c.measured)))
    return sorted(out, key=lambda a: a.name)
