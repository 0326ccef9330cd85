"""The regent's dashboard tile: the latest SPBE self-assessment's index and predicate (regency-wide)."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from egovkit.db import db
from egovkit.services import tiles

from .models import Assessment


def index(reach: tiles.Reach, region: str | None) -> tiles.Figure | None:
    from .catalogue import edition
    from .views import score_of

    if not reach.whole(region):
        return None
    assessments = db.session.scalars(select(Assessment).order_by(Assessment.year.desc()).limit(2)).all()
    if not assessments:
        return tiles.Figure("-", _("no assessment yet"), link=("spbe.index", "spbe.read"))
    latest = score_of(assessments[0])
    rows = [(_("Predicate"), latest.predicate),
            (_("Indicators assessed"), f"{latest.assessed} / {len(edition(assessments[0].edition).indicators)}")]
    if len(assessments) > 1:
        rows.append((_("%(year)s index", year=assessments[1].year), str(score_of(assessments[1]).index)))
    return tiles.Figure(str(latest.index), _("index %(year)s (of 5)", year=assessments[0].year), tuple(rows),
                        share=float(latest.index) / 5, tone=tiles.tone(float(latest.index) / 5, 0.7, 0.52),
                        link=("spbe.index", "spbe.read"))
