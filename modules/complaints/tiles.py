"""The regent's dashboard tile of complaints: handled within the SLA (egovkit.services.tiles), for the
complaints about places within the viewer's reach (the desa each complaint names)."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from egovkit.services import tiles, workflow

from .models import Complaint


def within_sla(reach: tiles.Reach, region: str | None) -> tiles.Figure:
    where = None
    if not reach.whole(region):
        where = workflow.Case.id.in_(select(Complaint.case_id).where(reach.where(Complaint.village_code, region)))
    return tiles.service(reach, region, module="complaints", caption=_("of complaints handled within the SLA"),
                         link=("complaints.index", "complaints.handle"), where=where)
