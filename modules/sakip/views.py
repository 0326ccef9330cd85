"""e-SAKIP pages: plans and their goals, indicators and targets (by form or file), the cascade, quarterly
realisations with evidence and their verification, the scorecard, the LKjIP as XLSX and as a signed PDF."""
from __future__ import annotations

import csv
import io
import secrets
from datetime import date
from decimal import Decimal
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from egovkit.auth import scope
from egovkit.db import db
from egovkit.services import audit, documents, payments, uploads, workflow
from egovkit.services.csvimport import RowError
from egovkit.web import once
from egovkit.web.forms import Form

from . import achievement, importer
from .models import Cascade, Goal, Indicator, Plan, Realisation, Report, Target

bp = Blueprint("sakip", __name__, url_prefix="/sakip", template_folder="templates")
EVIDENCE = ("pdf", "jpg", "png")
MIMETYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _settings():
    return current_app.extensions["egovkit"].profile.modules["sakip"]


def _agencies() -> dict[str, str]:
    return {a.code: a.name for a in current_app.extensions["egovkit"].profile.agencies}


def _year(plan: Plan) -> int:
    """The year asked for (?year=), else this year, kept inside the plan's period."""
    year = request.args.get("year", type=int) or payments.today().year
    return min(max(year, plan.first_year), plan.last_year)


def _value(form_field) -> Decimal | None:
    """A number typed the Indonesian or the English way (85,5 or 85.5), or None with the field's error."""
    text = (form_field.data or "").strip()
    if not text:
        return None
    try:
        return importer.number(text, form_field.name)
    except RowError:
        form_field.errors = [*form_field.errors, _("Not a number.")]
        return None


def _title(plan: Plan) -> str:
    return f"{plan.kind} {plan.first_year}-{plan.last_year} · {_agencies().get(plan.agency_code, plan.agency_code)}"


# ------------------------------------------------------------------ plans
class PlanForm(Form):
    agency = SelectField("Agency", choices=[], validate_choice=True)
    level = SelectField("Plan", choices=[("agency", "Renstra"), ("regency", "RPJMD")], validate_choice=True)
    first_year = IntegerField("First year", validators=[InputRequired(), NumberRange(2000, 2100)])
    last_year = IntegerField("Last year", validators=[InputRequired(), NumberRange(2000, 2100)])


def _plan_form() -> PlanForm:
    settings = _settings()
    form = PlanForm(first_year=settings.rpjmd_first_year, last_year=settings.rpjmd_last_year)
    form.agency.choices = [(code, name) for code, name in _agencies().items()
                           if scope.can("sakip.plan", Plan(agency_code=code))]
    return form


@bp.get("/")
@scope.require("sakip.read")
def index():
    plans = db.session.scalars(scope.visible(select(Plan), Plan).order_by(Plan.level.desc(), Plan.agency_code,
                                                                         Plan.first_year)).all()
    year = request.args.get("year", type=int) or payments.today().year
    cards = achievement.cards([p for p in plans if p.first_year <= year <= p.last_year], year)
    return render_template("sakip/index.html", plans=plans, cards=cards, year=year, agencies=_agencies(),
                           form=_plan_form(), title=_title)


@bp.post("/plans")
@scope.require("sakip.plan")
def new_plan():
    form = _plan_form()
    if not form.validate_on_submit():
        return render_template("sakip/index.html", plans=[], cards={}, year=payments.today().year,
                               agencies=_agencies(), form=form, title=_title), 400
    if not 0 <= form.last_year.data - form.first_year.data <= 5:
        form.last_year.errors.append(_("A plan covers one to six years."))
    if form.level.data == "regency" and form.agency.data != _settings().planning_agency:
        form.level.errors.append(_("The RPJMD is kept by %(agency)s.",
                                   agency=_agencies().get(_settings().planning_agency)))
    if form.errors:
        return render_template("sakip/index.html", plans=[], cards={}, year=payments.today().year,
                               agencies=_agencies(), form=form, title=_title), 400
    if (first := once.replay()) is not None:
        return first
    plan = Plan(agency_code=form.agency.data, level=form.level.data, first_year=form.first_year.data,
                last_year=form.last_year.data)
    try:
        with db.session.begin_nested():
            db.session.add(plan)
            db.session.flush()
    except IntegrityError:
        flash(_("This plan already exists."), "error")
        return redirect(url_for(".index"))
    once.record(url_for(".plan", plan_id=plan.id))
    db.session.commit()
    return redirect(url_for(".plan", plan_id=plan.id))


