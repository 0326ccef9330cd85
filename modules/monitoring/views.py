"""e-monitoring screens: the public map (regency, kecamatan, desa) and its data, the progress dashboard per
OPD and desa within the viewer's reach, a project's page with its reports and photos, registering a
project by form."""
from __future__ import annotations

import json
import secrets
from datetime import date
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from egovkit import formfields
from egovkit.auth import scope
from egovkit.db import db
from egovkit.models import Agency, Region
from egovkit.services import uploads
from egovkit.web import once
from egovkit.web.cache import invalidate, public_page
from egovkit.web.forms import Form

from . import figures, outlines, projects
from .models import STAGES, Photo, Project, Report

bp = Blueprint("monitoring", __name__, url_prefix="/monitoring", template_folder="templates",
               static_folder="static", static_url_path="/static")
READ, EDIT = "monitoring.read", "monitoring.edit"
PER_PAGE = 100


def _year() -> int:
    year = request.args.get("year", type=int) or projects.today().year
    if not 2000 <= year <= projects.today().year + 5:
        abort(404)
    return year


def _area() -> tuple[Region | None, str | None]:
    """The kecamatan or desa asked for (``?area=``), or the regency (None)."""
    code = request.args.get("area", "").strip()
    if not code:
        return None, None
    region = db.session.get(Region, code)
    regency = current_app.extensions["egovkit"].profile.regency.code
    if region is None or region.level not in ("district", "village") or not code.startswith(regency + "."):
        abort(404)
    return region, code


@bp.after_request
def _tiles_allowed(response):
    """The map page may load the profile's tiles (the core's policy allows images of this site only)."""
    url = projects.settings().tile_url
    if url and request.endpoint in ("monitoring.public_map", "monitoring.staff_map"):
        parts = urlsplit(url.replace("{s}", "a"))
        origin = f"{parts.scheme}://{parts.netloc}"
        if "{s}" in url:
            origin = f"{parts.scheme}://*.{parts.netloc.split('.', 1)[1]}"
        response.headers["Content-Security-Policy"] = (
            f"default-src 'self'; img-src 'self' data: {origin}; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'")
    return response


# ----------------------------------------------------------------- the map
def _map_page(staff: bool):
    year = _year()
    region, code = _area()
    page = max(1, request.args.get("page", 1, type=int))
    rows, more = figures.listing(year, code, staff=staff, page=page, per_page=PER_PAGE)
    areas = figures.per_area(year, code, staff=staff)
    s = projects.settings()
    data_url = url_for(".staff_map_data" if staff else ".public_map_data", year=year, area=code or None)
    regency = current_app.extensions["egovkit"].profile.regency.code
    outlines_url = url_for(".outlines_data") if outlines.collection(regency) is not None else None
    return render_template("monitoring/map.html", staff=staff, year=year, region=region, code=code, rows=rows,
                           more=more, page=page, areas=areas, data_url=data_url, outlines_url=outlines_url, hidden=projects.hidden_fields()
                           if not staff else set(), kinds=s.kinds, tile_url=s.tile_url,
                           tile_attribution=s.tile_attribution, tile_max_zoom=s.tile_max_zoom,
                           parent=db.session.get(Region, region.parent_code) if region is not None and
                           region.level == "village" else None, agencies=figures.agency_names())


@bp.get("/")
@public_page()
def public_map():
    return _map_page(staff=False)


def _json(body: bytes):
    return current_app.response_class(body, mimetype="application/json")


@bp.get("/map.json")
def public_map_data():  # kept by figures.map_json per year and area (not per address, as the page cache would)
    _region, code = _area()
    return _json(figures.map_json(_year(), code, staff=False))


@bp.get("/outlines.geojson")
@public_page()
def outlines_data():
    """The regency's kecamatan outlines (GeoJSON), named as this instance names its kecamatan."""
    regency = current_app.extensions["egovkit"].profile.regency.code
    found = outlines.collection(regency)
    if found is None:
        abort(404)
    named = outlines.named(regency, figures.region_names(f["id"] for f in found["features"]))
    response = current_app.response_class(json.dumps(named, ensure_ascii=False, separators=(",", ":")),
                                          mimetype="application/geo+json")
    response.cache_control.public, response.cache_control.max_age = True, 3600
    return response


