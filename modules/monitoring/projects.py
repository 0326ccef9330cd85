"""What can happen to a project (registered, reported on, photographed) and the rules that flag it late or
stalled. Every function works in the caller's transaction; views and handlers commit (or the core does).

Rules (settings in the profile, docs/monitoring.md):
- late: unfinished and either past its end date, or more than ``late_points`` percentage points behind
  the planned schedule, a straight line from 0% on ``starts_on`` to 100% on ``ends_on``;
- stalled: started, unfinished, and no progress report for more than ``stall_days`` days (a project never
  reported on counts from its start date).
A project without both dates is never late; one without a start date is never stalled.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, case, literal, or_, select

from egovkit.db import db
from egovkit.models import Agency, Region
from egovkit.web.views import rupiah

from .models import Photo, Project, Report, day_number, day_of


class ProjectError(ValueError):
    """Why a change to a project cannot be made, with the field it concerns."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


def settings():
    return current_app.extensions["egovkit"].profile.modules["monitoring"]


def today() -> date:
    """The date in the regency (the server may run on UTC while a desa is on WITA or WIT)."""
    return datetime.now(ZoneInfo(current_app.extensions["egovkit"].profile.timezone)).date()


def district_of(region_code: str | None) -> str | None:
    """The kecamatan code of a desa or kecamatan code (PP.RR.DD), None above it."""
    if region_code and region_code.count(".") >= 2:
        return ".".join(region_code.split(".")[:3])
    return None


# ----------------------------------------------------------------- flags, as SQL and for one project
def late_clause(on: date | None = None):
    """SQL: the project is late on ``on`` (today)."""
    on = on or today()
    n, points = day_of(on), settings().late_points
    start, end = day_number(Project.starts_on), day_number(Project.ends_on)
    return and_(Project.progress < 100, Project.starts_on.is_not(None), Project.ends_on.is_not(None),
                or_(Project.ends_on < on,
                    and_(literal(n) > start,
                         (literal(n) - start) * 100 > (Project.progress + points) * (end - start))))


def stalled_clause(on: date | None = None):
    """SQL: the project is stalled on ``on`` (today)."""
    on = on or today()
    cutoff = on - timedelta(days=settings().stall_days)
    return and_(Project.progress < 100, Project.starts_on.is_not(None), Project.starts_on < cutoff,
                or_(Project.updated_on.is_(None), Project.updated_on < cutoff))


def planned(project: Project, on: date | None = None) -> int | None:
    """The progress % the schedule asks for on ``on``."""
    if not (project.starts_on and project.ends_on):
        return None
    on = on or today()
    span = max(1, (project.ends_on - project.starts_on).days)
    return max(0, min(100, round((on - project.starts_on).days * 100 / span)))


def flags(project: Project, on: date | None = None) -> set[str]:
    """{"late", "stalled"} or part of it, by the same rules as the SQL clauses."""
    on = on or today()
    out = set()
    if project.progress >= 100:
        return out
    s = settings()
    if project.starts_on and project.ends_on:
        span = (project.ends_on - project.starts_on).days
        if project.ends_on < on or ((on - project.starts_on).days > 0
                                    and (on - project.starts_on).days * 100 > (project.progress + s.late_points) * span):
            out.add("late")
    cutoff = on - timedelta(days=s.stall_days)
    if project.starts_on and project.starts_on < cutoff and (project.updated_on is None or project.updated_on < cutoff):
        out.add("stalled")
    return out


def flag_column(on: date | None = None):
    """SQL: 2 late, 1 stalled (and not late), 0 neither; one number per project for the map."""
    return case((late_clause(on), 2), (stalled_clause(on), 1), else_=0)


# ----------------------------------------------------------------- what the public sees
def public_clause():
    """SQL: the projects the public map and open data show (not of an internal kind)."""
    internal = settings().internal_kinds
    return Project.kind.not_in(internal) if internal else literal(True)


def hidden_fields() -> set[str]:
    return set(settings().internal_fields)


# ----------------------------------------------------------------- changes
def checked_region(code: str | None) -> str | None:
    """A desa or kecamatan of this regency, or None."""
    if not code:
        return None
    region = db.session.get(Region, code)
    regency = current_app.extensions["egovkit"].profile.regency.code
    if region is None or region.level not in ("village", "district") or not code.startswith(regency + "."):
        raise ProjectError(_("%(code)s is not a desa or kecamatan of this regency.", code=code), "region_code")
    return code


