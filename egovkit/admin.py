"""Admin pages of the core: the audit trail (and, with the platform services,
events). Each page checks its own permission."""
from __future__ import annotations

from datetime import datetime, time, timedelta

import click
from flask import Blueprint, render_template, request
from flask.cli import AppGroup
from sqlalchemy import select

from . import audit
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
    click.secho(f"audit log intact: {checked} entries", fg="green")


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


def init_app(app) -> None:
    app.register_blueprint(bp)
    app.cli.add_command(audit_cli)
