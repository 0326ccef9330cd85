"""The reklame tariff table (nilai sewa reklame) as a versioned code list of the core,
``etax.reklame_tariffs`` (data/codelists.yaml): kinds of billboard with their period of display and
base value per m2, and location classes with their factor. The tax base of one assessment is
size x per_m2 x location factor x periods (UU 1/2022 Pasal 62-63, in the shape of a Perbup on NSR)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

import yaml

from egovkit.services import codelists

LIST = "etax.reklame_tariffs"
UNITS = ("day", "week", "month", "year")


class TariffError(ValueError):
    pass


@dataclass(frozen=True)
class Kind:
    code: str
    title: dict[str, str]
    unit: str
    per_m2: int  # Rupiah per m2 per unit of time


@dataclass(frozen=True)
class Location:
    code: str
    title: dict[str, str]
    factor: Decimal


@dataclass(frozen=True)
class Table:
    edition: str
    kinds: dict[str, Kind]
    locations: dict[str, Location]

    def base_value(self, kind: str, size_m2: Decimal, location: str, periods: int) -> int:
        """The NSR in whole Rupiah (half up)."""
        k, loc = self.kinds[kind], self.locations[location]
        return int((size_m2 * k.per_m2 * loc.factor * periods).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def edition_in_use() -> str:
    """The edition this instance records for the list, else the list's default."""
    return codelists.instance_edition(LIST) or codelists.get(LIST).default


@lru_cache(maxsize=8)
def table(edition_id: str) -> Table:
    edition = codelists.edition(LIST, edition_id)
    data = yaml.safe_load(edition.read_bytes().decode("utf-8")) or {}
    kinds, locations = {}, {}
    for code, spec in (data.get("kinds") or {}).items():
        if spec.get("unit") not in UNITS or not isinstance(spec.get("per_m2"), int) or spec["per_m2"] <= 0:
            raise TariffError(f"{LIST} {edition_id}: kind {code}: needs a unit ({', '.join(UNITS)}) "
                              "and a whole per_m2 above 0")
        kinds[str(code)] = Kind(str(code), dict(spec.get("title") or {}), spec["unit"], spec["per_m2"])
    for code, spec in (data.get("locations") or {}).items():
        try:
            factor = Decimal(str(spec.get("factor")))
        except InvalidOperation:
            factor = Decimal(0)
        if not factor > 0:
            raise TariffError(f"{LIST} {edition_id}: location {code}: needs a factor above 0")
        locations[str(code)] = Location(str(code), dict(spec.get("title") or {}), factor)
    if not kinds or not locations:
        raise TariffError(f"{LIST} {edition_id}: needs kinds and locations")
    return Table(edition_id, kinds, locations)


def current() -> Table:
    return table(edition_in_use())
