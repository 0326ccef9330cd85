"""`egovkit doctor`: is this machine and this instance ready to serve, and what to fix.

Each check gives findings with a severity (ok, info, warning, error), what
was found and the fix. The command's exit status is for monitoring: 0 when
nothing is worse than info, 1 with a warning, 2 with an error. The same
findings are shown to the administrator at /admin/doctor.
"""
from __future__ import annotations

import os
import shutil
import sys
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

SEVERITIES = ("ok", "info", "warning", "error")
BACKUP_MAX_AGE = timedelta(hours=36)  # a nightly backup, with a margin
OUTBOX_MAX_LAG = timedelta(minutes=10)
QUEUE_MAX_WAIT = timedelta(minutes=5)


@dataclass
class Finding:
    check: str
    severity: str
    message: str
    fix: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else 0


def _gb(n: float) -> str:
    """A size for people: GB from 1 GB, MB below (a new instance's 14 MB is not "0.0 GB")."""
    return f"{n / 1e9:,.1f} GB" if n >= 1e9 else f"{n / 1e6:,.1f} MB"


def check_python() -> list[Finding]:
    version = ".".join(map(str, sys.version_info[:3]))
    if sys.version_info < (3, 10):
        return [Finding("python", "error", f"Python {version}", _("install Python 3.10 or newer"))]
    return [Finding("python", "ok", f"Python {version}")]


def check_database() -> list[Finding]:
    from sqlalchemy import text

    from .. import setup
    from ..db import db
    from ..models import as_utc, utcnow

    kind = db.engine.url.get_backend_name()
    try:
        with db.engine.connect() as conn:
            if kind == "postgresql":
                version = conn.execute(text("SHOW server_version")).scalar()
                now = conn.execute(text("SELECT now()")).scalar()
            else:
                version = conn.execute(text("SELECT sqlite_version()")).scalar()
                now = None
    except Exception as exc:
        return [Finding("database", "error", _("the %(kind)s database does not answer: %(error)s", kind=kind,
                                                error=exc.__class__.__name__),
                        _("start the database server, or correct EGOVKIT_DATABASE_URL"))]
    found = [Finding("database", "ok", _("%(kind)s %(version)s answers", kind=kind, version=version))]
    if now is not None:
        skew = abs((as_utc(now) - utcnow()).total_seconds())
        if skew > 5:
            found.append(Finding("clock", "warning", _("this machine's clock and the database server's differ by "
                                                       "%(s)s s", s=round(skew)),
                                 _("run NTP on both (systemd-timesyncd, chrony)")))
    if kind == "sqlite":
        found.append(Finding("database", "info", _("SQLite serves one office well; a regency with several "
                                                   "processes or machines needs PostgreSQL"),
                             _("see docs/operations.md and README (EGOVKIT_DATABASE_URL)")))
    states = setup.migration_states()
    behind = [n for n, s in states.items() if s == "behind"]
    ahead = [n for n, s in states.items() if s == "ahead"]
    if behind:
        found.append(Finding("migrations", "error", _("migrations pending for %(names)s", names=", ".join(behind)),
                             _("run: egovkit upgrade")))
    if ahead:
        found.append(Finding("migrations", "error", _("the database is newer than this kit for %(names)s",
                                                         names=", ".join(ahead)),
                             _("install the kit version that made it")))
    if not states:
        found.append(Finding("migrations", "ok", _("the database matches the code")))
    return found


