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
from flask_babel import format_date, gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from sqlalchemy import String, cast, select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from flask_login import current_user, login_required

from egovkit import formfields

from egovkit.services import audit, documents, events, jobs, notifications, people, uploads, workflow
from egovkit.auth import identity, scope
from egovkit.auth.nik import NikError, check_nik
from egovkit.auth.views import nik_message
from egovkit.services.csvimport import RowError, Stopped
from egovkit.db import db
from egovkit.models import Region
from egovkit.web import once
from egovkit.web.forms import Form

from . import codes, importer, moving_in
from .models import Family, HousingProposal, Letter, LetterHistory, Resident

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

    moves = history(person)
    codes = {c for m in moves for c in (m.village_code, m.other_village) if c}
    places = dict(db.session.execute(select(Region.code, Region.name).where(Region.code.in_(codes))).all()) \
        if codes else {}
    return render_template("smart_kampung/resident.html", person=person, family=family, office_code=office_code,
                           history=moves, places=places, past_letters=_past_letters(person),
                           types=_letter_types(),
                           can_edit=scope.can("smart_kampung.residents.edit", person), can_activate=can_activate,
                           can_letter=scope.can("smart_kampung.letters.request", person),
                           account=identity.account_for_nik(person.nik) if can_activate else None)


def _past_letters(person: Resident | None) -> list:
    """The letters issued to a resident before the kit (imported from OpenSID), newest first; read-only."""
    if person is None:
        return []
    return db.session.scalars(select(LetterHistory).where(LetterHistory.resident_id == person.id)
                              .order_by(LetterHistory.issued_on.desc(), LetterHistory.id.desc())).all()


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
    source = SelectField(_l("From"), default="csv", choices=[
        SelectChoice("csv", _l("The register's CSV (the columns of the template)")),
        SelectChoice("opensid", _l("OpenSID: a database dump (.sql) or a zip of its tables as CSV")),
        SelectChoice("siak", _l("SIAK extract from Dukcapil (.csv, or a zip of BIODATA_WNI and DATA_KELUARGA)"))])
    file = FileField("CSV file", validators=[FileRequired(), FileAllowed(["csv", "sql", "zip", "txt"],
                                                                         _l("A .csv, .sql or .zip file, please."))])

    def validate_file(self, field):
        suffix = Path(field.data.filename or "").suffix.lower() if field.data else ""
        allowed = {"csv": (".csv", ".txt"), "opensid": (".sql", ".zip"), "siak": (".csv", ".txt", ".zip")}
        if field.data and suffix not in allowed.get(self.source.data, ()):
            raise ValidationError(_("For this source, a file ending in %(kinds)s, please.",
                                    kinds=" / ".join(allowed.get(self.source.data, (".csv",)))))


def _own_village() -> str | None:
    """The village of an operator (imports of other villages' rows are refused)."""
    roles = current_app.extensions["egovkit"].profile.roles_with("smart_kampung.residents.import")
    for grant in scope.grants(None, roles):
        if grant.everything:
            return None
        if grant.region and grant.region.count(".") == 3:
            return grant.region
    abort(403)


