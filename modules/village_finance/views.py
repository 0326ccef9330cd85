"""Village finance screens: the year's plan and budget of a desa, its lines, the
rule check, realisation entries, the realisation report and the public page."""
from __future__ import annotations

import re
from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from egovkit import formfields
from egovkit.services import uploads, workflow
from egovkit.auth import scope
from egovkit.db import db
from egovkit.models import Region
from egovkit.web.cache import memo, public_page
from egovkit.web.export import csv_response, xlsx_response
from egovkit.web import once
from egovkit.web.forms import Form

from . import budget as service
from . import dashboard as figures
from . import exports
from .models import Activity, Budget, Entry, Line

bp = Blueprint("village_finance", __name__, url_prefix="/apbdes", template_folder="templates")
READ = "village_finance.budget.read"


def _village(code: str) -> Region:
    region = db.session.get(Region, code)
    if region is None or region.level != "village":
        abort(404)
    if not scope.can("village_finance.budget.read", Budget(village_code=code)):
        abort(404)  # out of reach looks the same as absent
    return region


def _year(year: int) -> int:
    if not 2000 <= year <= service.today().year + 1:
        abort(404)
    return year


def _rupiah(text: str | None, field: str, errors: dict) -> int | None:
    """Whole Rupiah, as typed (formfields.rupiah: 15000000, 15.000.000 or Rp 15.000.000)."""
    value = formfields.rupiah(text)
    if value is None:
        errors[field] = _("A whole number of Rupiah above zero, e.g. 15000000.")
    return value


@bp.get("/")
@scope.require("village_finance.budget.read")
def index():
    year = request.args.get("year", type=int) or service.today().year
    villages = db.session.scalars(scope.visible(select(Budget), Budget, permission=READ).where(Budget.year == year,
                                                                               Budget.in_force.is_(True))).all()
    own = [g.region for g in scope.grants() if g.region and g.region.count(".") == 3]
    if len(own) == 1 and not villages:
        return redirect(url_for(".year", village=own[0], year=year))
    names = dict(db.session.execute(select(Region.code, Region.name).where(
        Region.code.in_([b.village_code for b in villages] + own))).all())
    return render_template("village_finance/index.html", year=year, budgets=villages, names=names, own=own)


@bp.get("/<village>/<int:year>")
@scope.require("village_finance.budget.read")
def year(village: str, year: int):
    region = _village(village)
    _year(year)
    found = service.versions(village, year)
    current = found[-1] if found else None
    if current is not None:
        return redirect(url_for(".budget", record_id=current.id))
    return render_template("village_finance/year.html", region=region, year=year,
                           activities=service.candidates(village, year),
                           can_edit=scope.can("village_finance.budget.edit", Budget(village_code=village)))


@bp.post("/<village>/<int:year>/start")
@scope.require("village_finance.budget.edit")
def start(village: str, year: int):
    _village(village)
    _year(year)
    if not Form().validate_on_submit() or not scope.can("village_finance.budget.edit", Budget(village_code=village)):
        abort(403)
    try:
        made = service.start(village, year, current_user)
        db.session.commit()
    except service.BudgetError as exc:
        db.session.rollback()
        flash(_("Not done: %(reason)s", reason=str(exc)), "error")
        return redirect(url_for(".year", village=village, year=year))
    except IntegrityError:  # someone started the same version a moment earlier
        db.session.rollback()
        flash(_("Not done: %(reason)s", reason=_("A version of this budget is still being prepared or evaluated.")),
              "error")
        return redirect(url_for(".year", village=village, year=year))
    return redirect(url_for(".budget", record_id=made.id))


