"""`egovkit province rollup`: a province's view of its regencies, from their public open data only.

Each regency's instance publishes aggregate datasets at ``/data/<module>/<name>.json`` (small cells
suppressed, egovkit/services/opendata.py) and a DCAT-AP catalogue at ``/data/catalog.jsonld``. The
rollup reads those over HTTP, as any citizen could, and never a regency's tables: a province hosting
the databases of its regencies (docs/deployment.md) still sees of each only what that regency publishes.
"""
from __future__ import annotations

import csv
import json
import sys
from dataclasses import dataclass, field
from urllib.error import URLError
from urllib.request import Request, urlopen

import click

TIMEOUT = 20


@dataclass
class Regency:
    url: str
    name: str = "?"
    code: str = "?"
    totals: dict[str, float] = field(default_factory=dict)  # group -> sum of the published cells
    suppressed: int = 0  # cells a regency suppressed (too small to publish): the sums are lower bounds
    error: str | None = None


def fetch_json(url: str):
    request = Request(url, headers={"Accept": "application/json, application/ld+json",
                                    "User-Agent": "egovkit-province-rollup"})
    with urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 (https/http addresses given by staff)
        return json.loads(response.read().decode("utf-8"))


def rollup(urls: list[str], dataset: str, column: str, by: str | None, fetch=None) -> list[Regency]:
    fetch = fetch or fetch_json
    out = []
    for url in urls:
        base = url.rstrip("/")
        item = Regency(base)
        try:
            catalogue = fetch(f"{base}/data/catalog.jsonld")
            graph = catalogue.get("@graph", [catalogue])
            found = next((n for n in graph if n.get("@type") == "dcat:Catalog"), graph[0])
            spatial = found.get("dct:spatial") or {}
            item.name = spatial.get("skos:prefLabel") or found.get("dct:title", "?")
            item.code = spatial.get("dct:identifier", "?")
            data = fetch(f"{base}/data/{dataset}.json")
            names = {c["name"] for c in data["columns"]}
            if column not in names or (by and by not in names):
                missing = [c for c in (column, by) if c and c not in names]
                raise ValueError(f"the dataset has no column {', '.join(missing)} (it has {', '.join(sorted(names))})")
            for row in data["rows"]:
                key = str(row.get(by)) if by else "total"
                value = row.get(column)
                if value is None:
                    item.suppressed += 1
                    continue
                item.totals[key] = item.totals.get(key, 0) + value
        except (URLError, OSError, ValueError, KeyError, TypeError, StopIteration) as exc:
            item.error = str(getattr(exc, "reason", exc)) or exc.__class__.__name__
        out.append(item)
    return out


@click.group("province")
def province():
    """A province's view of its regencies, from their public open data."""


@province.command("rollup")
@click.argument("urls", nargs=-1, required=True, metavar="URL...")
@click.option("--dataset", default="smart_kampung/population", show_default=True,
              help="module/name of the dataset every regency publishes.")
@click.option("--sum", "column", default="residents", show_default=True, help="The column to add up.")
@click.option("--by", default=None, help="A column to group by (e.g. sex).")
@click.option("--out", type=click.Path(dir_okay=False), help="Also write the table as CSV.")
def rollup_command(urls, dataset, column, by, out):
    """Add up one published dataset across regencies (their public addresses, e.g. https://kab.go.id)."""
    found = rollup(list(urls), dataset, column, by)
    groups = sorted({g for r in found for g in r.totals})
    rows = [[r.code, r.name, *[_n(r.totals.get(g)) for g in groups], r.suppressed, r.error or ""] for r in found]
    header = ["code", "regency", *groups, "suppressed cells", "error"]
    total = ["", "TOTAL", *[_n(sum(r.totals.get(g, 0) for r in found if not r.error)) for g in groups], "", ""]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, total, strict=True)]
    for line in [header, *rows, total]:
        click.echo("  ".join(str(x).ljust(w) for x, w in zip(line, widths, strict=True)).rstrip())
    if any(r.suppressed for r in found):
        click.echo("  (suppressed cells are counts too small to publish: the sums are lower bounds)")
    if out:
        with open(out, "w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows([header, *rows, total])
    if any(r.error for r in found):
        sys.exit(1)


def _n(value) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}".replace(",", ".") if float(value).is_integer() else f"{value:,.2f}"
