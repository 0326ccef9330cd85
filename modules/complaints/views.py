"""Complaint screens: filing (signed in, confidential or anonymous), public tracking by code with the
complainant's rating, the list and page of each complaint for the verifying agency and the unit in charge,
monthly figures per unit, and the exchange of cases with SP4N-LAPOR! (exchange.py)."""
from __future__ import annotations

import json
from collections import defaultdict
from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select, update

from egovkit.auth import scope, throttle
from egovkit.db import db
from egovkit.models import Agency, Region, as_utc, utcnow
from egovkit.services import audit, notifications, uploads, workflow
from egovkit.web.export import csv_response
from egovkit.web.forms import Form

from . import DESA
from .models import MODES, Complaint

bp = Blueprint("complaints", __name__, url_prefix="/pengaduan", template_folder="templates")


def _settings():
    return current_app.extensions["egovkit"].profile.modules["complaints"]


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.extensions["egovkit"].profile.timezone)


def _roles(permission: str) -> frozenset[str]:
    """Roles holding a permission, without the IT administrator: complaints belong to the units."""
    return current_app.extensions["egovkit"].profile.roles_with(permission) - {"admin"}


def verifier() -> bool:
    """Whether the user is staff of the verifying agency (the LAPOR! administrator), who sees every complaint."""
    return any(gr.everything or gr.agency == _settings().verifier
               for gr in scope.grants(None, _roles("complaints.verify")))


def _exchanger() -> bool:
    return any(gr.everything or gr.agency == _settings().verifier
               for gr in scope.grants(None, _roles("complaints.exchange")))


def _unit_grants():
    return scope.grants(None, _roles("complaints.handle"))


def _reach(item: Complaint) -> bool:
    if current_user.is_authenticated and item.reporter_id == current_user.id:
        return True
    return verifier() or any(scope.covers(gr, item) for gr in _unit_grants())


def _get(record_id: int) -> Complaint:
    item = db.session.get(Complaint, record_id)
    if item is None or not _reach(item):
        abort(404)
    return item


def _staff_sees(item: Complaint) -> bool:
    return verifier() or any(scope.covers(gr, item) for gr in _unit_grants())


def villages() -> list[tuple[str, str]]:
    """(code, "Desa, Kecamatan") of every village of the regency, by district then name."""
    regency = current_app.extensions["egovkit"].profile.regency.code
    district = db.aliased(Region)
    rows = db.session.execute(
        select(Region.code, Region.name, district.name).join(district, district.code == Region.parent_code)
        .where(Region.level == "village", district.parent_code == regency)
        .order_by(district.name, Region.name)).all()
    return [(code, f"{name}, {parent}") for code, name, parent in rows]


def unit_name(agency: str | None, region: str | None) -> str:
    if agency:
        return db.session.scalar(select(Agency.name).where(Agency.code == agency)) or agency
    if region:
        found = db.session.get(Region, region)
        parent = db.session.get(Region, found.parent_code) if found and found.parent_code else None
        return f"Desa {found.name}, {parent.name}" if found and parent else region
    return "-"


@contextmanager
def _as_nobody():
    """Act as an anonymous visitor for the filing's writes (timeline, audit): a confidential or anonymous
    complaint carries no trace of the account that filed it outside its own record."""
    had = "_login_user" in g
    saved = g.get("_login_user")
    g._login_user = current_app.login_manager.anonymous_user()
    try:
        yield
    finally:
        if had:
            g._login_user = saved
        else:
            g.pop("_login_user", None)


# ----------------------------------------------------------------- filing
def _number(text: str, low: float, high: float) -> float | None:
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        return None
    return value if low <= value <= high else None


def _checked(form, files) -> tuple[dict, dict, list]:
    settings, errors = _settings(), {}
    category = form.get("category") or ""
    if category not in settings.categories:
        errors["category"] = _("Choose a category.")
    subject = " ".join((form.get("subject") or "").split())
    if not 5 <= len(subject) <= 200:
        errors["subject"] = _("A subject of 5 to 200 characters.")
    description = (form.get("description") or "").strip()
    if not 20 <= len(description) <= 5000:
        errors["description"] = _("Describe what happened in 20 to 5000 characters.")
    village = form.get("village_code") or ""
    if village not in dict(villages()):
        errors["village_code"] = _("Choose the village where it happened.")
    lat_text, lon_text = (form.get("latitude") or "").strip(), (form.get("longitude") or "").strip()
    latitude = longitude = None
    if lat_text or lon_text:
        latitude, longitude = _number(lat_text, -11.5, 6.5), _number(lon_text, 94.0, 141.5)
        if latitude is None:
            errors["latitude"] = _("A latitude in Indonesia, e.g. -8.2192.")
        if longitude is None:
            errors["longitude"] = _("A longitude in Indonesia, e.g. 114.3691.")
    mode = form.get("mode") or ("named" if current_user.is_authenticated else "anonymous")
    if mode not in MODES or (mode != "anonymous" and not current_user.is_authenticated):
        errors["mode"] = _("Sign in to file a complaint under your name or in confidence.")
    photos = [f for f in files.getlist("photos") if f and f.filename]
    if len(photos) > settings.max_photos:
        errors["photos"] = _("At most %(n)s photos.", n=settings.max_photos)
    return ({"category": category, "subject": subject, "description": description, "village_code": village,
             "latitude": latitude, "longitude": longitude, "mode": mode}, errors, photos)