@bp.get("/internal")
@scope.require(READ)
def staff_map():
    return _map_page(staff=True)


@bp.get("/internal/map.json")
@scope.require(READ)
def staff_map_data():
    _region, code = _area()
    return _json(figures.map_json(_year(), code, staff=True))


@bp.get("/projects/<int:project_id>.json")
@public_page()
def public_details(project_id: int):
    project = db.session.get(Project, project_id)
    if project is None or project.kind in projects.settings().internal_kinds:
        abort(404)
    return jsonify(figures.details(project, staff=False))


@bp.get("/internal/projects/<int:project_id>.json")
@scope.require(READ)
def staff_details(project_id: int):
    return jsonify(figures.details(scope.get_or_404(Project, project_id, permission=READ), staff=True))


@bp.get("/photos/<int:photo_id>")
def photo(photo_id: int):
    """A site photo: anyone's when its project is on the public map and photos are public; else within reach."""
    item = db.session.get(Photo, photo_id)
    if item is None:
        abort(404)
    project = db.session.get(Project, item.project_id)
    public = ("photos" not in projects.hidden_fields()
              and project.kind not in projects.settings().internal_kinds)
    if not public and not scope.can(READ, item):
        abort(404)
    try:
        file = uploads.path(item.stored, "monitoring", str(item.project_id))
    except FileNotFoundError:
        abort(404)
    mimetype = "image/png" if item.stored.endswith(".png") else "image/jpeg"
    try:
        return (uploads.send_public(file, mimetype=mimetype) if public
                else uploads.send_private(file, mimetype=mimetype))
    except FileNotFoundError:
        abort(404)


# ----------------------------------------------------------------- dashboard and lists
@bp.get("/dashboard")
@scope.require(READ)
def dashboard():
    year = _year()
    return render_template("monitoring/dashboard.html", year=year, **figures.dashboard(year),
                           late_points=projects.settings().late_points, stall_days=projects.settings().stall_days)


@bp.get("/projects")
@scope.require(READ)
def listing():
    year = _year()
    flag = request.args.get("flag", "")
    if flag not in ("", "late", "stalled"):
        abort(404)
    page = max(1, request.args.get("page", 1, type=int))
    stmt = scope.visible(select(Project), Project, permission=READ).where(Project.year == year)
    if flag == "late":
        stmt = stmt.where(projects.late_clause())
    elif flag == "stalled":
        stmt = stmt.where(projects.stalled_clause())
    agency = request.args.get("agency", "")
    if agency:
        stmt = stmt.where(Project.agency_code == agency)
    found = db.session.scalars(stmt.order_by(Project.district_code, Project.name, Project.id)
                               .offset((page - 1) * PER_PAGE).limit(PER_PAGE + 1)).all()
    return render_template("monitoring/projects.html", year=year, flag=flag, agency=agency, page=page,
                           projects=found[:PER_PAGE], more=len(found) > PER_PAGE, flags=projects.flags,
                           regions=figures.region_names({p.region_code for p in found}),
                           agencies=figures.agency_names())


# ----------------------------------------------------------------- one project
def _reach() -> tuple[list[Region], list[Agency], bool]:
    """(desa and kecamatan, agencies) a new project of this user may belong to; True when regency-wide."""
    grants = scope.grants(None, current_app.extensions["egovkit"].profile.roles_with(EDIT))
    regency = current_app.extensions["egovkit"].profile.regency.code
    own_agencies = {g.agency for g in grants if g.agency}
    regions = [g.region for g in grants if g.region]
    everything = any(g.everything for g in grants)
    agencies = db.session.scalars(select(Agency).where(Agency.active).order_by(Agency.name)).all()
    if not everything:
        agencies = [a for a in agencies if a.code in own_agencies]
    if everything or own_agencies:  # an OPD builds anywhere in the regency
        places = db.session.scalars(select(Region).where(Region.level.in_(("district", "village")),
                                                         Region.code.like(regency + ".%")).order_by(Region.code)).all()
    else:
        places = db.session.scalars(select(Region).where(Region.code.in_(regions)).order_by(Region.code)).all()
    return places, agencies, everything


