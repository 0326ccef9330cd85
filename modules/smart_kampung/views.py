"""Operator screens: search the register, a resident, a family card, edits, CSV upload."""
from __future__ import annotations

import tempfile
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.file import FileAllowed, FileField, FileRequired
from sqlalchemy import select
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from egovkit.auth import scope
from egovkit.csvimport import RowError
from egovkit.db import db
from egovkit.web.forms import Form

from . import codes, importer
from .models import Family, Resident

bp = Blueprint("smart_kampung", __name__, url_prefix="/kampung", template_folder="templates")


def _settings():
    return current_app.extensions["egovkit"].profile.modules["smart_kampung"]


@bp.get("/residents")
@scope.require("smart_kampung.residents.read")
def residents():
    q = (request.args.get("q") or "").strip()
    stmt = scope.visible(select(Resident), Resident)
    if q.isdigit() and len(q) == 16:
        stmt = stmt.where(Resident.nik == q)
    elif q:
        stmt = stmt.where(Resident.name_key.startswith(q.lower(), autoescape=True))
    rows = db.session.scalars(stmt.order_by(Resident.name_key, Resident.id).limit(_settings().search_limit)).all()
    return render_template("smart_kampung/residents.html", rows=rows, q=q,
                           can_import=scope.can("smart_kampung.residents.import"))


@bp.get("/residents/<int:resident_id>")
@scope.require("smart_kampung.residents.read")
def resident(resident_id: int):
    person = scope.get_or_404(Resident, resident_id)
    family = db.session.get(Family, person.family_id) if person.family_id else None
    return render_template("smart_kampung/resident.html", person=person, family=family,
                           can_edit=scope.can("smart_kampung.residents.edit", person))


@bp.get("/families/<kk_number>")
@scope.require("smart_kampung.residents.read")
def family(kk_number: str):
    found = db.session.scalar(scope.visible(select(Family).where(Family.kk_number == kk_number), Family))
    if found is None:
        abort(404)
    members = db.session.scalars(select(Resident).where(Resident.family_id == found.id)
                                 .order_by(Resident.birth_date)).all()
    order = {r: i for i, r in enumerate(codes.RELATIONS)}
    members.sort(key=lambda m: (order.get(m.relation, 99), m.birth_date))
    return render_template("smart_kampung/family.html", family=found, members=members)


class EditForm(Form):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    address = StringField("Address", validators=[DataRequired(), Length(max=200)])
    rt = StringField("RT", validators=[DataRequired(), Length(max=3)])
    rw = StringField("RW", validators=[DataRequired(), Length(max=3)])
    occupation = StringField("Occupation", validators=[DataRequired(), Length(max=60)])
    education = SelectField("Education", choices=list(codes.EDUCATION))
    marital_status = SelectField("Marital status", choices=list(codes.MARITAL))


@bp.route("/residents/<int:resident_id>/edit", methods=["GET", "POST"])
@scope.require("smart_kampung.residents.edit")
def edit(resident_id: int):
    person = scope.get_or_404(Resident, resident_id)
    if not scope.can("smart_kampung.residents.edit", person):
        abort(403)
    form = EditForm(obj=person)
    if form.validate_on_submit():
        for field in ("address", "occupation", "education", "marital_status"):
            setattr(person, field, " ".join(getattr(form, field).data.split()))
        person.name = " ".join(form.name.data.split())
        person.name_key = person.name.lower()
        for field in ("rt", "rw"):
            value = getattr(form, field).data.strip()
            if not value.isdigit():
                getattr(form, field).errors.append(_("Numbers only."))
                return render_template("smart_kampung/edit.html", form=form, person=person), 400
            setattr(person, field, value.zfill(3))
        db.session.commit()  # the audit trail records old and new values
        flash(_("Saved."), "success")
        return redirect(url_for(".resident", resident_id=person.id))
    return render_template("smart_kampung/edit.html", form=form, person=person), (400 if form.errors else 200)


class UploadForm(Form):
    file = FileField("CSV file", validators=[FileRequired(), FileAllowed(["csv"], "A .csv file, please.")])


def _own_village() -> str | None:
    """The village of an operator (imports of other villages' rows are refused)."""
    roles = current_app.extensions["egovkit"].profile.roles_with("smart_kampung.residents.import")
    for grant in scope.grants(None, roles):
        if grant.everything:
            return None
        if grant.region and grant.region.count(".") == 3:
            return grant.region
    abort(403)


@bp.route("/import", methods=["GET", "POST"])
@scope.require("smart_kampung.residents.import")
def upload():
    form = UploadForm()
    summary = None
    if form.validate_on_submit():
        village = _own_village()
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "upload.csv"
            form.file.data.save(path)
            try:
                summary = importer.import_file(path, village, _settings().import_batch)
            except RowError as exc:
                flash(str(exc), "error")
                return render_template("smart_kampung/import.html", form=form, summary=None), 400
            rejects = summary.rejects_file.read_text(encoding="utf-8") if summary.rejects_file else None
        return render_template("smart_kampung/import.html", form=form, summary=summary, rejects=rejects)
    return render_template("smart_kampung/import.html", form=form, summary=None), (400 if form.errors else 200)