def _save_photos(item: Complaint, photos) -> tuple[list, str | None]:
    stored = []
    for photo in photos:
        try:
            stored.append(uploads.save(photo, "complaints", str(item.id), kinds=("jpg", "png"),
                                       max_bytes=_settings().photo_mb * 1024 * 1024))
        except uploads.UploadError as exc:
            for name in stored:
                uploads.path(name, "complaints", str(item.id)).unlink(missing_ok=True)
            return [], str(exc)
    return stored, None


def file_complaint(data: dict, *, reporter_id: int | None, source: str = "web", lapor_number: str | None = None,
                   created_at: datetime | None = None) -> Complaint:
    """A new complaint and its case, at the verifying agency (the caller commits)."""
    item = Complaint(tracking_code=workflow.tracking_code(), reporter_id=reporter_id, source=source,
                     lapor_number=lapor_number, photos="[]", unit_agency=_settings().verifier,
                     created_at=created_at or utcnow(), **data)
    db.session.add(item)
    db.session.flush()
    category = _settings().categories[item.category]
    case = workflow.start("complaints.complaint", item.id, f"{category.title['id']}: {item.subject}",
                          module="complaints", agency_code=_settings().verifier,
                          owner_id=reporter_id if item.mode == "named" else None)
    item.case_id = case.id
    return item


@bp.route("/", methods=["GET", "POST"])
def new():
    form, errors, values = Form(), {}, request.form
    if request.method == "POST" and form.validate_on_submit():
        data, errors, photos = _checked(request.form, request.files)
        if not errors and data["mode"] == "anonymous" and not current_user.is_authenticated:
            if throttle.for_submission("complaints", request.remote_addr or "-",
                                       _settings().anonymous_per_hour) is None:
                errors["form"] = _("Too many complaints from this connection in the last hour: try again "
                                   "later, or sign in.")
                return _form(form, errors, values, 429)
        if not errors:
            reporter = current_user.id if current_user.is_authenticated and data["mode"] != "anonymous" else None
            with (_as_nobody() if data["mode"] != "named" else _nothing()):
                item = file_complaint(data, reporter_id=reporter)
                stored, problem = _save_photos(item, photos)
                if problem:
                    db.session.rollback()
                    errors["photos"] = problem
                else:
                    item.photos = json.dumps(stored)
                    db.session.commit()
            if not errors:
                flash(_("Complaint sent. Keep its tracking code: %(code)s", code=item.tracking_code), "success")
                return redirect(url_for(".track", code=item.tracking_code))
    return _form(form, errors, values, 400 if errors else 200)


@contextmanager
def _nothing():
    yield


def _form(form, errors, values, status):
    return render_template("complaints/new.html", form=form, errors=errors, values=values,
                           categories=_settings().categories, villages=villages(),
                           max_photos=_settings().max_photos), status


# ----------------------------------------------------------------- public tracking and rating
def _tracked(code: str):
    found = db.session.scalar(select(Complaint).where(Complaint.tracking_code == code)) if code else None
    case = db.session.get(workflow.Case, found.case_id) if found is not None and found.case_id else None
    return found, case


@bp.get("/lacak")
def track():
    """Public: a complaint's state by its tracking code; never its text, photos or who filed it."""
    code = (request.args.get("code") or "").strip().upper()[:12]
    found, case = _tracked(code)
    return render_template("complaints/track.html", code=code, item=found, case=case, form=Form(),
                           category=_settings().categories.get(found.category) if found else None,
                           unit=unit_name(found.unit_agency, found.unit_region) if found else None,
                           village=dict(villages()).get(found.village_code) if found else None), \
        (404 if code and found is None else 200)