class GoalForm(Form):
    parent = SelectField("Under the tujuan", choices=[], validate_choice=True)
    code = StringField("Code", validators=[DataRequired(), Length(max=20)])
    name = StringField("Name", validators=[DataRequired(), Length(max=300)])


class IndicatorForm(Form):
    goal = SelectField("Sasaran", choices=[], validate_choice=True)
    code = StringField("Code", validators=[DataRequired(), Length(max=20)])
    name = StringField("Indicator", validators=[DataRequired(), Length(max=300)])
    unit = StringField("Unit", validators=[DataRequired(), Length(max=40)])
    direction = SelectField("Direction", choices=list(achievement.DIRECTIONS.items()), validate_choice=True)
    aggregation = SelectField("The year's value", choices=list(achievement.AGGREGATIONS.items()),
                              validate_choice=True)
    baseline = StringField("Baseline", validators=[Optional(), Length(max=30)])


def _goals(plan: Plan) -> list[Goal]:
    return db.session.scalars(select(Goal).where(Goal.plan_id == plan.id)).all()


def _goal_form(plan: Plan, goals) -> GoalForm:
    form = GoalForm()
    form.parent.choices = [("", _("None: this is a tujuan"))] + [(str(g.id), f"{g.code} {g.name}") for g in goals
                                                                  if g.level == "tujuan"]
    return form


def _indicator_form(plan: Plan, goals, obj=None) -> IndicatorForm:
    form = IndicatorForm(obj=obj) if obj is None else IndicatorForm(
        goal=str(obj.goal_id), code=obj.code, name=obj.name, unit=obj.unit, direction=obj.direction,
        aggregation=obj.aggregation, baseline=_plain(obj.baseline))
    form.goal.choices = [(str(g.id), f"{g.code} {g.name}") for g in goals if g.level == "sasaran"]
    form.direction.choices = [(k, _(v)) for k, v in achievement.DIRECTIONS.items()]
    form.aggregation.choices = [(k, _(v)) for k, v in achievement.AGGREGATIONS.items()]
    return form


def _plain(value: Decimal | None) -> str:
    """A stored value as typed: 85.5, not 85.5000."""
    if value is None:
        return ""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _num(value: Decimal | None) -> str:
    """A value for reading, in the page's language (104,17 in Indonesian)."""
    if value is None:
        return ""
    from flask_babel import format_decimal

    return format_decimal(value, format="#,##0.####")


def _id_number(value: Decimal | None) -> str:
    """A value in a document, always Indonesian (documents are)."""
    if value is None:
        return "-"
    from babel.numbers import format_decimal

    return format_decimal(value, format="#,##0.####", locale="id")


def _measure(value: Decimal | None, unit: str) -> str:
    """'75%', '5,5\u00a0jam' or '-' in a document (a number and its unit stay on one line)."""
    if value is None:
        return "-"
    return _id_number(value) + ("%" if unit == "%" else "\u00a0" + unit)


def _targets(form_data, plan: Plan) -> tuple[dict[int, Decimal | None], dict[int, str]]:
    values, errors = {}, {}
    for year in plan.years:
        text = (form_data.get(f"target_{year}") or "").strip()
        if not text:
            values[year] = None
            continue
        try:
            values[year] = importer.number(text[:30], f"target_{year}")
        except RowError:
            errors[year] = _("Not a number.")
    return values, errors


def _plan_page(plan: Plan, goal_form=None, indicator_form=None, target_errors=None, status=200):
    goals = _goals(plan)
    indicators = db.session.scalars(select(Indicator).where(Indicator.plan_id == plan.id)).all()
    targets = {(t.indicator_id, t.year): t.value for t in db.session.scalars(
        select(Target).where(Target.indicator_id.in_([i.id for i in indicators])))} if indicators else {}
    nat = achievement._natural
    tujuan = sorted((g for g in goals if g.level == "tujuan"), key=lambda g: nat(g.code))
    sasaran = {t.id: sorted((g for g in goals if g.parent_id == t.id), key=lambda g: nat(g.code)) for t in tujuan}
    by_goal: dict[int, list[Indicator]] = {}
    for ind in sorted(indicators, key=lambda i: nat(i.code)):
        by_goal.setdefault(ind.goal_id, []).append(ind)
    can_plan = scope.can("sakip.plan", plan)
    return render_template("sakip/plan.html", plan=plan, title=_title(plan), tujuan=tujuan, sasaran=sasaran,
                           by_goal=by_goal, targets=targets, plain=_plain, can_plan=can_plan,
                           goal_form=goal_form or _goal_form(plan, goals),
                           indicator_form=indicator_form or _indicator_form(plan, goals),
                           target_errors=target_errors or {}, year=_year(plan),
                           directions=achievement.DIRECTIONS), status


