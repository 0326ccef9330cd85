"""Dashboard tiles: the figures modules give the regent's dashboard (bupati, sekda; a camat for a kecamatan).

A module declares ``Module.tiles = (Tile(name, title, "pkg.mod:func"),)``; ``func(reach, region)`` returns a
``Figure`` (or None) computed from the module's own tables within ``reach.where(column, region)``. The core
owns the page (egovkit/web/dashboard.py): which tiles (those of enabled modules only), the viewer's reach,
the drill-down to kecamatan and desa, and the cache (``egovkit.web.cache.memo``, five minutes per tile,
reach, region and language). So the dashboard never reads a module's tables, and a module that is off
gives no tile.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import and_, false, or_, true

from ..auth import scope
from ..modules import Module, Tile, import_path

PERMISSION = "dashboard.read"
TTL = 300  # seconds a tile's figure is kept (egovkit.web.cache.memo)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reach:
    """The regions a viewer's dashboard covers: None is the whole regency, else region codes (a kecamatan,
    a desa) and everything below them."""

    regions: tuple[str, ...] | None

    def covers(self, code: str) -> bool:
        return self.regions is None or any(code == r or code.startswith(r + ".") for r in self.regions)

    def where(self, column, region: str | None = None):
        """A clause on ``column`` (a region code column: a desa's, a kecamatan's, a case's) selecting the
        rows of ``region`` (None: all of the reach) that lie within the reach."""
        parts = []
        if self.regions is not None:
            parts.append(or_(*[_within(column, r) for r in self.regions]) if self.regions else false())
        if region is not None and not _is_regency(region):
            parts.append(_within(column, region))
        return and_(true(), *parts)

    def prefixes(self, region: str | None = None) -> list[str] | None:
        """The region codes whose subtrees a figure sums (None: the whole regency), for code that rolls up
        counters in Python rather than in SQL."""
        if region is not None and not _is_regency(region):
            return [region]
        return None if self.regions is None else list(self.regions)

    def whole(self, region: str | None = None) -> bool:
        """Whether ``region`` within this reach is the whole regency (a regency-wide total may be read)."""
        return self.regions is None and (region is None or _is_regency(region))


def _is_regency(code: str) -> bool:
    return code == current_app.extensions["egovkit"].profile.regency.code


def _within(column, code: str):
    return scope._within(column, code)


@dataclass(frozen=True)
class Figure:
    """What a tile shows: a headline value with its caption, a few label/value rows, an optional share
    (0..1, drawn as a bar) and tone ("good", "warn", "bad" or ""), and an optional link to the module's page
    as (endpoint, permission): shown only to a viewer holding the permission (figures are cached per reach,
    not per person)."""

    value: str
    caption: str = ""
    rows: tuple[tuple[str, str], ...] = ()
    share: float | None = None
    tone: str = ""
    link: tuple[str, str] | None = None


@dataclass(frozen=True)
class Shown:
    """One tile on the page: its module, its title in the viewer's language, its figure (None: failed)."""

    module: str
    name: str
    title: str
    figure: Figure | None
    failed: bool = field(default=False)


def reach_of(user=None) -> Reach | None:
    """The viewer's dashboard reach through the roles holding ``dashboard.read`` (None: no reach at all)."""
    regency = current_app.extensions["egovkit"].profile.regency.code
    regions = []
    for grant in scope.grants(user, current_app.extensions["egovkit"].profile.roles_with(PERMISSION)):
        if grant.everything or (grant.region == regency and grant.agency is None and grant.owner is None):
            return Reach(None)
        if grant.region is not None and grant.agency is None and grant.owner is None:
            regions.append(grant.region)
    if not regions:
        return None
    kept = sorted(r for r in set(regions) if not any(r != o and r.startswith(o + ".") for o in regions))
    return Reach(tuple(kept))


def declared(modules: list[Module]) -> list[tuple[Module, Tile]]:
    """The tiles of the enabled modules, in the modules' order."""
    return [(module, tile) for module in modules for tile in module.tiles]


def collect(reach: Reach, region: str | None, locale: str) -> list[Shown]:
    """Each enabled module's tiles for ``region`` within ``reach``, from the cache when fresh. A tile that
    raises is logged and shown as not available; the others are shown."""
    from ..web.cache import memo

    out = []
    for module, tile in declared(current_app.extensions["egovkit"].modules):
        title = tile.title.get(locale) or tile.title.get("en") or next(iter(tile.title.values()))
        try:
            figure = memo(("tile", module.name, tile.name, reach.regions, region, locale), TTL,
                          lambda tile=tile: import_path(tile.figure)(reach, region))
        except Exception:  # noqa: BLE001  one module's failure must not take the regent's page down
            log.exception("dashboard tile %s.%s failed", module.name, tile.name)
            out.append(Shown(module.name, tile.name, title, None, failed=True))
            continue
        if figure is not None:
            out.append(Shown(module.name, tile.name, title, figure))
    return out


def percent(share: float | None) -> str:
    """A share as the viewer's language writes a percentage ("87%"); "-" when there is none."""
    from flask_babel import format_percent

    return "-" if share is None else format_percent(share)


def tone(share: float | None, good: float = 0.9, warn: float = 0.7) -> str:
    """"good", "warn" or "bad" for a share against two thresholds; "" without a share."""
    if share is None:
        return ""
    return "good" if share >= good else ("warn" if share >= warn else "bad")


def service(reach: Reach, region: str | None, *, days: int = 90, module: str | None = None, workflows=None,
            final=None, caption: str, link: tuple[str, str] | None = None, where=None) -> Figure:
    """The usual tile of a service run as workflow cases: requests of the last ``days``, the share closed
    within the SLA, open and overdue (egovkit.services.workflow.service_level within the reach: the cases'
    region, or ``where``, a clause on Case the module makes from its own records' regions)."""
    from datetime import timedelta

    from flask_babel import format_decimal, gettext as _

    from ..models import utcnow
    from . import workflow

    level = workflow.service_level(since=utcnow() - timedelta(days=days), module=module, workflows=workflows,
                                   where=reach.where(workflow.Case.region_code, region) if where is None else where,
                                   final=final)
    share = level.within_sla
    return Figure(percent(share), caption,
                  ((_("Received in %(days)s days", days=days), format_decimal(level.started)),
                   (_("Closed"), format_decimal(level.closed)), (_("Open"), format_decimal(level.open)),
                   (_("Open, overdue"), format_decimal(level.overdue))),
                  share=share, tone=tone(share), link=link)