@bp.post("/lacak/rate")
def rate():
    """The complainant (whoever holds the tracking code) rates a resolved complaint, once."""
    form = Form()
    code = (request.form.get("code") or "").strip().upper()[:12]
    if not form.validate_on_submit():
        abort(400)
    found, case = _tracked(code)
    if found is None:
        abort(404)
    back = url_for(".track", code=code)
    try:
        rating = int(request.form.get("rating") or "")
    except ValueError:
        rating = 0
    note = (request.form.get("note") or "").strip()[:1000] or None
    if case is None or case.state != "done":
        flash(_("Not done: %(reason)s", reason=_("only a resolved complaint can be rated")), "error")
    elif not 1 <= rating <= 5:
        flash(_("Not done: %(reason)s", reason=_("choose from 1 to 5 stars")), "error")
    elif db.session.execute(update(Complaint).where(Complaint.id == found.id, Complaint.rating.is_(None))
                            .values(rating=rating, rating_note=note, rated_at=utcnow())).rowcount != 1:
        flash(_("Not done: %(reason)s", reason=_("this complaint is already rated")), "error")
    else:
        with _as_nobody():
            audit.record("rate", "complaints", "complaints_complaint", found.id, rating=rating)
        db.session.commit()
        flash(_("Thank you for your rating."), "success")
    return redirect(back, 303)


def tracked(code: str) -> str | None:
    """Module.tracking: the id of the complaint with this tracking code (the kiosk)."""
    found = db.session.scalar(select(Complaint.id).where(Complaint.tracking_code == code))
    return None if found is None else str(found)


# ----------------------------------------------------------------- staff
@bp.get("/daftar")
@login_required
def index():
    """Staff: the complaints of their unit (every complaint, at the verifying agency); a citizen: their own."""
    stmt = select(Complaint, workflow.Case).join(workflow.Case, workflow.Case.id == Complaint.case_id)
    staff = verifier() or bool(_unit_grants())
    if not verifier():
        mine = Complaint.reporter_id == current_user.id
        stmt = stmt.where(scope.condition(Complaint, roles=_roles("complaints.handle")) | mine if staff else mine)
    state = request.args.get("state") or ""
    if state in current_app.extensions["egovkit"].workflows["complaints.complaint"].states:
        stmt = stmt.where(workflow.Case.state == state)
    rows = db.session.execute(stmt.order_by(workflow.Case.closed, workflow.Case.due_at.is_(None),
                                            workflow.Case.due_at, Complaint.id.desc()).limit(300)).all()
    units = {(i.unit_agency, i.unit_region) for i, _c in rows}
    return render_template("complaints/index.html", rows=rows, state=state, staff=staff,
                           units={u: unit_name(*u) for u in units}, categories=_settings().categories,
                           wf=current_app.extensions["egovkit"].workflows["complaints.complaint"])


def _reporter_label(item: Complaint) -> str:
    """Who filed it, as the unit may see it: a name only when filed under one's name."""
    if item.mode == "anonymous":
        return _("Anonymous")
    if item.mode == "confidential":
        return _("Confidential: the complainant's identity is withheld")
    from egovkit.models import User

    user = db.session.get(User, item.reporter_id) if item.reporter_id else None
    return user.name if user is not None else "-"


@bp.get("/<int:record_id>")
@login_required
def show(record_id: int):
    item = _get(record_id)
    case = db.session.get(workflow.Case, item.case_id)
    can_verify = case.state == "unverified" and any(t.name == "verify" for t in workflow.allowed(case))
    return render_template("complaints/show.html", item=item, case=case, staff=_staff_sees(item),
                           reporter=_reporter_label(item), category=_settings().categories.get(item.category),
                           categories=_settings().categories, can_verify=can_verify, form=Form(),
                           photos=json.loads(item.photos), unit=unit_name(item.unit_agency, item.unit_region),
                           can_exchange=_exchanger(),
                           village=dict(villages()).get(item.village_code, item.village_code), DESA=DESA)


@bp.post("/<int:record_id>/verify")
@login_required
def verify(record_id: int):
    """The verifying agency confirms the complaint (correcting its category if need be): it goes to the unit
    the category names."""
    item = _get(record_id)
    case = db.session.get(workflow.Case, item.case_id)
    if not Form().validate_on_submit():
        abort(400)
    category = request.form.get("category") or ""
    if category not in _settings().categories:
        flash(_("Not done: %(reason)s", reason=_("choose a category")), "error")
        return redirect(url_for(".show", record_id=item.id))
    item.category = category
    try:
        workflow.fire(case, "verify", data={"category": category})
    except workflow.Forbidden:
        db.session.rollback()
        abort(403)
    except workflow.WorkflowError as exc:
        db.session.rollback()
        flash(_("Not done: %(reason)s", reason=str(exc)), "error")
        return redirect(url_for(".show", record_id=item.id))
    db.session.commit()
    flash(_("Verified and sent to %(unit)s.", unit=unit_name(item.unit_agency, item.unit_region)), "success")
    return redirect(url_for(".show", record_id=item.id), 303)


