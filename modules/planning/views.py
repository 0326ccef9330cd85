"""Planning screens: musrenbang proposals (desa, kecamatan, Bappeda, the agency assigned; public tracking by
code), ceilings and Renja versions per agency with their lines, the SIPD export and the DPA/realisation
import (sipd.py), and the planning dashboard."""
from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select, update

from egovkit.auth import scope
from egovkit.db import db
from egovkit.formfields import rupiah
from egovkit.models import Agency, Region, utcnow
from egovkit.services import events, uploads, workflow
from egovkit.web import once
from egovkit.web.forms import Form

from . import codes
from .models import Ceiling, Line, Proposal, Renja

bp = Blueprint("planning", __name__, url_prefix="/perencanaan", template_folder="templates")


def _settings():
    return current_app.extensions["egovkit"].profile.modules["planning"]


def _year_now() -> int:
    return datetime.now(ZoneInfo(current_app.extensions["egovkit"].profile.timezone)).year


def _roles(permission: str) -> frozenset[str]:
    """Roles holding a permission; the IT administrator only reads (planning decisions are Bappeda's)."""
    roles = current_app.extensions["egovkit"].profile.roles_with(permission)
    return roles if permission == "planning.read" else roles - {"admin"}


def bappeda() -> bool:
    """Whether the user is staff of Bappeda, who records pokir, sets ceilings and sees every proposal."""
    return any(gr.agency == _settings().bappeda for gr in scope.grants(None, _roles("planning.read") - {"admin"}))


def sees_all() -> bool:
    """Bappeda, or a regency-wide reader (TAPD, the bupati, the administrator)."""
    return bappeda() or any(gr.everything for gr in scope.grants(None, _roles("planning.read")))


def _agencies_of_user() -> set[str]:
    return {gr.agency for gr in scope.grants(None, _roles("planning.renja.edit")) if gr.agency}


def _reach(item) -> bool:
    return sees_all() or any(scope.covers(gr, item) for gr in scope.grants(None, _roles("planning.read")))


def _get(model, record_id: int):
    item = db.session.get(model, record_id)
    if item is None or not _reach(item):
        abort(404)
    return item


def villages(reach_only: bool = True) -> list[tuple[str, str, str]]:
    """(code, "Desa, Kecamatan", district code) of the villages the user may propose for."""
    regency = current_app.extensions["egovkit"].profile.regency.code
    district = db.aliased(Region)
    rows = db.session.execute(
        select(Region.code, Region.name, district.name, district.code).join(district, district.code == Region.parent_code)
        .where(Region.level == "village", district.parent_code == regency).order_by(district.name, Region.name)).all()
    grants = scope.grants(None, _roles("planning.propose"))
    everything = bappeda() or any(g.everything for g in grants)
    out = []
    for code, name, parent, parent_code in rows:
        if not reach_only or everything or any(g.region and (code == g.region or code.startswith(g.region + "."))
                                               for g in grants):
            out.append((code, f"{name}, {parent}", parent_code))
    return out


def agency_names() -> dict[str, str]:
    return dict(db.session.execute(select(Agency.code, Agency.name).order_by(Agency.name)).all())


def district_names() -> dict[str, str]:
    regency = current_app.extensions["egovkit"].profile.regency.code
    return dict(db.session.execute(select(Region.code, Region.name).where(Region.parent_code == regency)
                                   .order_by(Region.name)).all())


def _number(text: str, low: float, high: float) -> float | None:
    try:
        value = float((text or "").replace(",", "."))
    except ValueError:
        return None
    return value if low <= value <= high else None


