"""Admin pages and commands of the core: the audit trail, events, workflows, the payments report.
Each page checks its own permission."""
from __future__ import annotations

from datetime import datetime, time, timedelta

import click
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required
from flask_babel import gettext as _
from flask.cli import AppGroup
from sqlalchemy import select

from .services import audit, events, payments, workflow
from .auth import scope
from .db import db

bp = Blueprint("admin", __name__, url_prefix="/admin")
PER_PAGE = 50


def _date(name: str):
    try:
        return datetime.strptime(request.args.get(name, ""), "%Y-%m-%d").date()
    except ValueError:
        return None


@bp.get("/audit")
@scope.require("audit.read")
def audit_log():
    stmt = select(audit.AuditEntry).order_by(audit.AuditEntry.seq.desc())
    filters = {k: request.args.get(k, "").strip() for k in ("actor", "module", "record_type", "record_id")}
    if filters["actor"]:
        stmt = stmt.where(audit.AuditEntry.actor == filters["actor"])
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
    page = max(request.args.get("page", 1, type=int), 1)
    rows = db.session.scalars(stmt.limit(PER_PAGE + 1).offset((page - 1) * PER_PAGE)).all()
    return render_template("admin/audit.html", entries=rows[:PER_PAGE], has_next=len(rows) > PER_PAGE, page=page,
                           filters=filters, start=request.args.get("from", ""), end=request.args.get("to", ""),
                           query={k: v for k, v in request.args.items() if k != "page"})


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
    only_failed = request.args.get("failed") == "1"
    subs = events.subscriptions()
    stmt = select(events.Event).order_by(events.Event.id.desc()).limit(PER_PAGE)
    if only_failed:
        failed_ids = select(events.Delivery.event_id).where(events.Delivery.status == "failed")
        stmt = stmt.where(events.Event.id.in_(failed_ids))
    rows = db.session.scalars(stmt).all()
    deliveries = {(d.event_id, d.handler): d for d in db.session.scalars(
        select(events.Delivery).where(events.Delivery.event_id.in_([e.id for e in rows])))}
    return render_template("admin/events.html", rows=rows, subs=subs, deliveries=deliveries, only_failed=only_failed)


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
@login_required
def workflows():
    """Every workflow of the instance as the profile has it: states, transitions, who decides, SLAs."""
    items = [workflow.rules(name) for name in sorted(current_app.extensions["egovkit"].workflows)]
    return render_template("admin/workflows.html", items=items, roles=current_app.extensions["egovkit"].profile.roles)


workflows_cli = AppGroup("workflows", help="Workflows: states, transitions, who decides, SLAs.")


@workflows_cli.command("list")
def workflows_list():
    for name in sorted(current_app.extensions["egovkit"].workflows):
        wf = current_app.extensions["egovkit"].workflows[name]
        click.echo(f"{name:<32} {len(wf.states)} states, {len(wf.transitions)} transitions")


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
