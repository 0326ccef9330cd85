"""Open data pages: the catalogue (/data), each dataset's page, its CSV and JSON, and the DCAT-AP
catalogue in JSON-LD (/data/catalog.jsonld) that a CKAN (data.go.id, a province's Satu Data portal)
harvests with ckanext-dcat."""
from __future__ import annotations

import json

from flask import Blueprint, abort, current_app, render_template, request

from ..services import opendata
from .export import csv_response

bp = Blueprint("opendata", __name__, url_prefix="/data")


def _base() -> str:
    """The site's public address: EGOVKIT_PUBLIC_URL, else this request's host."""
    return (current_app.config.get("EGOVKIT_PUBLIC_URL") or request.host_url).rstrip("/")


def _item(module: str, name: str) -> opendata.Published:
    found = opendata.find(module, name)
    if found is None:
        abort(404)
    return found


@bp.get("")
def catalogue():
    return render_template("opendata/catalogue.html", items=opendata.published(),
                           threshold=opendata.threshold(), licence=opendata.licence)


@bp.get("/catalog.jsonld")
def catalog_jsonld():
    body = json.dumps(opendata.catalogue(_base()), ensure_ascii=False, indent=1)
    return current_app.response_class(body, mimetype="application/ld+json")


@bp.get("/<module>/<name>")
def dataset(module: str, name: str):
    item = _item(module, name)
    return render_template("opendata/dataset.html", item=item, table=opendata.table(item), cell=opendata.cell,
                           threshold=opendata.threshold(), licence=opendata.licence(item.dataset))


@bp.get("/<module>/<name>.csv")
def dataset_csv(module: str, name: str):
    item = _item(module, name)
    data = opendata.table(item)
    return csv_response(f"{module}-{name}.csv", [c.name for c in data.columns],
                        ([opendata.cell(row[c.name], c) for c in data.columns] for row in data.rows))


@bp.get("/<module>/<name>.json")
def dataset_json(module: str, name: str):
    item = _item(module, name)
    data = opendata.table(item)
    body = {"dataset": item.ident, "title": item.dataset.title, "description": item.dataset.description,
            "licence": opendata.licence(item.dataset), "computed_at": data.computed_at.isoformat(),
            "suppressed_below": opendata.threshold(),
            "columns": [{"name": c.name, "type": c.type, "title": c.title} for c in data.columns],
            "rows": data.rows}
    return current_app.response_class(json.dumps(body, ensure_ascii=False), mimetype="application/json")
