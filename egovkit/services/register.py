"""The population register, as the core asks it: "who is the person with this NIK?".

The core keeps no register. A module that holds one (smart_kampung) answers the hook ``register.person``
(``Module.hooks``) with a ``Person``; the first enabled module that knows the NIK wins. Another module (social
aid) reads residents through ``person(nik)`` and never imports the register's module.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app

from ..modules import import_path

PERSON_HOOK = "register.person"


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