@bp.get("/<int:record_id>/photos/<int:number>")
@login_required
def photo(record_id: int, number: int):
    item = _get(record_id)
    names = json.loads(item.photos)
    if not 0 <= number < len(names):
        abort(404)
    try:
        return uploads.send_private(uploads.path(names[number], "complaints", str(item.id)))
    except FileNotFoundError:
        abort(404)


# ----------------------------------------------------------------- figures
def figures(year: int | None = None, reach=None) -> list[dict]:
    """Per month (YYYY-MM, regency time) and unit: received, resolved, overdue, rated, average rating."""
    zone, now = _zone(), utcnow()
    stmt = select(Complaint.created_at, Complaint.unit_agency, Complaint.unit_region, Complaint.rating,
                  workflow.Case.state, workflow.Case.due_at, workflow.Case.closed) \
        .join(workflow.Case, workflow.Case.id == Complaint.case_id)
    if reach is not None:
        stmt = stmt.where(reach)
    out: dict = defaultdict(lambda: {"received": 0, "resolved": 0, "overdue": 0, "rated": 0, "stars": 0})
    for created, agency, region, rating, state, due, closed in db.session.execute(stmt):
        month = as_utc(created).astimezone(zone).strftime("%Y-%m")
        if year is not None and not month.startswith(f"{year}-"):
            continue
        cell = out[(month, agency, region)]
        cell["received"] += 1
        cell["resolved"] += state == "done"
        cell["overdue"] += bool(not closed and due is not None and as_utc(due) < now)
        if rating:
            cell["rated"] += 1
            cell["stars"] += rating
    names: dict = {}
    rows = []
    for (month, agency, region), cell in sorted(out.items(), key=lambda kv: (kv[0][0], str(kv[0][1:]))):
        unit = names.setdefault((agency, region), unit_name(agency, region))
        rows.append({"month": month, "unit": unit, "received": cell["received"], "resolved": cell["resolved"],
                     "overdue": cell["overdue"],
                     "rating": round(cell["stars"] / cell["rated"], 1) if cell["rated"] else None})
    return sorted(rows, key=lambda r: (r["month"], r["unit"]))


def _figures_reach():
    if verifier():
        return None
    if not _unit_grants():
        abort(403)
    return scope.condition(Complaint, roles=_roles("complaints.handle"))


@bp.get("/angka")
@login_required
def figures_page():
    year = request.args.get("year", type=int) or datetime.now(_zone()).year
    return render_template("complaints/figures.html", rows=figures(year, _figures_reach()), year=year)


@bp.get("/angka.csv")
@login_required
def figures_csv():
    year = request.args.get("year", type=int) or datetime.now(_zone()).year
    rows = figures(year, _figures_reach())
    header = ["month", "unit", "received", "resolved", "overdue", "rating"]
    return csv_response(f"pengaduan-{year}.csv", header, ([r[h] if r[h] is not None else "" for h in header]
                                                          for r in rows))


def dataset_rows():
    """Open data (Module.datasets): complaints per unit and month, without ratings."""
    return [{k: r[k] for k in ("month", "unit", "received", "resolved", "overdue")} for r in figures()]


# ----------------------------------------------------------------- workflow hooks
def _complaint(case) -> Complaint:
    return db.session.get(Complaint, int(case.record_id))


def to_verifier(case, step) -> None:
    """At (or back at) verification: the verifying agency holds it."""
    item = _complaint(case)
    item.unit_agency, item.unit_region = _settings().verifier, None
    case.agency_code, case.region_code = item.unit_agency, None


def to_unit(case, step) -> None:
    """Verified: to the unit the category names (an OPD, or the desa where it happened)."""
    item = _complaint(case)
    category = _settings().categories[item.category]
    if category.unit == DESA:
        item.unit_agency, item.unit_region = None, item.village_code
    else:
        item.unit_agency, item.unit_region = category.unit, None
    case.agency_code, case.region_code = item.unit_agency, item.unit_region


def complainant(case):
    """Workflow.notify: the account that filed it (none for an anonymous complaint)."""
    item = _complaint(case)
    if item.reporter_id is None:
        return None
    category = _settings().categories.get(item.category)
    return (notifications.Person(user_id=item.reporter_id), item.tracking_code,
            dict(category.title) if category else {"en": item.category})


from . import exchange  # noqa: E402,F401  (its routes on this blueprint)
