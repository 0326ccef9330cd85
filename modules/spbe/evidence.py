"""What the kit can evidence itself, from what the instance runs: the facts (read from core tables and
seams only, never another module's tables), the level they suggest for the indicators they evidence, and,
for every other indicator, why the kit cannot (the assessor fills it). Indicator numbers are those of
PermenPANRB 59/2020.

Facts, over the last 12 months:
- services online and used: requests per month per enabled module (workflow cases), each module counted
  under the kind of government service it declares (``Module.service_kind``, egovkit.modules.SERVICE_KINDS);
- integration: events delivered by the outbox to a handler of another module than the event's own;
- the audit trail: its hash chain verified end to end (egovkit.services.audit.verify);
- open data: the datasets published (egovkit.services.opendata) and the DCAT-AP catalogue;
- complaints: handled within their SLA (egovkit.services.workflow.service_level of the complaints cases);
- security settings in force: two-factor sign-in for staff roles, the session cookie, the audit.

Suggested levels (the assessor confirms or overrides each; docs/spbe.md gives the reasons):
- 18 Penggunaan Sistem Penghubung Layanan: 3 when events are delivered between modules, 4 from 3 pairs;
- 22 Penerapan Manajemen Keamanan Informasi: 3 with two-factor for every staff role and the audit trail
  intact, 2 with one of them, else 1;
- 32-42 and 44, the administration services, complaints and JDIH: for a kind of service an enabled
  module runs, 2 when it is on (requests can be made online), 3 once used (requests processed online),
  4 when used and it exchanges events with another module; no suggestion when no enabled module runs it;
- 43 Layanan Data Terbuka: 4 with a dataset published (files for anyone and a catalogue data portals harvest);
- 45-47 Layanan Publik Sektor 1-3: the three most requested public services, 3 when used online, 4 when
  they exchange events with another module.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app, url_for
from flask_babel import format_decimal, gettext as _
from sqlalchemy import func, select

from egovkit.db import db
from egovkit.models import utcnow
from egovkit.modules import available
from egovkit.services import audit, events, opendata, tiles, workflow

WINDOW_DAYS = 365
# the service indicators of domain 4 answered by a kind of service (egovkit.modules.SERVICE_KINDS)
SERVICE_INDICATORS = {32: "planning", 33: "budgeting", 34: "finance", 35: "procurement", 36: "staffing",
                      37: "archives", 38: "assets", 39: "supervision", 40: "performance",
                      41: "staff_performance", 42: "complaints", 44: "legal_information"}
PUBLIC_SECTORS = (45, 46, 47)  # the three most used public services ("public")


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
    complaints: workflow.ServiceLevel | None  # None: no complaints service is enabled
    two_factor: list[str]  # staff roles that must use two-factor sign-in
    without_two_factor: list[str]  # staff roles that need not
    secure_cookie: bool
    titles: dict[str, str] = field(default_factory=dict)  # module -> title
    kinds: dict[str, str] = field(default_factory=dict)  # enabled module -> the kind of service it is
    offered: dict[str, list[str]] = field(default_factory=dict)  # kind -> titles of modules installed, not on

    @property
    def services(self) -> list[tuple[str, int]]:
        """(module, requests in the window), most requested first, of the enabled public services used."""
        totals = [(m, self.used(m)) for m, kind in self.kinds.items() if kind == "public"]
        return sorted((t for t in totals if t[1]), key=lambda t: (-t[1], t[0]))

    def used(self, module: str) -> int:
        return sum(self.requests.get(module, {}).values())

    def of_kind(self, kind: str) -> list[str]:
        return sorted(m for m, k in self.kinds.items() if k == kind)

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
    kinds = {m.name: m.service_kind for m in ext.modules if m.service_kind}
    complaint_modules = sorted(m for m, k in kinds.items() if k == "complaints")
    complaints = (workflow.service_level(since=since, where=workflow.Case.module.in_(complaint_modules))
                  if complaint_modules else None)
    offered: dict[str, list[str]] = {}
    for name, module in sorted(available().items()):
        if module.service_kind and name not in enabled:
            offered.setdefault(module.service_kind, []).append(module.t("title", locale))
    roles = ext.profile.roles
    staff = sorted(r for r, spec in roles.items() if spec.scope != "self")
    required = set(ext.profile.schema.sign_in.two_factor_roles)
    return Facts(requests, links, checked, problem, datasets, complaints,
                 [r for r in staff if r in required], [r for r in staff if r not in required],
                 bool(current_app.config.get("SESSION_COOKIE_SECURE")),
                 {m.name: m.t("title", locale) for m in ext.modules}, kinds, offered)


def _service(f: Facts, kind: str) -> Suggestion | None:
    """The suggestion for a kind of service the enabled modules run (None: none runs it)."""
    modules = f.of_kind(kind)
    if not modules:
        return None
    used = sum(f.used(m) for m in modules)
    linked = sum(f.linked(m) for m in modules)
    lines = []
    if kind == "complaints" and f.complaints is not None:
        level = f.complaints
        lines.append(_("The complaints service is online: %(n)s complaints filed in 12 months.",
                       n=format_decimal(level.started)))
        if level.within_sla is not None:
            lines.append(_("%(share)s of the closed complaints were handled within the SLA; %(overdue)s open "
                           "ones are overdue.", share=tiles.percent(level.within_sla),
                           overdue=format_decimal(level.overdue)))
    else:
        lines += [_("%(service)s: %(n)s requests online in 12 months.", service=f.titles.get(m, m),
                    n=format_decimal(f.used(m))) for m in modules]
    if linked:
        lines.append(_("Exchanges data with other services: %(n)s event deliveries.", n=format_decimal(linked)))
    return Suggestion(2 if not used else (4 if linked else 3), tuple(lines),
                      "complaints" if kind == "complaints" else "services")


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
    for number, kind in SERVICE_INDICATORS.items():
        if (found := _service(f, kind)) is not None:
            out[number] = found
    if f.datasets:
        out[43] = Suggestion(4, (_("%(n)s datasets published as CSV and JSON, listed in a DCAT-AP catalogue that "
                                   "data portals harvest.", n=len(f.datasets)),), "opendata")
    for number, (module, total) in zip(PUBLIC_SECTORS, f.services, strict=False):
        linked = f.linked(module)
        lines = [_("%(service)s: %(n)s requests online in 12 months.", service=f.titles.get(module, module),
                   n=format_decimal(total))]
        if linked:
            lines.append(_("Exchanges data with other services: %(n)s event deliveries.", n=format_decimal(linked)))
        out[number] = Suggestion(4 if linked else 3, tuple(lines), "services")
    return out


def _elsewhere(kind: str) -> str:
    """Where a regency usually runs a kind of service the kit's enabled modules do not."""
    return {
        "planning": _("The regency's development planning (RPJMD, RKPD, Renja) is then kept in SIPD or "
                      "another system."),
        "budgeting": _("The regency's budget (RKA, APBD) is drawn up in SIPD, not in the kit; the village "
                       "budgets (APBDes) are the villages' own."),
        "finance": _("The regency's financial administration (SPP, SPM, SP2D, accounting) runs in SIPD; the "
                     "kit's payments ledger holds only what its own services receive and pay out."),
        "procurement": _("Procurement runs on LKPP's SPSE (the regency's LPSE), not in the kit."),
        "staffing": _("Staff administration runs on BKN's SIASN or the regency's SIMPEG, not in the kit."),
        "archives": _("Dynamic archives run on ANRI's SRIKANDI; the kit's letters carry archive codes but the "
                      "kit is no e-office."),
        "assets": _("Regional property (BMD) is managed in the regency's asset system, not in the kit."),
        "supervision": _("Internal supervision (the Inspektorat's audits and their follow-up) runs outside the "
                         "kit."),
        "performance": _("The agencies' performance accountability is then reported in another system."),
        "staff_performance": _("Staff performance (SKP) runs on BKN's e-Kinerja, not in the kit."),
        "complaints": _("Complaints are then handled in SP4N-LAPOR! or another system."),
        "legal_information": _("The legal documentation network (JDIH) is the legal bureau's site, linked to "
                               "JDIHN; the kit holds no regulations."),
    }[kind]


