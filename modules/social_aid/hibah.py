"""Grants to organisations (e-hibah): a proposal with its budget and documents, evaluated by the OPD of its
field, recommended by the TAPD, the agreement (NPHD) signed as a numbered PDF, paid once through the core's
payments, and the accountability report (LPJ) due by a date; an organisation with an overdue LPJ gets no new
grant."""
from __future__ import annotations

import json
from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from egovkit.auth import roles as roles_mod, scope
from egovkit.db import db
from egovkit.models import Agency
from egovkit.services import audit, documents, payments, uploads, workflow
from egovkit.web import once
from egovkit.web.forms import Form

from . import HIBAH_DOCUMENT
from .models import HIBAH, Grant, Organisation
from .views import bp

PROPOSE = "social_aid.hibah.propose"


def settings():
    return current_app.extensions["egovkit"].profile.modules["social_aid"].hibah


def _enabled():
    if settings() is None:
        abort(404)


def evaluator_of(user=None) -> str | None:
    """The evaluating OPD (under hibah.evaluators) the user records proposals for."""
    held = roles_mod.granted_roles(current_app.extensions["egovkit"].profile, PROPOSE)
    for grant in scope.grants(roles=held, user=user):
        if grant.agency in settings().evaluators:
            return grant.agency
    return None


def normalised(number: str) -> str:
    return "".join((number or "").split()).upper()


def overdue(org_id: int, day=None) -> list[Grant]:
    """Grants of the organisation whose LPJ is past its due date and not received."""
    day = day or payments.today()
    return db.session.scalars(select(Grant).where(Grant.org_id == org_id, Grant.lpj.is_(None),
                                                  Grant.lpj_due.is_not(None), Grant.lpj_due < day)).all()


def overdue_refusals(org_id: int) -> list[str]:
    return [_("The organisation's accountability report (LPJ) for %(title)s was due on %(day)s and is not "
              "received: no new grant until it is.", title=g.title, day=g.lpj_due.isoformat())
            for g in overdue(org_id)]


def parse_budget(text: str) -> tuple[list[list], list[str]]:
    """Budget lines "description; amount" (Rupiah, dots allowed), each error named by its line."""
    lines, errors = [], []
    for n, raw in enumerate((text or "").splitlines(), 1):
        if not raw.strip():
            continue
        what, sep, amount = raw.rpartition(";")
        digits = amount.strip().replace(".", "")
        if not sep or len(what.strip()) < 3:
            errors.append(_("Budget line %(line)s: write the item, a semicolon, then the amount.", line=n))
        elif not digits.isdigit() or int(digits) <= 0:
            errors.append(_("Budget line %(line)s: %(value)s is not an amount of Rupiah.", line=n,
                            value=amount.strip()[:20]))
        else:
            lines.append([" ".join(what.split())[:200], int(digits)])
    if not lines and not errors:
        errors.append(_("Budget: at least one line."))
    total = sum(amount for _what, amount in lines)
    if not errors and total > settings().max_amount:
        errors.append(_("Budget: the total %(total)s is above the most a proposal may ask, %(limit)s.",
                        total=documents.rupiah(total), limit=documents.rupiah(settings().max_amount)))
    return lines, errors


class GrantForm(Form):
    org_name = StringField("Organisation", validators=[DataRequired(), Length(min=3, max=200)])
    legal_number = StringField("Registration number (AHU / SK)", validators=[DataRequired(), Length(max=60)])
    address = StringField("Address", validators=[DataRequired(), Length(max=300)])
    title = StringField("Activity", validators=[DataRequired(), Length(max=200)])
    budget = TextAreaField("Budget (RAB): one line per item, 'item; amount'", validators=[DataRequired()])
    documents = FileField("Proposal documents (one PDF)", validators=[FileRequired()])


class PayForm(Form):
    reference = StringField("Transfer number", validators=[DataRequired(), Length(max=60)])
    paid_on = DateField("Date paid", validators=[DataRequired()])


class LpjForm(Form):
    report = FileField("Accountability report (LPJ, PDF)", validators=[FileRequired()])


@bp.get("/hibah")
@scope.require("social_aid.read")
def grants():
    _enabled()
    rows = db.session.execute(scope.visible(select(Grant, Organisation, workflow.Case)
                                            .join(Organisation, Organisation.id == Grant.org_id)
                                            .outerjoin(workflow.Case, workflow.Case.id == Grant.case_id), Grant)
                              .order_by(Grant.id.desc()).limit(500)).all()
    return render_template("social_aid/grants.html", rows=rows, today=payments.today(),
                           can_propose=evaluator_of() is not None)


