"""The Permendagri 90/2019 classification (urusan, bidang, program, kegiatan, sub-kegiatan with their
indicator and unit), read from an edition of the core code list ``planning.codes`` (data/codelists.yaml).
The edition of a planning year is the profile's (``planning.editions``), else the list's default; a new
decree is a new data file and one line in a manifest, never a code change. A Renja records the edition it
was drawn up under, so loading a new edition for a new year leaves the old year's plans as they were."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from flask import current_app

from egovkit.services import codelists

LIST = "planning.codes"
LEVELS = ("urusan", "bidang", "program", "kegiatan", "subkegiatan")


@dataclass(frozen=True)
class Code:
    code: str
    level: str
    name: str
    indicator: str = ""
    unit: str = ""


class Edition:
    def __init__(self, edition_id: str, title: str, codes: dict[str, Code]):
        self.id, self.title, self._codes = edition_id, title, codes

    def get(self, code: str | None) -> Code | None:
        return self._codes.get(code or "")

    def subactivity(self, code: str | None) -> Code | None:
        found = self.get(code)
        return found if found is not None and found.level == "subkegiatan" else None

    def subactivities(self) -> list[Code]:
        return [c for c in self._codes.values() if c.level == "subkegiatan"]

    def chain(self, code: str) -> dict[str, Code | None]:
        """The urusan, bidang, program, kegiatan and sub-kegiatan a sub-kegiatan code sits under."""
        parts = code.split(".")
        keys = {"urusan": parts[0], "bidang": ".".join(parts[:2]), "program": ".".join(parts[:3]),
                "kegiatan": ".".join(parts[:5]), "subkegiatan": code}
        return {level: self._codes.get(key) for level, key in keys.items()}


class CodeListError(ValueError):
    """An edition's file is not well formed (the message names the file and line)."""


@lru_cache(maxsize=8)
def load(edition_id: str) -> Edition:
    edition = codelists.edition(LIST, edition_id)
    rows = edition.rows()
    header = next(rows, None)
    if header != ["code", "level", "name", "indicator", "unit"]:
        raise CodeListError(f"{edition.file}: line 1: expected the columns code,level,name,indicator,unit")
    codes: dict[str, Code] = {}
    for line, row in enumerate(rows, start=2):
        if len(row) != 5 or row[1] not in LEVELS or not row[0] or not row[2]:
            raise CodeListError(f"{edition.file}: line {line}: expected code,level,name,indicator,unit")
        if row[0] in codes:
            raise CodeListError(f"{edition.file}: line {line}: code {row[0]} appears twice")
        codes[row[0]] = Code(*row)
    return Edition(edition.id, edition.title, codes)


def edition_for(year: int) -> Edition:
    """The edition in force for a planning year (the profile's choice, else the list's default)."""
    settings = current_app.extensions["egovkit"].profile.modules["planning"]
    return load(settings.editions.get(year) or codelists.get(LIST).default)
