"""Admin pages and commands of the core: the admin home, users and their roles, modules, the audit trail,
events, workflows, the payments report. Each page checks its own permission; every change is audited."""
from __future__ import annotations

import ipaddress
import json
import re
import secrets
from datetime import datetime, time, timedelta

import click
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_babel import gettext as _
from flask.cli import AppGroup
from sqlalchemy import func, or_, select

from .services import audit, events, payments, people, workflow
from .auth import passwords, scope
from .db import db
from .models import Agency, Region, RoleAssignment, User
from .web.forms import Form

bp = Blueprint("admin", __name__, url_prefix="/admin")
PER_PAGE = 50
NIK_LIKE = re.compile(r"(?<!\d)\d{16}(?!\d)")


def _loopback(host: str) -> bool:
    host = host.strip("[]")
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name other than localhost


def public_url_missing(app, host: str) -> bool:
    """Whether the instance is served on a non-loopback address without EGOVKIT_PUBLIC_URL: QR codes and the
    tracking links in messages would then carry whatever address a visitor used."""
    return not app.config.get("EGOVKIT_PUBLIC_URL") and not _loopback(host)


def _page() -> int:
    return min(max(request.args.get("page", 1, type=int), 1), 100000)


# ----------------------------------------------------------------- home
@bp.get("/")
@scope.require("users.manage")
def home():
    host = request.host.rsplit(":", 1)[0] if not request.host.endswith("]") else request.host
    counts = {"users": db.session.scalar(select(func.count()).select_from(User)),
              "disabled": db.session.scalar(select(func.count()).select_from(User).where(User.active.is_(False))),
              "modules": len(current_app.extensions["egovkit"].modules),
              "workflows": len(current_app.extensions["egovkit"].workflows)}
    return render_template("admin/home.html", counts=counts, missing_url=public_url_missing(current_app, host))


# ----------------------------------------------------------------- users
STATUSES = ("active", "disabled", "pending")


def _regions():
    """Districts and villages of the regency, for scoping a role: [(district, [villages])]."""
    regency = current_app.extensions["egovkit"].profile.regency.code
    rows = db.session.scalars(select(Region).where(Region.code.like(regency + ".%"),
                                                   Region.level.in_(("district", "village")))
                              .order_by(Region.code)).all()
    districts = [(r, []) for r in rows if r.level == "district"]
    by_code = {d.code: villages for d, villages in districts}
    for r in rows:
        if r.level == "village" and r.parent_code in by_code:
            by_code[r.parent_code].append(r)
    return districts


def _agencies():
    return db.session.scalars(select(Agency).order_by(Agency.name)).all()


def _role_title(role: str) -> str:
    from flask_babel import get_locale

    definition = current_app.extensions["egovkit"].profile.roles.get(role)
    return (definition.title.get(str(get_locale())) or definition.title.get("id") or role) if definition else role


def _where(a: RoleAssignment) -> str:
    if a.agency_code:
        agency = db.session.get(Agency, a.agency_code)
        return agency.name if agency else a.agency_code
    if a.region_code:
        region = db.session.get(Region, a.region_code)
        return region.name if region else a.region_code
    return ""


def assignment_error(role: str, region: str | None, agency: str | None) -> tuple[RoleAssignment | None, dict]:
    """A role assignment checked against the profile's roles and this instance's regions and agencies, or
    the problems by form field (in the reader's language)."""
    profile = current_app.extensions["egovkit"].profile
    definition = profile.roles.get(role)
    if definition is None:
        return None, {"role": _("Choose a role.")}
    kind = definition.scope
    if kind in ("district", "village"):
        found = db.session.get(Region, region) if region else None
        if found is None or found.level != kind or not found.code.startswith(profile.regency.code + "."):
            return None, {"region": _("This role is tied to one district or village: choose a %(kind)s.",
                                      kind=_("district") if kind == "district" else _("village"))}
    if kind == "agency" and (not agency or db.session.get(Agency, agency) is None):
        return None, {"agency": _("This role is tied to one agency: choose it.")}
    return RoleAssignment(role=role, region_code=profile.regency.code if kind == "regency" else
                          (region if kind in ("district", "village") else None),
                          agency_code=agency if kind == "agency" else None), {}


