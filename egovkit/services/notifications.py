"""Messages to people (SMS, WhatsApp, e-mail), queued in the caller's transaction.

``send("sms", "081234567890", "identity.activation_code", locale="id", code=...)``
adds a row to ``core_notification`` in the current transaction, rendered
from a template in the recipient's language. Nothing leaves before the
transaction commits; then the message is delivered at the end of the request
or command (like events), and ``egovkit notifications deliver`` (from cron
or a timer) retries failures and delivers what a crash left queued.

Delivery goes through one library, Apprise, to the URL the instance
configures per channel (``EGOVKIT_NOTIFY_SMS_URL``, ``..._WHATSAPP_URL``,
``..._EMAIL_URL``; ``{to}`` in the URL is replaced by the recipient).
Without a URL a channel uses the development backend: the message is
appended to ``<instance>/logs/notifications.log``.

A message is claimed with ``UPDATE ... WHERE status = 'queued'`` before it
is sent, so two deliverers never send it twice; a failure puts it back in
the queue with a delay, up to ``MAX_ATTEMPTS``. A message marked ``secret``
(a one-time code) has its body erased once sent or given up.
"""
from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale, gettext
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, event, select, update
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Session, db
from ..i18n import N_
from ..models import utcnow

log = logging.getLogger(__name__)
CHANNELS = ("sms", "whatsapp", "email")
MAX_ATTEMPTS = 5
LOCALES = ("id", "en")

# name -> (subject msgid, body msgid): English msgids, translated in egovkit/translations like the UI.
# Modules add theirs with register_template() at import time.
TEMPLATES: dict[str, tuple[str, str]] = {
    "identity.activation_code": (
        N_("Your account activation code"),
        N_("%(code)s is your code to activate your account on %(site)s. It is valid for %(minutes)s minutes. "
           "Do not give it to anyone, not even to staff.")),
    "identity.reset_code": (
        N_("Your password reset code"),
        N_("%(code)s is your code to set a new password on %(site)s. It is valid for %(minutes)s minutes. "
           "If you did not ask for it, ignore this message.")),
    "identity.already_registered": (
        N_("Someone tried to register with your NIK"),
        N_("Someone tried to register a new account on %(site)s with your NIK. Your account is unchanged. "
           "If it was you, sign in, or ask for a new password.")),
    "identity.password_changed": (
        N_("Your password was changed"),
        N_("The password of your account on %(site)s was changed and every other session was signed out. "
           "If it was not you, go to your village office.")),
    # A citizen's request, at every step (egovkit.services.workflow: Workflow.notify); %(what)s is what was
    # asked for, %(code)s its tracking code; the tracking link follows as a sentence of its own.
    "case.received": (
        N_("Your request was received"),
        N_("%(site)s received your request: %(what)s. Tracking code %(code)s.")),
    "case.returned": (
        N_("Your request needs completing"),
        N_("Your request (%(what)s, %(code)s) was returned to you for completion: %(note)s "
           "Complete it and send it again.")),
    "case.approved": (
        N_("Your request was approved"),
        N_("Your request (%(what)s, %(code)s) was approved.")),
    "case.refused": (
        N_("Your request was refused"),
        N_("Your request (%(what)s, %(code)s) was refused: %(note)s")),
    "case.cancelled": (
        N_("Your request was cancelled"),
        N_("Your request (%(what)s, %(code)s) was cancelled: %(note)s")),
    "case.billed": (
        N_("Your bill is ready"),
        N_("Your request (%(what)s, %(code)s) was approved. Pay %(amount)s with billing code %(billing_code)s "
           "by %(due)s at a receiving bank; it is issued once paid.")),
    "case.issued": (
        N_("Your document is issued"),
        N_("Your request (%(what)s, %(code)s) is done: the document is issued. Sign in to download it, "
           "or collect it at the office.")),
    # Staff who asked for it ("Notification settings"): a case arrived in their inbox.
    "case.arrived": (
        N_("A request is waiting for you"),
        N_("A request is waiting for your decision: %(what)s (%(title)s). Open your inbox: %(url)s")),
}


def register_template(name: str, subject: str, body: str) -> None:
    """Declare a message (English msgids marked with N_, with %(name)s parameters)."""
    TEMPLATES[name] = (subject, body)


