"""SPBE self-assessment pages: the years, each year's 47 indicators with the index and predicate, one
indicator's level, narrative and evidence, the year-over-year comparison, the kit's own evidence (proof)
and the evidence pack (PDF and ZIP) for the evaluators."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import IntegerField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from egovkit.auth import scope
from egovkit.db import db
from egovkit.models import User, utcnow
from egovkit.services import audit, documents, people, uploads
from egovkit.web import once
from egovkit.web.forms import Form

from . import catalogue, evidence
from .models import Answer, Assessment, Evidence

bp = Blueprint("spbe", __name__, url_prefix="/spbe", template_folder="templates")
READ, ASSESS = "spbe.read", "spbe.assess"
FILE_KINDS = ("pdf", "jpg", "png")


def _settings():
    return current_app.extensions["egovkit"].profile.modules["spbe"]


def allowed(permission: str) -> bool:
    """Holding ``permission`` through a regency-wide role (bupati, sekda) or a role of the coordinating
    agency (the one that runs the assessment): an assessment is the regency's, not any agency's."""
    roles = current_app.extensions["egovkit"].profile.roles_with(permission)
    regency = current_app.extensions["egovkit"].profile.regency.code
    return any(g.everything or g.region == regency or g.agency == _settings().coordinator
               for g in scope.grants(None, roles))


def may_read() -> bool:
    """The menu's rule (NavItem.when): the same rule as every page of the module."""
    return allowed(READ)


def _require(permission: str) -> None:
    if not current_user.is_authenticated:
        abort(401)
    if not allowed(permission):
        abort(403)


@bp.before_request
def _signed_in():
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    _require(READ)


def _assessment(year: int) -> Assessment:
    found = db.session.scalar(select(Assessment).where(Assessment.year == year))
    if found is None:
        abort(404)
    return found


def _answers(assessment: Assessment) -> dict[int, Answer]:
    return {a.indicator: a for a in db.session.scalars(select(Answer).where(Answer.assessment_id == assessment.id))}


def score_of(assessment: Assessment) -> catalogue.Score:
    ed = catalogue.edition(assessment.edition)
    return catalogue.score(ed, {n: a.level for n, a in _answers(assessment).items()})


@bp.get("/")
def index():
    rows = [(a, score_of(a)) for a in db.session.scalars(select(Assessment).order_by(Assessment.year.desc()))]
    return render_template("spbe/index.html", rows=rows, form=StartForm(year=date.today().year),
                           can_assess=allowed(ASSESS), edition=catalogue.edition(_settings().edition))


class StartForm(Form):
    year = IntegerField("Year", validators=[DataRequired(), NumberRange(min=2018, max=2100)])


@bp.post("/new")
def start():
    _require(ASSESS)
    form = StartForm()
    if not form.validate_on_submit():
        for message in form.year.errors:
            flash(_("Year: %(message)s", message=message), "error")
        return redirect(url_for(".index"))
    if (first := once.replay()) is not None:
        return first
    year = form.year.data
    if db.session.scalar(select(Assessment.id).where(Assessment.year == year)) is not None:
        flash(_("The %(year)s assessment already exists.", year=year), "error")
        return redirect(url_for(".year", year=year))
    db.session.add(Assessment(year=year, edition=_settings().edition, created_by=current_user.id))
    once.record(url_for(".year", year=year))
    db.session.commit()  # the unique year refuses a racing twin: the core answers 409
    return redirect(url_for(".year", year=year), 303)


@bp.get("/<int:year>")
def year(year: int):
    assessment = _assessment(year)
    ed = catalogue.edition(assessment.edition)
    _facts, suggested, missing = evidence.current()
    return render_template("spbe/year.html", assessment=assessment, edition=ed, score=score_of(assessment),
                           answers=_answers(assessment), suggested=suggested, missing=missing,
                           can_assess=allowed(ASSESS))


class AnswerForm(Form):
    level = RadioField("Level", choices=[SelectChoice(str(n), str(n)) for n in catalogue.LEVELS],
                       validators=[DataRequired()])
    narrative = TextAreaField("Narrative", validators=[Optional(), Length(max=5000)])
    reason = TextAreaField("Reason for another level than the suggested one", validators=[Optional(),
                                                                                            Length(max=2000)])