@bp.get("/users")
@scope.require("users.manage")
def users():
    q = (request.args.get("q") or "").strip()[:120]
    role = request.args.get("role") or ""
    region = (request.args.get("region") or "").strip()[:13]
    agency = request.args.get("agency") or ""
    status = request.args.get("status") or ""
    stmt = select(User)
    if q:
        stmt = stmt.where(User.name.ilike("%" + q.replace("%", "").replace("_", "") + "%"))
    if role:
        stmt = stmt.where(User.roles.any(RoleAssignment.role == role))
    if region:
        stmt = stmt.where(User.roles.any(or_(RoleAssignment.region_code == region,
                                             RoleAssignment.region_code.like(region + ".%"))))
    if agency:
        stmt = stmt.where(User.roles.any(RoleAssignment.agency_code == agency))
    if status == "active":
        stmt = stmt.where(User.active.is_(True), User.pending.is_(False))
    elif status == "disabled":
        stmt = stmt.where(User.active.is_(False))
    elif status == "pending":
        stmt = stmt.where(User.pending.is_(True))
    page = _page()
    rows = db.session.scalars(stmt.order_by(User.name, User.id).limit(PER_PAGE + 1)
                              .offset((page - 1) * PER_PAGE)).all()
    return render_template("admin/users.html", rows=rows[:PER_PAGE], has_next=len(rows) > PER_PAGE, page=page,
                           filters={"q": q, "role": role, "region": region, "agency": agency, "status": status},
                           query={k: v for k, v in request.args.items() if k != "page"},
                           roles=current_app.extensions["egovkit"].profile.roles, role_title=_role_title,
                           where=_where, position=people.position, districts=_regions(), agencies=_agencies(),
                           statuses=STATUSES)


@bp.route("/users/new", methods=["GET", "POST"])
@scope.require("users.manage")
def user_new():
    form, errors, password = Form(), {}, None
    values = request.form
    if request.method == "POST" and form.validate_on_submit():
        name = (values.get("name") or "").strip()
        email = (values.get("email") or "").strip().lower()
        phone = (values.get("phone") or "").strip()
        if not name or len(name) > 120:
            errors["name"] = _("Write the person's name (at most 120 characters).")
        if not passwords.EMAIL.match(email) or len(email) > 254:
            errors["email"] = _("Write an email address: staff sign in with it.")
        elif db.session.scalar(select(User.id).where(User.email == email)):
            errors["email"] = _("An account with this email exists already.")
        if phone and not (phone.lstrip("+").isdigit() and 8 <= len(phone) <= 20):
            errors["phone"] = _("A phone number is 8 to 20 digits, e.g. 081234567890.")
        if values.get("role") == "citizen":
            errors["role"] = _("Citizens register themselves; choose a staff role.")
        assignment, problems = assignment_error(values.get("role", ""), values.get("region") or None,
                                                values.get("agency") or None)
        errors = {**problems, **errors}
        if not errors:
            password = secrets.token_urlsafe(12)
            user = User(email=email, name=name, phone=phone or None, active=True,
                        password_hash=passwords.hash_password(password))
            user.roles.append(assignment)
            db.session.add(user)
            db.session.flush()
            audit.record("user_create", "core", "core_user", user.id, role=assignment.role,
                         region=assignment.region_code, agency=assignment.agency_code)
            db.session.commit()
            response = current_app.make_response(render_template("admin/user_created.html", user=user,
                                                                 password=password, where=_where,
                                                                 role_title=_role_title))
            response.headers["Cache-Control"] = "no-store"  # the password is shown once
            return response
    elif request.method == "POST":
        errors["form"] = _("The form expired: send it again.")
    return render_template("admin/user_new.html", form=form, errors=errors, values=values,
                           roles=current_app.extensions["egovkit"].profile.roles, role_title=_role_title,
                           districts=_regions(), agencies=_agencies()), (400 if errors else 200)


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.get("/users/<int:user_id>")
@scope.require("users.manage")
def user(user_id: int):
    from .auth import twofactor

    person = _user(user_id)
    return render_template("admin/user.html", person=person, form=Form(), errors={}, values={},
                           roles=current_app.extensions["egovkit"].profile.roles, role_title=_role_title,
                           where=_where, position=people.position, districts=_regions(), agencies=_agencies(),
                           enrolled=twofactor.enrolled(person) is not None)


