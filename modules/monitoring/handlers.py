"""Projects arriving by event. Each handler is idempotent: a project's ``(origin, origin_ref)`` is unique and
names the funding record, so an event handled twice (by hand, or by a second relay) changes nothing twice;
a later event about the same funding (an amended budget) updates the amount and name."""
from __future__ import annotations

from sqlalchemy import select

from egovkit.db import db

from . import projects
from .models import Project


def _upsert(origin: str, ref: str, **fields) -> Project:
    existing = db.session.scalar(select(Project).where(Project.origin == origin, Project.origin_ref == ref))
    if existing is None:
        return projects.register(origin=origin, origin_ref=ref, **fields)
    existing.budget = fields["budget"]
    existing.name = " ".join(fields["name"].split())[:200]
    return existing


def on_subactivity_funded(event) -> None:
    """planning funded an OPD's sub-kegiatan for a year. Payload: ``agency`` (or ``opd``), ``subactivity``
    (or ``code``), ``subactivity_name`` (or ``title``; ``name`` is taken by
    events.publish itself), ``year``, ``amount``, and when known ``ref`` (planning's record), ``village``
    (or ``region``) and ``lat``/``lon``, flat or inside ``location``."""
    data = event.data
    agency = data.get("agency") or data.get("opd")
    code = str(data.get("subactivity") or data.get("subactivity_code") or data.get("code") or "")
    year = int(data["year"])
    where = data.get("location") if isinstance(data.get("location"), dict) else {}
    region = where.get("village") or where.get("region") or data.get("village") or data.get("region")
    lat, lon = where.get("lat", data.get("lat")), where.get("lon", data.get("lon"))
    ref = str(data.get("ref") or f"{agency}:{year}:{code}")
    try:
        region = projects.checked_region(region)
    except projects.ProjectError:
        region = None  # a location planning knows and this regency does not: the OPD places it by hand
    try:
        lat, lon = projects.checked_place(lat, lon)
    except projects.ProjectError:
        lat = lon = None
    name = data.get("subactivity_name") or data.get("title") or data.get("name") or code
    _upsert("planning", ref, year=year, name=name, budget=int(data.get("amount") or 0),
            agency_code=agency, region_code=region, code=code, lat=lat, lon=lon)


def on_apbdes_approved(event) -> None:
    """village_finance set a desa's APBDes (or an amendment) by Perdes: each development activity of it
    (kegiatan codes under the profile's ``village_kegiatan``) is a project of the desa."""
    data = event.data
    prefixes = tuple(projects.settings().village_kegiatan)
    for item in data.get("activities", ()):
        if not str(item.get("kegiatan", "")).startswith(prefixes):
            continue
        _upsert("village_finance", f"{data['village']}:{data['year']}:{item['key']}", year=int(data["year"]),
                name=item.get("name") or item["kegiatan"], budget=int(item.get("amount") or 0),
                region_code=data["village"], code=item["kegiatan"])
