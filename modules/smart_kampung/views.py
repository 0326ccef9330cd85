"""Operator screens: search the register, a resident, a family card, edits, CSV upload."""
from __future__ import annotations

import csv
import itertools
import json
import re
import secrets
from datetime import date
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.file import FileAllowed, FileField, FileRequired
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from flask_login import current_user, login_required

from egovkit import formfields

from egovkit.services import audit, documents, events, jobs, uploads, workflow
from egovkit.auth import identity, scope
from egovkit.auth.nik import NikError, check_nik
from egovkit.auth.views import nik_message
from egovkit.services.csvimport import RowError, Stopped
from egovkit.db import db
from egovkit.models import Region
from egovkit.web import once
from egovkit.web.forms import Form

from . import codes, importer
from .models import Family, HousingProposal, Letter, Resident

bp = Blueprint("smart_kampung", __name__, url_prefix="/kampung", template_folder="templates")


def _settings():
    return current_app.extensions["egovkit"].profile.modules["smart_kampung"]


@bp.get("/residents/<int:resident_id>")
@scope.require("smart_kampung.residents.read")
def resident(resident_id: int):
    return _resident_page(scope.get_or_404(Resident, resident_id))


def _resident_page(person: Resident, office_code: str | None = None):
    family = db.session.get(Family, person.family_id) if person.family_id else None
    can_activate = person.nik is not None and scope.can("smart_kampung.accounts.activate", person)
    from .register import history

    return render_template("smart_kampung/resident.html", person=person, family=family, office_code=office_code,
                           history=history(person),
                           can_edit=scope.can("smart_kampung.residents.edit", person), can_activate=can_activate,
                           account=identity.account_for_nik(person.nik) if can_activate else None)


@bp.post("/residents/<int:resident_id>/account")
@scope.require("smart_kampung.accounts.activate")
def account_code(resident_id: int):
    """The village office, with the resident and their KTP at the counter: activates a pending account and
    gives a one-time code to choose a password with (audited in the core)."""
    person = scope.get_or_404(Resident, resident_id)
    if not scope.can("smart_kampung.accounts.activate", person) or person.nik is None:
        abort(403)
    if not Form().validate_on_submit():
        abort(400)
    account = identity.account_for_nik(person.nik)
    if account is None or not account.active:
        abort(404)
    code = identity.office_code(account)
    db.session.commit()
    return _resident_page(person, office_code=code)


class EditForm(Form):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    address = StringField("Address", validators=[DataRequired(), Length(max=200)])
    rt = StringField("RT", validators=[DataRequired(), Length(max=3)])
    rw = StringField("RW", validators=[DataRequired(), Length(max=3)])
    occupation = StringField("Occupation", validators=[DataRequired(), Length(max=60)])
    education = SelectField("Education", choices=list(codes.EDUCATION))
    marital_status = SelectField("Marital status", choices=list(codes.MARITAL))
    phone = StringField("Mobile phone", validators=[Optional(), Length(max=20)])
    nik = StringField("NIK", validators=[Optional(), Length(min=16, max=16)])  # only for a newborn without one


@bp.route("/residents/<int:resident_id>/edit", methods=["GET", "POST"])
@scope.require("smart_kampung.residents.edit")
def edit(resident_id: int):
    person = scope.get_or_404(Resident, resident_id)
    if not scope.can("smart_kampung.residents.edit", person):
        abort(403)
    form = EditForm(obj=person)
    if person.nik is not None:
        del form.nik  # a NIK, once known, comes from Dukcapil and is not edited here
    if form.validate_on_submit() and _newborn_nik(form, person):
        for field in ("address", "occupation", "education", "marital_status"):
            setattr(person, field, " ".join(getattr(form, field).data.split()))
        phone = (form.phone.data or "").replace(" ", "").replace("-", "")
        if phone and not re.fullmatch(r"\+?[0-9]{8,15}", phone):
            form.phone.errors.append(_("A phone number has 8 to 15 digits, e.g. 081234567890."))
            return render_template("smart_kampung/edit.html", form=form, person=person), 400
        person.phone = phone or None
        person.name = " ".join(form.name.data.split())
        person.name_key = person.name.lower()
        for field in ("rt", "rw"):
            value = getattr(form, field).data.strip()
            if not (value.isascii() and value.isdigit()) or len(value) > 3:
                getattr(form, field).errors.append(_("Numbers only."))
                return render_template("smart_kampung/edit.html", form=form, person=person), 400
            setattr(person, field, value.zfill(3))
        from .register import changed_fields, log

        if changed := changed_fields(person):
            log(person, "corrected", note=", ".join(changed))
        try:
            db.session.commit()  # the audit trail records old and new values
        except IntegrityError:  # the same newborn's NIK saved by someone else a moment ago
            db.session.rollback()
            if "nik" not in form:
                raise
            form.nik.errors.append(_("This NIK is already in the register."))
            return render_template("smart_kampung/edit.html", form=form, person=person), 409
        flash(_("Saved."), "success")
        return redirect(url_for(".resident", resident_id=person.id))
    return render_template("smart_kampung/edit.html", form=form, person=person), (400 if form.errors else 200)


