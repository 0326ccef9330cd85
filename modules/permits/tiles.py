"""The regent's dashboard tile of permits: applications decided within their SLA (egovkit.services.tiles).
Applications are filed at the regency's one-stop office, not in a desa: the tile is regency-wide."""
from __future__ import annotations

from flask_babel import gettext as _

from egovkit.services import tiles


def within_sla(reach: tiles.Reach, region: str | None) -> tiles.Figure | None:
    if not reach.whole(region):
        return None
    return tiles.service(reach, region, module="permits", caption=_("of permit applications decided within the SLA"),
                         link=("permits.index", "permits.read"))
