"""The regent's dashboard tiles of the population register and village letters (egovkit.services.tiles):
population from the counter tables the triggers keep, letters from their workflow cases."""
from __future__ import annotations

from datetime import timedelta

from flask_babel import format_decimal, gettext as _
from sqlalchemy import func, select

from egovkit.db import db
from egovkit.models import utcnow
from egovkit.services import tiles, workflow

from .models import FamilyCount, PopulationCount, PopulationTotal

PAGE = ("smart_kampung.dashboard", "smart_kampung.residents.read")


def population(reach: tiles.Reach, region: str | None) -> tiles.Figure:
    if reach.whole(region):  # the regency's totals: ~190 rows
        by_sex = dict(db.session.execute(select(PopulationTotal.sex, func.sum(PopulationTotal.n))
                                         .group_by(PopulationTotal.sex)).all())
    else:
        by_sex = dict(db.session.execute(select(PopulationCount.sex, func.sum(PopulationCount.n))
                                         .where(reach.where(PopulationCount.village_code, region))
                                         .group_by(PopulationCount.sex)).all())
    families = db.session.scalar(select(func.coalesce(func.sum(FamilyCount.n), 0))
                                 .where(reach.where(FamilyCount.village_code, region)))
    men, women = int(by_sex.get("L") or 0), int(by_sex.get("P") or 0)
    return tiles.Figure(format_decimal(men + women), _("residents"),
                        ((_("Men"), format_decimal(men)), (_("Women"), format_decimal(women)),
                         (_("Family cards"), format_decimal(int(families or 0)))), link=PAGE)


def letters(reach: tiles.Reach, region: str | None) -> tiles.Figure:
    level = workflow.service_level(since=utcnow() - timedelta(days=30), workflows=("smart_kampung.letter",),
                                   where=reach.where(workflow.Case.region_code, region), final=("issued",),
                                   median=True)
    median = "-" if level.median_hours is None else _("%(hours)s hours", hours=format_decimal(level.median_hours))
    share = level.within_sla
    return tiles.Figure(format_decimal(level.closed), _("letters served in the last 30 days"),
                        ((_("Median time to serve"), median), (_("Within the promised time"), tiles.percent(share)),
                         (_("Open, overdue"), format_decimal(level.overdue))),
                        share=share, tone=tiles.tone(share), link=("smart_kampung.letters", "smart_kampung.letters.read"))