def _newborn_nik(form, person) -> bool:
    """Check the NIK Dukcapil issued to a newborn added by a birth letter; False with the field's error."""
    if "nik" not in form or not form.nik.data:
        return True
    nik = form.nik.data.strip()
    try:
        check_nik(nik, person.birth_date, person.sex)
    except NikError as exc:
        form.nik.errors.append(nik_message(exc))
        return False
    if db.session.scalar(select(Resident.id).where(Resident.nik == nik)) is not None:
        form.nik.errors.append(_("This NIK is already in the register."))
        return False
    person.nik = nik
    return True


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
    """The upload is saved and imported in the background; the operator follows a progress bar."""
    form = UploadForm()
    if form.validate_on_submit():
        village = _own_village()
        folder = _imports_folder()
        path = folder / f"{secrets.token_hex(12)}.csv"
        form.file.data.save(path)
        job = jobs.submit("smart_kampung.import", "egovkit_modules.smart_kampung.views:import_job",
                          owner_id=current_user.id, result_endpoint="smart_kampung.import_result",
                          files=[path], path=str(path), village=village, batch_size=_settings().import_batch)
        return redirect(url_for("jobs.status", job_id=job.id))
    return render_template("smart_kampung/import.html", form=form), (400 if form.errors else 200)


def _imports_folder() -> Path:
    """Uploaded files and their rejects: personal data kept only for a while (``egovkit files expire``)."""
    return uploads.scratch("smart_kampung-imports")


def import_job(progress, path: str, village: str | None, batch_size: int) -> dict:
    """Background job: import one uploaded file (removed when the job ends: jobs.submit's ``files``); the
    rejects file is kept for its owner until it expires."""
    source = Path(path)
    if not source.exists():
        raise jobs.JobError(_("The uploaded file is gone (it expired): please upload it again."))
    progress.total(source.stat().st_size)
    progress.note(saved=0)

    def saved(summary):
        progress.note(saved=summary.saved, written=summary.written, unchanged=summary.unchanged,
                      rejected=summary.rejected)

    try:
        # The job runs in its submitter's language (jobs.submit): refused rows are explained in it.
        summary = importer.import_file(source, village, batch_size, progress=progress, translate=True,
                                       on_batch=saved)
    except Stopped as exc:
        raise jobs.JobError(exc.cause.describe()) from None  # the page adds what was saved (progress.note)
    except RowError as exc:
        raise jobs.JobError(exc.describe()) from None
    return {"rows": summary.rows, "written": summary.written, "unchanged": summary.unchanged,
            "rejected": summary.rejected, "reasons": summary.reasons,
            "rejects": summary.rejects_file.name if summary.rejects_file else None}


def _own_job(job_id: int):
    job = db.session.get(jobs.Job, job_id)
    if job is None or job.kind != "smart_kampung.import" or job.owner_id != current_user.id:
        abort(404)
    return job


REJECTS_SHOWN = 200  # refused rows listed on the result page; the download has them all


@bp.get("/import/<int:job_id>")
@scope.require("smart_kampung.residents.import")
def import_result(job_id: int):
    job = _own_job(job_id)
    if job.state != "done":
        return redirect(url_for("jobs.status", job_id=job.id))
    summary = job.outcome()
    rejects = None
    if summary.get("rejects"):
        path = _imports_folder() / summary["rejects"]
        if path.exists():
            with path.open(encoding="utf-8", newline="") as handle:  # the first rows on the page, all in the download
                reader = csv.reader(handle)
                header = next(reader, [])  # line, reason, then the file's own columns
                nik = header.index("nik") if "nik" in header else None
                rejects = [(r[0], r[1], r[nik] if nik is not None and nik < len(r) else "")
                           for r in itertools.islice(reader, REJECTS_SHOWN)]
    return render_template("smart_kampung/import.html", form=UploadForm(), summary=summary, rejects=rejects,
                           job=job, shown=REJECTS_SHOWN)