@bp.get("/plans/<int:plan_id>")
@scope.require("sakip.read")
def plan(plan_id: int):
    return _plan_page(scope.get_or_404(Plan, plan_id))


@bp.post("/plans/<int:plan_id>/goals")
@scope.require("sakip.plan")
def add_goal(plan_id: int):
    plan = scope.get_or_404(Plan, plan_id)
    goals = _goals(plan)
    form = _goal_form(plan, goals)
    if form.validate_on_submit():
        try:
            code = importer.check_code(form.code.data.strip(), "code")
        except RowError as exc:
            form.code.errors.append(exc.describe())
        else:
            if (first := once.replay()) is not None:
                return first
            parent = int(form.parent.data) if form.parent.data else None
            goal = Goal(plan_id=plan.id, agency_code=plan.agency_code, parent_id=parent,
                        level="sasaran" if parent else "tujuan", code=code, name=form.name.data.strip())
            try:
                with db.session.begin_nested():
                    db.session.add(goal)
                    db.session.flush()
            except IntegrityError:
                form.code.errors.append(_("This code is already used in the plan."))
            else:
                once.record(url_for(".plan", plan_id=plan.id))
                db.session.commit()
                flash(_("Saved."), "success")
                return redirect(url_for(".plan", plan_id=plan.id))
    return _plan_page(plan, goal_form=form, status=400)


def _save_indicator(plan: Plan, form: IndicatorForm, ind: Indicator | None):
    """Checks and writes an indicator with its targets (None: the form's errors say why)."""
    targets, target_errors = _targets(request.form, plan)
    baseline = _value(form.baseline)
    try:
        code = importer.check_code(form.code.data.strip(), "code")
    except RowError as exc:
        form.code.errors = [*form.code.errors, exc.describe()]
        code = None
    if form.errors or target_errors or code is None:
        return None, target_errors
    values = {"goal_id": int(form.goal.data), "code": code, "name": form.name.data.strip(),
              "unit": form.unit.data.strip(), "direction": form.direction.data,
              "aggregation": form.aggregation.data, "baseline": baseline}
    try:
        with db.session.begin_nested():
            if ind is None:
                ind = Indicator(plan_id=plan.id, agency_code=plan.agency_code, **values)
                db.session.add(ind)
            else:
                for key, value in values.items():
                    if getattr(ind, key) != value:
                        setattr(ind, key, value)
            db.session.flush()
    except IntegrityError:
        form.code.errors = [*form.code.errors, _("This code is already used in the plan.")]
        return None, target_errors
    held = {t.year: t for t in db.session.scalars(select(Target).where(Target.indicator_id == ind.id))}
    for year, value in targets.items():
        if value is None:
            if year in held:
                db.session.delete(held[year])
        elif year not in held:
            db.session.add(Target(indicator_id=ind.id, year=year, value=value))
        elif held[year].value != value:
            held[year].value = value
    return ind, target_errors


@bp.post("/plans/<int:plan_id>/indicators")
@scope.require("sakip.plan")
def add_indicator(plan_id: int):
    plan = scope.get_or_404(Plan, plan_id)
    form = _indicator_form(plan, _goals(plan))
    if form.validate_on_submit():
        if (first := once.replay()) is not None:
            return first
        ind, errors = _save_indicator(plan, form, None)
        if ind is not None:
            once.record(url_for(".indicator", indicator_id=ind.id))
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for(".indicator", indicator_id=ind.id))
        db.session.rollback()
        return _plan_page(plan, indicator_form=form, target_errors=errors, status=400)
    _targets(request.form, plan)
    return _plan_page(plan, indicator_form=form, status=400)


# ------------------------------------------------------------------ import
class ImportForm(Form):
    file = FileField("Plan file (CSV or XLSX)", validators=[FileRequired()])