@bp.route("/<village>/<int:year>/plan", methods=["GET", "POST"])
@scope.require("village_finance.budget.read")
def plan(village: str, year: int):
    """The village plan (RKPDes): activities the budget may take up, including approved RTLH houses."""
    region = _village(village)
    _year(year)
    can_edit = scope.can("village_finance.budget.edit", Budget(village_code=village))
    errors, form = {}, Form()
    if request.method == "POST":
        if not can_edit or not form.validate_on_submit():
            abort(403)
        if (first := once.replay()) is not None:  # the same form sent again: one activity, not two
            return first
        kegiatan = request.form.get("kegiatan", "")
        if kegiatan not in dict(service.chart().kegiatan()):
            errors["kegiatan"] = _("Choose a kegiatan from the list.")
        name = " ".join((request.form.get("name") or "").split())
        if not name or len(name) > 200:
            errors["name"] = _("A name of at most 200 characters.")
        estimate = _rupiah(request.form.get("estimate"), "estimate", errors)
        if not errors:
            db.session.add(Activity(village_code=village, year=year, kegiatan=kegiatan, name=name,
                                    location=" ".join((request.form.get("location") or "").split())[:200],
                                    estimate=estimate))
            once.record(url_for(".plan", village=village, year=year))
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for(".plan", village=village, year=year))
    # The year's activities and those carried over from earlier years that no budget line took up yet: the
    # "waiting" ones are the same list the year's page counts (service.candidates).
    waiting = service.candidates(village, year)
    this_year = db.session.scalars(select(Activity).where(Activity.village_code == village, Activity.year == year)).all()
    taken_up = db.session.scalars(select(Activity).join(Line, Line.activity_id == Activity.id)
                                  .join(Budget, Budget.id == Line.budget_id)
                                  .where(Budget.village_code == village, Budget.year == year)).all()
    activities = sorted({a.id: a for a in [*this_year, *taken_up, *waiting]}.values(),
                        key=lambda a: (a.kegiatan, a.id))
    return render_template("village_finance/plan.html", region=region, year=year, activities=activities,
                           waiting={a.id for a in waiting},
                           kegiatan=service.chart().kegiatan(), can_edit=can_edit, errors=errors, form=form,
                           values=request.form), (400 if errors else 200)


@bp.get("/budgets/<int:record_id>")
@scope.require("village_finance.budget.read")
def budget(record_id: int):
    item = scope.get_or_404(Budget, record_id, permission=READ)
    region = db.session.get(Region, item.village_code)
    case = db.session.get(workflow.Case, item.case_id)
    rows = service.lines(item)
    can_edit = case.state == "draft" and scope.can("village_finance.budget.edit", item)
    found = service.versions(item.village_code, item.year)
    return render_template("village_finance/budget.html", budget=item, region=region, case=case, lines=rows,
                           problems=[p.message(service._lang()) for p in service.problems(item)],
                           totals=_totals(rows), chart=service.chart(), can_edit=can_edit, versions=found,
                           can_amend=(item.in_force and found[-1].id == item.id
                                      and scope.can("village_finance.budget.edit", item)),
                           can_realise=item.in_force and scope.can("village_finance.realise", item),
                           can_set_perdes=scope.can("village_finance.budget.edit", item),
                           candidates=service.candidates(item.village_code, item.year) if can_edit else [],
                           sources=service.chart().sources(), form=Form(), errors={}, values={})


def _totals(rows: list[Line]) -> dict:
    out = {"4": 0, "5": 0, "6.1": 0, "6.2": 0}
    for r in rows:
        for part in out:
            if r.account.startswith(part):
                out[part] += r.amount
    out["surplus"] = out["4"] - out["5"]
    out["financing"] = out["6.1"] - out["6.2"]
    return out


@bp.post("/budgets/<int:record_id>/lines")
@scope.require("village_finance.budget.edit")
def add_line(record_id: int):
    item = scope.get_or_404(Budget, record_id, permission=READ)
    if not Form().validate_on_submit() or not scope.can("village_finance.budget.edit", item):
        abort(403)
    if (first := once.replay()) is not None:  # the same form sent again: one line, not two
        return first
    errors = {}
    amount = _rupiah(request.form.get("amount"), "amount", errors)
    activity_id = request.form.get("activity", type=int)
    if activity_id and activity_id not in {a.id for a in service.candidates(item.village_code, item.year)}:
        errors["activity"] = _("Not a valid choice.")
    if not errors:
        try:
            service.add_line(item, service.LineInput(
                account=request.form.get("account", "").strip(), kegiatan=request.form.get("kegiatan") or None,
                source=request.form.get("source", ""), amount=amount,
                description=request.form.get("description", ""), activity_id=activity_id or None))
        except service.BudgetError as exc:
            errors["line"] = str(exc)
    if errors:
        db.session.rollback()
        flash(_("Not done: %(reason)s", reason="; ".join(errors.values())), "error")
        return redirect(url_for(".budget", record_id=item.id)), 303
    once.record(url_for(".budget", record_id=item.id) + "#lines")
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for(".budget", record_id=item.id) + "#lines", 303)