def _upload_limit_mb() -> int:
    return (current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(exc):
    """A file above the limit is refused while the request is read (before the view, by the CSRF check): on
    the import page the operator is told the limit and what to do, on the same page, not a bare 413."""
    if request.endpoint != "smart_kampung.upload":
        from egovkit.web.errors import render_error

        return render_error(413)
    return render_template("smart_kampung/import.html", form=UploadForm(formdata=None), limit=_upload_limit_mb(),
                           too_large=True), 413


@bp.route("/import", methods=["GET", "POST"])
@scope.require("smart_kampung.residents.import")
def upload():
    """The upload is saved and imported in the background; the operator follows a progress bar."""
    form = UploadForm()
    if form.validate_on_submit():
        village = _own_village()
        folder = _imports_folder()
        source = form.source.data
        path = folder / f"{secrets.token_hex(12)}{Path(form.file.data.filename).suffix.lower()}"
        form.file.data.save(path)
        job = jobs.submit("smart_kampung.import", "egovkit_modules.smart_kampung.views:import_job",
                          owner_id=current_user.id, result_endpoint="smart_kampung.import_result",
                          files=[path], path=str(path), village=village, batch_size=_settings().import_batch,
                          source=source, name=Path(form.file.data.filename).name[:120])
        return redirect(url_for("jobs.status", job_id=job.id))
    return render_template("smart_kampung/import.html", form=form, limit=_upload_limit_mb()), \
        (400 if form.errors else 200)


# One example row for the CSV template (docs/residents-csv.md): a made-up person with a valid NIK.
EXAMPLE = {"nik": "3510015505950001", "nama": "Contoh Nama Lengkap", "jenis_kelamin": "P",
           "tempat_lahir": "Banyuwangi", "tanggal_lahir": "15-05-1995", "agama": "ISLAM", "pendidikan": "SLTA",
           "pekerjaan": "Wiraswasta", "status_perkawinan": "BELUM KAWIN", "hubungan_keluarga": "ANAK",
           "no_kk": "", "alamat": "Dusun Krajan No. 1", "rt": "1", "rw": "2", "kode_desa": "", "status": "HIDUP"}


@bp.get("/import/template.csv")
@scope.require("smart_kampung.residents.import")
def import_template():
    """The columns of an import file and one example row (in the operator's village), to fill in."""
    import io

    village = _own_village() or db.session.scalar(select(Region.code).where(Region.level == "village")
                                                  .order_by(Region.code).limit(1)) or ""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=importer.COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerow({**EXAMPLE, "kode_desa": village})
    return current_app.response_class("\ufeff" + out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=contoh-impor-penduduk.csv"})


def _imports_folder() -> Path:
    """Uploaded files and their rejects: personal data kept only for a while (``egovkit files expire``)."""
    return uploads.scratch("smart_kampung-imports")


def import_job(progress, path: str, village: str | None, batch_size: int, source: str = "csv",
               name: str | None = None) -> dict:
    """Background job: import one uploaded file (removed when the job ends: jobs.submit's ``files``); the
    rejects file is kept for its owner until it expires. An OpenSID or SIAK file is converted to the
    register's CSV first (moving_in), then imported the same way."""
    upload = Path(path)
    if not upload.exists():
        raise jobs.JobError(_("The uploaded file is gone (it expired): please upload it again."))
    progress.total(upload.stat().st_size)
    progress.note(saved=0)

    def saved(summary):
        progress.note(saved=summary.saved, written=summary.written, unchanged=summary.unchanged,
                      rejected=summary.rejected)

    report = None
    try:
        # The job runs in its submitter's language (jobs.submit): refused rows are explained in it.
        if source == "csv":
            summary = importer.import_file(upload, village, batch_size, progress=progress, translate=True,
                                           on_batch=saved)
        else:
            summary, report = moving_in.import_source(
                source, upload, village, batch_size, progress=progress, translate=True, on_batch=saved, name=name,
                before_import=lambda converted: progress.total(converted.stat().st_size))
    except Stopped as exc:
        raise jobs.JobError(exc.cause.describe()) from None  # the page adds what was saved (progress.note)
    except RowError as exc:
        raise jobs.JobError(exc.describe()) from None
    return {"rows": summary.rows, "written": summary.written, "unchanged": summary.unchanged,
            "rejected": summary.rejected, "reasons": summary.reasons,
            "rejects": summary.rejects_file.name if summary.rejects_file else None,
            "report": report.as_dict() if report else None}


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
    letters = (summary.get("report") or {}).get("letters")
    return render_template("smart_kampung/import.html", form=UploadForm(), limit=_upload_limit_mb(), summary=summary,
                           rejects=_first_rejects(summary.get("rejects"), "nik"), letters=letters,
                           letter_rejects=_first_rejects((letters or {}).get("rejects"), "sumber"),
                           job=job, shown=REJECTS_SHOWN)


def _first_rejects(name: str | None, column: str) -> list | None:
    """The first refused rows of a rejects file (line, reason, ``column``) for the page; the download has them all."""
    path = _imports_folder() / name if name else None
    if path is None or not path.exists():
        return None
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])  # line, reason, then the file's own columns
        at = header.index(column) if column in header else None
        return [(r[0], r[1], r[at] if at is not None and at < len(r) else "")
                for r in itertools.islice(reader, REJECTS_SHOWN)]