@bp.route("/plans/<int:plan_id>/import", methods=["GET", "POST"])
@scope.require("sakip.plan")
def import_plan(plan_id: int):
    plan = scope.get_or_404(Plan, plan_id)
    form = ImportForm()
    result = None
    status = 200
    if form.validate_on_submit():
        suffix = Path(form.file.data.filename or "").suffix.lower()
        if suffix not in (".csv", ".xlsx"):
            form.file.errors.append(_("Send a CSV or XLSX file."))
            status = 400
        else:
            path = uploads.folder("sakip", "imports") / f"renstra-{current_user.id}-{secrets.token_hex(6)}{suffix}"
            form.file.data.save(path)
            made = [path, path.with_suffix(".csv")]
            try:
                summary = importer.import_file(plan, path, translate=True)
            except RowError as exc:
                form.file.errors.append(exc.describe())
                status = 400
            else:
                rejects = []
                if summary.rejects_file:
                    rejects = summary.rejects_file.read_text(encoding="utf-8").splitlines()[1:201]
                    made.append(summary.rejects_file)
                    status = 400
                result = {"summary": summary, "rejects": rejects}
            finally:
                for p in made:
                    p.unlink(missing_ok=True)
                    p.with_name(p.stem + ".rejects.csv").unlink(missing_ok=True)
    return render_template("sakip/import.html", plan=plan, title=_title(plan), form=form, result=result,
                           columns=importer.columns(plan)), status


