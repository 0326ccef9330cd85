"""The regent's dashboard tile of social aid: beneficiaries this year within the viewer's reach and, for the
whole regency, how many of the poorest households in the DTSEN data (deciles 1-2) they cover
(egovkit.services.tiles)."""
from __future__ import annotations

from flask_babel import format_decimal, gettext as _
from sqlalchemy import func, select

from egovkit.db import db
from egovkit.services import payments, tiles, workflow

from .models import Decile, Proposal

POOREST = 2  # deciles 1 and 2


def coverage(reach: tiles.Reach, region: str | None) -> tiles.Figure:
    year = str(payments.today().year)
    standing = (select(Proposal.decile, workflow.Case.state, func.count())
                .join(workflow.Case, workflow.Case.id == Proposal.case_id)
                .where(Proposal.active_key.is_not(None), Proposal.period >= year, Proposal.period < str(int(year) + 1),
                       workflow.Case.state.in_(("approved", "paid")), reach.where(Proposal.village_code, region))
                .group_by(Proposal.decile, workflow.Case.state))
    beneficiaries = paid = poorest = 0
    for decile, state, n in db.session.execute(standing):
        beneficiaries += n
        paid += n if state == "paid" else 0
        poorest += n if decile is not None and decile <= POOREST else 0
    rows = [(_("Paid"), format_decimal(paid)), (_("Of them in deciles 1-2"), format_decimal(poorest))]
    share = None
    if reach.whole(region):
        known = int(db.session.scalar(select(func.count()).select_from(Decile).where(Decile.decile <= POOREST)) or 0)
        share = poorest / known if known else None
        rows.append((_("Deciles 1-2 covered (DTSEN)"), tiles.percent(share)))
    return tiles.Figure(format_decimal(beneficiaries), _("beneficiaries in %(year)s", year=year), tuple(rows),
                        share=share, link=("social_aid.index", "social_aid.read"))