@bp.get("/import/<int:job_id>/rejects.csv")
@scope.require("smart_kampung.residents.import")
def import_rejects(job_id: int):
    """The refused rows of an import; ``?of=letters``: of its letter history (OpenSID's log_surat)."""
    outcome = _own_job(job_id).outcome()
    letters = request.args.get("of") == "letters"
    name = ((outcome.get("report") or {}).get("letters") or {}).get("rejects") if letters else outcome.get("rejects")
    if not name or not (_imports_folder() / name).exists():
        abort(404)
    return uploads.send_private(_imports_folder() / name, mimetype="text/csv", as_attachment=True,
                                download_name=f"ditolak-{'surat-' if letters else ''}{job_id}.csv")


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
    cases = workflow.cases_of(rows)
    # a citizen's own letters from before the kit (staff see them on each resident's page)
    nik = None if scope.can("smart_kampung.letters.read") else getattr(current_user, "nik", None)
    mine = db.session.scalar(select(Resident).where(Resident.nik == nik)) if nik else None
    return render_template("smart_kampung/letters.html", rows=rows, cases=cases, types=_letter_types(),
                           past_letters=_past_letters(mine),
                           can_request=scope.can("smart_kampung.letters.request"),
                           can_read=scope.can("smart_kampung.letters.read"))


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
        if scope.can("smart_kampung.residents.read"):  # staff at the counter: the letter is for a resident
            flash(_("Find the resident in the register, then choose \"Make a letter\" on their page."), "info")
            return redirect(url_for(".residents"))
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
        if letter_type.effect == "moved" and request.form.get("to_village"):
            chosen_village = request.form["to_village"]
            if chosen_village not in {code for code, _name in _destinations(person)}:
                errors["to_village"] = _("Not a valid choice.")
            else:
                answers["to_village"] = chosen_village
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
                           family=family, members=members, staff=staff,
                           destinations=_destinations(person) if letter_type is not None
                           and letter_type.effect == "moved" else []), \
        (400 if errors else 200)


def _destinations(person: Resident) -> list[tuple[str, str]]:
    """Villages of the regency someone may move to (code, "Village, District"), by name."""
    profile = current_app.extensions["egovkit"].profile
    districts = {r.code: r.name for r in db.session.scalars(select(Region).where(
        Region.level == "district", Region.code.startswith(profile.regency.code + ".")))}
    villages = db.session.scalars(select(Region).where(
        Region.level == "village", Region.code.startswith(profile.regency.code + "."),
        Region.code != person.village_code)).all()
    return sorted(((v.code, f"{v.name}, {districts.get(v.parent_code, '')}") for v in villages),
                  key=lambda pair: pair[1])


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


def letter_person(case):
    """Workflow.notify: whom a letter request belongs to (the resident who asked, or the family member who
    reported), its tracking code and what it is."""
    item = db.session.get(Letter, int(case.record_id))
    if item is None:
        return None
    applicant = db.session.get(Resident, item.reporter_id or item.resident_id)
    kind = _letter_types().get(item.letter_type)
    return (notifications.Person(user_id=item.citizen_id, nik=applicant.nik if applicant else None),
            item.tracking_code, kind.title if kind else {"en": item.letter_type})