def _back(person: User, message: str):
    flash(message, "success")
    return redirect(url_for(".user", user_id=person.id))


def _checked_post(user_id: int) -> User:
    if not Form().validate_on_submit():
        abort(400)
    return _user(user_id)


@bp.post("/users/<int:user_id>/grant")
@scope.require("users.manage")
def user_grant(user_id: int):
    person = _checked_post(user_id)
    assignment, errors = assignment_error(request.form.get("role", ""), request.form.get("region") or None,
                                          request.form.get("agency") or None)
    if not errors and any((a.role, a.region_code, a.agency_code) ==
                          (assignment.role, assignment.region_code, assignment.agency_code) for a in person.roles):
        errors = {"role": _("The account holds this role there already.")}
    if errors:
        from .auth import twofactor

        return render_template("admin/user.html", person=person, form=Form(), errors=errors, values=request.form,
                               roles=current_app.extensions["egovkit"].profile.roles, role_title=_role_title,
                               where=_where, position=people.position, districts=_regions(),
                               agencies=_agencies(), enrolled=twofactor.enrolled(person) is not None), 400
    person.roles.append(assignment)
    db.session.flush()
    audit.record("role_grant", "core", "core_user", person.id, role=assignment.role, region=assignment.region_code,
                 agency=assignment.agency_code)
    db.session.commit()
    return _back(person, _("Role granted."))


@bp.post("/users/<int:user_id>/revoke/<int:assignment_id>")
@scope.require("users.manage")
def user_revoke(user_id: int, assignment_id: int):
    person = _checked_post(user_id)
    assignment = next((a for a in person.roles if a.id == assignment_id), None)
    if assignment is None:
        abort(404)
    if person.id == current_user.id and assignment.role == "admin" and \
            sum(a.role == "admin" for a in person.roles) == 1:
        flash(_("You cannot take your own administrator role: another administrator can."), "error")
        return redirect(url_for(".user", user_id=person.id))
    audit.record("role_revoke", "core", "core_user", person.id, role=assignment.role,
                 region=assignment.region_code, agency=assignment.agency_code)
    db.session.delete(assignment)
    db.session.commit()
    return _back(person, _("Role taken away."))


@bp.post("/users/<int:user_id>/disable")
@scope.require("users.manage")
def user_disable(user_id: int):
    person = _checked_post(user_id)
    if person.id == current_user.id:
        flash(_("You cannot disable your own account."), "error")
        return redirect(url_for(".user", user_id=person.id))
    person.active = False
    person.end_sessions()
    audit.record("user_disable", "core", "core_user", person.id)
    db.session.commit()
    return _back(person, _("Account disabled: it cannot sign in, and its sessions have ended."))


@bp.post("/users/<int:user_id>/enable")
@scope.require("users.manage")
def user_enable(user_id: int):
    person = _checked_post(user_id)
    person.active = True
    audit.record("user_enable", "core", "core_user", person.id)
    db.session.commit()
    return _back(person, _("Account enabled."))


@bp.post("/users/<int:user_id>/reset-2fa")
@scope.require("users.manage")
def user_reset_2fa(user_id: int):
    from .auth import twofactor

    person = _checked_post(user_id)
    had = twofactor.reset(person)
    audit.record("2fa_reset", "core", "core_user", person.id, had_secret=had)
    db.session.commit()
    return _back(person, _("Two-factor sign-in reset: the account sets up its authenticator again at its next "
                           "sign-in."))