@bp.get("/plans/<int:plan_id>/template.csv")
@scope.require("sakip.read")
def template_csv(plan_id: int):
    """The import file's columns with the plan's goals and indicators as they are (an empty plan: the header)."""
    plan = scope.get_or_404(Plan, plan_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(importer.columns(plan))
    card = achievement.card(plan, plan.first_year)
    targets = {(t.indicator_id, t.year): t.value for t in db.session.scalars(
        select(Target).join(Indicator, Indicator.id == Target.indicator_id).where(Indicator.plan_id == plan.id))}
    from egovkit.services.csvimport import safe_cell

    for row in card.rows:
        ind = row.indicator
        writer.writerow([safe_cell(v) for v in (
            row.tujuan.code if row.tujuan else "", row.tujuan.name if row.tujuan else "", row.sasaran.code,
            row.sasaran.name, ind.code, ind.name, ind.unit, "naik" if ind.direction == "up" else "turun",
            {"last": "akhir", "sum": "jumlah", "average": "rata-rata"}[ind.aggregation], _plain(ind.baseline),
            *(_plain(targets.get((ind.id, y))) for y in plan.years))])
    return uploads.private_bytes(out.getvalue().encode("utf-8-sig"), "text/csv",
                                 f"iku-{plan.agency_code}-{plan.first_year}.csv")


# ------------------------------------------------------------------ a sasaran and its cascade
class CascadeForm(Form):
    parent = SelectField("Under the programme", choices=[], validate_choice=True)
    code = StringField("Code (Permendagri 90/2019)", validators=[DataRequired(), Length(max=40)])
    name = StringField("Name", validators=[DataRequired(), Length(max=300)])


def _cascade_page(goal: Goal, form=None, status=200):
    plan = db.session.get(Plan, goal.plan_id)
    items = db.session.scalars(select(Cascade).where(Cascade.goal_id == goal.id)).all()
    nat = achievement._natural
    programmes = sorted((c for c in items if c.level == "program"), key=lambda c: nat(c.code))
    activities = {p.id: sorted((c for c in items if c.parent_id == p.id), key=lambda c: nat(c.code))
                  for p in programmes}
    if form is None:
        form = CascadeForm()
    form.parent.choices = [("", _("None: this is a programme"))] + [(str(p.id), f"{p.code} {p.name}")
                                                                    for p in programmes]
    indicators = db.session.scalars(select(Indicator).where(Indicator.goal_id == goal.id)).all()
    parent = db.session.get(Goal, goal.parent_id) if goal.parent_id else None
    return render_template("sakip/goal.html", goal=goal, parent=parent, plan=plan, title=_title(plan),
                           programmes=programmes, activities=activities, form=form, indicators=indicators,
                           can_plan=scope.can("sakip.plan", goal)), status


@bp.get("/goals/<int:goal_id>")
@scope.require("sakip.read")
def goal(goal_id: int):
    return _cascade_page(scope.get_or_404(Goal, goal_id))


PROGRAMME_CODE = r"[0-9X]{1,2}\.[0-9X]{2}\.[0-9]{2}"  # urusan.bidang.program, e.g. 1.02.02


@bp.post("/goals/<int:goal_id>/cascade")
@scope.require("sakip.plan")
def add_cascade(goal_id: int):
    import re

    goal = scope.get_or_404(Goal, goal_id)
    if goal.level != "sasaran":
        abort(404)
    form = CascadeForm()
    programmes = {str(c.id): c for c in db.session.scalars(
        select(Cascade).where(Cascade.goal_id == goal.id, Cascade.level == "program"))}
    form.parent.choices = [("", "")] + [(k, c.code) for k, c in programmes.items()]
    if form.validate_on_submit():
        code = form.code.data.strip()
        parent = programmes.get(form.parent.data)
        if parent is None and not re.fullmatch(PROGRAMME_CODE, code):
            form.code.errors.append(_("A programme code is urusan.bidang.program, e.g. 1.02.02."))
        elif parent is not None and not re.fullmatch(re.escape(parent.code) + r"\.[0-9]\.[0-9]{2}", code):
            form.code.errors.append(_("An activity code is its programme's code and two parts more, e.g. "
                                      "%(code)s.2.01.", code=parent.code))
        else:
            if (first := once.replay()) is not None:
                return first
            item = Cascade(goal_id=goal.id, parent_id=parent.id if parent else None, agency_code=goal.agency_code,
                           level="kegiatan" if parent else "program", code=code, name=form.name.data.strip())
            try:
                with db.session.begin_nested():
                    db.session.add(item)
                    db.session.flush()
            except IntegrityError:
                form.code.errors.append(_("This code is already under this sasaran."))
            else:
                once.record(url_for(".goal", goal_id=goal.id))
                db.session.commit()
                flash(_("Saved."), "success")
                return redirect(url_for(".goal", goal_id=goal.id))
    return _cascade_page(goal, form, 400)


# ------------------------------------------------------------------ an indicator and its realisations
class RealisationForm(Form):
    year = SelectField("Year", choices=[], validate_choice=True)
    quarter = SelectField("Quarter", choices=[("1", "I"), ("2", "II"), ("3", "III"), ("4", "IV")],
                          validate_choice=True)
    value = StringField("Realisation", validators=[DataRequired(), Length(max=30)])
    note = TextAreaField("Explanation", validators=[Optional(), Length(max=2000)])
    evidence = FileField("Evidence (PDF, JPG or PNG)", validators=[FileRequired()])


def _quarter_begun(year: int, quarter: int) -> bool:
    return date(year, 3 * (quarter - 1) + 1, 1) <= payments.today()


def _realisation_form(plan: Plan) -> RealisationForm:
    form = RealisationForm()
    this_year = payments.today().year
    form.year.choices = [(str(y), str(y)) for y in plan.years if y <= this_year]
    if request.method == "GET" and form.year.choices:
        form.year.data = form.year.choices[-1][0]
    return form


def _indicator_page(ind: Indicator, edit_form=None, form=None, target_errors=None, status=200):
    plan = db.session.get(Plan, ind.plan_id)
    goal = db.session.get(Goal, ind.goal_id)
    targets = {t.year: t.value for t in db.session.scalars(select(Target).where(Target.indicator_id == ind.id))}
    rows = db.session.execute(select(Realisation, workflow.Case).outerjoin(
        workflow.Case, workflow.Case.id == Realisation.case_id).where(Realisation.indicator_id == ind.id)
        .order_by(Realisation.year.desc(), Realisation.quarter.desc())).all()
    yearly = {y: achievement.row_of(ind, None, goal, targets.get(y), [(r.quarter, r.value, c.state if c else "")
                                                                     for r, c in rows if r.year == y])
              for y in plan.years}
    return render_template("sakip/indicator.html", ind=ind, plan=plan, goal=goal, title=_title(plan),
                           targets=targets, rows=rows, yearly=yearly, plain=_plain, num=_num,
                           edit_form=edit_form or _indicator_form(plan, _goals(plan), ind),
                           form=form or _realisation_form(plan), target_errors=target_errors or {},
                           can_plan=scope.can("sakip.plan", ind), can_realise=scope.can("sakip.realise", ind),
                           directions=achievement.DIRECTIONS, aggregations=achievement.AGGREGATIONS), status


@bp.get("/indicators/<int:indicator_id>")
@scope.require("sakip.read")
def indicator(indicator_id: int):
    return _indicator_page(scope.get_or_404(Indicator, indicator_id))


@bp.post("/indicators/<int:indicator_id>")
@scope.require("sakip.plan")
def edit_indicator(indicator_id: int):
    ind = scope.get_or_404(Indicator, indicator_id)
    plan = db.session.get(Plan, ind.plan_id)
    form = _indicator_form(plan, _goals(plan))
    if form.validate_on_submit():
        saved, errors = _save_indicator(plan, form, ind)
        if saved is not None and not errors:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for(".indicator", indicator_id=ind.id))
        db.session.rollback()
        return _indicator_page(db.session.get(Indicator, indicator_id), edit_form=form, target_errors=errors,
                               status=400)
    return _indicator_page(ind, edit_form=form, status=400)


