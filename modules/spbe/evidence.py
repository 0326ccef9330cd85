"""What the kit can evidence itself, from what the instance runs: the facts (read from core tables and
seams only, never another module's tables) and the level they suggest for some indicators.

Facts, over the last 12 months:
- services online and used: requests per month per enabled module (workflow cases);
- integration: events delivered by the outbox to a handler of another module than the event's own;
- the audit trail: its hash chain verified end to end (egovkit.services.audit.verify);
- open data: the datasets published (egovkit.services.opendata) and the DCAT-AP catalogue;
- complaints: handled within their SLA (egovkit.services.workflow.service_level of the complaints cases);
- security settings in force: two-factor sign-in for staff roles, the session cookie, the audit.

Suggested levels (the assessor confirms or overrides each; docs/spbe.md gives the reasons):
- 18 Penggunaan Sistem Penghubung Layanan: 3 when events are delivered between modules, 4 from 3 pairs;
- 22 Penerapan Manajemen Keamanan Informasi: 3 with two-factor for every staff role and the audit trail
  intact, 2 with one of them, else 1;
- 42 Layanan Pengaduan: 2 when the complaints service is on, 3 once used (filed and tracked online);
- 43 Layanan Data Terbuka: 4 with a dataset published (files for anyone and a catalogue data portals harvest);
- 45-47 Layanan Publik Sektor 1-3: the three most requested services, 3 when used online, 4 when they
  exchange events with another module.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app, url_for
from flask_babel import format_decimal, gettext as _
from sqlalchemy import func, select

from egovkit.db import db
from egovkit.models import utcnow
from egovkit.services import audit, events, opendata, tiles, workflow

WINDOW_DAYS = 365
NOT_SERVICES = ("complaints", "spbe")  # complaints have their own indicator; the assessment is no service


@dataclass(frozen=True)
class Suggestion:
    level: int
    lines: tuple[str, ...]
    anchor: str  # the section of the proof page (spbe.proof) that shows it


@dataclass
class Facts:
    requests: dict[str, dict[str, int]]  # module -> month -> cases opened
    links: dict[tuple[str, str], int]  # (event name, handler's module) -> deliveries between modules
    audit_checked: int
    audit_problem: str | None
    datasets: list[tuple[str, str]]  # (module title, dataset title)
    complaints: workflow.ServiceLevel | None  # None: the complaints module is off
    two_factor: list[str]  # staff roles that must use two-factor sign-in
    without_two_factor: list[str]  # staff roles that need not
    secure_cookie: bool
    titles: dict[str, str] = field(default_factory=dict)  # module -> title

    @property
    def services(self) -> list[tuple[str, int]]:
        """(module, requests in the window), most requested first, of the enabled public services."""
        totals = [(m, sum(months.values())) for m, months in self.requests.items() if m not in NOT_SERVICES]
        return sorted((t for t in totals if t[1]), key=lambda t: (-t[1], t[0]))

    def linked(self, module: str) -> int:
        """Deliveries of events to or from ``module`` across modules."""
        return sum(n for (name, handler), n in self.links.items() if handler == module or _publisher(name) == module)


def _ext():
    return current_app.extensions["egovkit"]


def _publisher(event_name: str) -> str:
    """The module an event comes from, by the naming convention: workflow.<module>.<workflow>.<step>, else
    the event's first word (resident.died: the register's)."""
    parts = event_name.split(".")
    return parts[1] if parts[0] == "workflow" and len(parts) > 2 else parts[0]


def _handler_module(handler: str, packages: dict[str, str]) -> str | None:
    target = handler.partition(":")[0]
    return next((name for package, name in packages.items() if target == package or target.startswith(package + ".")),
                None)


def facts() -> Facts:
    ext = _ext()
    enabled = {m.name for m in ext.modules}
    since = utcnow() - timedelta(days=WINDOW_DAYS)
    requests = {m: months for m, months in workflow.requests_per_month(since=since).items() if m in enabled}
    packages = {m.package: m.name for m in ext.modules}
    links: dict[tuple[str, str], int] = {}
    for name, handler, n in db.session.execute(
            select(events.Event.name, events.Delivery.handler, func.count())
            .join(events.Delivery, events.Delivery.event_id == events.Event.id)
            .where(events.Delivery.status == "done", events.Delivery.updated_at >= since)
            .group_by(events.Event.name, events.Delivery.handler)):
        module = _handler_module(handler, packages)
        publisher = _publisher(name)
        if module is None or module == publisher or name.startswith(module + "."):
            continue
        links[(name, module)] = links.get((name, module), 0) + int(n)
    checked, problem = audit.verify(db.session)
    locale = "id"
    datasets = [(p.module.t("title", locale), p.dataset.title.get(locale) or p.dataset.title.get("en", ""))
                for p in opendata.published()]
    complaints = (workflow.service_level(since=since, module="complaints") if "complaints" in enabled else None)
    roles = ext.profile.roles
    staff = sorted(r for r, spec in roles.items() if spec.scope != "self")
    required = set(ext.profile.schema.sign_in.two_factor_roles)
    return Facts(requests, links, checked, problem, datasets, complaints,
                 [r for r in staff if r in required], [r for r in staff if r not in required],
                 bool(current_app.config.get("SESSION_COOKIE_SECURE")),
                 {m.name: m.t("title", locale) for m in ext.modules})


def suggestions(f: Facts) -> dict[int, Suggestion]:
    """Indicator number -> the level the facts suggest, with the lines that show why."""
    out: dict[int, Suggestion] = {}
    pairs = len(f.links)
    if pairs:
        out[18] = Suggestion(4 if pairs >= 3 else 3, (
            _("%(n)s deliveries of events between services in 12 months, %(pairs)s kinds of link.",
              n=format_decimal(sum(f.links.values())), pairs=pairs),), "integration")
    security = []
    if not f.without_two_factor:
        security.append(_("Two-factor sign-in is required for every staff role."))
    else:
        security.append(_("Two-factor sign-in is not required for: %(roles)s.", roles=", ".join(f.without_two_factor)))
    if f.audit_problem is None:
        security.append(_("The audit trail's hash chain is intact (%(n)s entries checked).",
                          n=format_decimal(f.audit_checked)))
    else:
        security.append(_("The audit trail's hash chain is broken: %(problem)s", problem=f.audit_problem))
    met = (not f.without_two_factor) + (f.audit_problem is None)
    out[22] = Suggestion(1 + met, tuple(security), "security")
    if f.complaints is not None:
        level = f.complaints
        lines = [_("The complaints service is online: %(n)s complaints filed in 12 months.",
                   n=format_decimal(level.started))]
        if level.within_sla is not None:
            lines.append(_("%(share)s of the closed complaints were handled within the SLA; %(overdue)s open "
                           "ones are overdue.", share=tiles.percent(level.within_sla), overdue=format_decimal(level.overdue)))
        out[42] = Suggestion(3 if level.started else 2, tuple(lines), "complaints")
    if f.datasets:
        out[43] = Suggestion(4, (_("%(n)s datasets published as CSV and JSON, listed in a DCAT-AP catalogue that "
                                   "data portals harvest.", n=len(f.datasets)),), "opendata")
    for number, (module, total) in zip((45, 46, 47), f.services, strict=False):
        linked = f.linked(module)
        lines = [_("%(service)s: %(n)s requests online in 12 months.", service=f.titles.get(module, module),
                   n=format_decimal(total))]
        if linked:
            lines.append(_("Exchanges data with other services: %(n)s event deliveries.", n=format_decimal(linked)))
        out[number] = Suggestion(4 if linked else 3, tuple(lines), "services")
    return out


def current() -> tuple[Facts, dict[int, Suggestion]]:
    """The facts and suggestions of the running instance, computed at most every five minutes per language."""
    from flask_babel import get_locale

    from egovkit.web.cache import memo

    def compute():
        f = facts()
        return f, suggestions(f)

    key = ("spbe.evidence", tuple(m.name for m in _ext().modules), str(get_locale()))
    return memo(key, 300, compute)


def proof_url(anchor: str) -> str:
    return url_for("spbe.proof") + "#" + anchor