# ----------------------------------------------------------------- proposals
def _checked(form, files, pokir: bool) -> tuple[dict, dict, list]:
    errors: dict[str, str] = {}
    title = " ".join((form.get("title") or "").split())
    if not 5 <= len(title) <= 200:
        errors["title"] = _("A title of 5 to 200 characters.")
    problem = (form.get("problem") or "").strip()
    if not 10 <= len(problem) <= 5000:
        errors["problem"] = _("Describe the problem in 10 to 5000 characters.")
    village = form.get("village_code") or ""
    known = {c: d for c, _n, d in villages(reach_only=not pokir)}
    if village not in known:
        errors["village_code"] = _("Choose the village where it is.")
    latitude, longitude = _number(form.get("latitude"), -11.5, 6.5), _number(form.get("longitude"), 94.0, 141.5)
    if latitude is None:
        errors["latitude"] = _("A latitude in Indonesia, e.g. -8.2192.")
    if longitude is None:
        errors["longitude"] = _("A longitude in Indonesia, e.g. 114.3691.")
    estimate = rupiah(form.get("estimate"))
    if estimate is None:
        errors["estimate"] = _("An amount in Rupiah, e.g. 150.000.000.")
    priority = form.get("priority", type=int)
    if priority is None or not 1 <= priority <= 99:
        errors["priority"] = _("A priority from 1 (first) to 99.")
    year = form.get("year", type=int)
    if year is None or not _year_now() <= year <= _year_now() + 2:
        errors["year"] = _("A plan year from %(a)s to %(b)s.", a=_year_now(), b=_year_now() + 2)
    proposer = " ".join((form.get("proposer") or "").split())[:120] or None
    if pokir and not proposer:
        errors["proposer"] = _("Name the DPRD member (and faction) who proposes it.")
    self_funded = not pokir and form.get("self_funded") == "1"
    rkpdes = " ".join((form.get("rkpdes_ref") or "").split())[:60] or None
    if self_funded and not rkpdes:
        errors["rkpdes_ref"] = _("Give the RKPDes line that funds it (e.g. RKPDes 2027 no. 4).")
    photos = [f for f in files.getlist("photos") if f and f.filename]
    if len(photos) > _settings().max_photos:
        errors["photos"] = _("At most %(n)s photos.", n=_settings().max_photos)
    data = {"title": title, "problem": problem, "village_code": village, "district_code": known.get(village, ""),
            "latitude": latitude, "longitude": longitude, "estimate": estimate, "priority": priority, "year": year,
            "source": "pokir" if pokir else "desa", "proposer": proposer if pokir else None,
            "self_funded": self_funded, "rkpdes_ref": rkpdes if self_funded else None}
    return data, errors, photos


def _may_propose() -> bool:
    return bool(scope.grants(None, _roles("planning.propose")))


def file_proposal(data: dict, user=None) -> Proposal:
    """A new proposal and its case (the caller commits); a pokir goes to Bappeda, a self-funded one stops."""
    item = Proposal(tracking_code=workflow.tracking_code(), photos="[]",
                    created_by=user.id if user is not None else None, created_at=utcnow(), **data)
    db.session.add(item)
    db.session.flush()
    case = workflow.start("planning.proposal", item.id, item.title, module="planning",
                          region_code=item.village_code, user=user)
    item.case_id = case.id
    if item.source == "pokir":
        workflow.fire_system(case, "pokir", note=item.proposer, actor="pokir")
    elif item.self_funded:
        workflow.fire(case, "self_fund", note=item.rkpdes_ref, data={"rkpdes_ref": item.rkpdes_ref}, user=user)
    return item


@bp.route("/usulan/baru", methods=["GET", "POST"])
@login_required
def new():
    pokir = request.values.get("source") == "pokir"
    if (pokir and not bappeda()) or (not pokir and not _may_propose()):
        abort(403)
    form, errors = Form(), {}
    if request.method == "POST" and form.validate_on_submit():
        again = once.replay()
        if again is not None:
            return again
        data, errors, photos = _checked(request.form, request.files, pokir)
        if not errors:
            try:
                item = file_proposal(data, current_user)
            except workflow.WorkflowError as exc:
                db.session.rollback()
                errors["form"] = str(exc)
            else:
                stored = []
                for photo in photos:
                    try:
                        stored.append(uploads.save(photo, "planning", str(item.id), kinds=("jpg", "png"),
                                                   max_bytes=_settings().photo_mb * 1024 * 1024))
                    except uploads.UploadError as exc:
                        for name in stored:
                            uploads.path(name, "planning", str(item.id)).unlink(missing_ok=True)
                        db.session.rollback()
                        errors["photos"] = str(exc)
                        break
                if not errors:
                    item.photos = json.dumps(stored)
                    url = url_for(".proposal", record_id=item.id)
                    once.record(url)
                    db.session.commit()
                    flash(_("Proposal recorded. Its tracking code: %(code)s", code=item.tracking_code), "success")
                    return redirect(url, 303)
    return render_template("planning/new.html", form=form, errors=errors, values=request.form, pokir=pokir,
                           villages=villages(reach_only=not pokir), year=_year_now(),
                           max_photos=_settings().max_photos), 400 if errors else 200


@bp.get("/usulan")
@login_required
def proposals():
    if not (bappeda() or scope.grants(None, _roles("planning.read"))):
        abort(403)
    stmt = select(Proposal, workflow.Case).join(workflow.Case, workflow.Case.id == Proposal.case_id)
    if not sees_all():
        stmt = stmt.where(scope.condition(Proposal, roles=_roles("planning.read")))
    year = request.args.get("year", type=int)
    if year:
        stmt = stmt.where(Proposal.year == year)
    rows = db.session.execute(stmt.order_by(Proposal.district_code, Proposal.district_rank.is_(None),
                                            Proposal.district_rank, Proposal.priority, Proposal.id).limit(500)).all()
    return render_template("planning/proposals.html", rows=rows, year=year, may_propose=_may_propose(),
                           bappeda=bappeda(), villages=dict((c, n) for c, n, _d in villages(False)),
                           agencies=agency_names())