@bp.get("/import/<int:job_id>/rejects.csv")
@scope.require("smart_kampung.residents.import")
def import_rejects(job_id: int):
    name = _own_job(job_id).outcome().get("rejects")
    if not name or not (_imports_folder() / name).exists():
        abort(404)
    return uploads.send_private(_imports_folder() / name, mimetype="text/csv", as_attachment=True,
                                download_name=f"ditolak-{job_id}.csv")


# ----------------------------------------------------------------- letters
def _letter_types() -> dict:
    return _settings().letters


def _check_fields(letter_type, form) -> tuple[dict, dict]:
    """(answers, errors) for a letter type's fields from a submitted form."""
    return formfields.check(letter_type.fields, form)


def _subject() -> Resident | None:
    """Whom the letter is for: ?resident=ID for staff (within reach); the citizen themself, by NIK."""
    if request.values.get("resident"):
        if not scope.can("smart_kampung.residents.read"):
            abort(403)
        return scope.get_or_404(Resident, request.values.get("resident", type=int) or 0)
    nik = getattr(current_user, "nik", None)
    if not nik:
        return None
    return db.session.scalar(select(Resident).where(Resident.nik == nik, Resident.status == "alive"))


@bp.get("/letters")
@login_required
def letters():
    stmt = scope.visible(select(Letter), Letter).order_by(Letter.id.desc()).limit(200)
    rows = db.session.scalars(stmt).all()
    cases = {c.id: c for c in db.session.scalars(
        select(workflow.Case).where(workflow.Case.id.in_([r.case_id for r in rows if r.case_id])))}
    return render_template("smart_kampung/letters.html", rows=rows, cases=cases, types=_letter_types(),
                           can_request=scope.can("smart_kampung.letters.request"))


@bp.route("/letters/new", methods=["GET", "POST"])
@scope.require("smart_kampung.letters.request")
def request_letter():
    types = _letter_types()
    kind = request.values.get("type")
    letter_type = types.get(kind)
    person = _subject()
    form = Form()
    errors, answers = {}, {}
    if person is None:
        flash(_("Your NIK is not in this village register. Please visit your village office."), "error")
        return redirect(url_for(".letters"))
    # A letter about someone else (a death, a move) is reported by a member of the same family card: a
    # citizen reports for a family member (never about themselves); staff name the reporter.
    staff = bool(request.values.get("resident"))
    family = letter_type is not None and letter_type.about == "family"
    members = _family_members(person) if family else []
    subject, reporter = person, None
    if family:
        chosen = next((m for m in members if str(m.id) == request.values.get("reporter" if staff else "member")),
                      None)
        subject, reporter = (person, chosen) if staff else (chosen, person)
    if letter_type is not None and request.method == "POST" and form.validate_on_submit():
        if (first := once.replay()) is not None:  # the same form sent again: one letter, not two
            return first
        answers, errors = _check_fields(letter_type, request.form)
        if family and (subject is None or reporter is None):
            errors["reporter" if staff else "member"] = _("Choose a member of the family card.")
        if not errors:
            try:
                letter = file_letter(subject, kind, letter_type, answers, reporter=reporter)
            except LetterRefused as exc:
                errors["reporter" if staff else "member"] = str(exc)
            else:
                once.record(url_for(".letter", record_id=letter.id))
                db.session.commit()
                flash(_("Request sent. Tracking code: %(code)s", code=letter.tracking_code), "success")
                return redirect(url_for(".letter", record_id=letter.id))
    return render_template("smart_kampung/request.html", types=types, kind=kind, letter_type=letter_type,
                           person=person, form=form, errors=errors, answers=answers or request.form,
                           family=family, members=members, staff=staff), \
        (400 if errors else 200)


def _family_members(person: Resident) -> list[Resident]:
    """The other living members of a resident's family card."""
    if person.family_id is None:
        return []
    return db.session.scalars(select(Resident).where(
        Resident.family_id == person.family_id, Resident.id != person.id, Resident.status == "alive")
        .order_by(Resident.birth_date)).all()