# ----------------------------------------------------------------- modules
def _setting(settings, key: str):
    value = settings
    for part in key.split("."):
        value = getattr(value, part, None)
    if hasattr(value, "model_dump"):
        return None
    if isinstance(value, dict):  # e.g. permit or letter types: their names
        return ", ".join(map(str, value)) or "–"
    if isinstance(value, (list, tuple)) and any(hasattr(v, "model_dump") for v in value):
        return _("%(n)s entries", n=len(value))
    return value


@bp.get("/modules")
@scope.require("users.manage")
def modules():
    from .db import pending
    from .profile import describe

    ext = current_app.extensions["egovkit"]
    items = []
    for module in ext.modules:
        try:
            current, heads = pending(module.name)
        except Exception:  # an unreadable history is shown as unknown, not a broken page
            current, heads = set(), set()
        settings = ext.profile.modules.get(module.name)
        rows = [(key, description, _setting(settings, key)) for key, _type, _default, description
                in describe(module.settings)] if settings is not None else []
        items.append({"module": module, "heads": sorted(heads), "current": sorted(current),
                      "permissions": sorted(module.permissions.items()), "settings": rows,
                      "workflows": [w for w in ext.workflows.values() if w.name.startswith(module.name + ".")]})
    return render_template("admin/modules.html", items=items, role_title=_role_title)


def _date(name: str):
    try:
        return datetime.strptime(request.args.get(name, ""), "%Y-%m-%d").date()
    except ValueError:
        return None


@bp.get("/audit")
@scope.require("audit.read")
def audit_log():
    stmt = select(audit.AuditEntry).order_by(audit.AuditEntry.seq.desc())
    filters = {k: request.args.get(k, "").strip()[:120]
               for k in ("actor", "action", "module", "record_type", "record_id")}
    if filters["actor"]:  # a person's name (as shown), or a stored label such as cli:root or system
        named = select(User.id).where(User.name.ilike("%" + filters["actor"].replace("%", "") + "%"))
        stmt = stmt.where(or_(audit.AuditEntry.actor == filters["actor"], audit.AuditEntry.actor_id.in_(named)))
    if filters["action"]:
        stmt = stmt.where(audit.AuditEntry.action == filters["action"])
    if filters["module"]:
        stmt = stmt.where(audit.AuditEntry.module == filters["module"])
    if filters["record_type"]:
        stmt = stmt.where(audit.AuditEntry.record_type == filters["record_type"])
    if filters["record_id"]:
        stmt = stmt.where(audit.AuditEntry.record_id == filters["record_id"])
    start, end = _date("from"), _date("to")
    if start:
        stmt = stmt.where(audit.AuditEntry.at >= datetime.combine(start, time.min))
    if end:
        stmt = stmt.where(audit.AuditEntry.at < datetime.combine(end + timedelta(days=1), time.min))
    page = _page()
    rows = db.session.scalars(stmt.limit(PER_PAGE + 1).offset((page - 1) * PER_PAGE)).all()
    actions = db.session.scalars(select(audit.AuditEntry.action).distinct().order_by(audit.AuditEntry.action)).all()
    modules = db.session.scalars(select(audit.AuditEntry.module).distinct().order_by(audit.AuditEntry.module)).all()
    return render_template("admin/audit.html", entries=rows[:PER_PAGE], has_next=len(rows) > PER_PAGE, page=page,
                           filters=filters, start=request.args.get("from", ""), end=request.args.get("to", ""),
                           query={k: v for k, v in request.args.items() if k != "page"}, details=_details,
                           actions=actions, modules=modules, who=_who_cache())


def _who_cache():
    """How an entry's actor is shown: position and name (never a sign-in email or NIK), once per person."""
    from flask_babel import get_locale

    seen: dict = {}

    def who(entry) -> str:
        key = (entry.actor, entry.actor_id)
        if key not in seen:
            seen[key] = people.shown(entry.actor, entry.actor_id, str(get_locale()))
        return seen[key]

    return who