def register_phone(nik: str) -> str | None:
    """Hook ``identity.phone`` of the core: the phone the register holds for the living resident with this NIK
    (where account activation and reset codes are sent)."""
    return db.session.scalar(select(Resident.phone).where(Resident.nik == nik, Resident.status == "alive"))


def register_person(nik: str):
    """Hook ``register.person`` of the core: the register's entry for this NIK (name, birth date, status,
    village, family card), whatever the status, so that a reader sees a death or a move."""
    from egovkit.services.register import Person

    found = db.session.execute(select(Resident, Family.kk_number).outerjoin(Family, Family.id == Resident.family_id)
                               .where(Resident.nik == nik)).first()
    if found is None:
        return None
    resident, kk = found
    return Person(nik=resident.nik, name=resident.name, birth_date=resident.birth_date, status=resident.status,
                  village_code=resident.village_code, kk=kk)


def register_people():
    """Hook ``register.people`` of the core: every resident with a NIK, with the family card's number, as one
    selectable (egovkit.services.register.COLUMNS)."""
    return (select(Resident.nik, Resident.name, Resident.birth_date, Resident.status, Resident.village_code,
                   Family.kk_number.label("kk"))
            .outerjoin(Family, Family.id == Resident.family_id).where(Resident.nik.is_not(None)))


@bp.get("/letters/<int:record_id>")
@login_required
def letter(record_id: int):
    item = scope.get_or_404(Letter, record_id)
    person = db.session.get(Resident, item.resident_id)
    case = db.session.get(workflow.Case, item.case_id) if item.case_id else None
    doc = _document(item)
    letter_type = _letter_types().get(item.letter_type)
    preview = None
    if case is not None and letter_type is not None and any(t.name == "sign" for t in workflow.allowed(case)):
        # The signer reads the letter as it will print (no number, no QR yet) right above the sign button.
        preview = documents.preview("smart_kampung.letter", title=letter_type.title["id"],
                                    paragraphs=letter_paragraphs(item, person, letter_type),
                                    region_code=person.village_code)
    destination = db.session.get(Region, json.loads(item.fields).get("to_village") or "")
    answers = json.loads(item.fields)
    for f in (letter_type.fields if letter_type else []):  # as people read them: dates and Rupiah
        if answers.get(f.name) and f.type == "date":
            answers[f.name] = format_date(date.fromisoformat(answers[f.name]), "long")
        elif answers.get(f.name) and f.type == "rupiah":
            answers[f.name] = documents.rupiah(answers[f.name])
    return render_template("smart_kampung/letter.html", letter=item, person=person, case=case, doc=doc,
                           letter_type=letter_type, answers=answers, preview=preview,
                           destination=destination, staff=scope.can("smart_kampung.letters.read", item))


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
    # ?print=1 (Cetak): shown in the browser to print at once; otherwise downloaded.
    inline = request.args.get("print") == "1"
    try:
        return uploads.send_private(documents.storage(doc.code), mimetype="application/pdf",
                                    download_name=f"surat-{doc.code}.pdf", as_attachment=not inline)
    except FileNotFoundError:
        abort(404)


REGISTER_HEADER = ("No.", "Nomor surat", "Tanggal", "Jenis surat", "Kode klasifikasi", "Nama", "Desa",
                   "Penandatangan")