@bp.get("/usulan/<int:record_id>")
@login_required
def proposal(record_id: int):
    item = _get(Proposal, record_id)
    case = db.session.get(workflow.Case, item.case_id)
    names = {t.name for t in workflow.allowed(case)}
    edition = codes.edition_for(item.rkpd_year or item.year)
    sub = edition.subactivity(item.subactivity_code)
    return render_template("planning/proposal.html", item=item, case=case, form=Form(),
                           can_forward="forward" in names, can_assign="assign" in names,
                           village=dict((c, n) for c, n, _d in villages(False)).get(item.village_code),
                           agencies=agency_names(), sub=sub, photos=json.loads(item.photos))


def _fire(item, name: str, data: dict, note: str | None = None) -> bool:
    case = db.session.get(workflow.Case, item.case_id)
    try:
        workflow.fire(case, name, data=data, note=note)
    except workflow.Forbidden:
        db.session.rollback()
        abort(403)
    except workflow.WorkflowError as exc:
        db.session.rollback()
        flash(_("Not done: %(reason)s", reason=str(exc)), "error")
        return False
    db.session.commit()
    return True


@bp.post("/usulan/<int:record_id>/teruskan")
@login_required
def forward(record_id: int):
    """The kecamatan musrenbang's rank, and the proposal on to Bappeda."""
    item = _get(Proposal, record_id)
    if not Form().validate_on_submit():
        abort(400)
    rank = request.form.get("rank", type=int)
    if rank is None or not 1 <= rank <= 999:
        flash(_("Not done: %(reason)s", reason=_("give the musrenbang's rank, from 1")), "error")
    else:
        item.district_rank = rank
        if _fire(item, "forward", {"rank": rank}):
            flash(_("Forwarded to Bappeda with rank %(rank)s.", rank=rank), "success")
    return redirect(url_for(".proposal", record_id=item.id), 303)


@bp.post("/usulan/<int:record_id>/tetapkan")
@login_required
def assign(record_id: int):
    """Bappeda names the agency (OPD) in charge, the sub-kegiatan and the RKPD year."""
    item = _get(Proposal, record_id)
    if not Form().validate_on_submit():
        abort(400)
    agency = request.form.get("agency_code") or ""
    year = request.form.get("rkpd_year", type=int) or item.year
    code = (request.form.get("subactivity_code") or "").strip()
    problem = None
    if agency not in agency_names():
        problem = _("choose the agency in charge")
    elif not _year_now() <= year <= _year_now() + 2:
        problem = _("a plan year from %(a)s to %(b)s", a=_year_now(), b=_year_now() + 2)
    elif codes.edition_for(year).subactivity(code) is None:
        problem = _("%(code)s is not a sub-kegiatan of the %(year)s code list", code=code or "-", year=year)
    if problem:
        flash(_("Not done: %(reason)s", reason=problem), "error")
    else:
        item.agency_code, item.subactivity_code, item.rkpd_year = agency, code, year
        if _fire(item, "assign", {"agency": agency, "subactivity": code, "year": year}):
            flash(_("Assigned to %(agency)s.", agency=agency_names()[agency]), "success")
    return redirect(url_for(".proposal", record_id=item.id), 303)


@bp.get("/usulan/<int:record_id>/foto/<int:number>")
@login_required
def photo(record_id: int, number: int):
    item = _get(Proposal, record_id)
    names = json.loads(item.photos)
    if not 0 <= number < len(names):
        abort(404)
    try:
        return uploads.send_private(uploads.path(names[number], "planning", str(item.id)))
    except FileNotFoundError:
        abort(404)


@bp.get("/lacak")
def track():
    """Public: a proposal's state by its tracking code (never who proposed it or its photos)."""
    code = (request.args.get("code") or "").strip().upper()[:12]
    item = db.session.scalar(select(Proposal).where(Proposal.tracking_code == code)) if code else None
    case = db.session.get(workflow.Case, item.case_id) if item is not None else None
    steps = workflow.timeline(case) if case is not None else []
    states = current_app.extensions["egovkit"].workflows["planning.proposal"].states
    return render_template("planning/track.html", code=code, item=item, case=case, steps=steps, states=states,
                           agencies=agency_names(),
                           village=dict((c, n) for c, n, _d in villages(False)).get(item.village_code) if item else None), \
        (404 if code and item is None else 200)


def tracked(code: str) -> str | None:
    """Module.tracking: the id of the proposal with this tracking code (the kiosk)."""
    found = db.session.scalar(select(Proposal.id).where(Proposal.tracking_code == code))
    return None if found is None else str(found)