def _date(text: str | None, field: str, errors: dict, required: bool = False) -> date | None:
    text = (text or "").strip()
    if not text:
        if required:
            errors[field] = _("This field is required.")
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[field] = _("A date, e.g. 2026-08-17.")
        return None


def _place(form, errors: dict):
    lat, lon = form.get("lat", "").strip().replace(",", "."), form.get("lon", "").strip().replace(",", ".")
    if not lat and not lon:
        return None, None
    try:
        return projects.checked_place(lat or None, lon or None)
    except projects.ProjectError as exc:
        errors["lat"] = str(exc)
        return None, None


@bp.route("/new", methods=["GET", "POST"])
@scope.require(EDIT)
def create():
    places, agencies, everything = _reach()
    form, errors, values = Form(), {}, request.form
    s = projects.settings()
    if request.method == "POST" and form.validate_on_submit():
        if (first := once.replay()) is not None:  # the same form sent again: one project, not two
            return first
        name = " ".join(values.get("name", "").split())
        if not 3 <= len(name) <= 200:
            errors["name"] = _("A name of 3 to 200 characters.")
        region = values.get("region_code", "")
        if region and region not in {p.code for p in places}:
            errors["region_code"] = _("Choose a desa or kecamatan from the list.")
        agency = values.get("agency_code", "") or None
        if agency and agency not in {a.code for a in agencies}:
            errors["agency_code"] = _("Choose an agency from the list.")
        if not agency and not region:
            errors["region_code"] = _("A project belongs to a desa or kecamatan, or to an agency.")
        if not everything and not agency and not region:
            errors["region_code"] = _("Choose a desa or kecamatan from the list.")
        if agencies and not everything and not agency:
            errors["agency_code"] = _("Choose an agency from the list.")
        kind = values.get("kind", "")
        if kind not in s.kinds:
            errors["kind"] = _("Choose a kind from the list.")
        budget = formfields.rupiah(values.get("budget"))
        if budget is None:
            errors["budget"] = _("A whole number of Rupiah above zero, e.g. 15000000.")
        year = values.get("year", type=int)
        if year is None or not 2000 <= year <= projects.today().year + 5:
            errors["year"] = _("A year such as %(year)s.", year=projects.today().year)
        starts_on = _date(values.get("starts_on"), "starts_on", errors)
        ends_on = _date(values.get("ends_on"), "ends_on", errors)
        lat, lon = _place(values, errors)
        if not errors:
            try:
                project = projects.register(origin="form", origin_ref=f"form:{secrets.token_hex(8)}", year=year, name=name,
                                            budget=budget, agency_code=agency, region_code=region or None,
                                            code=values.get("code", "").strip()[:40], kind=kind, lat=lat, lon=lon,
                                            contractor=values.get("contractor", ""), starts_on=starts_on,
                                            ends_on=ends_on)
                db.session.flush()
            except projects.ProjectError as exc:
                errors[exc.field or "name"] = str(exc)
        if errors:
            db.session.rollback()
        else:
            once.record(url_for(".show", project_id=project.id))
            db.session.commit()
            invalidate()
            flash(_("Project registered."), "success")
            return redirect(url_for(".show", project_id=project.id), 303)
    return render_template("monitoring/new.html", form=form, errors=errors, values=values, places=places,
                           agencies=agencies, kinds=s.kinds, everything=everything,
                           this_year=projects.today().year), (400 if errors else 200)


@bp.get("/projects/<int:project_id>")
@scope.require(READ)
def show(project_id: int):
    project = scope.get_or_404(Project, project_id, permission=READ)
    return _project_page(project)