@bp.route("/<int:year>/<int:number>", methods=["GET", "POST"])
def indicator(year: int, number: int):
    assessment = _assessment(year)
    ed = catalogue.edition(assessment.edition)
    item = ed.indicators.get(number)
    if item is None:
        abort(404)
    answer = _answers(assessment).get(number)
    _facts, suggestions, missing = evidence.current()
    suggestion = suggestions.get(number)
    form = AnswerForm(obj=None, data={"level": str(answer.level) if answer else (
        str(suggestion.level) if suggestion else None), "narrative": answer.narrative if answer else "",
        "reason": answer.reason if answer else ""}) if request.method == "GET" else AnswerForm()
    errors = {}
    if request.method == "POST":
        _require(ASSESS)
        if form.validate_on_submit():
            level = int(form.level.data)
            reason = (form.reason.data or "").strip() or None
            if suggestion is not None and level != suggestion.level and not reason:
                errors["reason"] = [_("Say why the level differs from the one the kit's evidence suggests "
                                      "(%(level)s).", level=suggestion.level)]
            stored = []
            if not errors:
                try:
                    for storage in request.files.getlist("files"):
                        if storage and storage.filename:
                            stored.append((uploads.save(storage, "spbe", str(year), kinds=FILE_KINDS,
                                                        max_bytes=10 * 1024 * 1024), storage.filename[:200]))
                except uploads.UploadError as exc:
                    errors["files"] = [str(exc)]
                    _remove(year, [name for name, _n in stored])
                    stored = []
            if not errors:
                _decide(assessment, number, answer, level, form.narrative.data or "", reason, suggestion, stored)
                flash(_("Indicator %(n)s saved.", n=number), "success")
                return redirect(url_for(".indicator", year=year, number=number), 303)
        else:
            errors = form.errors
    files = db.session.scalars(select(Evidence).where(Evidence.assessment_id == assessment.id,
                                                      Evidence.indicator == number).order_by(Evidence.id)).all()
    decided_by = people.display(db.session.get(User, answer.decided_by)) if answer and answer.decided_by \
        else None
    return render_template("spbe/indicator.html", assessment=assessment, edition=ed, item=item, answer=answer,
                           suggestion=suggestion, form=form, errors=errors, files=files, decided_by=decided_by,
                           proof=evidence.proof_url(suggestion.anchor) if suggestion else None,
                           reason=missing.get(number),
                           can_assess=allowed(ASSESS), domain=next(d for d in ed.domains if d.number == item.domain)), \
        (422 if errors else 200)


def _remove(year: int, names: list[str]) -> None:
    for name in names:
        uploads.path(name, "spbe", str(year)).unlink(missing_ok=True)


def _decide(assessment, number, answer, level, narrative, reason, suggestion, stored) -> None:
    """Save the level (one transaction with the evidence files' rows); audit it as confirmed or overridden."""
    overridden = suggestion is not None and level != suggestion.level
    if answer is None:
        answer = Answer(assessment_id=assessment.id, indicator=number)
        db.session.add(answer)
    before = answer.level
    answer.level, answer.narrative = level, narrative
    answer.suggested = suggestion.level if suggestion else None
    answer.proof = json.dumps(list(suggestion.lines) if suggestion else [], ensure_ascii=False)
    answer.overridden, answer.reason = overridden, reason
    answer.decided_by, answer.decided_at = current_user.id, utcnow()
    for name, filename in stored:
        db.session.add(Evidence(assessment_id=assessment.id, indicator=number, stored=name, filename=filename,
                                size=uploads.path(name, "spbe", str(assessment.year)).stat().st_size,
                                uploaded_by=current_user.id))
    db.session.flush()
    if suggestion is not None:
        audit.record("override" if overridden else "confirm", "spbe", "spbe_answer", answer.id,
                     year=assessment.year, indicator=number, suggested=suggestion.level, level=level,
                     before=before, reason=reason)
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        _remove(assessment.year, [name for name, _n in stored])
        raise


