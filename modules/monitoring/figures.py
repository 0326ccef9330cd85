"""The figures of e-monitoring, each one query: the map's points, the summary per kecamatan or desa, the
dashboard per OPD and per desa within the viewer's reach. The map data, the summaries and the dashboard are
kept by the core's aggregate cache (``memo``, named "monitoring") until a project or a photo changes."""
from __future__ import annotations

import json

from flask import current_app, url_for
from sqlalchemy import case, func, select

from egovkit.auth import scope
from egovkit.db import db
from egovkit.models import Agency, Region
from egovkit.web import cache

from . import projects
from .models import Photo, Project, json_rows

READ = "monitoring.read"


def _filtered(stmt, year: int, code: str | None, staff: bool):
    stmt = stmt.where(Project.year == year)
    if code and code.count(".") == 2:
        stmt = stmt.where(Project.district_code == code)
    elif code:
        stmt = stmt.where(Project.region_code == code)
    return scope.visible(stmt, Project, permission=READ) if staff else stmt.where(projects.public_clause())


def region_names(codes) -> dict[str, str]:
    codes = {c for c in codes if c}
    if not codes:
        return {}
    return dict(db.session.execute(select(Region.code, Region.name).where(Region.code.in_(codes))).all())


def agency_names() -> dict[str, str]:
    return dict(db.session.execute(select(Agency.code, Agency.name)).all())


TTL = 30  # seconds a figure may be old in another process without Redis (the writer's forgets at once)
# Every commit changing a project or a photo (a form, a report, an event handler, a CLI) forgets them all.
cache.forget_on_commit("monitoring", Project, Photo)

# What a point carries: at regency level its place and state only (thousands of points; a popup asks
# ``details`` for the rest), for a kecamatan or desa also its progress, kind and name.
REGENCY_FIELDS = ("id", "lat", "lon", "state")
AREA_FIELDS = (*REGENCY_FIELDS, "progress", "kind", "name")
STATES = {"on_time": 0, "stalled": 1, "late": 2, "finished": 3}
DETAIL_HIDES = {"budget": ("budget",), "realised": ("realised",), "contractor": ("contractor",),
                "dates": ("starts_on", "ends_on"), "photos": ("photos",)}


def reach_key(staff: bool):
    """Who the figures are for, as part of a cache key: the public, or the viewer's reach."""
    if not staff:
        return "public"
    grants = scope.grants(None, current_app.extensions["egovkit"].profile.roles_with(READ))
    if any(g.everything for g in grants):
        return "all"
    return tuple(sorted((g.region or "", g.agency or "", g.owner or 0) for g in grants))


def state_column():
    """SQL: one number per project for the map's colour (STATES)."""
    return case((Project.progress >= 100, STATES["finished"]), (projects.late_clause(), STATES["late"]),
                (projects.stalled_clause(), STATES["stalled"]), else_=STATES["on_time"])


def map_json(year: int, code: str | None, staff: bool) -> bytes:
    """The map data as JSON bytes, kept per year, area, audience and day until a project or photo changes."""
    key = ("monitoring", "map", year, code, reach_key(staff), projects.today())
    return cache.memo(key, TTL, lambda: map_data(year, code, staff).encode())


def map_data(year: int, code: str | None, staff: bool) -> str:
    """The points of the projects placed on the map, as JSON: ``rows`` of ``fields``, built by the database
    in one query. The public gets no internal kind; photos and the other figures come with ``details``."""
    fields = AREA_FIELDS if code else REGENCY_FIELDS
    columns = {"id": Project.id, "lat": Project.lat, "lon": Project.lon, "state": state_column(),
               "progress": Project.progress, "kind": Project.kind, "name": Project.name}
    points = _filtered(select(*(columns[f].label(f) for f in fields)), year, code, staff) \
        .where(Project.lat.is_not(None)).order_by(Project.id).subquery()
    rows = db.session.connection().execute(select(json_rows(*(points.c[f] for f in fields)))).scalar()
    head = json.dumps({"year": year, "fields": list(fields),
                       "photo_url": url_for("monitoring.photo", photo_id=0)[:-1],
                       "details_url": url_for("monitoring.staff_details" if staff else "monitoring.public_details",
                                              project_id=0)[:-len("0.json")]}, separators=(",", ":"))
    return f'{head[:-1]},"rows":{rows or "[]"}}}'


