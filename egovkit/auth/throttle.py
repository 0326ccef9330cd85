"""Sign-in throttling that counts atomically and cannot lock everyone out.

Each attempt is *reserved* in one or more buckets of core_login_counter with
a conditional UPDATE (``count = count + 1 WHERE count < limit``) before the
password or code is checked, so however many requests race, at most the
limit of guesses is ever checked (across gunicorn workers too: the counter
is in the database, no Redis needed). A right password or code gives its
reservation back; a wrong one keeps it until the bucket's window passes.

The buckets of a password attempt (limits from the profile's ``sign_in``):

- from a browser the account signed in from before (a signed device cookie):
  (account, that browser) only. Nobody else's guesses can lock its owner out.
- otherwise (account, address), and then (account), with a higher limit, for
  guesses spread over many addresses.

There is deliberately no limit per address alone: behind a shared address
(an office NAT, a proxy whose hops are not configured) one flood would lock
out every account, which is what this design avoids. Wrong two-factor codes
are counted per account; wrong one-time codes typed for a record (a kiosk print code, a hospital's
acknowledgement code) per record. See docs/architecture.md.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..db import db
from ..models import LoginCounter, utcnow

DEVICE_COOKIE = "egovkit_device"
DEVICE_DAYS = 180
DEVICES_KEPT = 5  # accounts remembered per browser (a shared office computer)
_table = LoginCounter.__table__


def settings():
    return current_app.extensions["egovkit"].profile.sign_in


def _bucket(kind: str, *parts) -> str:
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:64]
    return f"{kind}:{digest}"


def _reserve(bucket: str, limit: int, window: timedelta) -> bool:
    """Take one attempt from the bucket if it has room, in its own committed transaction."""
    db.session.commit()  # nothing else rides on this transaction (and SQLite starts it with the write)
    for _ in range(3):
        now = utcnow()
        counted = db.session.execute(update(_table).where(
            _table.c.bucket == bucket, _table.c.started_at > now - window, _table.c.count < limit)
            .values(count=_table.c.count + 1)).rowcount
        if not counted:  # the window passed: a new one starts with this attempt
            counted = db.session.execute(update(_table).where(
                _table.c.bucket == bucket, _table.c.started_at <= now - window)
                .values(count=1, started_at=now)).rowcount
        if counted:
            db.session.commit()
            return True
        count = db.session.scalar(select(_table.c.count).where(_table.c.bucket == bucket))
        if count is not None:
            db.session.commit()
            if count >= limit:
                return False  # full for now
            continue  # another request made the row after our UPDATEs ran: count in it
        try:
            db.session.execute(insert(_table).values(bucket=bucket, started_at=now, count=1))
            db.session.commit()
            return True
        except IntegrityError:  # another request made the row first: count in it
            db.session.rollback()
    return False


def _release(bucket: str) -> None:
    db.session.execute(update(_table).where(_table.c.bucket == bucket, _table.c.count > 0)
                       .values(count=_table.c.count - 1))
    db.session.commit()


@dataclass
class Reservation:
    buckets: list[str] = field(default_factory=list)

    def give_back(self) -> None:
        """The attempt was right: it does not count."""
        for bucket in self.buckets:
            _release(bucket)
        self.buckets = []

    def keep(self) -> None:
        """The attempt was wrong: it counts until the window passes (old rows are cleared now and then)."""
        db.session.execute(delete(_table).where(_table.c.started_at < utcnow() - timedelta(days=1)))
        db.session.commit()


def _take(buckets: list[tuple[str, int]]) -> Reservation | None:
    window = timedelta(minutes=settings().window_minutes)
    taken = Reservation()
    for bucket, limit in buckets:
        if not _reserve(bucket, limit, window):
            taken.give_back()
            return None
        taken.buckets.append(bucket)
    return taken


def for_password(identifier: str, address: str, user) -> Reservation | None:
    """Reserve a password attempt, or None when this source must wait."""
    limits = settings()
    device = trusted_device(user) if user is not None else None
    if device:
        return _take([(_bucket("device", user.id, device), limits.attempts_per_address)])
    return _take([(_bucket("pair", identifier, address), limits.attempts_per_address),
                  (_bucket("account", identifier), limits.attempts_per_account)])


def for_code(user_id: int) -> Reservation | None:
    """Reserve a two-factor code attempt (per account), or None."""
    return _take([(_bucket("code", user_id), settings().attempts_per_address)])


def for_one_time_code(kind: str, key: str, limit: int) -> Reservation | None:
    """Reserve an attempt at a one-time code typed for one record (``kind`` names what the code opens: "print",
    a kiosk print code for a tracking code, whether or not it exists, egovkit.services.printcodes; a module's own,
    e.g. "spm-ack", a hospital's code for one poverty statement), or None when ``limit`` wrong codes were typed
    for ``key`` in the sign-in window. The right code gives its attempt back (``Reservation.give_back``)."""
    return _take([(_bucket(kind, key), limit)])


def for_submission(kind: str, address: str, limit: int, minutes: int = 60) -> Reservation | None:
    """Reserve one anonymous submission (e.g. a complaint filed without signing in) from an address, or None
    when the address has sent ``limit`` in the last ``minutes``. Signed-in people are not limited this way:
    behind a shared address (a village office) only those who stay anonymous wait."""
    taken = Reservation()
    bucket = _bucket("submit", kind, address)
    if not _reserve(bucket, limit, timedelta(minutes=minutes)):
        return None
    taken.buckets.append(bucket)
    return taken


# ----------------------------------------------------------------- trusted browsers
def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="egovkit.device")


def _devices() -> list[list]:
    value = request.cookies.get(DEVICE_COOKIE)
    if not value:
        return []
    try:
        devices = _serializer().loads(value, max_age=DEVICE_DAYS * 86400)
    except BadSignature:
        return []
    return [d for d in devices if isinstance(d, list) and len(d) == 2] if isinstance(devices, list) else []


def trusted_device(user) -> str | None:
    """This browser's token for the account, if the account signed in from it before."""
    return next((token for uid, token in _devices() if uid == user.id), None)


def remember_device(response, user) -> None:
    """After a full sign-in: this browser is trusted for the account (throttled on its own)."""
    devices = _devices()
    token = trusted_device(user) or secrets.token_urlsafe(12)
    devices = [[user.id, token]] + [d for d in devices if d[0] != user.id][:DEVICES_KEPT - 1]
    response.set_cookie(DEVICE_COOKIE, _serializer().dumps(devices), max_age=DEVICE_DAYS * 86400, httponly=True,
                        samesite="Lax", secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
