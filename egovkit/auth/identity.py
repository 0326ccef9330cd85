"""Citizen identity: pending accounts, one-time codes, activation and password changes.

A citizen who registers gets a *pending* account: it may sign in, but holds no
permission (``egovkit.auth.scope`` grants nothing to it), so it can file
nothing in anyone's name. It becomes usable when activated, either with a
one-time code sent to the phone number the population register holds for
that NIK, or by a village office operator who has seen the KTP.

The core does not know the register: a module answers the hook
``identity.phone`` (``Module.hooks``), "the phone of the resident with this
NIK". Codes are 6 digits, stored as an HMAC keyed with the instance secret,
expire, allow ``MAX_ATTEMPTS`` wrong tries and are used once.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import DateTime, ForeignKey, Integer, String, func, select, update
from sqlalchemy.orm import Mapped, mapped_column

from ..db import db
from ..models import User, as_utc, utcnow
from ..modules import import_path
from ..services import audit, notifications
from . import passwords

PHONE_HOOK = "identity.phone"
MAX_ATTEMPTS = 5  # wrong codes before a code is void
CODES_PER_HOUR = 3  # codes sent to one account per purpose and hour (each is an SMS someone pays for)
TTL = {"activate": timedelta(minutes=30), "reset": timedelta(minutes=15), "office": timedelta(hours=24)}


class UserCode(db.Model):
    """A one-time code for an account: activation or password reset."""

    __tablename__ = "core_user_code"
    __audit__ = False  # sending, using and failing codes are audited as such
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(10))  # activate | reset
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


def _digest(user_id: int, purpose: str, code: str) -> str:
    key = hashlib.sha256(b"egovkit-codes:" + current_app.config["SECRET_KEY"].encode()).digest()
    return hmac.new(key, f"{user_id}:{purpose}:{code}".encode(), hashlib.sha256).hexdigest()


def register_phone(nik: str | None) -> str | None:
    """The phone number the population register holds for this NIK (the first module that knows it)."""
    if not nik:
        return None
    for module in current_app.extensions["egovkit"].modules:
        target = module.hooks.get(PHONE_HOOK)
        if target:
            phone = import_path(target)(nik)
            if phone:
                return phone
    return None


def phone_channel() -> str:
    """SMS, or WhatsApp when the instance configured only WhatsApp."""
    config = current_app.config
    if config.get("EGOVKIT_NOTIFY_WHATSAPP_URL") and not config.get("EGOVKIT_NOTIFY_SMS_URL"):
        return "whatsapp"
    return "sms"


def issue_code(user: User, purpose: str, ttl: timedelta | None = None, limited: bool = True) -> str | None:
    """A new code for the account (older live codes of this purpose die); None past the hourly limit."""
    now = utcnow()
    recent = db.session.scalar(select(func.count()).select_from(UserCode).where(
        UserCode.user_id == user.id, UserCode.purpose == purpose, UserCode.created_at > now - timedelta(hours=1)))
    if limited and recent >= CODES_PER_HOUR:
        return None
    db.session.execute(update(UserCode).where(UserCode.user_id == user.id, UserCode.purpose == purpose,
                                              UserCode.used_at.is_(None)).values(used_at=now))
    code = f"{secrets.randbelow(10 ** 6):06d}"
    db.session.add(UserCode(user_id=user.id, purpose=purpose, code_hash=_digest(user.id, purpose, code),
                            created_at=now, expires_at=now + (ttl or TTL[purpose])))
    return code


def send_code(user: User, purpose: str) -> bool:
    """Queue a code to the register's phone for this account's NIK; False when there is none (or too many)."""
    phone = register_phone(user.nik)
    if phone is None:
        return False
    code = issue_code(user, purpose)
    if code is None:
        return False
    template = "identity.activation_code" if purpose == "activate" else "identity.reset_code"
    notifications.send(phone_channel(), phone, template, locale=user.locale, secret=True, code=code,
                       minutes=int(TTL[purpose].total_seconds() // 60))
    audit.record("code_sent", "core", "core_user", user.id, purpose=purpose)
    return True


def check_code(user: User | None, purpose: str, code: str) -> bool:
    """Whether ``code`` is the account's live code (then it is used up). A wrong code counts an attempt;
    the caller commits either way. The same work is done for no account, so timing tells nothing."""
    code = (code or "").strip()
    digest = _digest(user.id if user else 0, purpose, code)
    if user is None:
        return False
    live = db.session.scalar(select(UserCode).where(
        UserCode.user_id == user.id, UserCode.purpose == purpose, UserCode.used_at.is_(None))
        .order_by(UserCode.id.desc()).limit(1))
    if live is None or as_utc(live.expires_at) <= utcnow() or live.attempts >= MAX_ATTEMPTS:
        return False
    if not hmac.compare_digest(live.code_hash, digest):
        live.attempts += 1
        audit.record("code_failed", "core", "core_user", user.id, purpose=purpose, attempts=live.attempts)
        return False
    live.used_at = utcnow()
    return True


def activate(user: User, how: str) -> None:
    """Make a pending account usable (``how``: code, office or cli); audited with the acting person."""
    if not user.pending:
        return
    user.pending = False
    db.session.execute(update(UserCode).where(UserCode.user_id == user.id, UserCode.purpose == "activate",
                                              UserCode.used_at.is_(None)).values(used_at=utcnow()))
    audit.record("activate", "core", "core_user", user.id, how=how)


def set_password(user: User, password: str, how: str) -> None:
    """A new password; every open session of the account ends (``how``: change, code, office, cli)."""
    user.password_hash = passwords.hash_password(password)
    user.end_sessions()
    audit.record("password_set", "core", "core_user", user.id, how=how)
    phone = register_phone(user.nik)
    if phone and how != "cli":
        notifications.send(phone_channel(), phone, "identity.password_changed", locale=user.locale)


def account_for_nik(nik: str | None) -> User | None:
    """The account registered with a NIK (for a module's page about that resident)."""
    return db.session.scalar(select(User).where(User.nik == nik)) if nik else None


def office_code(user: User) -> str:
    """At the village office, the operator having seen the KTP: a reset code to hand to the person at the
    counter (valid a day). A pending account is activated at the same time, and the password chosen at
    registration stops working, since whoever registered may not be the person at the counter."""
    if user.pending:
        activate(user, "office")
        user.password_hash = passwords.hash_password(secrets.token_urlsafe(24))
        user.end_sessions()
    audit.record("office_code", "core", "core_user", user.id)
    return issue_code(user, "reset", TTL["office"], limited=False)