class Notification(db.Model):
    __tablename__ = "core_notification"
    __audit__ = False  # bodies may hold one-time codes; what caused a message is audited
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))  # sms | whatsapp | email
    recipient: Mapped[str] = mapped_column(String(254))
    template: Mapped[str] = mapped_column(String(80))
    locale: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)  # erased after sending when secret
    secret: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(10), default="queued", index=True)  # queued|sending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class NotifyPref(db.Model):
    """A person's choices for messages: staff ask to be told when a case arrives in their inbox."""

    __tablename__ = "core_notify_pref"
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id", ondelete="CASCADE"), primary_key=True)
    case_arrival: Mapped[bool] = mapped_column(Boolean, default=False)
    channel: Mapped[str] = mapped_column(String(10), default="email")  # email | phone
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


def render(template: str, locale: str, **params) -> tuple[str, str]:
    """(subject, body) of a template in a language (id or en)."""
    subject, body = TEMPLATES[template]
    with force_locale(locale if locale in LOCALES else "id"):
        return gettext(subject), gettext(body, **params)


def send(channel: str, to: str, template: str, *, locale: str | None = None, secret: bool = False,
         **params) -> Notification:
    """Queue a message in the current transaction; it is delivered after commit."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r} ({', '.join(CHANNELS)})")
    locale = locale if locale in LOCALES else current_app.config.get("BABEL_DEFAULT_LOCALE", "id")
    params.setdefault("site", current_app.extensions["egovkit"].profile.regency.name)
    subject, body = render(template, locale, **params)
    note = Notification(channel=channel, recipient=to.strip(), template=template, locale=locale,
                        subject=subject[:200], body=body, secret=secret)
    db.session.add(note)
    db.session.info.setdefault("egovkit_notifications_new", []).append(note)
    return note


# ----------------------------------------------------------------- telling a person about their request
@dataclass(frozen=True)
class Person:
    """Whom a module's request belongs to: their account and/or their NIK in a register. The core finds the
    phone (the register's, through the hook ``identity.phone``, else the account's), the email (the
    account's) and the language (the account's ``locale``)."""

    user_id: int | None = None
    nik: str | None = None
    params: dict = field(default_factory=dict)  # extra template parameters (a bill's amount, ...)


def contacts(person: Person) -> tuple[list[tuple[str, str]], str | None]:
    """([(channel, address)], locale) of a person: their phone (SMS or WhatsApp) and their email."""
    from ..auth.identity import phone_channel, register_phone
    from ..models import User

    user = db.session.get(User, person.user_id) if person.user_id else None
    if user is None and person.nik:  # filed at the counter for someone who has an account
        user = db.session.scalar(select(User).where(User.nik == person.nik))
    if user is not None and (not user.active or user.pending):
        user = None  # a disabled or not yet activated account is not who asked
    nik = person.nik or (user.nik if user is not None else None)
    phone = register_phone(nik) or (user.phone if user is not None else None)
    out = [(phone_channel(), phone)] if phone else []
    if user is not None and user.email:
        out.append(("email", user.email))
    return out, (user.locale if user is not None else None)


def public_link(endpoint: str, **values) -> str | None:
    """The public address of a page for a message (EGOVKIT_PUBLIC_URL, else this request's host); None outside
    a request without EGOVKIT_PUBLIC_URL (the message then goes without its link)."""
    from flask import has_request_context, url_for

    from . import documents

    try:
        if has_request_context():
            path = url_for(endpoint, **values)
        else:
            with current_app.test_request_context("/"):
                path = url_for(endpoint, **values)
        return documents.public_url(path)
    except RuntimeError:
        return None


def tell(person: Person, template: str, *, url: str | None = None, what: dict | None = None, **params) -> int:
    """Queue ``template`` to every address of ``person`` in their language (current transaction), with
    ``url`` (the public tracking page) as a last sentence; ``what``: {"id": ..., "en": ...}. How many."""
    addresses, locale = contacts(person)
    locale = locale if locale in LOCALES else current_app.config.get("BABEL_DEFAULT_LOCALE", "id")
    if what:
        params["what"] = what.get(locale) or what.get("en") or next(iter(what.values()))
    params = {**person.params, **params}
    for channel, to in addresses:
        note = send(channel, to, template, locale=locale, **params)
        if url:
            with force_locale(locale):
                note.body += " " + gettext("Follow it: %(url)s", url=url)
    return len(addresses)


@event.listens_for(Session, "after_flush")
def _collect(session, _ctx):
    new = session.info.pop("egovkit_notifications_new", [])
    session.info.setdefault("egovkit_notifications_flushed", []).extend(n.id for n in new if n.id is not None)


@event.listens_for(Session, "after_commit")
def _committed(session):
    ids = session.info.pop("egovkit_notifications_flushed", [])
    if ids:
        session.info.setdefault("egovkit_notifications_committed", []).extend(ids)


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session, previous):
    if previous.nested:
        return
    session.info.pop("egovkit_notifications_new", None)
    session.info.pop("egovkit_notifications_flushed", None)


class DeliveryError(Exception):
    pass


def _url(channel: str) -> str | None:
    return current_app.config.get(f"EGOVKIT_NOTIFY_{channel.upper()}_URL")


def log_path() -> Path:
    return Path(current_app.instance_path) / "logs" / "notifications.log"


def _transmit(note: Notification) -> None:
    """Hand one message to its channel; raises DeliveryError."""
    url = _url(note.channel)
    if not url:  # the development backend
        path = log_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps({"at": utcnow().isoformat(timespec="seconds"), "id": note.id,
                                     "channel": note.channel, "to": note.recipient, "subject": note.subject,
                                     "body": note.body}, ensure_ascii=False) + "\n")
        return
    import apprise

    sender = apprise.Apprise()
    if not sender.add(url.replace("{to}", quote(note.recipient, safe="+@"))):
        raise DeliveryError(f"EGOVKIT_NOTIFY_{note.channel.upper()}_URL is not a URL Apprise knows")
    if not sender.notify(title=note.subject, body=note.body or ""):
        raise DeliveryError("the channel refused the message (see the log)")


def deliver(note_id: int) -> bool:
    """Deliver one queued message if it is due; True when sent now. Never sends a message twice."""
    now = utcnow()
    claimed = db.session.execute(
        update(Notification).where(Notification.id == note_id, Notification.status == "queued",
                                   Notification.next_attempt_at <= now)
        .values(status="sending", attempts=Notification.attempts + 1)
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    if claimed != 1:
        return False  # sent, failed for good, not due, or another deliverer holds it
    note = db.session.get(Notification, note_id)
    db.session.refresh(note)
    try:
        _transmit(note)
    except Exception as exc:  # any channel problem: keep the message for a later attempt
        log.warning("notification %s (%s) failed: %s", note.id, note.channel, exc)
        final = note.attempts >= MAX_ATTEMPTS
        values = {"status": "failed" if final else "queued", "last_error": str(exc)[:2000],
                  "next_attempt_at": utcnow() + timedelta(minutes=2 ** note.attempts)}
        if final and note.secret:
            values["body"] = None
        _finish(note, values)
        return False
    values = {"status": "sent", "sent_at": utcnow(), "last_error": None}
    if note.secret:
        values["body"] = None
    _finish(note, values)
    return True


def _finish(note: Notification, values: dict) -> None:
    db.session.execute(update(Notification).where(Notification.id == note.id).values(**values)
                       .execution_options(synchronize_session=False))
    db.session.commit()  # expires the loaded row: it is read again when next used


def deliver_due(limit: int = 500) -> int:
    """Deliver every queued message that is due (new ones and retries); returns how many were sent."""
    ids = db.session.scalars(select(Notification.id).where(
        Notification.status == "queued", Notification.next_attempt_at <= utcnow())
        .order_by(Notification.id).limit(limit)).all()
    return sum(deliver(i) for i in ids)


notifications_cli = AppGroup("notifications", help="Queued messages (SMS, WhatsApp, e-mail).")


@notifications_cli.command("deliver")
def deliver_command():
    """Send queued messages that are due (run it every few minutes)."""
    click.echo(f"sent {deliver_due()} message(s)")


@notifications_cli.command("list")
@click.option("--status", type=click.Choice(["queued", "sending", "sent", "failed"]))
def list_command(status):
    """The latest messages (without their bodies)."""
    stmt = select(Notification).order_by(Notification.id.desc()).limit(50)
    if status:
        stmt = stmt.where(Notification.status == status)
    for note in db.session.scalars(stmt):
        click.echo(f"#{note.id} {note.created_at:%Y-%m-%d %H:%M} {note.channel:<8} {note.status:<7} "
                   f"attempts={note.attempts} {note.template}" + (f"  ({note.last_error})" if note.last_error else ""))


def init_app(app) -> None:
    for channel in CHANNELS:
        key = f"EGOVKIT_NOTIFY_{channel.upper()}_URL"
        app.config.setdefault(key, os.environ.get(key) or None)
    app.cli.add_command(notifications_cli)

    @app.teardown_appcontext
    def _dispatch(exc):
        ids = db.session.info.pop("egovkit_notifications_committed", [])
        if exc is None:
            for note_id in ids:
                try:
                    deliver(note_id)
                except Exception:  # a broken channel must not break the page that queued the message
                    db.session.rollback()
                    log.exception("notification %s: delivery failed", note_id)
