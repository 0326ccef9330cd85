"""The regent's dashboard tile of e-SAKIP: the achievement of the agencies' Renstra indicators this year (or
last year, while nothing of this year is verified), regency-wide (agencies have no region), the three
weakest agencies listed (egovkit.services.tiles)."""
from __future__ import annotations

from flask_babel import format_decimal, gettext as _

from egovkit.services import payments, tiles

from .dashboard import achievement


def achievement_tile(reach: tiles.Reach, region: str | None) -> tiles.Figure | None:
    if not reach.whole(region):
        return None
    this = payments.today().year
    for year in (this, this - 1):  # early in a year nothing of it is verified yet: last year's figure
        measured = [a for a in achievement(year) if a.percent is not None]
        if measured:
            break
    else:
        return tiles.Figure("-", _("no verified realisation in %(year)s yet", year=this),
                            link=("sakip.index", "sakip.read"))
    average = sum(a.percent for a in measured) / len(measured)
    weakest = sorted(measured, key=lambda a: a.percent)[:3]
    rows = tuple((a.name, f"{format_decimal(round(a.percent, 1))}%") for a in weakest)
    share = float(average) / 100
    return tiles.Figure(f"{format_decimal(round(average, 1))}%",
                        _("mean achievement of %(n)s agencies in %(year)s", n=len(measured), year=year), rows,
                        share=min(share, 1.0), tone=tiles.tone(share), link=("sakip.index", "sakip.read"))