def _details(raw: str, action: str = "") -> list[tuple[str, str]]:
    """An entry's data as (field, readable value) pairs instead of raw JSON; an update's [old, new] as
    "old → new"."""
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        return [("", raw)]
    if not isinstance(data, dict):
        return [("", str(data))]
    out = []
    for key, value in data.items():
        if isinstance(value, dict) and set(value) == {"redacted"}:
            value = _("(removed after the retention period)")
        elif action == "update" and isinstance(value, list) and len(value) == 2:
            value = f"{_short(value[0])} → {_short(value[1])}"
        else:
            value = _short(value)
        out.append((key, value))
    return out


def _short(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, dict) and set(value) == {"redacted"}:
        return _("(removed)")
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = NIK_LIKE.sub(lambda m: m.group(0)[:6] + "******" + m.group(0)[-4:], text)  # never a whole NIK/KK
    return text if len(text) <= 120 else text[:117] + "..."


@bp.get("/doctor")
@scope.require("users.manage")
def doctor():
    """`egovkit doctor` for the administrator; the newest backup is read through only when asked."""
    from .ops import doctor as checks

    findings = checks.run(verify_backup=request.args.get("verify") == "1")
    order = {s: i for i, s in enumerate(reversed(checks.SEVERITIES))}
    findings.sort(key=lambda f: order[f.severity])
    return render_template("admin/doctor.html", findings=findings, checks=checks.CHECKS,
                           severities=checks.SEVERITY_TITLES, verified=request.args.get("verify") == "1")


audit_cli = AppGroup("audit", help="The hash-chained audit log.")


@audit_cli.command("verify")
def audit_verify():
    """Check the chain; exit status 1 and the first broken entry when it does not hold."""
    checked, problem = audit.verify(db.session, on_progress=lambda n: click.echo(f"  {n} entries checked", err=True))
    if problem:
        click.secho(f"audit log BROKEN after {checked} good entries: {problem}", fg="red", err=True)
        raise SystemExit(1)
    head = db.session.get(audit.AuditHead, 1)
    click.secho(f"audit log intact: {checked} entries", fg="green")
    click.echo(f"head: #{head.seq} {head.hash}  (keep this line elsewhere: a later head must continue from it)")


@audit_cli.command("redact")
@click.option("--before", "before", type=click.DateTime(["%Y-%m-%d"]),
              help="Redact entries made before this day (default: retention.audit_personal_years ago).")
def audit_redact(before):
    """Replace personal values (NIK, KK, phone, birth date, names, addresses) in old entries by their
    digest; which fields changed, who and when stay, and the chain still verifies. Run it from cron."""
    from datetime import timezone

    from .models import utcnow

    if before is None:
        years = current_app.extensions["egovkit"].profile.schema.retention.audit_personal_years
        before = utcnow() - timedelta(days=round(years * 365.25))
    else:
        before = before.replace(tzinfo=timezone.utc)
    redacted, legacy = audit.redact(db.session, before)
    click.echo(f"{redacted} entries before {before:%Y-%m-%d} redacted"
               + (f"; {legacy} older entries kept (their hash covers the raw values)" if legacy else ""))


@audit_cli.command("list")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10000))
@click.option("--module")
@click.option("--actor")
def audit_list(limit, module, actor):
    """The latest entries."""
    stmt = select(audit.AuditEntry).order_by(audit.AuditEntry.seq.desc()).limit(limit)
    if module:
        stmt = stmt.where(audit.AuditEntry.module == module)
    if actor:
        stmt = stmt.where(audit.AuditEntry.actor == actor)
    for e in db.session.scalars(stmt):
        click.echo(f"#{e.seq:<6} {e.at:%Y-%m-%d %H:%M:%S} {e.actor:<24} {e.action:<12} {e.record_type}:{e.record_id}")


