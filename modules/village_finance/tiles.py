"""The regent's dashboard tile of village finance: absorption of the APBDes in force this year, from the
module's dashboard figures, within the viewer's reach (egovkit.services.tiles)."""
from __future__ import annotations

from flask_babel import gettext as _

from egovkit.services import tiles
from egovkit.web.views import rupiah

from . import dashboard
from .models import Line


def absorption(reach: tiles.Reach, region: str | None) -> tiles.Figure:
    year = dashboard.budget_today().year
    budget, realised = dashboard.totals(year, reach.where(Line.village_code, region))
    share = realised / budget if budget else None
    expected = dashboard.expected_share(year)
    return tiles.Figure(tiles.percent(share), _("of the %(year)s APBDes spent", year=year),
                        ((_("Spending budget"), rupiah(budget)), (_("Realised"), rupiah(realised)),
                         (_("Even pace by today"), tiles.percent(expected))),
                        share=share, tone=tiles.tone(None if share is None or not expected else share / expected),
                        link=("village_finance.dashboard", "village_finance.budget.read"))