def checked_place(lat, lon) -> tuple[float | None, float | None]:
    if lat is None and lon is None:
        return None, None
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError):
        raise ProjectError(_("Give both latitude and longitude as decimal degrees, e.g. -8.2192 and 114.3691."),
                           "lat") from None
    if not (-11.5 <= lat <= 6.5 and 94.5 <= lon <= 141.5):
        raise ProjectError(_("This point is outside Indonesia: latitude -11.5 to 6.5, longitude 94.5 to 141.5."),
                           "lat")
    return round(lat, 6), round(lon, 6)


def register(*, origin: str, origin_ref: str, year: int, name: str, budget: int, agency_code: str | None = None,
             region_code: str | None = None, code: str = "", kind: str | None = None, lat=None, lon=None,
             contractor: str = "", starts_on: date | None = None, ends_on: date | None = None,
             demo: bool = False) -> Project:
    """A new project (checked); the caller has made sure ``(origin, origin_ref)`` is new."""
    s = settings()
    kind = kind or s.default_kind
    if kind not in s.kinds:
        raise ProjectError(_("Unknown kind of project."), "kind")
    if agency_code is not None and db.session.get(Agency, agency_code) is None:
        raise ProjectError(_("%(code)s is not an agency of this regency.", code=agency_code), "agency_code")
    if starts_on and ends_on and ends_on < starts_on:
        raise ProjectError(_("The end date is before the start date."), "ends_on")
    if not 0 <= budget <= 10**15:
        raise ProjectError(_("The budget is a whole number of Rupiah."), "budget")
    lat, lon = checked_place(lat, lon)
    region_code = checked_region(region_code)
    project = Project(origin=origin, origin_ref=origin_ref, year=year, name=" ".join(name.split())[:200], kind=kind,
                      code=code[:40], agency_code=agency_code, region_code=region_code,
                      district_code=district_of(region_code), lat=lat, lon=lon, budget=budget, realised=0,
                      progress=0, contractor=" ".join(contractor.split())[:200], starts_on=starts_on,
                      ends_on=ends_on, demo=demo)
    db.session.add(project)
    return project


def report(project: Project, *, day: date, progress: int, realised: int, note: str = "",
           user_id: int | None = None) -> Report:
    """A progress report; the project shows the latest one (by day)."""
    if not 0 <= progress <= 100:
        raise ProjectError(_("Physical progress is a percentage from 0 to 100."), "progress")
    if realised < 0 or realised > project.budget:
        raise ProjectError(_("Money spent is between zero and the budget (%(budget)s).",
                             budget=rupiah(project.budget)), "realised")
    if day > today() or day.year < project.year - 1:
        raise ProjectError(_("The date of the report may not be in the future."), "day")
    entry = Report(project_id=project.id, region_code=project.region_code, agency_code=project.agency_code,
                   day=day, progress=progress, realised=realised, note=" ".join(note.split())[:2000],
                   created_by=user_id)
    db.session.add(entry)
    if project.updated_on is None or day >= project.updated_on:
        project.progress, project.realised, project.updated_on = progress, realised, day
    return entry


def add_photo(project: Project, stage: int, stored: str, caption: str = "", user_id: int | None = None) -> Photo:
    if stage not in (0, 50, 100):
        raise ProjectError(_("A photo is taken at 0%, 50% or 100% progress."), "stage")
    photo = Photo(project_id=project.id, region_code=project.region_code, agency_code=project.agency_code,
                  stage=stage, stored=stored, caption=" ".join(caption.split())[:200], created_by=user_id)
    db.session.add(photo)
    return photo


def photos_of(project_ids) -> dict[int, list[tuple[int, int]]]:
    """{project id: [(stage, photo id), ...]} for these projects."""
    out: dict[int, list[tuple[int, int]]] = {}
    ids = list(project_ids)
    for start in range(0, len(ids), 5000):
        for pid, stage, photo_id in db.session.execute(
                select(Photo.project_id, Photo.stage, Photo.id).where(Photo.project_id.in_(ids[start:start + 5000]))
                .order_by(Photo.project_id, Photo.stage, Photo.id)):
            out.setdefault(pid, []).append((stage, photo_id))
    return out
