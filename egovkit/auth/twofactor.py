"""Two-factor sign-in with time-based one-time codes (TOTP, RFC 6238, pyotp).

The roles the profile names in ``sign_in.two_factor_roles`` must give a code
from an authenticator app after their password. The secret is kept
encrypted (Fernet, with a key derived from the instance secret) and never
shown after enrolment; a code is accepted once (the last accepted 30-second
step is kept and only a later one is accepted, checked in one conditional
UPDATE). Ten recovery codes, stored as SHA-256 and usable once each, are
shown once at enrolment. ``egovkit users reset-2fa LOGIN`` starts over.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from sqlalchemy import delete, or_, update

from ..db import db
from ..models import RecoveryCode, User, UserTotp, utcnow

STEP = 30  # seconds, the authenticator apps' default
RECOVERY_CODES = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
_DIGITS = re.compile(r"^[0-9]{6}$")


def _fernet() -> Fernet:
    key = hmac.new(current_app.secret_key.encode(), b"egovkit.totp-secret.v1", hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt(token: str) -> str | None:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:  # the instance secret changed: the account must enrol again (users reset-2fa)
        return None


def enrolled(user: User) -> UserTotp | None:
    return db.session.get(UserTotp, user.id)


def required(user: User) -> bool:
    """Whether this account's sign-in needs a code: its role is named in the profile, or it has enrolled."""
    roles = set(current_app.extensions["egovkit"].profile.sign_in.two_factor_roles)
    return any(a.role in roles for a in user.roles) or enrolled(user) is not None


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, user: User) -> str:
    issuer = current_app.extensions["egovkit"].profile.regency.name
    return pyotp.TOTP(secret).provisioning_uri(name=user.name, issuer_name=issuer)


def qr_svg(secret: str, user: User) -> str:
    """The enrolment QR code as inline SVG (made here: the secret goes to no outside service)."""
    return segno.make(provisioning_uri(secret, user), error="m").svg_inline(scale=5, title="QR")


def normalise(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The 30-second step (the previous, current or next one, for clock drift) whose code this is."""
    code = normalise(code)
    if not _DIGITS.match(code):
        return None
    totp = pyotp.TOTP(secret)
    current = int(time.time() if now is None else now) // STEP
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.at(step * STEP), code):
            return step
    return None


def _claim_step(user_id: int, step: int) -> bool:
    """Accept the step once: only if no later or equal step was accepted before (atomic)."""
    claimed = db.session.execute(update(UserTotp).where(
        UserTotp.user_id == user_id, or_(UserTotp.last_step.is_(None), UserTotp.last_step < step))
        .values(last_step=step)).rowcount
    return bool(claimed)


def check(user: User, code: str) -> str | None:
    """'totp' or 'recovery' when the code signs in (and is used up), None otherwise."""
    row = enrolled(user)
    if row is None:
        return None
    secret = decrypt(row.secret)
    step = matching_step(secret, code) if secret else None
    if step is not None:
        return "totp" if _claim_step(user.id, step) else None
    used = db.session.execute(update(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash(code), RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())).rowcount
    return "recovery" if used else None


def enrol(user: User, secret: str, step: int) -> None:
    """Save the confirmed secret (the confirming code's step counts as used)."""
    db.session.add(UserTotp(user_id=user.id, secret=encrypt(secret), last_step=step))


def _hash(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()


def new_recovery_codes(user: User) -> list[str]:
    """Ten fresh single-use codes, replacing any earlier ones; only their hashes are stored."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash(raw)))
    return codes


def reset(user: User) -> bool:
    """Forget the account's secret and recovery codes (it enrols again at its next sign-in)."""
    row = enrolled(user)
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    if row is None:
        return False
    db.session.delete(row)  # ORM deletes, so the audit trail records them
    return True