@bp.post("/indicators/<int:indicator_id>/realisations")
@scope.require("sakip.realise")
def realise(indicator_id: int):
    ind = scope.get_or_404(Indicator, indicator_id)
    plan = db.session.get(Plan, ind.plan_id)
    form = _realisation_form(plan)
    if form.validate_on_submit():
        value = _value(form.value)
        year, quarter = int(form.year.data), int(form.quarter.data)
        if not _quarter_begun(year, quarter):
            form.quarter.errors.append(_("This quarter has not begun."))
        if value is not None and not form.errors:
            if (first := once.replay()) is not None:
                return first
            try:
                stored = uploads.save(form.evidence.data, "sakip", kinds=EVIDENCE)
            except uploads.UploadError as exc:
                form.evidence.errors.append(str(exc))
            else:
                item = Realisation(indicator_id=ind.id, agency_code=ind.agency_code, year=year, quarter=quarter,
                                   value=value, note=(form.note.data or "").strip(), evidence=stored,
                                   evidence_kind=_kind(stored), entered_by=current_user.id)
                try:
                    with db.session.begin_nested():
                        db.session.add(item)
                        db.session.flush()
                except IntegrityError:
                    uploads.path(stored, "sakip").unlink(missing_ok=True)
                    form.quarter.errors.append(_("This quarter is already entered: correct it on its page."))
                else:
                    case = workflow.start("sakip.realisation", item.id, f"{ind.code} {ind.name}: {year} TW {quarter}",
                                          module="sakip", agency_code=ind.agency_code, user=current_user)
                    item.case_id = case.id
                    once.record(url_for(".realisation", record_id=item.id))
                    db.session.commit()
                    flash(_("Realisation recorded: the evaluator verifies it next."), "success")
                    return redirect(url_for(".realisation", record_id=item.id))
    return _indicator_page(ind, form=form, status=400)


def _kind(stored: str) -> str:
    head = uploads.path(stored, "sakip").read_bytes()[:8]
    return "pdf" if head.startswith(b"%PDF") else "png" if head.startswith(b"\x89PNG") else "jpg"


class CorrectForm(Form):
    value = StringField("Realisation", validators=[DataRequired(), Length(max=30)])
    note = TextAreaField("Explanation", validators=[Optional(), Length(max=2000)])
    evidence = FileField("New evidence (optional)")


def _realisation_page(item: Realisation, form=None, status=200):
    ind = db.session.get(Indicator, item.indicator_id)
    plan = db.session.get(Plan, ind.plan_id)
    case = db.session.get(workflow.Case, item.case_id) if item.case_id else None
    target = db.session.scalar(select(Target.value).where(Target.indicator_id == ind.id, Target.year == item.year))
    can_correct = case is not None and any(t.name == "resubmit" for t in workflow.allowed(case))
    form = form or CorrectForm(value=_plain(item.value), note=item.note)
    return render_template("sakip/realisation.html", item=item, ind=ind, plan=plan, case=case, target=target,
                           title=_title(plan), plain=_num, can_correct=can_correct, form=form), status


@bp.get("/realisations/<int:record_id>")
@scope.require("sakip.read")
def realisation(record_id: int):
    return _realisation_page(scope.get_or_404(Realisation, record_id))