@bp.post("/budgets/<int:record_id>/lines/<int:line_id>")
@scope.require("village_finance.budget.edit")
def change_line(record_id: int, line_id: int):
    item = scope.get_or_404(Budget, record_id, permission=READ)
    line = db.session.get(Line, line_id)
    if not Form().validate_on_submit() or not scope.can("village_finance.budget.edit", item) \
            or line is None or line.budget_id != item.id:
        abort(404)
    errors = {}
    try:
        if request.form.get("remove"):
            service.remove_line(item, line)
        else:
            amount = _rupiah(request.form.get("amount"), "amount", errors)
            if amount is not None:
                service.change_line(item, line, service.LineInput(
                    account=line.account, kegiatan=line.kegiatan, source=line.source, amount=amount,
                    description=line.description, activity_id=line.activity_id))
    except service.BudgetError as exc:
        errors["line"] = str(exc)
    if errors:
        db.session.rollback()
        flash(_("Not done: %(reason)s", reason="; ".join(errors.values())), "error")
    else:
        db.session.commit()
        flash(_("Saved."), "success")
    return redirect(url_for(".budget", record_id=item.id) + "#lines", 303)


@bp.post("/budgets/<int:record_id>/perdes")
@scope.require("village_finance.budget.edit")
def perdes(record_id: int):
    item = scope.get_or_404(Budget, record_id, permission=READ)
    if not Form().validate_on_submit() or not scope.can("village_finance.budget.edit", item):
        abort(403)
    try:
        service.set_perdes(item, request.form.get("perdes", ""))
    except service.BudgetError as exc:
        db.session.rollback()
        flash(_("Not done: %(reason)s", reason=str(exc)), "error")
        return redirect(url_for(".budget", record_id=item.id), 303)
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for(".budget", record_id=item.id), 303)


@bp.post("/budgets/<int:record_id>/amend")
@scope.require("village_finance.budget.edit")
def amend(record_id: int):
    item = scope.get_or_404(Budget, record_id, permission=READ)
    return start(item.village_code, item.year)


@bp.route("/budgets/<int:record_id>/realise", methods=["GET", "POST"])
@scope.require("village_finance.realise")
def realise(record_id: int):
    item = scope.get_or_404(Budget, record_id, permission=READ)
    if not item.in_force or not scope.can("village_finance.realise", item):
        abort(404)
    rows = service.lines(item)
    errors, form = {}, Form()
    if request.method == "POST" and form.validate_on_submit():
        if (first := once.replay()) is not None:  # the same form sent again: one entry, not two
            return first
        key = request.form.get("line", "")
        amount = _rupiah(request.form.get("amount"), "amount", errors)
        try:
            day = date.fromisoformat(request.form.get("day", ""))
        except ValueError:
            errors["day"] = _("A date, e.g. 2026-08-17.")
        progress = request.form.get("progress", "").strip()
        if progress and not (re.fullmatch(r"[0-9]{1,3}", progress) and int(progress) <= 100):
            errors["progress"] = _("A percentage from 0 to 100.")
        description = " ".join((request.form.get("description") or "").split())
        if not description:
            errors["description"] = _("This field is required.")
        if not errors:
            try:
                entry = service.realise(item.village_code, item.year, key, day, amount, description,
                                        progress=int(progress) if progress else None, user_id=current_user.id)
                evidence = request.files.get("evidence")
                if evidence and evidence.filename:
                    db.session.flush()
                    entry.evidence = uploads.save(evidence, "village_finance", str(entry.id),
                                                  kinds=("jpg", "png", "pdf"))
            except (service.BudgetError, uploads.UploadError) as exc:
                errors["line"] = str(exc)
        if errors:
            db.session.rollback()
        else:
            once.record(url_for(".entries", record_id=item.id))
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for(".realise", record_id=item.id), 303)
    return render_template("village_finance/realise.html", budget=item, lines=rows, chart=service.chart(),
                           form=form, errors=errors, values=request.form,
                           region=db.session.get(Region, item.village_code)), (400 if errors else 200)


