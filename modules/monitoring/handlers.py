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
    """planning made a Renja version final: one event per funded line, with the payload docs/planning.md
    lists. A project per (agency, year, sub-kegiatan, village), as planning advises: an amendment's lines
    (a new version) update the amount and name of the same project."""
    data = event.data
    agency, code, year = data["agency_code"], str(data["subactivity_code"]), int(data["year"])
    region = data.get("village_code")
    ref = f"{agency}:{year}:{code}:{region or '-'}"
    try:
        region = projects.checked_region(region)
    except projects.ProjectError:
        region = None  # a location planning knows and this regency does not: the OPD places it by hand
    try:
        lat, lon = projects.checked_place(data.get("latitude"), data.get("longitude"))
    except projects.ProjectError:
        lat = lon = None
    _upsert("planning", ref, year=year, name=data.get("subactivity_name") or code,
            budget=int(data.get("amount") or 0), agency_code=agency, region_code=region, code=code, lat=lat, lon=lon)


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