@bp.route("/hibah/new", methods=["GET", "POST"])
@scope.require(PROPOSE)
def new_grant():
    _enabled()
    form, errors = GrantForm(), []
    evaluator = evaluator_of()
    if evaluator is None:
        abort(403)
    if form.validate_on_submit():
        if (first := once.replay()) is not None:
            return first
        lines, errors = parse_budget(form.budget.data)
        org = db.session.scalar(select(Organisation).where(
            Organisation.legal_number == normalised(form.legal_number.data)))
        if org is not None:
            errors += overdue_refusals(org.id)
        if not errors:
            grant = _make(form, org, lines, evaluator)
            if grant is not None:
                once.record(url_for(".grant", record_id=grant.id))
                db.session.commit()
                flash(_("Proposal recorded. Another staff member of the OPD evaluates it."), "success")
                return redirect(url_for(".grant", record_id=grant.id))
            db.session.rollback()
    return render_template("social_aid/grant_new.html", form=form, errors=errors, settings=settings()), \
        (400 if request.method == "POST" else 200)


def _make(form, org, lines, evaluator) -> Grant | None:
    try:
        stored = uploads.save(form.documents.data, "social_aid", kinds=("pdf",))
    except uploads.UploadError as exc:
        form.documents.errors.append(str(exc))
        return None
    if org is None:
        org = Organisation(name=" ".join(form.org_name.data.split()), address=form.address.data.strip(),
                           legal_number=normalised(form.legal_number.data))
        try:
            with db.session.begin_nested():
                db.session.add(org)
                db.session.flush()
        except IntegrityError:  # recorded by a racing request
            org = db.session.scalar(select(Organisation).where(Organisation.legal_number == org.legal_number))
    grant = Grant(org_id=org.id, title=form.title.data.strip(), budget=json.dumps(lines, ensure_ascii=False),
                  amount=sum(a for _w, a in lines), evaluator=evaluator, agency_code=evaluator, documents=stored,
                  created_by=current_user.id)
    db.session.add(grant)
    db.session.flush()
    case = workflow.start("social_aid.hibah", grant.id, f"Hibah: {org.name}", module="social_aid",
                          agency_code=evaluator, user=current_user)
    grant.case_id = case.id
    audit.record("grant_proposed", "social_aid", "social_aid_grant", grant.id, org=org.id, amount=grant.amount)
    return grant


def _load(record_id: int):
    _enabled()
    grant = scope.get_or_404(Grant, record_id)
    return grant, db.session.get(Organisation, grant.org_id), db.session.get(workflow.Case, grant.case_id)


@bp.get("/hibah/<int:record_id>")
@scope.require("social_aid.read")
def grant(record_id: int):
    item, org, case = _load(record_id)
    can = {t.name for t in workflow.allowed(case)} if case else set()
    agency = db.session.get(Agency, item.evaluator)
    return render_template("social_aid/grant.html", item=item, org=org, case=case, can=can, agency=agency,
                           lines=json.loads(item.budget), payment=payments.current(HIBAH, item.id),
                           pay_form=PayForm(paid_on=payments.today()), lpj_form=LpjForm(), today=payments.today(),
                           overdue=overdue(org.id))


@bp.get("/hibah/<int:record_id>/<any(documents, lpj):which>.pdf")
@scope.require("social_aid.read")
def grant_file(record_id: int, which: str):
    item, _org, _case = _load(record_id)
    stored = item.documents if which == "documents" else item.lpj
    if not stored:
        abort(404)
    try:
        return uploads.send_private(uploads.path(stored, "social_aid"), mimetype="application/pdf",
                                    download_name=f"hibah-{item.id}-{which}.pdf")
    except FileNotFoundError:
        abort(404)


@bp.get("/hibah/<int:record_id>/nphd.pdf")
@scope.require("social_aid.read")
def nphd(record_id: int):
    item, _org, _case = _load(record_id)
    if not item.agreement_code:
        abort(404)
    return uploads.send_private(documents.storage(item.agreement_code), mimetype="application/pdf",
                                download_name=f"nphd-{item.id}.pdf")