class LetterRefused(Exception):
    """Why a letter cannot be filed as asked (in the UI language)."""


def is_self(person: Resident | None) -> bool:
    """Whether the signed-in citizen is this resident (a newborn without a NIK is nobody's account)."""
    return person is not None and person.nik is not None and getattr(current_user, "nik", None) == person.nik


def file_letter(person: Resident, kind: str, letter_type, answers: dict, reporter: Resident | None = None) -> Letter:
    """Record a letter request and open its case (the caller commits); the SLA is the letter type's.
    A letter about someone else needs a reporter on the same family card, who is not that person: whoever
    is signed in cannot report their own death or move."""
    if letter_type.about == "family":
        if reporter is None or reporter.id == person.id or is_self(person):
            raise LetterRefused(_("This letter is reported by a family member, not by the person it is about."))
        if reporter.family_id is None or reporter.family_id != person.family_id or reporter.status != "alive":
            raise LetterRefused(_("The reporter must be a living member of the same family card."))
        applicant = reporter
    else:
        reporter, applicant = None, person
    citizen = current_user.id if is_self(applicant) else None
    letter = Letter(tracking_code=workflow.tracking_code(), letter_type=kind, resident_id=person.id,
                    village_code=person.village_code, citizen_id=citizen,
                    reporter_id=reporter.id if reporter else None, fields=json.dumps(answers, ensure_ascii=False))
    db.session.add(letter)
    db.session.flush()
    case = workflow.start("smart_kampung.letter", letter.id, f"{letter_type.title.get('id')}: {person.name}",
                          module="smart_kampung", region_code=person.village_code, owner_id=citizen,
                          user=current_user, deadline_days=letter_type.sla_days)
    letter.case_id = case.id
    return letter


def register_phone(nik: str) -> str | None:
    """Hook ``identity.phone`` of the core: the phone the register holds for the living resident with this NIK
    (where account activation and reset codes are sent)."""
    return db.session.scalar(select(Resident.phone).where(Resident.nik == nik, Resident.status == "alive"))


@bp.get("/letters/<int:record_id>")
@login_required
def letter(record_id: int):
    item = scope.get_or_404(Letter, record_id)
    person = db.session.get(Resident, item.resident_id)
    case = db.session.get(workflow.Case, item.case_id) if item.case_id else None
    doc = _document(item)
    return render_template("smart_kampung/letter.html", letter=item, person=person, case=case, doc=doc,
                           letter_type=_letter_types().get(item.letter_type), answers=json.loads(item.fields))


def _document(item: Letter):
    return db.session.scalar(select(documents.Document).where(
        documents.Document.doc_type == "smart_kampung.letter", documents.Document.record_id == str(item.id)))


@bp.get("/letters/<int:record_id>/pdf")
@login_required
def letter_pdf(record_id: int):
    item = scope.get_or_404(Letter, record_id)
    doc = _document(item)
    if doc is None or doc.revoked:
        abort(404)
    try:
        return uploads.send_private(documents.storage(doc.code), mimetype="application/pdf",
                                    download_name=f"surat-{doc.code}.pdf", as_attachment=True)
    except FileNotFoundError:
        abort(404)


@bp.get("/track")
def track():
    """Public: the state of a request by its tracking code, without personal data."""
    code = (request.args.get("code") or "").strip().upper()
    found = db.session.scalar(select(Letter).where(Letter.tracking_code == code)) if code else None
    case = db.session.get(workflow.Case, found.case_id) if found and found.case_id else None
    return render_template("smart_kampung/track.html", code=code, letter=found, case=case,
                           letter_type=_letter_types().get(found.letter_type) if found else None), \
        (404 if code and found is None else 200)


def _masked(nik: str | None) -> str:
    return nik[:6] + "******" + nik[-4:] if nik else "-"