def details(project: Project, staff: bool) -> dict:
    """What a map popup shows of one project beyond its point (the public: without the internal fields)."""
    hidden = set() if staff else projects.hidden_fields()
    out = {"id": project.id, "name": project.name, "kind": project.kind, "progress": project.progress,
           "agency": agency_names().get(project.agency_code) if project.agency_code else None,
           "region": region_names([project.region_code]).get(project.region_code) if project.region_code else None,
           "budget": project.budget, "realised": project.realised, "contractor": project.contractor,
           "starts_on": project.starts_on.isoformat() if project.starts_on else None,
           "ends_on": project.ends_on.isoformat() if project.ends_on else None,
           "flags": sorted(projects.flags(project)),
           "photos": [list(p) for p in projects.photos_of([project.id]).get(project.id, [])]}
    for field in hidden:
        for key in DETAIL_HIDES.get(field, ()):
            out.pop(key, None)
    return out


def _sums(group):
    late = func.sum(case((projects.late_clause(), 1), else_=0))
    stalled = func.sum(case((projects.stalled_clause(), 1), else_=0))
    return (group, func.count(Project.id), func.sum(Project.budget), func.sum(Project.realised),
            func.sum(Project.progress * Project.budget), func.sum(Project.progress), late, stalled)


def _rows(result, names: dict) -> list[dict]:
    out = []
    for key, count, budget, realised, weighted, progress_sum, late, stalled in result:
        budget, realised = int(budget or 0), int(realised or 0)
        physical = (int(weighted or 0) / budget) if budget else (int(progress_sum or 0) / count if count else 0)
        out.append({"code": key, "name": names.get(key, key or ""), "projects": count, "budget": budget,
                    "realised": realised, "financial": (realised * 100 / budget) if budget else 0.0,
                    "physical": physical, "late": int(late or 0), "stalled": int(stalled or 0)})
    return out


def per_area(year: int, code: str | None, staff: bool) -> list[dict]:
    """One row per kecamatan (regency view) or per desa (kecamatan view); none for a desa."""
    if code and code.count(".") == 3:
        return []
    return cache.memo(("monitoring", "areas", year, code, reach_key(staff), projects.today()), TTL,
                      lambda: _per_area(year, code, staff))


def _per_area(year: int, code: str | None, staff: bool) -> list[dict]:
    group = Project.region_code if code else Project.district_code
    result = db.session.execute(_filtered(select(*_sums(group)), year, code, staff).group_by(group).order_by(group))
    rows = list(result)
    return _rows(rows, region_names(r[0] for r in rows))


def listing(year: int, code: str | None, staff: bool, page: int, per_page: int):
    """A page of projects as the table without a map shows them (public fields only, for the public)."""
    found = db.session.scalars(_filtered(select(Project), year, code, staff)
                               .order_by(Project.district_code, Project.region_code, Project.name, Project.id)
                               .offset((page - 1) * per_page).limit(per_page + 1)).all()
    names = region_names({p.region_code for p in found})
    rows = [{"project": p, "region": names.get(p.region_code, ""), "flags": projects.flags(p)}
            for p in found[:per_page]]
    return rows, len(found) > per_page


def dashboard(year: int) -> dict:
    """Physical and financial progress per OPD and per desa (a desa's own projects), of the projects within
    the viewer's reach: one scan grouped by (agency, desa), rolled up here."""
    return cache.memo(("monitoring", "dashboard", year, reach_key(True), projects.today()), TTL,
                      lambda: _dashboard(year))


def _dashboard(year: int) -> dict:
    late = func.sum(case((projects.late_clause(), 1), else_=0))
    stalled = func.sum(case((projects.stalled_clause(), 1), else_=0))
    stmt = scope.visible(select(Project.agency_code, Project.region_code, func.count(Project.id),
                                func.sum(Project.budget), func.sum(Project.realised),
                                func.sum(Project.progress * Project.budget), func.sum(Project.progress),
                                late, stalled), Project, permission=READ) \
        .where(Project.year == year).group_by(Project.agency_code, Project.region_code)
    by_agency: dict = {}
    by_desa: dict = {}
    total = [0] * 7
    for agency, region, *figures in db.session.connection().execute(stmt):
        figures = [int(f or 0) for f in figures]
        for bucket, key in ((by_agency, agency), (by_desa, region if agency is None else None)):
            if key is not None:
                cell = bucket.setdefault(key, [0] * 7)
                for i, f in enumerate(figures):
                    cell[i] += f
        for i, f in enumerate(figures):
            total[i] += f

    def listed(bucket, names):
        return _rows([(key, *cell) for key, cell in sorted(bucket.items())], names)

    return {"by_agency": listed(by_agency, agency_names()),
            "by_desa": listed(by_desa, region_names(by_desa)),
            "total": _rows([(year, *total)], {})[0] if total[0] else None}
