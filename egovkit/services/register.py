"""The population register, as the core asks it: "who is the person with this NIK?", and "who are all of them?".

The core keeps no register. A module that holds one (smart_kampung) answers the hook ``register.person``
(``Module.hooks``) with a ``Person``; the first enabled module that knows the NIK wins. For questions about the
whole register at once (who in the regency meets a programme's rules) it answers ``register.people`` with one SQL
selectable of the same columns, so the question is one query, not 1.7 million calls. Another module (social
aid) reads residents through ``person(nik)`` and ``people()`` and never imports the register's module.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app

from ..modules import import_path

PERSON_HOOK = "register.person"
PEOPLE_HOOK = "register.people"
COLUMNS = ("nik", "name", "birth_date", "status", "village_code", "kk")  # of people(), as Person's fields


@dataclass(frozen=True)
class Person:
    nik: str
    name: str
    birth_date: date
    status: str  # alive | moved | died
    village_code: str  # the desa/kelurahan of the register entry
    kk: str | None  # the family card (KK) number, when the person is on one


def person(nik: str | None) -> Person | None:
    """The register's entry for this NIK (None: no enabled module knows it)."""
    if not nik:
        return None
    for module in current_app.extensions["egovkit"].modules:
        target = module.hooks.get(PERSON_HOOK)
        if target:
            found = import_path(target)(nik)
            if found is not None:
                return found
    return None


def people():
    """The whole register as a SQL selectable with the columns ``COLUMNS`` (those of ``Person``; ``kk`` NULL for
    someone on no family card), every person with a NIK whatever the status; None when no enabled module holds a
    register. Use it as a subquery (``people().subquery()``) and filter in SQL."""
    for module in current_app.extensions["egovkit"].modules:
        target = module.hooks.get(PEOPLE_HOOK)
        if target:
            return import_path(target)()
    return None