@bp.get("/<int:year>/evidence/<int:evidence_id>")
def evidence_file(year: int, evidence_id: int):
    assessment = _assessment(year)
    item = db.session.get(Evidence, evidence_id)
    if item is None or item.assessment_id != assessment.id:
        abort(404)
    try:
        path = uploads.path(item.stored, "spbe", str(year))
    except FileNotFoundError:
        abort(404)
    if not path.is_file():
        abort(404)
    return uploads.send_private(path, download_name=item.filename, as_attachment=True)


@bp.get("/compare")
def compare():
    assessments = db.session.scalars(select(Assessment).order_by(Assessment.year)).all()
    ed = catalogue.edition(assessments[-1].edition if assessments else _settings().edition)
    levels = {a.year: {n: ans.level for n, ans in _answers(a).items()} for a in assessments}
    scores = {a.year: catalogue.score(catalogue.edition(a.edition), levels[a.year]) for a in assessments}
    return render_template("spbe/compare.html", edition=ed, years=[a.year for a in assessments], levels=levels,
                           scores=scores)


@bp.get("/proof")
def proof():
    facts, suggested, _missing = evidence.current()
    return render_template("spbe/proof.html", facts=facts, suggested=suggested,
                           counted=evidence.counted_under(facts), edition=catalogue.edition(_settings().edition),
                           months=sorted({m for months in facts.requests.values() for m in months})[-12:])


def _pack_rows(assessment):
    ed = catalogue.edition(assessment.edition)
    answers = _answers(assessment)
    files: dict[int, list[Evidence]] = {}
    for item in db.session.scalars(select(Evidence).where(Evidence.assessment_id == assessment.id)
                                   .order_by(Evidence.indicator, Evidence.id)):
        files.setdefault(item.indicator, []).append(item)
    rows = []
    for d in ed.domains:
        for i in d.indicators:
            a = answers.get(i.number)
            proof = "; ".join(json.loads(a.proof)) if a else ""
            rows.append((i.number, d.name, i.name, f"{i.weight}", a.level if a else "-",
                         "" if a is None or a.suggested is None else a.suggested,
                         ((a.narrative or "") + (f" [{proof}]" if proof else "") +
                          (f" ({_('Reason')}: {a.reason})" if a and a.reason else "")) if a else "",
                         ", ".join(e.filename for e in files.get(i.number, []))))
    return ed, rows, files


def _pack_pdf(assessment) -> bytes:
    ed, rows, _files = _pack_rows(assessment)
    score = score_of(assessment)
    facts = [(_("Decree"), ed.decree), (_("Index"), f"{score.index} ({score.predicate})"),
             (_("Indicators assessed"), f"{score.assessed} / {len(ed.indicators)}")]
    facts += [(d.name, f"{value}") for d, value in score.domains]
    header = ["No", _("Domain"), _("Indicator"), _("Weight"), _("Level"), _("Suggested"), _("Narrative"),
              _("Evidence files")]
    return documents.table_pdf(_("SPBE self-assessment %(year)s", year=assessment.year), header, rows,
                               [10, 35, 60, 15, 13, 18, 86, 40], facts=facts)


@bp.get("/<int:year>/pack.pdf")
def pack_pdf(year: int):
    assessment = _assessment(year)
    return uploads.private_bytes(_pack_pdf(assessment), "application/pdf", f"spbe-{year}.pdf")


@bp.get("/<int:year>/pack.zip")
def pack_zip(year: int):
    """The evaluators' pack: the PDF, an index of the files, and every evidence file under its indicator."""
    assessment = _assessment(year)
    _ed, _rows, files = _pack_rows(assessment)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as pack:
        pack.writestr(f"spbe-{year}.pdf", _pack_pdf(assessment))
        for number, items in sorted(files.items()):
            for item in items:
                try:
                    path = uploads.path(item.stored, "spbe", str(year))
                except FileNotFoundError:
                    continue
                if path.is_file():
                    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in item.filename)[-120:]
                    pack.write(path, f"indikator-{number:02d}/{item.id}-{safe}")
    return uploads.private_bytes(buffer.getvalue(), "application/zip", f"spbe-{year}.zip")