def on_issued(case, step):
    """Workflow hook (same transaction as the signature): number, render and sign the letter's PDF."""
    item = db.session.get(Letter, int(case.record_id))
    person = db.session.get(Resident, item.resident_id)
    letter_type = _letter_types()[item.letter_type]
    profile = current_app.extensions["egovkit"].profile
    village = db.session.get(Region, person.village_code)
    district = db.session.get(Region, village.parent_code)
    values = {"name": person.name, "nik": person.nik or "-", "birth_place": person.birth_place,
              "birth_date": person.birth_date.strftime("%d-%m-%Y"), "village": village.name,
              "district": district.name, "regency": profile.regency.name,
              "address": f"{person.address} RT {person.rt}/RW {person.rw}, {village.name}",
              **json.loads(item.fields)}
    if item.reporter_id:
        values["reporter"] = db.session.get(Resident, item.reporter_id).name
    try:
        paragraphs = [p.format(**values) for p in letter_type.template]
    except (KeyError, IndexError) as exc:
        raise workflow.Invalid(f"the template of {item.letter_type} names an unknown field {exc}") from None
    doc_type = current_app.extensions["egovkit"].modules_by_name["smart_kampung"].documents[0]
    documents.issue(doc_type, module="smart_kampung", record_id=item.id, title=letter_type.title["id"],
                    paragraphs=paragraphs, scope=person.village_code, code=letter_type.code,
                    facts=[("Jenis surat", letter_type.title["id"]), ("Nama", person.name),
                           ("NIK", _masked(person.nik)), ("Desa", village.name),
                           ("Ditandatangani oleh", step.who)])
    answers = json.loads(item.fields)
    if letter_type.effect == "died":
        person.status = "died"
        events.publish("resident.died", nik=person.nik, village=person.village_code,
                       date_of_death=answers.get("date_of_death"), letter=item.id)
    elif letter_type.effect == "born":
        _add_child(item, person, answers)
    elif letter_type.effect == "moved":
        person.status = "moved"
        events.publish("resident.moved", nik=person.nik, village=person.village_code, letter=item.id)


def _add_child(item: Letter, parent: Resident, answers: dict) -> None:
    """A birth letter adds the child to the parent's family card, without a NIK until Dukcapil issues one."""
    if parent.family_id is None:
        audit.record("child_not_added", "smart_kampung", "smart_kampung_letter", item.id,
                     reason="the parent is on no family card")
        return
    name = " ".join(answers["child_name"].split())
    child = Resident(nik=None, name=name, name_key=name.lower(), sex=answers["child_sex"],
                     birth_place=answers.get("child_birth_place") or parent.birth_place,
                     birth_date=date.fromisoformat(answers["child_birth_date"]), religion=parent.religion,
                     education=codes.EDUCATION[0], occupation="BELUM/TIDAK BEKERJA", marital_status=codes.MARITAL[0],
                     relation="ANAK", family_id=parent.family_id, village_code=parent.village_code,
                     address=parent.address, rt=parent.rt, rw=parent.rw, status="alive")
    db.session.add(child)
    db.session.flush()
    item.child_id = child.id
    family = db.session.get(Family, parent.family_id)
    events.publish("resident.born", resident=child.id, kk_number=family.kk_number, village=child.village_code,
                   birth_date=child.birth_date.isoformat(), sex=child.sex, letter=item.id)


# ----------------------------------------------------------------- dashboard
@bp.get("/dashboard")
@scope.require("smart_kampung.residents.read")
def dashboard():
    from egovkit.web.cache import memo

    from . import dashboard as figures

    reach = tuple(sorted((g.region or "", g.agency or "", g.owner or 0) for g in scope.grants()))
    year = date.today().year

    def compute():
        return {"population": figures.population(year), "families": figures.families_count(),
                "letters": figures.letters_summary(), "districts": figures.by_district()}

    data = memo(("smart_kampung.dashboard", reach, year), 300, compute)  # figures up to 5 minutes old
    widest = max([max(m, w) for _, m, w in data["population"]["groups"]] + [1])
    return render_template("smart_kampung/dashboard.html", widest=widest, **data)


# ----------------------------------------------------------------- RTLH
@bp.get("/rtlh")
@scope.require("smart_kampung.residents.read")
def rtlh_list():
    rows = db.session.scalars(scope.visible(select(HousingProposal), HousingProposal)
                              .order_by(HousingProposal.id.desc()).limit(300)).all()
    people = {r.id: r for r in db.session.scalars(select(Resident).where(
        Resident.id.in_([p.resident_id for p in rows])))}
    cases = {c.id: c for c in db.session.scalars(select(workflow.Case).where(
        workflow.Case.id.in_([p.case_id for p in rows if p.case_id])))}
    return render_template("smart_kampung/rtlh_list.html", rows=rows, people=people, cases=cases,
                           can_propose=scope.can("smart_kampung.rtlh.propose"),
                           threshold=_settings().rtlh_threshold)