@bp.get("/letters/register")
@scope.require("smart_kampung.letters.read")
def letter_register():
    """Buku Register Surat: the letters issued in a year within reach (a village's, for its office), with
    their number, date, type, archive classification code, name and signer; as a page, PDF or XLSX."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    year = request.args.get("year", type=int) or date.today().year
    if not 2000 <= year <= 2100:
        abort(404)
    types = _letter_types()
    tz = ZoneInfo(current_app.extensions["egovkit"].profile.timezone)
    stmt = (scope.visible(select(Letter, documents.Document, Resident), Letter)
            .join(documents.Document, (documents.Document.doc_type == "smart_kampung.letter")
                  & (documents.Document.record_id == cast(Letter.id, String)))
            .join(Resident, Resident.id == Letter.resident_id)
            .where(documents.Document.issued_at >= datetime(year, 1, 1, tzinfo=tz) - timedelta(days=1),
                   documents.Document.issued_at < datetime(year + 1, 1, 1, tzinfo=tz) + timedelta(days=1))
            .order_by(documents.Document.issued_at, documents.Document.id))
    villages = {}
    rows = []
    for letter, doc, person in db.session.execute(stmt):
        issued = doc.issued_at.replace(tzinfo=doc.issued_at.tzinfo or ZoneInfo("UTC")).astimezone(tz)
        if issued.year != year:  # the query's range is a day wider on each side: local time decides
            continue
        kind = types.get(letter.letter_type)
        if letter.village_code not in villages:
            region = db.session.get(Region, letter.village_code)
            villages[letter.village_code] = region.name if region else letter.village_code
        rows.append((len(rows) + 1, doc.number, documents.tanggal(issued.date()),
                     kind.title["id"] if kind else letter.letter_type, kind.archive_code if kind else "-",
                     person.name, villages[letter.village_code], people.shown(doc.issued_by),
                     doc.revoked, letter.id))
    if request.args.get("format"):
        audit.record("export", "smart_kampung", "smart_kampung_letter", None, what="register", year=year,
                     rows=len(rows))
    table = [r[:8] for r in rows]
    if request.args.get("format") == "xlsx":
        return _register_xlsx(year, table)
    if request.args.get("format") == "pdf":
        pdf = documents.table_pdf(f"BUKU REGISTER SURAT TAHUN {year}", REGISTER_HEADER, table,
                                  widths=(10, 45, 27, 45, 25, 40, 30, 55))
        return uploads.private_bytes(pdf, "application/pdf", f"register-surat-{year}.pdf")
    if request.args.get("format"):
        abort(404)
    return render_template("smart_kampung/letter_register.html", rows=rows, year=year)


def _register_xlsx(year: int, table: list) -> object:
    import io

    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    sheet = book.add_worksheet(f"Register {year}")
    bold = book.add_format({"bold": True})
    sheet.write_row(0, 0, REGISTER_HEADER, bold)
    for i, row in enumerate(table, start=1):
        sheet.write_row(i, 0, row)
    for col, width in enumerate((5, 28, 18, 34, 16, 28, 18, 40)):
        sheet.set_column(col, col, width)
    book.close()
    return uploads.private_bytes(buffer.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          f"register-surat-{year}.xlsx")


@bp.get("/track")
def track():
    """Public: the state of a request by its tracking code, without personal data."""
    code = (request.args.get("code") or "").strip().upper()
    found = db.session.scalar(select(Letter).where(Letter.tracking_code == code)) if code else None
    case = db.session.get(workflow.Case, found.case_id) if found and found.case_id else None
    return render_template("smart_kampung/track.html", code=code, letter=found, case=case,
                           letter_type=_letter_types().get(found.letter_type) if found else None), \
        (404 if code and found is None else 200)


def tracked(code: str) -> str | None:
    """Module.tracking: the id of the letter with this tracking code (the kiosk, self-print)."""
    found = db.session.scalar(select(Letter.id).where(Letter.tracking_code == code))
    return None if found is None else str(found)


def _masked(nik: str | None) -> str:
    return nik[:6] + "******" + nik[-4:] if nik else "-"


def letter_values(item: Letter, person: Resident, letter_type) -> dict:
    """What a letter type's paragraphs may name: the resident, the place, the reporter and the answers (dates in
    Indonesian words, Rupiah amounts as 1.500.000 with _rp and _terbilang)."""
    profile = current_app.extensions["egovkit"].profile
    village = db.session.get(Region, person.village_code)
    district = db.session.get(Region, village.parent_code)
    answers = json.loads(item.fields)
    values = {"name": person.name, "nik": person.nik or "-", "birth_place": person.birth_place,
              "birth_date": documents.tanggal(person.birth_date), "village": village.name,
              "district": district.name, "regency": profile.regency.name, "occupation": person.occupation,
              "religion": person.religion, "sex": "Laki-laki" if person.sex == "L" else "Perempuan",
              "address": f"{person.address} RT {person.rt}/RW {person.rw}, {village.name}", "reporter": "-"}
    for f in letter_type.fields:
        value = answers.get(f.name)
        if value in (None, ""):
            values[f.name] = "-"
        elif f.type == "date":
            values[f.name] = documents.tanggal(value)
        elif f.type == "rupiah":
            values[f.name] = documents.rupiah(value)[3:]
            values[f"{f.name}_rp"] = documents.rupiah(value)
            values[f"{f.name}_terbilang"] = documents.terbilang(value)
        else:
            values[f.name] = value
        if f.type == "rupiah" and value in (None, ""):
            values[f"{f.name}_rp"] = values[f"{f.name}_terbilang"] = "-"
    for key, value in answers.items():
        values.setdefault(key, value)
    if answers.get("to_village"):
        destination = db.session.get(Region, answers["to_village"])
        values["to_village"] = destination.name if destination else answers["to_village"]
    if item.reporter_id:
        values["reporter"] = db.session.get(Resident, item.reporter_id).name
    return values


def letter_paragraphs(item: Letter, person: Resident, letter_type) -> list[str]:
    values = letter_values(item, person, letter_type)
    try:
        return [p.format(**values) for p in letter_type.template]
    except (KeyError, IndexError, ValueError) as exc:
        raise workflow.Invalid(f"the template of {item.letter_type} names an unknown field {exc}") from None


def on_issued(case, step):
    """Workflow hook (same transaction as the signature): number, render and sign the letter's PDF."""
    item = db.session.get(Letter, int(case.record_id))
    person = db.session.get(Resident, item.resident_id)
    letter_type = _letter_types()[item.letter_type]
    village = db.session.get(Region, person.village_code)
    paragraphs = letter_paragraphs(item, person, letter_type)
    doc_type = current_app.extensions["egovkit"].modules_by_name["smart_kampung"].documents[0]
    documents.issue(doc_type, module="smart_kampung", record_id=item.id, title=letter_type.title["id"],
                    paragraphs=paragraphs, scope=person.village_code, code=letter_type.code,
                    region_code=person.village_code, shown=[],
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
        # to_village: the destination village within the regency, when chosen (the register there
        # records the arrival from this event); resident: the register id of whoever moves.
        events.publish("resident.moved", nik=person.nik, village=person.village_code, letter=item.id,
                       resident=person.id, moving_on=answers.get("moving_on"),
                       to_village=answers.get("to_village") or None)


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
    cases = workflow.cases_of(rows)
    return render_template("smart_kampung/rtlh_list.html", rows=rows, people=people, cases=cases,
                           can_propose=scope.can("smart_kampung.rtlh.propose"),
                           threshold=_settings().rtlh_threshold)


@bp.route("/rtlh/new", methods=["GET", "POST"])
@scope.require("smart_kampung.rtlh.propose")
def rtlh_new():
    criteria = _settings().rtlh_criteria
    form = Form()
    errors, answers, kept = {}, {}, []
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
        photos = uploads.chosen(request.files, request.form, "photos")[:6]  # or those kept from before
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
                uploads.release(photos)  # the kept copies, now stored with the proposal
                flash(_("Proposal sent for approval."), "success")
                return redirect(url_for(".rtlh_detail", record_id=proposal.id))
        if errors:  # shown again: the photos chosen are kept, not chosen again
            for photo in photos:
                try:
                    kept.append(uploads.hold(photo, "photos"))
                except uploads.UploadError as exc:
                    errors.setdefault("photos", str(exc))
    return render_template("smart_kampung/rtlh_new.html", form=form, criteria=criteria, errors=errors,
                           answers=answers, household=household, nik=nik, kept=kept), (400 if errors else 200)


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