def _project_page(project: Project, errors: dict | None = None, status: int = 200):
    reports = db.session.scalars(select(Report).where(Report.project_id == project.id)
                                 .order_by(Report.day.desc(), Report.id.desc()).limit(200)).all()
    photos = db.session.scalars(select(Photo).where(Photo.project_id == project.id)
                                .order_by(Photo.stage, Photo.id)).all()
    return render_template("monitoring/project.html", project=project, reports=reports, photos=photos,
                           stages=STAGES, form=Form(), errors=errors or {}, values=request.form,
                           can_edit=may_edit(project), flags=projects.flags(project),
                           planned=projects.planned(project), kinds=projects.settings().kinds,
                           region=db.session.get(Region, project.region_code) if project.region_code else None,
                           agency=db.session.get(Agency, project.agency_code) if project.agency_code else None,
                           today=projects.today()), status


def may_edit(project: Project) -> bool:
    """An agency's project is reported on by that agency (a desa operator sees it, in the desa, but does not
    report for the OPD); a desa's own project by the desa."""
    if not scope.can(EDIT, project):
        return False
    if project.agency_code is None:
        return True
    grants = scope.grants(None, current_app.extensions["egovkit"].profile.roles_with(EDIT))
    return any(g.everything or g.agency == project.agency_code for g in grants)


def _editable(project_id: int) -> Project:
    project = scope.get_or_404(Project, project_id, permission=READ)
    if not may_edit(project):
        abort(403)
    return project


@bp.post("/projects/<int:project_id>/report")
@scope.require(EDIT)
def report(project_id: int):
    """A progress report (physical % and money spent as of a day), with a site photo at 0, 50 or 100%."""
    project = _editable(project_id)
    form, errors, values = Form(), {}, request.form
    if not form.validate_on_submit():
        abort(400)
    if (first := once.replay()) is not None:
        return first
    day = _date(values.get("day"), "day", errors, required=True)
    progress = values.get("progress", "").strip()
    if not (progress.isdigit() and int(progress) <= 100):
        errors["progress"] = _("A percentage from 0 to 100.")
    realised = formfields.rupiah(values.get("realised")) if values.get("realised", "").strip() not in ("", "0") else 0
    if realised is None:
        errors["realised"] = _("A whole number of Rupiah, e.g. 15000000.")
    photo = request.files.get("photo")
    stage = values.get("stage", "")
    if photo and photo.filename and stage not in ("0", "50", "100"):
        errors["stage"] = _("A photo is taken at 0%, 50% or 100% progress.")
    if not errors:
        try:
            projects.report(project, day=day, progress=int(progress), realised=realised,
                            note=values.get("note", ""), user_id=current_user.id)
            if photo and photo.filename:
                stored = uploads.save(photo, "monitoring", str(project.id))
                projects.add_photo(project, int(stage), stored, values.get("caption", ""), current_user.id)
        except projects.ProjectError as exc:
            errors[exc.field or "progress"] = str(exc)
        except uploads.UploadError as exc:
            errors["photo"] = str(exc)
    if errors:
        db.session.rollback()
        return _project_page(project, errors, 400)
    once.record(url_for(".show", project_id=project.id))
    db.session.commit()
    invalidate()
    flash(_("Progress recorded."), "success")
    return redirect(url_for(".show", project_id=project.id), 303)


@bp.post("/projects/<int:project_id>/details")
@scope.require(EDIT)
def details(project_id: int):
    """Kind, contractor, dates and the point on the map (a project that came by event is placed here)."""
    project = _editable(project_id)
    form, errors, values = Form(), {}, request.form
    if not form.validate_on_submit():
        abort(400)
    kind = values.get("kind", "")
    if kind not in projects.settings().kinds:
        errors["kind"] = _("Choose a kind from the list.")
    starts_on = _date(values.get("starts_on"), "starts_on", errors)
    ends_on = _date(values.get("ends_on"), "ends_on", errors)
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = _("The end date is before the start date.")
    lat, lon = _place(values, errors)
    if errors:
        return _project_page(project, errors, 400)
    project.kind, project.starts_on, project.ends_on, project.lat, project.lon = kind, starts_on, ends_on, lat, lon
    project.contractor = " ".join(values.get("contractor", "").split())[:200]
    db.session.commit()
    invalidate()
    flash(_("Saved."), "success")
    return redirect(url_for(".show", project_id=project.id), 303)