@bp.get("/budgets/<int:record_id>/entries")
@scope.require("village_finance.budget.read")
def entries(record_id: int):
    """Realisation entries of the budget's year, newest first, with their evidence."""
    item = scope.get_or_404(Budget, record_id, permission=READ)
    page = max(1, request.args.get("page", 1, type=int))
    per_page = 100
    found = db.session.scalars(select(Entry).where(Entry.village_code == item.village_code, Entry.year == item.year)
                               .order_by(Entry.day.desc(), Entry.id.desc())
                               .offset((page - 1) * per_page).limit(per_page + 1)).all()
    names = {x.key: x.description or service.chart().name(x.kegiatan or x.account) for x in service.lines(item)}
    reversed_ids = set(db.session.scalars(select(Entry.reverses_id).where(
        Entry.reverses_id.in_([e.id for e in found]))))
    return render_template("village_finance/entries.html", budget=item, entries=found[:per_page], names=names,
                           page=page, more=len(found) > per_page, region=db.session.get(Region, item.village_code),
                           reversed_ids=reversed_ids, form=Form(),
                           can_reverse=item.in_force and scope.can("village_finance.realise", item))


@bp.post("/entries/<int:entry_id>/reverse")
@scope.require("village_finance.realise")
def reverse(entry_id: int):
    """Correct a mistaken entry with a reversing one; both stay in the record."""
    entry = scope.get_or_404(Entry, entry_id)
    if not Form().validate_on_submit() or not scope.can("village_finance.realise", entry):
        abort(403)
    budget = service.in_force(entry.village_code, entry.year)
    try:
        service.reverse(entry, request.form.get("reason", ""), user_id=current_user.id)
        db.session.commit()
        flash(_("The entry is reversed."), "success")
    except service.BudgetError as exc:
        db.session.rollback()
        flash(_("Not done: %(reason)s", reason=str(exc)), "error")
    except IntegrityError:  # reversed by someone else a moment ago: one correction, not two
        db.session.rollback()
        flash(_("Not done: %(reason)s", reason=_("This entry was already reversed.")), "error")
    if budget is None:
        return redirect(url_for(".index"), 303)
    return redirect(url_for(".entries", record_id=budget.id), 303)


@bp.get("/entries/<int:entry_id>/evidence")
@scope.require("village_finance.budget.read")
def evidence(entry_id: int):
    entry = scope.get_or_404(Entry, entry_id, permission=READ)
    if not entry.evidence:
        abort(404)
    try:
        return uploads.send_private(uploads.path(entry.evidence, "village_finance", str(entry.id)))
    except FileNotFoundError:
        abort(404)


def _until(year: int) -> date:
    semester = request.args.get("semester", type=int)
    if semester == 1:
        return date(year, 6, 30)
    return date(year, 12, 31)