@bp.get("/events")
@scope.require("events.manage")
def event_log():
    status = request.args.get("status") or ("failed" if request.args.get("failed") == "1" else "")
    name = (request.args.get("name") or "").strip()[:80]
    subs = events.subscriptions()
    stmt = select(events.Event).order_by(events.Event.id.desc())
    if name:
        stmt = stmt.where(events.Event.name == name)
    if status == "failed":
        stmt = stmt.where(events.Event.id.in_(select(events.Delivery.event_id)
                                              .where(events.Delivery.status == "failed")))
    elif status == "done":
        stmt = stmt.where(events.Event.id.in_(select(events.Delivery.event_id)
                                              .where(events.Delivery.status == "done")))
    elif status == "waiting":  # an enabled subscriber has not had it yet
        waiting = [ev.id for ev, _sub in events.undelivered(limit=1000)]
        stmt = stmt.where(events.Event.id.in_(waiting))
    start, end = _date("from"), _date("to")
    if start:
        stmt = stmt.where(events.Event.created_at >= datetime.combine(start, time.min))
    if end:
        stmt = stmt.where(events.Event.created_at < datetime.combine(end + timedelta(days=1), time.min))
    page = _page()
    rows = db.session.scalars(stmt.limit(PER_PAGE + 1).offset((page - 1) * PER_PAGE)).all()
    deliveries = {(d.event_id, d.handler): d for d in db.session.scalars(
        select(events.Delivery).where(events.Delivery.event_id.in_([e.id for e in rows[:PER_PAGE]])))}
    names = db.session.scalars(select(events.Event.name).distinct().order_by(events.Event.name)).all()
    return render_template("admin/events.html", rows=rows[:PER_PAGE], has_next=len(rows) > PER_PAGE, page=page,
                           subs=subs, deliveries=deliveries, status=status, name=name, names=names,
                           start=request.args.get("from", ""), end=request.args.get("to", ""), details=_details,
                           query={k: v for k, v in request.args.items() if k != "page"})


@bp.post("/events/retry")
@scope.require("events.manage")
def event_retry():
    delivered = events.deliver_pending()
    flash(_("%(count)s deliveries made.", count=delivered), "success")
    return redirect(url_for(".event_log"))


events_cli = AppGroup("events", help="Domain events and their deliveries (the outbox).")


