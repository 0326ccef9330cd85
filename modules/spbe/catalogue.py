"""The SPBE evaluation's structure by edition (data/<edition>.yaml): domains, aspects, the 47 indicators
with their weights and the criteria of each maturity level; and the index and predicate computed from
the levels exactly as the decree weighs them.

PermenPANRB 59/2020 (Lampiran, "Metode penghitungan"): each indicator i has a weight BI_i (percent, the
47 summing to 100) and a maturity level NI_i from 1 to 5. The index of a domain d is
ID_d = sum(BI_i * NI_i for i in d) / BD_d, with BD_d = sum(BI_i for i in d), and the SPBE index is
I = sum(BD_d * ID_d) / sum(BD_d) = sum(BI_i * NI_i) / 100. An indicator not assessed yet counts 0.
The index is given with two decimals (half up) and the predicate read from it: >= 4.2 Memuaskan,
>= 3.5 Sangat Baik, >= 2.6 Baik, >= 1.8 Cukup, else Kurang.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path

import yaml

DATA = Path(__file__).parent / "data"
LEVELS = (1, 2, 3, 4, 5)
TWO = Decimal("0.01")


class CatalogueError(ValueError):
    """A data file that is not a valid SPBE structure (names the file and the place)."""


@dataclass(frozen=True)
class Level:
    level: int
    name: str
    criteria: str


@dataclass(frozen=True)
class Indicator:
    number: int
    name: str
    weight: Decimal
    domain: int
    aspect: int
    levels: tuple[Level, ...]


@dataclass(frozen=True)
class Aspect:
    number: int
    name: str
    name_en: str
    domain: int
    indicators: tuple[Indicator, ...]

    @property
    def weight(self) -> Decimal:
        return sum((i.weight for i in self.indicators), Decimal(0))


@dataclass(frozen=True)
class Domain:
    number: int
    name: str
    name_en: str
    scale: str
    aspects: tuple[Aspect, ...]

    @property
    def indicators(self) -> tuple[Indicator, ...]:
        return tuple(i for a in self.aspects for i in a.indicators)

    @property
    def weight(self) -> Decimal:
        return sum((a.weight for a in self.aspects), Decimal(0))


@dataclass(frozen=True)
class Edition:
    edition: str
    decree: str
    basis: str
    source: str
    note: str
    predicates: tuple[tuple[Decimal, str], ...]  # (lowest index, name), highest first
    domains: tuple[Domain, ...]

    @property
    def indicators(self) -> dict[int, Indicator]:
        return {i.number: i for d in self.domains for i in d.indicators}

    def predicate(self, index: Decimal) -> str:
        return next(name for lowest, name in self.predicates if index >= lowest)


@dataclass(frozen=True)
class Score:
    index: Decimal  # two decimals
    predicate: str
    domains: tuple[tuple[Domain, Decimal], ...]  # each domain's index, two decimals
    assessed: int  # indicators with a level


def editions() -> list[str]:
    return sorted(p.stem for p in DATA.glob("*.yaml"))


@lru_cache(maxsize=8)
def edition(name: str) -> Edition:
    path = DATA / f"{name}.yaml"
    if not path.is_file():
        raise CatalogueError(f"unknown SPBE edition {name!r}: one of {', '.join(editions())}")
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    where = path.name
    try:
        domains = tuple(_domain(d) for d in raw["domains"])
        predicates = tuple(sorted(((Decimal(p["from"]), p["name"]) for p in raw["predicates"]), reverse=True))
        out = Edition(raw["edition"], raw["decree"], raw["basis"], raw["source"], raw.get("note", ""), predicates,
                      domains)
    except (KeyError, TypeError, ArithmeticError) as exc:
        raise CatalogueError(f"{where}: not an SPBE structure ({exc.__class__.__name__}: {exc})") from None
    numbers = [i.number for d in domains for i in d.indicators]
    if len(set(numbers)) != len(numbers):
        raise CatalogueError(f"{where}: an indicator number is used twice")
    total = sum((d.weight for d in domains), Decimal(0))
    if total != 100:
        raise CatalogueError(f"{where}: the indicators' weights sum to {total}, not 100")
    for i in out.indicators.values():
        if tuple(lv.level for lv in i.levels) != LEVELS:
            raise CatalogueError(f"{where}: indicator {i.number} must give the criteria of levels 1 to 5")
    if not predicates or predicates[-1][0] != 0:
        raise CatalogueError(f"{where}: the predicates must start from 0")
    return out


def _domain(d) -> Domain:
    aspects = tuple(Aspect(a["number"], a["name"], a.get("name_en", a["name"]), d["number"], tuple(
        Indicator(i["number"], i["name"], Decimal(str(i["weight"])), d["number"], a["number"],
                  tuple(Level(lv["level"], lv["name"], lv["criteria"]) for lv in i["levels"]))
        for i in a["indicators"])) for a in d["aspects"])
    return Domain(d["number"], d["name"], d.get("name_en", d["name"]), d.get("scale", ""), aspects)


def score(ed: Edition, levels: dict[int, int | None]) -> Score:
    """The index, the predicate and each domain's index for the given levels (indicator -> 1..5 or None)."""
    def weighted(indicators) -> Decimal:
        return sum((i.weight * (levels.get(i.number) or 0) for i in indicators), Decimal(0))

    total = weighted(ed.indicators.values()) / sum((d.weight for d in ed.domains), Decimal(0))
    index = total.quantize(TWO, ROUND_HALF_UP)
    domains = tuple((d, (weighted(d.indicators) / d.weight).quantize(TWO, ROUND_HALF_UP)) for d in ed.domains)
    return Score(index, ed.predicate(index), domains, sum(1 for n in ed.indicators if levels.get(n)))