@bp.route("/rtlh/new", methods=["GET", "POST"])
@scope.require("smart_kampung.rtlh.propose")
def rtlh_new():
    criteria = _settings().rtlh_criteria
    form = Form()
    errors, answers = {}, {}
    household = None
    nik = ""
    if request.method == "POST" and request.form.get("action") == "find":
        # The NIK is POSTed and answered with the resident's id: it never appears in a URL.
        if not form.validate_on_submit():
            abort(400)
        nik = (request.form.get("nik") or "").strip()[:16]
        found = db.session.scalar(scope.visible(select(Resident).where(Resident.nik == nik), Resident)) \
            if nik else None
        if found is not None:
            return redirect(url_for(".rtlh_new", resident=found.id), 303)
        errors["nik"] = _("No resident with this NIK in your village.")
        return render_template("smart_kampung/rtlh_new.html", form=form, criteria=criteria, errors=errors,
                               answers=answers, household=None, nik=nik), 400
    if request.values.get("resident"):
        household = scope.get_or_404(Resident, request.values.get("resident", type=int) or 0)
    if request.method == "POST" and form.validate_on_submit() and household is not None:
        if (first := once.replay()) is not None:  # the same form sent again: one proposal, not two
            return first
        for key, criterion in criteria.items():
            answers[key] = request.form.get(key, "")
            if answers[key] not in criterion.options:
                errors[key] = _("Not a valid choice.")
        photos = [f for f in request.files.getlist("photos") if f and f.filename]
        if not photos:
            errors["photos"] = _("Add at least one photo of the house.")
        if not errors:
            proposal = HousingProposal(resident_id=household.id, village_code=household.village_code,
                                       survey=json.dumps(answers, ensure_ascii=False),
                                       score=sum(criteria[k].options[v] for k, v in answers.items()), photos="[]")
            db.session.add(proposal)
            db.session.flush()
            try:
                names = [uploads.save(f, "rtlh", str(proposal.id)) for f in photos[:6]]
            except uploads.UploadError as exc:
                db.session.rollback()
                errors["photos"] = str(exc)
            else:
                proposal.photos = json.dumps(names)
                case = workflow.start("smart_kampung.rtlh", proposal.id, f"RTLH: {household.name}",
                                      module="smart_kampung", region_code=household.village_code,
                                      user=current_user)
                proposal.case_id = case.id
                once.record(url_for(".rtlh_detail", record_id=proposal.id))
                db.session.commit()
                flash(_("Proposal sent for approval."), "success")
                return redirect(url_for(".rtlh_detail", record_id=proposal.id))
    return render_template("smart_kampung/rtlh_new.html", form=form, criteria=criteria, errors=errors,
                           answers=answers, household=household, nik=nik), (400 if errors else 200)


@bp.get("/rtlh/<int:record_id>")
@scope.require("smart_kampung.residents.read")
def rtlh_detail(record_id: int):
    proposal = scope.get_or_404(HousingProposal, record_id)
    person = db.session.get(Resident, proposal.resident_id)
    case = db.session.get(workflow.Case, proposal.case_id) if proposal.case_id else None
    return render_template("smart_kampung/rtlh_detail.html", proposal=proposal, person=person, case=case,
                           criteria=_settings().rtlh_criteria, survey=json.loads(proposal.survey),
                           photos=json.loads(proposal.photos), threshold=_settings().rtlh_threshold)


@bp.get("/rtlh/<int:record_id>/photos/<name>")
@scope.require("smart_kampung.residents.read")
def rtlh_photo(record_id: int, name: str):
    proposal = scope.get_or_404(HousingProposal, record_id)
    if name not in json.loads(proposal.photos):
        abort(404)
    try:
        return uploads.send_private(uploads.path(name, "rtlh", str(proposal.id)))
    except FileNotFoundError:
        abort(404)


def on_rtlh_approved(case, step):
    """Workflow hook: the approved renovation goes to the village budget as a candidate activity."""
    proposal = db.session.get(HousingProposal, int(case.record_id))
    person = db.session.get(Resident, proposal.resident_id)
    events.publish("rtlh.approved", proposal=proposal.id, village=proposal.village_code, nik=person.nik,
                   household=person.name, score=proposal.score)
