"""Read the Kemendagri region list, by edition (see docs/data-sources.md).

The editions are code lists of egovkit/services/codelists.py ("regions"); every
function reads the default edition unless one is named. Codes are looked up, never
computed: the list has gaps where regions were split or merged. Only the chosen
regency's subtree is read into memory.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..services import codelists

REGENCY_CODE = re.compile(r"^\d{2}\.\d{2}$")
LEVELS = {1: "province", 2: "regency", 3: "district", 4: "village"}

# Time zone by province code (WIB / WITA / WIT).
_WITA = {"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"}
_WIT = {"81", "82", "91", "92", "93", "94", "95", "96", "97"}
# Local names for a village and a district, by province code.
_PAPUA = ("91", "92", "93", "94", "95", "96", "97")
_VILLAGE_WORD = {"11": "gampong", "13": "nagari"} | {code: "kampung" for code in _PAPUA}
_DISTRICT_WORD = {code: "distrik" for code in _PAPUA}
_KEEP_UPPER = {"DKI", "DI", "KAB.", "II"}


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: str  # province | regency | district | village
    kind: str  # provinsi | kabupaten | kota | kecamatan | desa | kelurahan

    @property
    def parent_code(self) -> str | None:
        return self.code.rsplit(".", 1)[0] if "." in self.code else None


def _title(name: str) -> str:
    return " ".join(w if w in _KEEP_UPPER else w.capitalize() for w in name.split())


def _kind(code: str, name: str) -> str:
    level = code.count(".") + 1
    if level == 1:
        return "provinsi"
    if level == 2:
        return "kota" if int(code[3:5]) >= 71 else "kabupaten"
    if level == 3:
        return "kecamatan"
    # 4th segment starting with 1 is a kelurahan, otherwise a desa
    return "kelurahan" if code[9] == "1" else "desa"


def _clean(code: str, raw: str) -> str:
    level = code.count(".") + 1
    if level == 1:
        return _title(raw)
    if level == 2:
        # "KAB." / "KAB" / "KOTA" (pre-2022), "Kabupaten" / "Kota" (2025): the kind is kept apart
        name = re.sub(r"^(KAB\.?|KABUPATEN|KOTA)\s+", "", raw, flags=re.IGNORECASE)
        name = re.sub(r"\bADM\.\s*", "ADMINISTRASI ", name, flags=re.IGNORECASE)
        return _title(re.sub(r"\bKEP\.\s*", "KEPULAUAN ", name, flags=re.IGNORECASE))
    return raw


LIST = "regions"


def default_edition() -> str:
    return codelists.get(LIST).default


def editions() -> list[str]:
    return list(codelists.get(LIST).editions)


def _lines(edition: str | None = None):
    reader = codelists.edition(LIST, edition).rows()
    next(reader)  # header
    return reader


def regencies(edition: str | None = None) -> dict[str, Region]:
    """All regencies and cities, by code."""
    return _regencies(edition or default_edition(), _extra())


def _regencies(edition: str, key: str) -> dict[str, Region]:
    return _top(edition, key)[1]


def provinces(edition: str | None = None) -> dict[str, Region]:
    return _top(edition or default_edition(), _extra())[0]


@lru_cache(maxsize=4)
def _top(edition: str, _key: str) -> tuple[dict[str, Region], dict[str, Region]]:
    """Provinces and regencies of an edition, read in one pass."""
    provs, regs = {}, {}
    for code, raw in _lines(edition):
        if len(code) == 2:
            provs[code] = Region(code, _clean(code, raw), "province", "provinsi")
        elif len(code) == 5:
            regs[code] = Region(code, _clean(code, raw), "regency", _kind(code, raw))
    return provs, regs


def _extra() -> str:
    import os

    return os.environ.get(codelists.ENV, "")  # extra editions change what an edition id means


@lru_cache(maxsize=1)
def district_codes() -> frozenset[str]:
    """Every district (kecamatan) code of every bundled edition, for checking NIK and KK numbers.

    A NIK keeps the district code it was issued under when the district is later recoded.
    """
    return frozenset(code for edition in editions() for code, _ in _lines(edition) if len(code) == 8)


def known(code: str, edition: str | None = None) -> bool:
    """Whether a region code (province, regency, district or village) is in the Kemendagri list."""
    return any(c == code for c, _ in _lines(edition))


def regency_known(code: str) -> bool:
    """A regency or city code of the default edition or an earlier one (an instance not yet updated)."""
    return code in regencies() or any(code in regencies(e) for e in editions() if e != default_edition())


def known_in_any(code: str) -> bool:
    return known(code) or any(known(code, e) for e in editions() if e != default_edition())


def subtree(regency_code: str, edition: str | None = None) -> list[Region]:
    """The province, the regency and every district and village below it, parents first."""
    if regency_code not in regencies(edition):
        raise KeyError(regency_code)
    prefix = regency_code + "."
    out = [provinces(edition)[regency_code[:2]], regencies(edition)[regency_code]]
    inside, bundled = False, codelists.edition(LIST, edition).base is None
    for code, raw in _lines(edition):
        if code.startswith(prefix):
            inside = True
            level = code.count(".") + 1
            out.append(Region(code, _clean(code, raw), LEVELS[level], _kind(code, raw)))
        elif inside and bundled:
            break  # a bundled file is sorted by code: the subtree is one run of rows
    return out


def timezone_for(regency_code: str) -> str:
    province = regency_code[:2]
    if province in _WIT:
        return "Asia/Jayapura"
    if province in _WITA:
        return "Asia/Makassar"
    return "Asia/Jakarta"


def default_terminology(regency_code: str) -> dict[str, str]:
    province = regency_code[:2]
    return {
        "regency": regencies()[regency_code].kind if regency_code in regencies() else "kabupaten",
        "district": _DISTRICT_WORD.get(province, "kecamatan"),
        "village": _VILLAGE_WORD.get(province, "desa"),
    }


def display_name(region: Region, regency_word: str | None = None) -> str:
    """'Kabupaten Banyuwangi', 'Kota Sabang', ...; a profile's terminology may name the regency otherwise."""
    if region.level == "regency":
        return f"{(regency_word or region.kind).capitalize()} {region.name}"
    return region.name