@events_cli.command("list")
@click.option("--failed", is_flag=True, help="Only events with a failed delivery.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10000))
def events_list(failed, limit):
    """The latest events and, per subscribed handler, done / FAILED / pending."""
    subs = events.subscriptions()
    stmt = select(events.Event).order_by(events.Event.id.desc()).limit(limit)
    if failed:
        stmt = stmt.where(events.Event.id.in_(
            select(events.Delivery.event_id).where(events.Delivery.status == "failed")))
    for ev in db.session.scalars(stmt):
        states = {d.handler: d for d in db.session.scalars(
            select(events.Delivery).where(events.Delivery.event_id == ev.id))}
        marks = []
        for sub in (s for s in subs if s.event == ev.name):
            d = states.get(sub.handler)
            marks.append(f"{sub.module}: " + ("pending" if d is None else
                                             "done" if d.status == "done" else f"FAILED x{d.attempts}"))
        click.echo(f"#{ev.id:<6} {ev.created_at:%Y-%m-%d %H:%M:%S} {ev.name:<28} {'; '.join(marks) or 'no subscriber'}")


@events_cli.command("retry")
def events_retry():
    """Deliver every event not yet delivered to an enabled subscriber (failed ones included)."""
    delivered = events.deliver_pending()
    left = len(events.undelivered())
    click.echo(f"{delivered} deliveries made; {left} still undelivered")
    if left:
        raise SystemExit(1)


@events_cli.command("relay")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between polls.")
@click.option("--once", is_flag=True, help="Deliver what is waiting, then stop.")
def events_relay(interval, once):
    """Deliver events continuously (for EGOVKIT_EVENT_BACKEND=outbox)."""
    import time

    while True:
        delivered = events.deliver_pending()
        if delivered:
            click.echo(f"{delivered} deliveries made")
        db.session.remove()
        if once:
            return
        time.sleep(interval)


@bp.get("/workflows")
@scope.require("users.manage")
def workflows():
    """Every workflow of the instance as the profile has it: states, transitions, who decides, SLAs."""
    items = [workflow.rules(name) for name in sorted(current_app.extensions["egovkit"].workflows)]
    return render_template("admin/workflows.html", items=items, roles=current_app.extensions["egovkit"].profile.roles)


workflows_cli = AppGroup("workflows", help="Workflows: states, transitions, who decides, SLAs.")


@workflows_cli.command("list")
def workflows_list():
    for name in sorted(current_app.extensions["egovkit"].workflows):
        wf = current_app.extensions["egovkit"].workflows[name]
        click.echo(f"{name:<32} {wf.t('en'):<32} {len(wf.states)} states, {len(wf.transitions)} transitions")


@workflows_cli.command("show")
@click.argument("name")
def workflows_show(name):
    """A workflow as this instance's profile has it (delegations and SLAs applied)."""
    known = current_app.extensions["egovkit"].workflows
    if name not in known:
        raise click.BadParameter(f"unknown workflow; workflows: {', '.join(sorted(known)) or 'none'}")
    r = workflow.rules(name)
    click.echo(f"{name}: starts in {r.workflow.initial}; final: {', '.join(r.workflow.final) or '-'}")
    for state, titles in r.workflow.states.items():
        sla = f"  (SLA {r.sla[state]} working days)" if r.sla.get(state) else ""
        click.echo(f"  state {state:<16} {titles.get('en', '')}{sla}")
    for t in r.workflow.transitions:
        needs = f"  needs {', '.join(t.requires)}" if t.requires else ""
        notes = "".join(f"; {c}" for c in workflow.conditions(t))
        if r.separate[t.name]:
            notes += "; four eyes: not by whoever made the previous step"
        click.echo(f"  {t.name:<12} {'|'.join(t.source)} -> {t.target}   by {', '.join(sorted(r.roles[t.name]))}"
                   f"{needs}{notes}")


@bp.get("/payments")
@scope.require("payments.read")
def payments_report():
    """Payments and disbursements per month, module and kind (reversals subtract), with the year's totals."""
    year = request.args.get("year", type=int) or payments.today().year
    if not 2000 <= year <= 2100:
        year = payments.today().year
    rows = payments.report(year=year)
    totals = {d: sum(r.total for r in rows if r.direction == d) for d in payments.DIRECTIONS}
    return render_template("admin/payments.html", rows=rows, year=year, totals=totals, title=payments.title)


payments_cli = AppGroup("payments", help="Payments and disbursements (egovkit.services.payments).")


@payments_cli.command("report")
@click.option("--year", type=click.IntRange(2000, 2100), help="Only this year.")
@click.option("--module", help="Only this module.")
def payments_report_cli(year, module):
    """Entries and totals per month, module, kind and direction; reversals subtract."""
    rows = payments.report(year=year, module=module)
    for r in rows:
        click.echo(f"{r.month}  {r.module:<16} {r.kind:<12} {r.direction:<3} {r.entries:>6}  {r.total:>16}")
    for direction in payments.DIRECTIONS:
        click.echo(f"total {direction}: {sum(r.total for r in rows if r.direction == direction)}")


files_cli = AppGroup("files", help="Files kept only for a while (uploaded imports, rejects files).")


def expire_files() -> tuple[int, int]:
    """End jobs whose process died (removing their uploads) and remove scratch files past the profile's
    retention; (jobs ended, files removed). Run by `egovkit files expire` (daily, from cron), and by
    `serve` and `upgrade` as they start."""
    from .services import jobs, uploads

    days = current_app.extensions["egovkit"].profile.schema.retention.import_files_days
    reaped = jobs.reap()
    return reaped, len(uploads.expire(days))


@files_cli.command("expire")
def files_expire():
    """Remove uploaded import files and rejects files older than retention.import_files_days."""
    reaped, removed = expire_files()
    days = current_app.extensions["egovkit"].profile.schema.retention.import_files_days
    click.echo(f"{removed} file(s) older than {days} days removed; {reaped} interrupted job(s) ended")


def init_app(app) -> None:
    app.register_blueprint(bp)
    app.cli.add_command(payments_cli)
    app.cli.add_command(files_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(events_cli)
    app.cli.add_command(workflows_cli)