def reasons(f: Facts, suggested: dict[int, Suggestion], numbers) -> dict[int, str]:
    """Indicator number -> why the kit suggests no level for it (the assessor fills it), for each of
    ``numbers`` without a suggestion."""
    policy = _("An internal policy is a regulation the regency enacts (a Perbup or a decree): the kit cannot "
               "tell whether it is in force or what it covers.")
    documents = _("The SPBE architecture, road map, plans and budget are documents the regency draws up and "
                  "enacts; the kit does not hold them.")
    organisation = _("An arrangement of the organisation (the coordination team, collaboration with other "
                     "institutions), shown by decrees and records the kit does not hold.")
    process = _("A management practice across all agencies, judged from the regency's standards, procedures "
                "and records; the kit is one of the systems it covers, not its record.")
    infrastructure = _("Infrastructure the kit runs on (the data centre, the network), which it cannot "
                       "observe.")
    ict_audit = _("An ICT audit is done by an accredited auditor and shown by its report; the kit's audit "
                  "trail is not such an audit.")
    fixed = {n: policy for n in range(1, 11)} | {n: documents for n in (11, 12, 13)} | {
        14: _("Business process innovation is judged from the regency's own process maps and their "
              "standards; the kit's workflows are a part the assessor may cite."),
        15: _("How the regency builds its applications (standards, the application catalogue) is its own "
              "process; the kit is one application among them."),
        16: infrastructure, 17: infrastructure, 19: organisation, 20: organisation,
        21: process, 23: process, 24: process, 25: process, 26: process, 27: process, 28: process,
        29: ict_audit, 30: ict_audit, 31: ict_audit}
    out = {}
    for number in numbers:
        if number in suggested:
            continue
        if number in fixed:
            out[number] = fixed[number]
        elif number == 18:
            out[number] = _("No event was delivered between the kit's services in 12 months.")
        elif number in SERVICE_INDICATORS:
            kind = SERVICE_INDICATORS[number]
            text = _("No enabled service of the kit is of this kind.") + " " + _elsewhere(kind)
            if f.offered.get(kind):
                text += " " + _("The kit offers %(modules)s, not enabled in this profile.",
                                modules=", ".join(f.offered[kind]))
            out[number] = text
        elif number == 43:
            out[number] = _("No open dataset is published yet.")
        elif number in PUBLIC_SECTORS:
            out[number] = _("Only %(n)s of the kit's public services were used online in 12 months; the "
                            "assessor names this sector's service and fills it.", n=len(f.services))
        else:
            out[number] = _("The kit has no evidence of its own for this indicator.")
    return out


def current() -> tuple[Facts, dict[int, Suggestion], dict[int, str]]:
    """The facts, the suggestions and the reasons for the indicators without one, of the running instance
    and its edition, computed at most every five minutes per language."""
    from flask_babel import get_locale

    from egovkit.web.cache import memo

    from .catalogue import edition

    def compute():
        f = facts()
        suggested = suggestions(f)
        return f, suggested, reasons(f, suggested, edition(_ext().profile.modules["spbe"].edition).indicators)

    key = ("spbe.evidence", tuple(m.name for m in _ext().modules), str(get_locale()))
    return memo(key, 300, compute)


def proof_url(anchor: str) -> str:
    return url_for("spbe.proof") + "#" + anchor


def counted_under(f: Facts) -> dict[str, tuple[int, ...]]:
    """Enabled module -> the indicators its use counts for (the proof page's services table)."""
    return {m: (PUBLIC_SECTORS if kind == "public" else
                tuple(n for n, k in SERVICE_INDICATORS.items() if k == kind)) for m, kind in f.kinds.items()}
