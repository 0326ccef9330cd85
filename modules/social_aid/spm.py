"""SPM Online: the desa's poverty statement (Surat Pernyataan Miskin) for free hospital care, checked against the
DTSEN deciles, issued as a numbered PDF through the core's documents with its QR code to the verification page,
where the hospital acknowledges it once (a hospital account, or the one-time code printed on it)."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select, update
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from egovkit.auth import roles as roles_mod, scope, throttle
from egovkit.db import db
from egovkit.models import Agency, Region, utcnow
from egovkit.services import audit, documents, payments, register, uploads
from egovkit.web import once
from egovkit.web.forms import Form

from . import SPM_DOCUMENT as SPM, eligibility
from .models import Statement
from .views import bp

ACK = "social_aid.spm.acknowledge"


def settings():
    return current_app.extensions["egovkit"].profile.modules["social_aid"].spm


def _enabled():
    if settings() is None:
        abort(404)


def _digest(statement_code: str, code: str) -> str:
    key = hashlib.sha256(b"egovkit-spm:" + current_app.config["SECRET_KEY"].encode()).digest()
    return hmac.new(key, f"{statement_code}:{code.strip().upper()}".encode(), hashlib.sha256).hexdigest()


def hospital_of(user=None) -> str | None:
    """The hospital (an agency of ``spm.hospitals``) whose staff the user is, through a role holding ACK."""
    held = roles_mod.granted_roles(current_app.extensions["egovkit"].profile, ACK)
    for grant in scope.grants(roles=held, user=user):
        if grant.agency in settings().hospitals:
            return grant.agency
    return None


class StatementForm(Form):
    nik = StringField("NIK", validators=[DataRequired(), Length(min=16, max=16)])
    purpose = StringField("Purpose (hospital, care)", validators=[DataRequired(), Length(max=200)])


@bp.get("/spm")
@scope.require("social_aid.read")
def statements():
    _enabled()
    rows = db.session.scalars(scope.visible(select(Statement), Statement).order_by(Statement.id.desc())
                              .limit(500)).all()
    return render_template("social_aid/statements.html", rows=rows, today=payments.today(),
                           can_issue=scope.can("social_aid.spm.issue"))


@bp.route("/spm/new", methods=["GET", "POST"])
@scope.require("social_aid.spm.issue")
def new_statement():
    _enabled()
    form, failed = StatementForm(), []
    if form.validate_on_submit():
        if (first := once.replay()) is not None:
            return first
        person = register.person(form.nik.data.strip())
        if person is None or not scope.can("social_aid.spm.issue", Statement(village_code=person.village_code)):
            form.nik.errors.append(_("No resident with this NIK in the register of your desa."))
        else:
            failed = statement_refusals(person)
            if not failed:
                item = _issue(person, form.purpose.data.strip())
                once.record(url_for(".statement", record_id=item.id))
                db.session.commit()
                flash(_("Statement issued: give the printed PDF to the resident for the hospital."), "success")
                return redirect(url_for(".statement", record_id=item.id))
    return render_template("social_aid/statement_new.html", form=form, failed=failed,
                           rule=settings().max_decile), (400 if request.method == "POST" else 200)


def statement_refusals(person) -> list[str]:
    """Each reason the person cannot have a statement today (empty: they can)."""
    out, today = [], payments.today()
    if person.status != "alive":
        out.append(_("The register does not show this person alive (%(status)s).", status=person.status))
    decile = eligibility.decile_of(person)
    if decile is None:
        out.append(_("DTSEN decile: no decile data for this household or NIK."))
    elif decile.decile > settings().max_decile:
        out.append(_("DTSEN decile %(decile)s (data of %(day)s), at most %(limit)s.", decile=decile.decile,
                     day=decile.data_date.isoformat(), limit=settings().max_decile))
    held = db.session.scalar(select(Statement).where(Statement.nik == person.nik, Statement.valid_until >= today,
                                                     Statement.acknowledged_at.is_(None)))
    if held is not None:
        out.append(_("A statement of %(day)s is still valid until %(until)s and not yet used.",
                     day=held.issued_on.isoformat(), until=held.valid_until.isoformat()))
    return out


def _issue(person, purpose: str) -> Statement:
    today = payments.today()
    decile = eligibility.decile_of(person)
    code = "-".join(secrets.token_hex(2).upper() for _n in range(2))  # printed on the paper only
    village = db.session.get(Region, person.village_code)
    item = Statement(nik=person.nik, name=person.name, village_code=person.village_code, decile=decile.decile,
                     decile_date=decile.data_date, purpose=purpose[:200], issued_on=today,
                     valid_until=today + timedelta(days=settings().valid_days), ack_digest="-",
                     issued_by=current_user.id)
    db.session.add(item)
    db.session.flush()
    masked = person.nik[:6] + "******" + person.nik[-4:]
    paragraphs = [
        f"Yang bertanda tangan di bawah ini Kepala Desa {village.name} menyatakan bahwa {person.name} "
        f"(NIK {masked}) adalah warga miskin desa kami, tercatat dalam DTSEN pada desil {decile.decile} "
        f"(data {documents.tanggal(decile.data_date)}).",
        f"Surat pernyataan ini diberikan untuk keperluan: {purpose}, dan berlaku sampai "
        f"{documents.tanggal(item.valid_until)}.",
        f"Kode konfirmasi rumah sakit (sekali pakai): {code}. Rumah sakit memindai kode QR dan mencatat "
        "penerimaan pasien di halaman verifikasi.",
    ]
    doc = documents.issue(SPM, module="social_aid", record_id=item.id, title="Surat Pernyataan Miskin",
                          paragraphs=paragraphs, scope=person.village_code, region_code=person.village_code,
                          facts=[("Nama", person.name), ("NIK", masked), ("Desa", village.name),
                                 ("Desil DTSEN", f"{decile.decile} (data {decile.data_date.isoformat()})"),
                                 ("Berlaku sampai", item.valid_until.isoformat())])
    item.document_code = doc.code
    item.ack_digest = _digest(doc.code, code)
    audit.record("statement_issued", "social_aid", "social_aid_statement", item.id, decile=decile.decile,
                 decile_date=decile.data_date.isoformat(), valid_until=item.valid_until.isoformat())
    return item


@bp.get("/spm/<int:record_id>")
@scope.require("social_aid.read")
def statement(record_id: int):
    _enabled()
    item = scope.get_or_404(Statement, record_id)
    hospital = db.session.get(Agency, item.acknowledged_by) if item.acknowledged_by else None
    return render_template("social_aid/statement.html", item=item, today=payments.today(), hospital=hospital,
                           village=db.session.get(Region, item.village_code))


@bp.get("/spm/<int:record_id>/pdf")
@scope.require("social_aid.read")
def statement_pdf(record_id: int):
    item = scope.get_or_404(Statement, record_id)
    try:
        return uploads.send_private(documents.storage(item.document_code), mimetype="application/pdf",
                                    download_name=f"spm-{item.id}.pdf")
    except FileNotFoundError:
        abort(404)


# ------------------------------------------------------------------ the QR page: validity, acknowledgement
class AckForm(Form):
    hospital = SelectField("Hospital", choices=[], validate_choice=True, validators=[Optional()])
    code = StringField("One-time code on the statement", validators=[Optional(), Length(max=20)])


def _ack_form() -> AckForm:
    form = AckForm()
    names = dict(db.session.execute(select(Agency.code, Agency.name).where(Agency.code.in_(settings().hospitals))).all())
    form.hospital.choices = [(c, names.get(c, c)) for c in settings().hospitals]
    return form


def verify_panel(doc) -> Markup | None:
    """Hook ``documents.verify``: a statement's validity and the hospital's acknowledgement on its QR page."""
    if doc.doc_type != SPM.name or settings() is None:
        return None
    item = db.session.scalar(select(Statement).where(Statement.document_code == doc.code))
    if item is None:
        return None
    hospital = db.session.get(Agency, item.acknowledged_by) if item.acknowledged_by else None
    return Markup(render_template("social_aid/spm_verify.html", item=item, today=payments.today(),
                                  hospital=hospital, mine=hospital_of(), form=_ack_form(), doc=doc))


@bp.post("/spm/verify/<code>/acknowledge")
def acknowledge(code: str):
    """The hospital records that it admitted the patient on this statement: once, while valid."""
    _enabled()
    item = db.session.scalar(select(Statement).where(Statement.document_code == code))
    if item is None:
        abort(404)
    back = documents.VERIFY_PATH + f"/{code}"
    form = _ack_form()
    if not form.validate_on_submit():
        flash(_("Choose the hospital and type the code printed on the statement."), "error")
        return redirect(back)
    hospital, user_id = hospital_of(), None
    if hospital is not None:
        user_id = current_user.id
    else:
        typed = (form.code.data or "").strip()
        if not form.hospital.data or not typed:
            flash(_("Choose the hospital and type the code printed on the statement."), "error")
            return redirect(back)
        # Reserved before the code is compared, so racing guesses get no more than code_attempts per window.
        attempt = throttle.for_one_time_code("spm-ack", code, settings().code_attempts)
        if attempt is None:
            audit.record("statement_ack_refused", "social_aid", "social_aid_statement", item.id, reason="throttled")
            db.session.commit()
            flash(_("Too many wrong codes for this statement. Wait %(minutes)s minutes and try again, or record "
                    "the admission signed in with the hospital's account.",
                    minutes=throttle.settings().window_minutes), "error")
            return redirect(back)
        if not hmac.compare_digest(_digest(code, typed), item.ack_digest):
            attempt.keep()
            audit.record("statement_ack_refused", "social_aid", "social_aid_statement", item.id, reason="code")
            db.session.commit()
            flash(_("The code does not match this statement (it is printed on the statement itself)."), "error")
            return redirect(back)
        attempt.give_back()
        hospital = form.hospital.data
    if payments.today() > item.valid_until:
        flash(_("This statement expired on %(day)s: it cannot be used for admission.",
                day=item.valid_until.isoformat()), "error")
        return redirect(back)
    taken = db.session.execute(update(Statement).where(Statement.id == item.id, Statement.acknowledged_at.is_(None))
                               .values(acknowledged_at=utcnow(), acknowledged_by=hospital,
                                       acknowledged_user=user_id).execution_options(synchronize_session=False))
    if taken.rowcount != 1:
        db.session.rollback()
        flash(_("This statement was already acknowledged by a hospital: it is used once."), "error")
        return redirect(back)
    audit.record("statement_acknowledged", "social_aid", "social_aid_statement", item.id, hospital=hospital,
                 by="account" if user_id else "code")
    db.session.commit()
    flash(_("Admission recorded: the statement is used."), "success")
    return redirect(back)
