"""The figures of e-monitoring, each one query: the map's points with their photos, the summary per
kecamatan or desa, the dashboard per OPD and per desa within the viewer's reach."""
from __future__ import annotations

from flask import url_for
from sqlalchemy import case, func, select

from egovkit.auth import scope
from egovkit.db import db
from egovkit.models import Agency, Region

from . import projects
from .models import Photo, Project

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


MAP_FIELDS = ("id", "lat", "lon", "progress", "flag", "kind", "name")
DETAIL_HIDES = {"budget": ("budget",), "realised": ("realised",), "contractor": ("contractor",),
                "dates": ("starts_on", "ends_on")}


def map_data(year: int, code: str | None, staff: bool) -> dict:
    """The points of the projects placed on the map, as rows of ``fields`` (compact: a regency has
    thousands; a popup asks ``details`` for the rest), and their photos by project id as [stage, photo id].
    The public gets no internal kind, and no photos when the profile marks them internal."""
    hidden = set() if staff else projects.hidden_fields()
    columns = (Project.id, Project.lat, Project.lon, Project.progress, projects.flag_column(), Project.kind,
               Project.name)
    stmt = _filtered(select(*columns), year, code, staff).where(Project.lat.is_not(None))
    conn = db.session.connection()  # Core rows: no ORM bookkeeping for thousands of points
    rows = [list(r) for r in conn.execute(stmt.order_by(Project.id))]
    photos: dict[int, list] = {}
    if "photos" not in hidden:
        placed = _filtered(select(Project.id), year, code, staff).where(Project.lat.is_not(None))
        for pid, stage, photo_id in conn.execute(
                select(Photo.project_id, Photo.stage, Photo.id).where(Photo.project_id.in_(placed))
                .order_by(Photo.project_id, Photo.stage, Photo.id)):
            if pid in photos:
                photos[pid].append([stage, photo_id])
            else:
                photos[pid] = [[stage, photo_id]]
    return {"year": year, "fields": list(MAP_FIELDS), "rows": rows, "photos": photos,
            "photo_url": url_for("monitoring.photo", photo_id=0)[:-1],
            "details_url": url_for("monitoring.staff_details" if staff else "monitoring.public_details",
                                   project_id=0)[:-len("0.json")]}


def details(project: Project, staff: bool) -> dict:
    """What a map popup shows of one project beyond its point (the public: without the internal fields)."""
    hidden = set() if staff else projects.hidden_fields()
    out = {"id": project.id, "name": project.name, "kind": project.kind, "progress": project.progress,
           "agency": agency_names().get(project.agency_code) if project.agency_code else None,
           "region": region_names([project.region_code]).get(project.region_code) if project.region_code else None,
           "budget": project.budget, "realised": project.realised, "contractor": project.contractor,
           "starts_on": project.starts_on.isoformat() if project.starts_on else None,
           "ends_on": project.ends_on.isoformat() if project.ends_on else None,
           "flags": sorted(projects.flags(project))}
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
