"""Read the bundled Kemendagri region list (see docs/data-sources.md).

Codes are looked up, never computed: the list has gaps where regions were
split or merged. Only the chosen regency's subtree is read into memory.
"""
from __future__ import annotations

import csv
import gzip
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

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
        name = re.sub(r"^(KAB\.?|KOTA)\s+", "", raw)  # the source writes both "KAB." and "KAB"
        name = re.sub(r"\bADM\.\s*", "ADMINISTRASI ", name)
        return _title(re.sub(r"\bKEP\.\s*", "KEPULAUAN ", name))
    return raw


def _lines():
    blob = resources.files("egovkit").joinpath("data/wilayah.csv.gz").read_bytes()
    reader = csv.reader(io.TextIOWrapper(gzip.GzipFile(fileobj=io.BytesIO(blob)), encoding="utf-8"))
    next(reader)  # header
    return reader


@lru_cache(maxsize=1)
def regencies() -> dict[str, Region]:
    """All regencies and cities, by code."""
    out = {}
    for code, raw in _lines():
        if len(code) == 5:
            out[code] = Region(code, _clean(code, raw), "regency", _kind(code, raw))
    return out


@lru_cache(maxsize=1)
def provinces() -> dict[str, Region]:
    return {code: Region(code, _clean(code, raw), "province", "provinsi")
            for code, raw in _lines() if len(code) == 2}


@lru_cache(maxsize=1)
def district_codes() -> frozenset[str]:
    """Every district (kecamatan) code in Indonesia, for checking NIK and KK numbers."""
    return frozenset(code for code, _ in _lines() if len(code) == 8)


def known(code: str) -> bool:
    """Whether a region code (province, regency, district or village) is in the Kemendagri list."""
    return any(c == code for c, _ in _lines())


def subtree(regency_code: str) -> list[Region]:
    """The province, the regency and every district and village below it, parents first."""
    if regency_code not in regencies():
        raise KeyError(regency_code)
    prefix = regency_code + "."
    out = [provinces()[regency_code[:2]], regencies()[regency_code]]
    for code, raw in _lines():
        if code.startswith(prefix):
            level = code.count(".") + 1
            out.append(Region(code, _clean(code, raw), LEVELS[level], _kind(code, raw)))
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
