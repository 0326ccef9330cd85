"""Password hashing with Argon2id (memory-hard) and a minimal policy."""
from __future__ import annotations

import functools
import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")  # deliberately loose: staff addresses are checked by people
_hasher = PasswordHasher()


@functools.cache
def _dummy() -> str:
    """Verifying against this keeps the time of a login for an unknown account the same as for a known
    one. Made on first use: hashing is slow on purpose, and no CLI command should pay for it at start-up."""
    return _hasher.hash("egovkit-no-such-user")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def policy_error(password: str) -> str | None:
    """Why a new password is refused, or None: in the reader's language on a page, English in the CLI."""
    from flask import has_request_context

    from ..i18n import N_, english, translated

    say = translated if has_request_context() else english
    if len(password) < MIN_LENGTH:
        return say(N_("at least %(count)d characters"), {"count": MIN_LENGTH})
    if len(password) > 200:
        return say(N_("at most %(count)d characters"), {"count": 200})
    if password.isdigit():
        return say(N_("not only digits"), {})
    return None