@bp.post("/realisations/<int:record_id>")
@scope.require("sakip.realise")
def correct(record_id: int):
    """A returned realisation corrected and sent again to the evaluator (the resubmit transition)."""
    item = scope.get_or_404(Realisation, record_id)
    case = db.session.get(workflow.Case, item.case_id) if item.case_id else None
    form = CorrectForm()
    if case is None:
        abort(404)
    if form.validate_on_submit():
        value = _value(form.value)
        if value is not None:
            stored = None
            if form.evidence.data and form.evidence.data.filename:
                try:
                    stored = uploads.save(form.evidence.data, "sakip", kinds=EVIDENCE)
                except uploads.UploadError as exc:
                    form.evidence.errors.append(str(exc))
            if not form.evidence.errors:
                old = item.evidence
                item.value, item.note = value, (form.note.data or "").strip()
                if stored:
                    item.evidence, item.evidence_kind = stored, _kind(stored)
                try:
                    workflow.fire(case, "resubmit", note=item.note or None, user=current_user,
                                  data={"value": _plain(value)})
                except workflow.WorkflowError as exc:
                    db.session.rollback()
                    if stored:
                        uploads.path(stored, "sakip").unlink(missing_ok=True)
                    flash(str(exc) if not isinstance(exc, workflow.Forbidden)
                          else _("Only a returned realisation is corrected."), "error")
                    return redirect(url_for(".realisation", record_id=item.id))
                db.session.commit()
                if stored:
                    uploads.path(old, "sakip").unlink(missing_ok=True)
                flash(_("Sent again to the evaluator."), "success")
                return redirect(url_for(".realisation", record_id=item.id))
    return _realisation_page(item, form, 400)


@bp.get("/realisations/<int:record_id>/evidence")
@scope.require("sakip.read")
def evidence(record_id: int):
    item = scope.get_or_404(Realisation, record_id)
    try:
        return uploads.send_private(uploads.path(item.evidence, "sakip"), mimetype=MIMETYPES[item.evidence_kind],
                                    download_name=f"bukti-{item.id}.{item.evidence_kind}")
    except FileNotFoundError:
        abort(404)


# ------------------------------------------------------------------ scorecard and LKjIP
def _reports(plan: Plan, year: int) -> Report | None:
    return db.session.scalar(select(Report).where(Report.plan_id == plan.id, Report.year == year)
                             .order_by(Report.revision.desc()).limit(1))


@bp.get("/plans/<int:plan_id>/scorecard")
@scope.require("sakip.read")
def scorecard(plan_id: int):
    plan = scope.get_or_404(Plan, plan_id)
    year = _year(plan)
    return render_template("sakip/scorecard.html", plan=plan, title=_title(plan), card=achievement.card(plan, year),
                           year=year, plain=_num, report=_reports(plan, year), cap=_settings().achievement_cap,
                           can_report=scope.can("sakip.report", plan))


def _lkjip_rows(card: achievement.Card):
    for n, row in enumerate(card.rows, 1):
        ind = row.indicator
        yield [n, row.sasaran.code, row.sasaran.name, ind.code, ind.name, ind.unit,
               "naik" if ind.direction == "up" else "turun", _plain(ind.baseline), _plain(row.target),
               *(_plain(row.quarters.get(q)) for q in (1, 2, 3, 4)), _plain(row.value), _plain(row.percent),
               _plain(row.shown), achievement.translated_category(row.category)]


LKJIP_HEADER = ["No", "Kode sasaran", "Sasaran", "Kode IKU", "Indikator kinerja", "Satuan", "Arah", "Baseline",
                "Target", "TW I", "TW II", "TW III", "TW IV", "Realisasi", "Capaian (%)", "Capaian ditampilkan (%)",
                "Kategori"]


@bp.get("/plans/<int:plan_id>/lkjip.xlsx")
@scope.require("sakip.read")
def lkjip_xlsx(plan_id: int):
    import xlsxwriter

    plan = scope.get_or_404(Plan, plan_id)
    year = _year(plan)
    card = achievement.card(plan, year)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    sheet = book.add_worksheet("Capaian Kinerja")
    bold = book.add_format({"bold": True})
    agency = _agencies().get(plan.agency_code, plan.agency_code)
    sheet.write(0, 0, f"LAPORAN KINERJA INSTANSI PEMERINTAH (LKjIP) TAHUN {year}", bold)
    sheet.write(1, 0, f"{agency} · {plan.kind} {plan.first_year}-{plan.last_year}")
    sheet.write_row(3, 0, LKJIP_HEADER, bold)
    for n, row in enumerate(_lkjip_rows(card), 4):
        sheet.write_row(n, 0, [_cell(v) for v in row])
    sheet.write_row(len(card.rows) + 4, 0, ["", "", "", "", "Capaian rata-rata (%)", "", "", "", "", "", "", "", "",
                                            "", "", _cell(_plain(card.average)), ""], bold)
    book.close()
    return uploads.private_bytes(buffer.getvalue(), XLSX, f"lkjip-{plan.agency_code}-{year}.xlsx")