@bp.get("/<village>/<int:year>/report")
@scope.require("village_finance.budget.read")
def report(village: str, year: int):
    """Laporan Realisasi Anggaran per semester (?semester=1) or year, as a page or ?format=csv."""
    region = _village(village)
    _year(year)
    try:
        data = service.report(village, year, _until(year))
    except service.BudgetError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".year", village=village, year=year))
    kind = request.args.get("format")
    name = f"lra-{village}-{year}" + ("-s1" if data["until"].month == 6 else "")
    header = ["akun", "kegiatan", "uraian", "sumber_dana", "anggaran", "realisasi"]
    rows = [[r.account, r.kegiatan or "", r.name, r.source, r.budget, r.realised] for r in data["rows"]]
    if kind == "csv":
        return csv_response(f"{name}.csv", header, rows)
    if kind == "xlsx":
        return xlsx_response(f"{name}.xlsx", [(f"LRA {year} {region.name}",) * 2 + (header, rows)], money={4, 5})
    if kind == "pdf":
        district = db.session.get(Region, village.rsplit(".", 1)[0])
        pdf = exports.lra_pdf(region.name, district.name if district else "", year, data["until"], data)
        return Response(pdf, mimetype="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="{name}.pdf"'})
    if kind:
        abort(404)
    return render_template("village_finance/report.html", region=region, year=year, **data)


@bp.get("/export")
@scope.require("village_finance.budget.read")
def export():
    """Every line of the budgets in force within reach for a year, with realisation: for the finance office."""
    year = _year(request.args.get("year", type=int) or service.today().year)
    kind = request.args.get("format", "csv")
    if kind not in ("csv", "xlsx"):
        abort(404)
    found = db.session.execute(
        scope.visible(select(Line, Budget.version, Region.name), Line, permission=READ)
        .join(Budget, Budget.id == Line.budget_id).join(Region, Region.code == Line.village_code)
        .where(Budget.year == year, Budget.in_force.is_(True))
        .order_by(Line.village_code, Line.account, Line.kegiatan, Line.id)).all()
    header = ["kode_desa", "desa", "versi", "akun", "kegiatan", "sumber_dana", "uraian", "anggaran", "realisasi"]
    rows = [[x.village_code, name, version, x.account, x.kegiatan or "", x.source, x.description, x.amount,
             x.realised] for x, version, name in found]
    if kind == "csv":
        return csv_response(f"apbdes-{year}.csv", header, rows)
    return xlsx_response(f"apbdes-{year}.xlsx", [(f"APBDes {year}",) * 2 + (header, rows)], money={7, 8})


@bp.get("/konsolidasi")
@scope.require("village_finance.budget.read")
def konsolidasi():
    """The consolidated realisation of the desa's APBDes within reach for a semester (the bupati's report to
    the Ministry, Permendagri 20/2018): one row per desa, CSV or XLSX (docs/moving-in.md)."""
    from . import konsolidasi as report

    year = _year(request.args.get("year", type=int) or service.today().year)
    semester = request.args.get("semester", type=int) or 2
    kind = request.args.get("format", "xlsx")
    district = request.args.get("district") or None
    if semester not in (1, 2) or kind not in ("csv", "xlsx") or (
            district is not None and (district.count(".") != 2 or len(district) > 8)):
        abort(404)
    rows = report.rows(year, semester, district,
                       visible=lambda stmt, model: scope.visible(stmt, model, permission=READ),
                       reach=lambda code: scope.can(READ, Budget(village_code=code)))
    name = f"konsolidasi-apbdes-{year}-semester-{semester}{'-' + district if district else ''}"
    if kind == "csv":
        return csv_response(f"{name}.csv", report.HEADER, rows)
    title = _("Consolidated realisation of the APB Desa %(year)s, semester %(semester)s (until %(day)s)",
              year=year, semester=semester, day=report.until(year, semester).isoformat())
    return xlsx_response(f"{name}.xlsx", [(f"Konsolidasi {year} S{semester}", title, report.HEADER, rows)],
                         money=set(range(report.MONEY_FROM, len(report.HEADER))))


@bp.get("/public")
@public_page(60)
def public_index():
    """Transparency: the desa whose APBDes of a year is in force, per kecamatan, for anyone."""
    year = _year(request.args.get("year", type=int) or service.today().year)
    codes = db.session.scalars(select(Budget.village_code).where(Budget.year == year, Budget.in_force.is_(True))
                               .order_by(Budget.village_code)).all()
    names = dict(db.session.execute(select(Region.code, Region.name).where(
        Region.code.in_(set(codes) | {c.rsplit(".", 1)[0] for c in codes}))).all())
    groups: dict[str, list[str]] = {}
    for code in codes:
        groups.setdefault(code.rsplit(".", 1)[0], []).append(code)
    return render_template("village_finance/public_index.html", year=year, groups=groups, names=names)


@bp.get("/public/<village>/<int:year>")
@public_page(60)
def public(village: str, year: int):
    """Transparency page: the approved APBDes of a desa and its realisation, for anyone."""
    region = db.session.get(Region, village)
    if region is None or region.level != "village":
        abort(404)
    _year(year)
    try:
        data = service.report(village, year, date(year, 12, 31))
    except service.BudgetError:
        data = None
    return render_template("village_finance/public.html", region=region, year=year, data=data,
                           chart=service.chart())


@bp.get("/dashboard")
@scope.require("village_finance.budget.read")
def dashboard():
    """Absorption per kecamatan (or per desa of one kecamatan), by source and bidang, within reach."""
    year = _year(request.args.get("year", type=int) or service.today().year)
    district = request.args.get("district") or None
    if district is not None and (district.count(".") != 2 or len(district) > 8):
        abort(404)
    settings = service.settings()
    reach = tuple(sorted((g.region or "", g.agency or "", g.owner or 0) for g in scope.grants()))

    data = memo(("village_finance.dashboard", reach, year, district), 120, lambda: figures.summary(year, district))
    expected = figures.expected_share(year)
    lights = {u.key: figures.light(u.share, expected, settings.pace_yellow, settings.pace_red)
              for u in data["units"]}
    total = figures.Figure("", "", sum(u.budget for u in data["units"]), sum(u.realised for u in data["units"]))
    return render_template("village_finance/dashboard.html", year=year, district=district, expected=expected,
                           lights=lights, total=total, **data)


# ----------------------------------------------------------------- Siskeudes
SISKEUDES_SUFFIXES = (".zip", ".mdb", ".mde", ".accdb")  # its export, or its Access database (sourcetables)


def _siskeudes_folder():
    return uploads.scratch("village_finance-siskeudes")


@bp.route("/<village>/<int:year>/siskeudes", methods=["GET", "POST"])
@scope.require("village_finance.budget.edit")
def siskeudes_import(village: str, year: int):
    """Upload a Siskeudes database (its Access file, .mdb/.mde) or its export (a zip of its CSV tables): imported
    in the background into this village's draft APBDes of this year."""
    import secrets
    from pathlib import Path

    from egovkit.services import jobs

    region = _village(village)
    _year(year)
    if not scope.can("village_finance.budget.edit", Budget(village_code=village)):
        abort(403)
    error = None
    if request.method == "POST":
        if not Form().validate_on_submit():
            abort(400)
        upload = request.files.get("file")
        suffix = Path(upload.filename).suffix.lower() if upload is not None and upload.filename else ""
        if upload is None or not upload.filename:
            error = _("Choose the Siskeudes database (.mdb, .mde) or the zip file Siskeudes exported.")
        elif suffix not in SISKEUDES_SUFFIXES:
            error = _("The Siskeudes database (.mdb, .mde) or a .zip file of its tables (Ta_Anggaran.csv, ...), "
                      "please.")
        else:
            path = _siskeudes_folder() / f"{secrets.token_hex(12)}{suffix}"
            upload.save(path)
            job = jobs.submit("village_finance.siskeudes", "egovkit_modules.village_finance.views:siskeudes_job",
                              owner_id=current_user.id, result_endpoint="village_finance.siskeudes_result",
                              files=[path], path=str(path), village=village, year=year,
                              name=Path(upload.filename).name[:120])
            return redirect(url_for("jobs.status", job_id=job.id))
    return render_template("village_finance/siskeudes.html", region=region, year=year, form=Form(), error=error,
                           report=None), (400 if error else 200)


def siskeudes_job(progress, path: str, village: str, year: int, name: str) -> dict:
    """Background job: read the bundle, map it, write the draft (one transaction)."""
    from pathlib import Path

    from egovkit.models import User
    from egovkit.services import jobs
    from egovkit.services.csvimport import RowError

    from . import siskeudes

    progress.total(siskeudes.STEPS)
    job = db.session.get(jobs.Job, progress.job_id)
    user = db.session.get(User, job.owner_id) if job and job.owner_id else None
    try:
        report = siskeudes.import_bundle(Path(path), village, year, user=user, name=name, progress=progress)
    except RowError as exc:
        raise jobs.JobError(exc.describe()) from None
    except service.BudgetError as exc:
        raise jobs.JobError(str(exc)) from None
    return report.as_dict(translate=True)  # the job runs in its submitter's language


@bp.get("/siskeudes/<int:job_id>")
@scope.require("village_finance.budget.edit")
def siskeudes_result(job_id: int):
    from egovkit.services import jobs

    job = db.session.get(jobs.Job, job_id)
    if job is None or job.kind != "village_finance.siskeudes" or job.owner_id != current_user.id:
        abort(404)
    if job.state != "done":
        return redirect(url_for("jobs.status", job_id=job.id))
    report = job.outcome()
    region = _village(report["village"])
    found = service.versions(report["village"], report["year"])
    return render_template("village_finance/siskeudes.html", region=region, year=report["year"], form=Form(),
                           error=None, report=report, budget=found[-1] if found else None)


@bp.get("/<village>/<int:year>/siskeudes.zip")
@scope.require("village_finance.budget.read")
def siskeudes_export(village: str, year: int):
    """The APBDes and its realisation as Siskeudes' tables (a zip of CSV files)."""
    from egovkit.services.csvimport import RowError

    from . import siskeudes

    _village(village)
    _year(year)
    try:
        blob = siskeudes.export(village, year)
    except RowError:
        abort(404)
    return Response(blob, mimetype="application/zip", headers={
        "Content-Disposition": f"attachment; filename=siskeudes-{village}-{year}.zip"})