# ----------------------------------------------------------------- workflow hooks
def _proposal(case) -> Proposal:
    return db.session.get(Proposal, int(case.record_id))


def to_bappeda(case, step) -> None:
    """Forwarded (or a pokir): Bappeda decides."""
    case.agency_code = _settings().bappeda


def on_accepted(case, step) -> None:
    item = _proposal(case)
    events.publish("planning.proposal_accepted", proposal_id=item.id, tracking_code=item.tracking_code,
                   source=item.source, year=item.rkpd_year, agency_code=item.agency_code,
                   subactivity_code=item.subactivity_code, title=item.title, village_code=item.village_code,
                   district_code=item.district_code, latitude=item.latitude, longitude=item.longitude,
                   estimate=item.estimate)


def on_final(case, step) -> None:
    """A Renja version is final: the one before is superseded, and each line is a funded sub-kegiatan."""
    renja = db.session.get(Renja, int(case.record_id))
    db.session.execute(update(Renja).where(Renja.agency_code == renja.agency_code, Renja.year == renja.year,
                                           Renja.status == "final", Renja.id != renja.id)
                       .values(status="superseded"))
    renja.status = "final"
    agency = db.session.get(Agency, renja.agency_code)
    for line in db.session.scalars(select(Line).where(Line.renja_id == renja.id).order_by(Line.id)):
        events.publish("planning.subactivity_funded", renja_id=renja.id, line_id=line.id, version=renja.number,
                       kind=renja.kind, year=renja.year, agency_code=renja.agency_code,
                       agency_name=agency.name if agency else renja.agency_code,
                       subactivity_code=line.subactivity_code, subactivity_name=line.subactivity_name,
                       indicator=line.indicator, target=line.target, unit=line.unit, amount=line.cost,
                       village_code=line.location or None, latitude=line.latitude, longitude=line.longitude,
                       proposal_id=line.proposal_id)


# ----------------------------------------------------------------- figures and open data
FATES = {"district": "process", "bappeda": "process", "assigned": "process", "accepted": "accepted",
         "rejected": "rejected", "self_funded": "self_funded"}


def figures(year: int | None = None) -> list[dict]:
    """Per year, district, source and fate: proposals and their estimate."""
    stmt = select(Proposal.year, Proposal.district_code, Proposal.source, workflow.Case.state,
                  func.count(), func.sum(Proposal.estimate)) \
        .join(workflow.Case, workflow.Case.id == Proposal.case_id) \
        .group_by(Proposal.year, Proposal.district_code, Proposal.source, workflow.Case.state)
    if year:
        stmt = stmt.where(Proposal.year == year)
    names = district_names()
    out: dict = defaultdict(lambda: [0, 0])
    for y, district, source, state, count, total in db.session.execute(stmt):
        cell = out[(y, district, source, FATES.get(state, "process"))]
        cell[0] += count
        cell[1] += int(total or 0)
    return [{"year": y, "district_code": d, "district": names.get(d, d), "source": s, "fate": f,
             "proposals": c[0], "estimate": c[1]} for (y, d, s, f), c in sorted(out.items())]


def dataset_rows():
    return figures()


def plan_vs_ceiling(year: int) -> list[dict]:
    ceilings = dict(db.session.execute(select(Ceiling.agency_code, Ceiling.amount).where(Ceiling.year == year)).all())
    plans: dict[str, Renja] = {}
    for renja in db.session.scalars(select(Renja).where(Renja.year == year, Renja.status != "superseded")
                                    .order_by(Renja.number)):
        plans[renja.agency_code] = renja  # the latest standing version
    names = agency_names()
    rows = []
    for agency in sorted(set(ceilings) | set(plans), key=lambda a: names.get(a, a)):
        renja = plans.get(agency)
        ceiling = ceilings.get(agency)
        rows.append({"agency_code": agency, "agency": names.get(agency, agency), "ceiling": ceiling,
                     "planned": renja.total if renja else 0, "renja": renja,
                     "share": round(100 * renja.total / ceiling) if renja and ceiling else None})
    return rows


@bp.get("/dasbor")
@login_required
def dashboard():
    if not (bappeda() or scope.grants(None, _roles("planning.read"))):
        abort(403)
    year = request.args.get("year", type=int) or _year_now() + 1
    table: dict = defaultdict(lambda: defaultdict(int))
    for row in figures(year):
        table[row["district"]][(row["source"], row["fate"])] += row["proposals"]
    return render_template("planning/dashboard.html", year=year, table=sorted(table.items()),
                           fates=("process", "accepted", "rejected", "self_funded"), sources=("desa", "pokir"),
                           plans=plan_vs_ceiling(year))


from . import workplans  # noqa: E402,F401  (its routes on this blueprint)
