"""The regent's dashboard tile of local tax: revenue and compliance of last month (egovkit.services.tiles),
from the revenue agency's own dashboard figures. Tax objects belong to the agency, not to a desa: the tile
is regency-wide."""
from __future__ import annotations

from flask_babel import format_decimal, gettext as _
from sqlalchemy import true

from egovkit.services import tiles
from egovkit.web.views import rupiah

from . import dashboard, service


def revenue(reach: tiles.Reach, region: str | None) -> tiles.Figure | None:
    if not reach.whole(region):
        return None
    period = service.last_month()
    data = dashboard.summary(period, where=true())
    share = data.paid / data.billed if data.billed else None
    return tiles.Figure(rupiah(data.paid), _("paid in %(year)s", year=period[:4]),
                        ((_("Billed"), rupiah(data.billed)), (_("Paid of billed"), tiles.percent(share)),
                         (_("Declared in %(period)s", period=period),
                          f"{format_decimal(data.declared)} / {format_decimal(data.objects)}"),
                         (_("Compliance"), tiles.percent(data.compliance if data.objects else None))),
                        share=data.compliance if data.objects else None,
                        tone=tiles.tone(data.compliance if data.objects else None), link=("etax.dashboard", "etax.dashboard"))