def _cell(value):
    """Numbers as numbers in the spreadsheet, the rest as text."""
    if isinstance(value, str) and value:
        try:
            return float(value) if any(c in value for c in ".") else int(value)
        except ValueError:
            return value
    return value


class IssueForm(Form):
    year = IntegerField("Year", validators=[InputRequired(), NumberRange(2000, 2100)])


@bp.post("/plans/<int:plan_id>/lkjip")
@scope.require("sakip.report")
def issue_lkjip(plan_id: int):
    """Sign and number the year's LKjIP (a PDF with the agency's letterhead); a new one revokes the one before."""
    plan = scope.get_or_404(Plan, plan_id)
    form = IssueForm()
    if not form.validate_on_submit() or not plan.first_year <= form.year.data <= plan.last_year:
        abort(400)
    year = form.year.data
    card = achievement.card(plan, year)
    previous = _reports(plan, year)
    revision = previous.revision + 1 if previous else 1
    agency = _agencies().get(plan.agency_code, plan.agency_code)
    paragraphs = [f"Laporan ini menyajikan capaian kinerja {agency} tahun {year} atas sasaran strategis dan "
                  f"indikator kinerja utama {plan.kind} {plan.first_year}-{plan.last_year}, dari realisasi "
                  "triwulan yang telah diverifikasi. Capaian indikator yang makin tinggi makin baik dihitung "
                  "realisasi/target x 100%; yang makin rendah makin baik (2 x target - realisasi)/target x 100%."]
    sasaran = None
    for row in card.rows:
        if row.sasaran is not sasaran:
            sasaran = row.sasaran
            paragraphs.append(f"Sasaran {sasaran.code}: {sasaran.name}.")
        ind = row.indicator
        paragraphs.append(
            f"{ind.code} {ind.name} ({'makin tinggi makin baik' if ind.direction == 'up' else 'makin rendah makin baik'}): "
            f"target {_measure(row.target, ind.unit)}, realisasi {_measure(row.value, ind.unit)}, "
            f"capaian {(_id_number(row.shown) + '%') if row.shown is not None else '-'}"
            f"{' (' + achievement.translated_category(row.category) + ')' if row.category else ''}.")
    if not card.rows:
        paragraphs.append("Rencana ini belum memuat indikator kinerja.")
    average = f"{_id_number(card.average)}%" if card.average is not None else "-"
    facts = [("Perangkat daerah", agency), ("Tahun", str(year)), ("Indikator terukur", f"{len(card.measured)} dari "
                                                                                       f"{len(card.rows)}"),
             ("Capaian rata-rata", average)]
    doc_type = current_app.extensions["egovkit"].modules_by_name["sakip"].documents[0]
    if previous is not None:
        old = db.session.scalar(select(documents.Document).where(documents.Document.code == previous.document_code))
        if old is not None:
            documents.revoke(old)
    doc = documents.issue(doc_type, module="sakip", record_id=f"{plan.id}:{year}:{revision}",
                          title=f"Laporan Kinerja Instansi Pemerintah Tahun {year}", paragraphs=paragraphs,
                          facts=facts, scope=plan.agency_code, agency_code=plan.agency_code)
    db.session.add(Report(plan_id=plan.id, agency_code=plan.agency_code, year=year, revision=revision,
                          document_code=doc.code))
    audit.record("lkjip_issued", "sakip", "sakip_plan", plan.id, year=year, revision=revision, document=doc.code,
                 average=average)
    try:
        db.session.commit()
    except IntegrityError:  # a racing issue of the same revision: that one stands
        db.session.rollback()
        documents.storage(doc.code).unlink(missing_ok=True)
        flash(_("The report was issued meanwhile."), "error")
        return redirect(url_for(".scorecard", plan_id=plan.id, year=year))
    flash(_("LKjIP issued."), "success")
    return redirect(url_for(".scorecard", plan_id=plan.id, year=year))


@bp.get("/plans/<int:plan_id>/lkjip.pdf")
@scope.require("sakip.read")
def lkjip_pdf(plan_id: int):
    plan = scope.get_or_404(Plan, plan_id)
    year = _year(plan)
    report = _reports(plan, year)
    if report is None:
        abort(404)
    try:
        return uploads.send_private(documents.storage(report.document_code), mimetype="application/pdf",
                                    download_name=f"lkjip-{plan.agency_code}-{year}.pdf")
    except FileNotFoundError:
        abort(404)