def check_backups(folders: list[Path], verify: bool = True) -> list[Finding]:
    from . import backup

    archives = sorted((p for f in folders if f.is_dir() for p in f.glob("egovkit-*.tar.gz")),
                      key=lambda p: p.stat().st_mtime)
    where = ", ".join(str(f) for f in folders)
    if not archives:
        return [Finding("backup", "error", _("no backup in %(where)s", where=where),
                        _("run `egovkit backup --to DIR --keep 14` every night (docs/operations.md)"))]
    newest = archives[-1]
    age = datetime.now(timezone.utc) - datetime.fromtimestamp(newest.stat().st_mtime, timezone.utc)
    found = []
    if age > BACKUP_MAX_AGE:
        found.append(Finding("backup", "error", _("the newest backup (%(name)s) is %(days)s days %(hours)s hours old",
                                                  name=newest.name, days=age.days, hours=age.seconds // 3600),
                             _("check the nightly backup job (cron or systemd timer)")))
    if verify:
        try:
            manifest = backup.read(newest)
        except backup.BackupError as exc:
            return found + [Finding("backup", "error", _("the newest backup cannot be restored: %(error)s", error=exc),
                                    _("take a new backup now and check the disk"))]
        found.append(Finding("backup", "ok" if not found else "info",
                             _("%(name)s: %(n)s members checked, restorable", name=newest.name, n=len(manifest.members))))
    if folders and all(f.is_relative_to(current_app.instance_path) for f in folders):
        found.append(Finding("backup", "warning", _("backups are only inside the instance folder: a dead disk "
                                                    "takes them with it"),
                             _("back up with --to a second disk or copy the archives to another machine")))
    return found


def check_machine() -> list[Finding]:
    found = []
    instance = Path(current_app.instance_path)
    usage = shutil.disk_usage(instance)
    data = _size(instance / "uploads") + _size(instance / "egovkit.db")
    if usage.free < max(2e9, 3 * data):
        found.append(Finding("disk", "error" if usage.free < 5e8 else "warning",
                             _("%(free)s free for %(data)s of data and its backups", free=_gb(usage.free),
                               data=_gb(data)),
                             _("free space or give the instance a bigger disk (keep three times the data free)")))
    else:
        found.append(Finding("disk", "ok", _("%(free)s free, %(data)s of data", free=_gb(usage.free), data=_gb(data))))
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        memory = None
    if memory is not None:
        found.append(Finding("memory", "warning" if memory < 2e9 else "ok", _("%(size)s of memory", size=_gb(memory)),
                             _("2 GB or more for the kit and its database") if memory < 2e9 else None))
    cpus = os.cpu_count() or 1
    found.append(Finding("cpu", "info" if cpus < 2 else "ok", _("%(n)s CPU cores", n=cpus),
                         _("2 or more cores to serve and import at once") if cpus < 2 else None))
    return found


def check_settings() -> list[Finding]:
    found = []
    instance = Path(current_app.instance_path)
    secret = instance / "secret_key"
    if secret.exists() and secret.stat().st_mode & 0o077:
        found.append(Finding("secret key", "warning", _("%(file)s can be read by other users of this machine", file=secret),
                             f"chmod 600 {secret}"))
    else:
        found.append(Finding("secret key", "ok", _("readable by the kit's user only")))
    public = current_app.config.get("EGOVKIT_PUBLIC_URL")
    if not public:
        found.append(Finding("public address", "warning", _("EGOVKIT_PUBLIC_URL is not set: QR codes on documents "
                                                            "and links in messages use whatever address a "
                                                            "request came to"),
                             _("set EGOVKIT_PUBLIC_URL to the address citizens use (https://...)")))
    elif not public.startswith("https://") and "://127.0.0.1" not in public and "://localhost" not in public:
        found.append(Finding("TLS", "warning", _("the public address %(url)s is not https", url=public),
                             _("serve behind a proxy with a certificate (e.g. Caddy or nginx with Let's Encrypt)")))
    else:
        found.append(Finding("public address", "ok", public))
    if public and public.startswith("https://") and not current_app.config.get("SESSION_COOKIE_SECURE"):
        found.append(Finding("TLS", "warning", _("cookies are not marked Secure while the site is on https"),
                             _("set EGOVKIT_SECURE_COOKIES=1")))
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(current_app.extensions["egovkit"].profile.timezone)
    except Exception:
        found.append(Finding("time zone", "error", _("the profile's time zone is unknown to this machine"),
                             _("install tzdata (pip install tzdata, or apt-get install tzdata)")))
    return found


def check_queues() -> list[Finding]:
    from sqlalchemy import func, select

    from ..db import db
    from ..models import as_utc, utcnow
    from ..services import events, jobs, notifications

    found = []
    now = utcnow()
    deliveries, oldest = events.lag()
    relay = current_app.config.get("EGOVKIT_EVENT_BACKEND") == "outbox"
    if oldest is not None and now - oldest > OUTBOX_MAX_LAG:
        found.append(Finding("events", "error" if relay else "warning",
                             _("%(n)s event deliveries wait, the oldest since %(m)s minutes", n=deliveries,
                               m=int((now - oldest).total_seconds() // 60)),
                             _("start the relay: egovkit events relay, or egovkit worker (a systemd service)")
                             if relay else _("see egovkit events list --failed, then egovkit events retry")))
    else:
        found.append(Finding("events", "ok", _("%(n)s event deliveries waiting", n=deliveries)))
    waiting = db.session.scalar(select(func.min(jobs.Job.created_at)).where(jobs.Job.state == "queued"))
    if waiting is not None and now - as_utc(waiting) > QUEUE_MAX_WAIT:
        found.append(Finding("jobs", "error", _("background jobs have waited more than %(m)s minutes to start: "
                                                "nothing runs them", m=int(QUEUE_MAX_WAIT.total_seconds() // 60)),
                             _("start egovkit worker (EGOVKIT_JOB_QUEUE=huey), or restart egovkit serve")))
    else:
        found.append(Finding("jobs", "ok", _("no job waits to start")))
    from . import worker

    if worker.configured():
        alive = worker.alive_file(current_app)
        age = (datetime.now().timestamp() - alive.stat().st_mtime) if alive.exists() else None
        if age is None or age > 30:
            found.append(Finding("worker", "error", _("no job queue worker is running (EGOVKIT_JOB_QUEUE=huey)"),
                                 _("start it: egovkit worker (the egovkit-worker systemd service)")))
        else:
            found.append(Finding("worker", "ok", _("a worker was alive %(s)s s ago", s=round(age))))
    failed = db.session.scalar(select(func.count()).select_from(notifications.Notification)
                               .where(notifications.Notification.status == "failed"))
    if failed:
        found.append(Finding("notifications", "warning", _("%(n)s messages could not be sent", n=failed),
                             _("check the EGOVKIT_NOTIFY_*_URL settings; egovkit notifications list --status failed")))
    return found


def run(backup_folders: list[Path] | None = None, verify_backup: bool = True) -> list[Finding]:
    folders = backup_folders or [Path(current_app.instance_path) / "backups"]
    found = check_python() + check_database()
    if not any(f.check == "database" and f.severity == "error" for f in found):
        found += check_queues()
    return found + check_backups(folders, verify_backup) + check_machine() + check_settings()


def exit_status(findings: list[Finding]) -> int:
    worst = max((SEVERITIES.index(f.severity) for f in findings), default=0)
    return {3: 2, 2: 1}.get(worst, 0)


CHECKS = {"python": _l("Python"), "database": _l("Database"), "clock": _l("Clock"), "migrations": _l("Migrations"),
          "backup": _l("Backup"), "disk": _l("Disk"), "memory": _l("Memory"), "cpu": _l("Processor"),
          "secret key": _l("Secret key"), "public address": _l("Public address"), "TLS": _l("TLS (https)"),
          "time zone": _l("Time zone"), "events": _l("Events"), "jobs": _l("Background jobs"),
          "worker": _l("Job queue worker"), "notifications": _l("Notifications"), "instance": _l("Instance")}
SEVERITY_TITLES = {"ok": _l("OK"), "info": _l("Note"), "warning": _l("Warning"), "error": _l("Problem")}