def _decide(record_id: int, act):
    """Run ``act(item, org, case)`` (which fires the transition) in one transaction; flash its outcome."""
    item, org, case = _load(record_id)
    here = url_for(".grant", record_id=record_id)
    try:
        message = act(item, org, case)
    except payments.PaymentError as exc:
        db.session.rollback()
        flash(exc.describe(), "error")
        return redirect(here)
    except workflow.WorkflowError as exc:
        db.session.rollback()
        flash(str(exc) if not isinstance(exc, workflow.Forbidden) else _("You may not take this decision."),
              "error")
        return redirect(here)
    except ValueError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(here)
    db.session.commit()
    flash(message, "success")
    return redirect(here)


@bp.post("/hibah/<int:record_id>/agree")
@scope.require("social_aid.read")
def agree(record_id: int):
    _load(record_id)
    if not Form().validate_on_submit():
        abort(400)

    def act(item, org, case):
        step = workflow.fire(case, "agree", user=current_user)
        doc = documents.issue(
            HIBAH_DOCUMENT, module="social_aid", record_id=item.id, title="Naskah Perjanjian Hibah Daerah",
            agency_code=item.agency_code,
            paragraphs=[f"Pemerintah Daerah, melalui {db.session.get(Agency, item.agency_code).name}, memberikan "
                        f"hibah kepada {org.name} (nomor registrasi {org.legal_number}), beralamat di {org.address}, "
                        f"untuk kegiatan: {item.title}.",
                        f"Besar hibah {documents.rupiah(item.amount)} ({documents.terbilang(item.amount)}), "
                        "dipergunakan sesuai rencana anggaran biaya yang diusulkan.",
                        f"Penerima hibah menyampaikan laporan pertanggungjawaban (LPJ) paling lambat "
                        f"{settings().lpj_days} hari setelah pencairan; penerima yang terlambat tidak dapat "
                        "menerima hibah baru."],
            facts=[("Penerima", org.name), ("Kegiatan", item.title), ("Nilai hibah", documents.rupiah(item.amount))])
        item.agreement_code, item.agreed_by, item.agreed_on = doc.code, step.actor_id, payments.today()
        return _("Agreement signed: NPHD %(number)s.", number=doc.number)

    return _decide(record_id, act)


@bp.post("/hibah/<int:record_id>/pay")
@scope.require("social_aid.read")
def grant_pay(record_id: int):
    _load(record_id)  # out of reach: 404 before anything else
    form = PayForm()
    if not form.validate_on_submit():
        flash(_("Give the transfer number and the date paid."), "error")
        return redirect(url_for(".grant", record_id=record_id))

    def act(item, org, case):
        late = overdue_refusals(org.id)
        if late:
            raise ValueError(late[0])
        due = HIBAH.payable(item.id, amount=item.amount, billed_on=item.agreed_on, billed_by=item.agreed_by,
                            party=org.name, agency_code=item.agency_code, region_code=item.village_code)
        payments.record(due, amount=item.amount, paid_on=form.paid_on.data, reference=form.reference.data,
                        user=current_user, details={"grant": item.id, "org": org.id})
        workflow.fire(case, "pay", data={"receipt": form.reference.data.strip()}, user=current_user)
        item.paid_on = form.paid_on.data
        item.lpj_due = form.paid_on.data + timedelta(days=settings().lpj_days)
        return _("Payment recorded.")

    return _decide(record_id, act)


@bp.post("/hibah/<int:record_id>/lpj")
@scope.require("social_aid.read")
def lpj(record_id: int):
    _load(record_id)
    form = LpjForm()
    if not form.validate_on_submit():
        flash(_("Choose the LPJ as a PDF file."), "error")
        return redirect(url_for(".grant", record_id=record_id))

    def act(item, org, case):
        workflow.fire(case, "report", user=current_user)
        try:
            item.lpj = uploads.save(form.report.data, "social_aid", kinds=("pdf",))
        except uploads.UploadError as exc:
            raise ValueError(str(exc)) from None
        item.lpj_on = payments.today()
        audit.record("grant_accounted", "social_aid", "social_aid_grant", item.id, lpj_due=item.lpj_due.isoformat(),
                     late=item.lpj_on > item.lpj_due)
        return _("Accountability report received.")

    return _decide(record_id, act)


# ------------------------------------------------------------------ workflow hooks
def still_grantable(case) -> list[str]:
    item = db.session.get(Grant, int(case.record_id))
    return overdue_refusals(item.org_id)


def on_evaluated(case, step):
    """Evaluated: the grant moves on to the grant agency (the TAPD's secretariat) for the recommendation."""
    item = db.session.get(Grant, int(case.record_id))
    item.agency_code = case.agency_code = settings().agency
