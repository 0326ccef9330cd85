"""Open data: the aggregate datasets enabled modules declare (``Module.datasets``), with small cells
suppressed, and their DCAT-AP description for Satu Data Indonesia (a CKAN with ckanext-dcat harvests it).

A dataset's rows come from the module's function; the core checks every row against the declared columns
(no undeclared column ever leaves), and replaces each count from 1 to ``open_data.suppress_below - 1`` by
None (shown as suppressed), with the money columns the dataset's ``guard`` count protects. Rows are kept a
few minutes per process (egovkit.web.cache.memo)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

from flask import current_app

from ..modules import FREQUENCIES, Dataset, Module, import_path

TTL = 300  # seconds the figures of a dataset are kept before they are computed again
MEDIA = {"csv": "text/csv", "json": "application/json"}
IANA = "http://www.iana.org/assignments/media-types/"


@dataclass(frozen=True)
class Published:
    module: Module
    dataset: Dataset

    @property
    def ident(self) -> str:
        return f"{self.module.name}/{self.dataset.name}"


@dataclass(frozen=True)
class Table:
    columns: tuple
    rows: list[dict]
    computed_at: datetime
    suppressed: int  # cells suppressed


def published() -> list[Published]:
    """Every dataset of the enabled modules, in module order."""
    return [Published(m, d) for m in current_app.extensions["egovkit"].modules for d in m.datasets]


def find(module: str, name: str) -> Published | None:
    return next((p for p in published() if p.module.name == module and p.dataset.name == name), None)


def threshold() -> int:
    return current_app.extensions["egovkit"].profile.schema.open_data.suppress_below


def licence(dataset: Dataset) -> str:
    return dataset.licence or current_app.extensions["egovkit"].profile.schema.open_data.licence


def _checked(value, column, ident: str):
    """The cell as published, or ValueError (a bug in the module's rows function)."""
    if value is None:
        return None
    kind = column.type
    if kind in ("count", "integer", "money", "year"):
        if isinstance(value, bool) or not isinstance(value, int):
            value = int(value)  # a database sum may come as Decimal
        if kind == "count" and value < 0:
            raise ValueError(f"{ident}: column {column.name} is a count and cannot be negative")
        return value
    if kind == "number":
        return float(value)
    if kind == "month":
        text = str(value)
        if not (len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit()):
            raise ValueError(f"{ident}: column {column.name} holds {text!r}, not YYYY-MM")
        return text
    return str(value)


def compute(item: Published) -> Table:
    """The dataset's rows as published: declared columns only, small cells suppressed."""
    ds = item.dataset
    limit = threshold()
    rows, suppressed = [], 0
    for raw in import_path(ds.rows)():
        extra = set(raw) - {c.name for c in ds.columns}
        if extra:
            raise ValueError(f"{item.ident}: rows carry undeclared columns {sorted(extra)}")
        row = {c.name: _checked(raw.get(c.name), c, item.ident) for c in ds.columns}
        small = {c.name for c in ds.columns if c.type == "count" and row[c.name] and 0 < row[c.name] < limit}
        if ds.guard in small:
            small |= {c.name for c in ds.columns if c.type == "money"}
        for name in small:
            if row[name] is not None:
                row[name] = None
                suppressed += 1
        rows.append(row)
    return Table(ds.columns, rows, datetime.now(timezone.utc), suppressed)


def table(item: Published) -> Table:
    from ..web.cache import memo

    return memo(("opendata", item.ident), TTL, lambda: compute(item))


def cell(value, column, locale: str = "id") -> str:
    """A cell as text (CSV, the page): a suppressed count reads "<5" (the threshold)."""
    if value is None:
        return f"<{threshold()}" if column.type in ("count", "money") else ""
    return str(value)


# ----------------------------------------------------------------- DCAT-AP (JSON-LD)
CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


def _texts(texts: dict) -> list[dict]:
    return [{"@value": v, "@language": k} for k, v in sorted(texts.items())]


def catalogue(base: str) -> dict:
    """The DCAT-AP catalogue of every published dataset; ``base``: the site's public address (no slash)."""
    profile = current_app.extensions["egovkit"].profile
    publisher_name = profile.schema.open_data.publisher or f"Pemerintah {profile.regency.name}"
    publisher = {"@id": f"{base}/data#publisher", "@type": "foaf:Organization", "foaf:name": publisher_name}
    spatial = {"@id": f"{base}/data#spatial", "@type": "dct:Location",
               "skos:prefLabel": profile.regency.name, "dct:identifier": profile.regency.code}
    datasets = []
    for item in published():
        ds = item.dataset
        page = f"{base}/data/{item.ident}"
        modified = table(item).computed_at.replace(microsecond=0).isoformat()
        distributions = [{
            "@id": f"{page}.{fmt}", "@type": "dcat:Distribution",
            "dct:title": f"{ds.title.get('id') or ds.name} ({fmt.upper()})",
            "dct:format": fmt.upper(),
            "dcat:mediaType": {"@id": IANA + MEDIA[fmt]},
            "dcat:downloadURL": {"@id": f"{page}.{fmt}"},
            "dcat:accessURL": {"@id": page},
            "dct:license": {"@id": licence(ds)},
            "dct:modified": {"@value": modified, "@type": "xsd:dateTime"},
        } for fmt in MEDIA]
        datasets.append({
            "@id": page, "@type": "dcat:Dataset",
            "dct:identifier": item.ident.replace("/", "."),
            "dct:title": _texts(ds.title),
            "dct:description": _texts(ds.description),
            "dct:publisher": publisher,
            "dct:license": {"@id": licence(ds)},
            "dct:modified": {"@value": modified, "@type": "xsd:dateTime"},
            "dct:spatial": spatial,
            "dct:accrualPeriodicity": {"@id": FREQUENCIES[ds.frequency]},
            "dct:language": [{"@id": "http://publications.europa.eu/resource/authority/language/IND"},
                             {"@id": "http://publications.europa.eu/resource/authority/language/ENG"}],
            "dcat:keyword": list(ds.keywords),
            "dcat:landingPage": {"@id": page},
            "dcat:distribution": distributions,
        })
    return {"@context": CONTEXT, "@id": f"{base}/data/catalog.jsonld", "@type": "dcat:Catalog",
            "dct:title": _texts({"id": f"Data terbuka {profile.regency.name}",
                                 "en": f"{profile.regency.name} open data"}),
            "dct:description": _texts({"id": "Data agregat layanan pemerintah daerah (tanpa data pribadi).",
                                       "en": "Aggregate figures of the regency's services (no personal data)."}),
            "dct:publisher": publisher, "dct:spatial": spatial, "foaf:homepage": {"@id": f"{base}/data"},
            "dct:modified": {"@value": date.today().isoformat(), "@type": "xsd:date"},
            "dcat:dataset": datasets}
