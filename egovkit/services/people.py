"""How a person is shown to someone else: by position and name, never by sign-in email or NIK.

Every page, PDF, timeline and public API payload that names a person (who
signed a letter, who decided a case, who issued a document) goes through
``display(user)``, e.g. "Kepala Desa Sarongan, Budi Santoso". The position
comes from the user's role assignments and the profile's role titles; a
title with alternatives ("Kepala Desa / Lurah", "Bupati / Wali Kota") takes
the one that fits the region (desa or kelurahan, kabupaten or kota).

Labels stored earlier (a step's actor, a document's issuer) may still hold a
sign-in email or NIK from before this rule; ``shown(label, user_id)`` gives
the person's display instead, and hides the label when it cannot.
"""
from __future__ import annotations

import re

from flask import current_app

from ..db import db

_NIK = re.compile(r"\d{16}")
# kinds of region where a title's second alternative applies ("Lurah", "Wali Kota")
_SECOND = {"kelurahan", "kota"}


def _title(role: str, locale: str) -> str | None:
    roles = current_app.extensions["egovkit"].profile.roles
    definition = roles.get(role)
    if definition is None:
        return None
    return definition.title.get(locale) or definition.title.get("id") or definition.title.get("en")


def _pick(title: str, kind: str | None) -> str:
    options = [t.strip() for t in title.split(" / ")]
    if len(options) < 2:
        return title
    return options[1] if kind in _SECOND else options[0]


def position(user, locale: str = "id") -> str | None:
    """The user's position for display (their most specific staff role), or None."""
    from ..models import Agency, Region

    if user is None or not getattr(user, "roles", None):
        return None
    profile = current_app.extensions["egovkit"].profile
    order = list(profile.roles)
    # staff roles first (in the profile's order), then admin, then citizen
    ranked = sorted(user.roles, key=lambda a: (a.role == "citizen", a.role == "admin",
                                              order.index(a.role) if a.role in order else len(order)))
    assignment = ranked[0]
    title = _title(assignment.role, locale)
    if title is None:
        return None
    if assignment.region_code:
        region = db.session.get(Region, assignment.region_code)
        if region is not None:
            return f"{_pick(title, region.kind)} {region.name}"
    if assignment.agency_code:
        agency = db.session.get(Agency, assignment.agency_code)
        if agency is not None:
            return f"{_pick(title, None)} {agency.name}"
    regency = db.session.get(Region, profile.regency.code)
    return _pick(title, regency.kind if regency is not None else None)


def display(user, locale: str = "id") -> str:
    """"<position>, <name>" (or the name alone): how to show this user to anyone else."""
    if user is None:
        return "-"
    where = position(user, locale)
    return f"{where}, {user.name}" if where else user.name


def looks_private(label: str | None) -> bool:
    """Whether a label is a sign-in email or a NIK (never to be shown)."""
    return bool(label) and ("@" in label or bool(_NIK.search(label)))


# How a step taken without an account (an anonymous complaint, a public form) is shown.
NOBODY = {"id": "Warga tanpa akun", "en": "Citizen without an account"}


def shown(label: str | None, user_id: int | None = None, locale: str = "id") -> str:
    """A stored label fit to show: itself, or, when it is an email or NIK, the person's display."""
    if label == "anonymous" and user_id is None:
        return NOBODY.get(locale, NOBODY["id"])
    if not looks_private(label):
        return label or "-"
    if user_id is not None:
        from ..models import User

        user = db.session.get(User, user_id)
        if user is not None:
            return display(user, locale)
    return "-"


def acting(user=None, locale: str = "id") -> tuple[int | None, str]:
    """(user id, display) of whoever acts now: ``user``, the signed-in user, or the owner of the job or
    the CLI actor (``audit.set_actor``) when no person is signed in."""
    from flask import has_request_context

    from . import audit

    if user is None and has_request_context():
        from flask_login import current_user

        user = current_user
    if user is not None and getattr(user, "is_authenticated", False):
        return user.id, display(user, locale)[:120]
    actor_id, label = audit.actor()
    if actor_id is not None:
        from ..models import User

        person = db.session.get(User, actor_id)
        if person is not None:
            return actor_id, display(person, locale)[:120]
    return actor_id, label
