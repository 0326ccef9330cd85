"""Permit screens: apply (citizen), the queues of the one-stop office and of the
verifying agencies, the application with its documents and decisions, the
permit PDF, and public tracking by code."""
from __future__ import annotations

import json
import re
import secrets
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_, select, update

from egovkit import formfields

from egovkit.services import audit, documents, events, notifications, payments, uploads, workflow
from egovkit.auth import scope
from egovkit.db import db
from egovkit.models import as_utc
from egovkit.web import once
from egovkit.web.forms import Form
from egovkit.web.views import rupiah

from .models import FEE, Permit

bp = Blueprint("permits", __name__, url_prefix="/izin", template_folder="templates")


def _settings():
    return current_app.extensions["egovkit"].profile.modules["permits"]


def _types() -> dict:
    return _settings().types


def _staff_roles(permission: str) -> frozenset[str]:
    """The roles holding a permission, without the IT administrator: applications and decisions belong to
    the agencies (the administrator manages accounts, not permits)."""
    return current_app.extensions["egovkit"].profile.roles_with(permission) - {"admin"}


def _front_office() -> bool:
    """Whether the user is staff of the one-stop office, which handles every application."""
    return any(g.everything or g.agency == _settings().front_office
               for g in scope.grants(None, _staff_roles("permits.read")))


def _reach(item: Permit) -> bool:
    """The applicant, the one-stop office, the verifying agency, or whoever may decide on the case now
    (a delegate the profile names)."""
    if item.applicant_id == current_user.id or _front_office():
        return True
    if any(scope.covers(g, item) for g in scope.grants(None, _staff_roles("permits.read"))):
        return True
    case = db.session.get(workflow.Case, item.case_id) if item.case_id else None
    return case is not None and bool(workflow.allowed(case))


def _get(record_id: int) -> Permit:
    item = db.session.get(Permit, record_id)
    if item is None or not _reach(item):
        abort(404)
    return item


@bp.get("/")
@login_required
def index():
    """The applicant's own applications; for staff, the applications of their agency (all, at the front office)."""
    stmt = select(Permit)
    if not _front_office():
        mine = Permit.applicant_id == current_user.id
        stmt = stmt.where(or_(mine, scope.condition(Permit, roles=_staff_roles("permits.read"))))
    rows = db.session.scalars(stmt.order_by(Permit.id.desc()).limit(200)).all()
    cases = workflow.cases_of(rows)
    return render_template("permits/index.html", rows=rows, cases=cases, types=_types(),
                           can_apply=scope.can("permits.apply"))


@bp.route("/apply", methods=["GET", "POST"])
@scope.require("permits.apply")
def apply():
    types = _types()
    renews = _renewable(request.values.get("renews", type=int)) if request.values.get("renews") else None
    kind = renews.permit_type if renews else request.values.get("type")
    permit_type = types.get(kind)
    form, errors, kept = Form(), {}, {}
    if permit_type is not None and request.method == "POST" and form.validate_on_submit():
        if (first := once.replay()) is not None:  # the same form sent again: one application, not two
            return first
        files = _chosen(permit_type)
        data, errors = _checked(permit_type, request.form, files, have=set())
        if not errors:
            item = Permit(tracking_code=workflow.tracking_code(), permit_type=kind, agency_code=permit_type.agency,
                          applicant_id=current_user.id, applicant_name=current_user.name[:120],
                          applicant_nik=getattr(current_user, "nik", None), fee=permit_type.fee,
                          renews_id=renews.id if renews else None, files="{}", **data)
            db.session.add(item)
            db.session.flush()
            stored, errors = _store(item, permit_type, files)
            if errors:
                db.session.rollback()
            else:
                item.files = json.dumps(stored)
                case = workflow.start("permits.application", item.id,
                                      f"{permit_type.title['id']}: {item.business}", module="permits",
                                      agency_code=_settings().front_office, owner_id=current_user.id,
                                      user=current_user)
                item.case_id = case.id
                once.record(url_for(".permit", record_id=item.id))
                db.session.commit()
                uploads.release(files.values())  # the kept copies, now stored with the application
                flash(_("Application sent. Tracking code: %(code)s", code=item.tracking_code), "success")
                return redirect(url_for(".permit", record_id=item.id))
        if errors:
            kept = _keep(permit_type, files, errors)
    values = request.form
    if renews is not None and request.method == "GET":
        values = {"business": renews.business, "address": renews.address, **json.loads(renews.fields)}
    return render_template("permits/apply.html", types=types, kind=kind, permit_type=permit_type, form=form,
                           errors=errors, values=values, renews=renews, kept=kept), (400 if errors else 200)


def _chosen(permit_type) -> dict:
    """Each document's file: chosen now, or kept from the form refused before (uploads.chosen)."""
    return {d.name: next(iter(uploads.chosen(request.files, request.form, d.name)), None)
            for d in permit_type.documents}


def _keep(permit_type, files: dict, errors: dict) -> dict:
    """Keep the chosen files of a refused form, so the applicant does not choose them again; a file that is
    itself refused says why under its field."""
    kept = {}
    for need in permit_type.documents:
        upload = files.get(need.name)
        if upload is None:
            continue
        try:
            kept[need.name] = uploads.hold(upload, need.name, kinds=tuple(need.kinds),
                                           max_bytes=need.max_mb * 1024 * 1024)
        except uploads.UploadError as exc:
            errors.setdefault(need.name, str(exc))
    return kept


NIB = re.compile(r"^[0-9]{13}$")


def _checked(permit_type, form, files, have: set[str]) -> tuple[dict, dict]:
    """(columns, errors) of an application form; ``have``: documents already stored (not needed again)."""
    answers, errors = formfields.check(permit_type.fields, form)
    business = " ".join((form.get("business") or "").split())
    address = " ".join((form.get("address") or "").split())
    nib = (form.get("nib") or "").strip()
    if not business or len(business) > 200:
        errors["business"] = _("A name of at most 200 characters.")
    if not address:
        errors["address"] = _("This field is required.")
    elif len(address) > 300:
        errors["address"] = _("Field cannot be longer than %(max)d characters.", max=300)
    if nib and not NIB.match(nib):
        errors["nib"] = _("An NIB has 13 digits.")
    for need in permit_type.documents:
        upload = files.get(need.name)
        if need.required and need.name not in have and not (upload and upload.filename):
            errors[need.name] = _("This field is required.")
    return {"business": business, "address": address, "applicant_nib": nib or None,
            "fields": json.dumps(answers, ensure_ascii=False)}, errors


def _store(item: Permit, permit_type, files) -> tuple[dict, dict]:
    """Save the uploaded documents; on a refusal, nothing saved now is kept."""
    stored = {}
    for need in permit_type.documents:
        upload = files.get(need.name)
        if upload and upload.filename:
            try:
                stored[need.name] = uploads.save(upload, "permits", str(item.id), kinds=tuple(need.kinds),
                                                 max_bytes=need.max_mb * 1024 * 1024)
            except uploads.UploadError as exc:
                for name in stored.values():
                    uploads.path(name, "permits", str(item.id)).unlink(missing_ok=True)
                return {}, {need.name: str(exc)}
    return stored, {}


@bp.route("/<int:record_id>/edit", methods=["GET", "POST"])
@login_required
def edit(record_id: int):
    """The applicant completes a returned application (fields, documents to replace), then submits it again."""
    item = _get(record_id)
    case = db.session.get(workflow.Case, item.case_id)
    permit_type = _types().get(item.permit_type)
    if item.applicant_id != current_user.id or case.state != "returned" or permit_type is None:
        abort(404)
    form, errors = Form(), {}
    old = json.loads(item.files)
    if request.method == "POST" and form.validate_on_submit():
        data, errors = _checked(permit_type, request.form, request.files, have=set(old))
        if not errors:
            stored, errors = _store(item, permit_type, request.files)
            if not errors:
                for key, value in data.items():
                    setattr(item, key, value)
                item.files = json.dumps({**old, **stored})
                try:
                    workflow.fire(case, "resubmit", note=_("Completed by the applicant"))
                except workflow.WorkflowError as exc:
                    db.session.rollback()
                    for name in stored.values():
                        uploads.path(name, "permits", str(item.id)).unlink(missing_ok=True)
                    flash(_("Not done: %(reason)s", reason=str(exc)), "error")
                    return redirect(url_for(".permit", record_id=item.id))
                db.session.commit()
                for key, name in old.items():  # replaced documents go once the change is saved
                    if key in stored:
                        uploads.path(name, "permits", str(item.id)).unlink(missing_ok=True)
                flash(_("Application sent again."), "success")
                return redirect(url_for(".permit", record_id=item.id))
    values = request.form if request.method == "POST" else {
        "business": item.business, "address": item.address, "nib": item.applicant_nib or "",
        **json.loads(item.fields)}
    return render_template("permits/apply.html", types=_types(), kind=item.permit_type, permit_type=permit_type,
                           form=form, errors=errors, values=values, renews=None, editing=item,
                           have=set(old)), (400 if errors else 200)


def _today() -> date:
    return datetime.now(ZoneInfo(current_app.extensions["egovkit"].profile.timezone)).date()


def renewal_opens(item: Permit) -> date | None:
    """From when the holder may apply to renew (None: the permit cannot be renewed now or ever)."""
    if item.ended or not item.valid_until:
        return None
    return item.valid_until - timedelta(days=_settings().renew_days)


def _renewal_pending(item: Permit) -> bool:
    """Whether a renewal of this permit is on its way or issued (a rejected one does not count)."""
    return db.session.scalar(
        select(Permit.id).join(workflow.Case, workflow.Case.id == Permit.case_id)
        .where(Permit.renews_id == item.id, or_(workflow.Case.closed.is_(False), workflow.Case.state == "issued"))
        .limit(1)) is not None


def _renewable(record_id: int | None) -> Permit:
    item = db.session.scalar(select(Permit).where(Permit.id == (record_id or 0)).with_for_update())
    if item is None or item.applicant_id != current_user.id:
        abort(404)
    opens = renewal_opens(item)
    if opens is None or not opens <= _today() <= item.valid_until or _renewal_pending(item):
        abort(409)
    return item



@bp.get("/<int:record_id>")
@login_required
def permit(record_id: int):
    return _page(_get(record_id))


def _page(item: Permit, payment_errors: dict | None = None, status: int = 200):
    case = db.session.get(workflow.Case, item.case_id)
    opens = renewal_opens(item) if case.state == "issued" else None
    can_renew = (opens is not None and item.applicant_id == current_user.id and opens <= _today() <= item.valid_until
                 and not _renewal_pending(item))
    return render_template("permits/permit.html", permit=item, case=case, permit_type=_type_or_name(item),
                           answers=json.loads(item.fields), files=json.loads(item.files), doc=_document(item),
                           can_revoke=case.state == "issued" and not item.ended and _can_revoke(),
                           can_renew=can_renew, opens=opens, form=Form(), can_pay=_can_pay(case),
                           payment_errors=payment_errors or {},
                           payment_values=request.form if payment_errors else {"amount": item.fee},
                           instructions=_settings().payment_instructions), status


def _can_pay(case) -> bool:
    return case.state == "billed" and any(t.name == "pay" for t in workflow.allowed(case))


@bp.post("/<int:record_id>/payment")
@login_required
def payment(record_id: int):
    """The front office records the fee's payment (the bank's or cashier's receipt); the permit is issued."""
    item = _get(record_id)
    case = db.session.get(workflow.Case, item.case_id)
    form = Form()
    if not form.validate_on_submit():
        abort(400)
    if payments.current(FEE, item.id) is not None:
        flash(_("Not done: %(reason)s", reason=_("This bill is already paid.")), "error")
        return redirect(url_for(".permit", record_id=item.id))
    if not _can_pay(case):
        flash(_("Not done: %(reason)s", reason=_("this application is not awaiting a payment you may record.")),
              "error")
        return redirect(url_for(".permit", record_id=item.id))
    paid, errors = payments.entered(request.form)  # the core's payment form: one way to type money
    if errors:
        return _page(item, payment_errors=errors, status=400)
    try:
        record_payment(item, case, paid.amount, paid.paid_on, paid.reference)
    except payments.AlreadyPaid as exc:
        db.session.rollback()
        flash(_("Not done: %(reason)s", reason=exc.describe()), "error")
        return redirect(url_for(".permit", record_id=item.id))
    except payments.PaymentError as exc:
        db.session.rollback()
        item = db.session.get(Permit, record_id)
        field = exc.field if exc.field in PAYMENT_FORM_FIELDS else None
        if field is None:
            flash(_("Not done: %(reason)s", reason=explain_payment(exc, item)), "error")
            return redirect(url_for(".permit", record_id=item.id))
        return _page(item, payment_errors={field: explain_payment(exc, item)}, status=400)
    except workflow.Forbidden:
        db.session.rollback()
        abort(403)
    except workflow.WorkflowError as exc:
        db.session.rollback()
        flash(_("Not done: %(reason)s", reason=str(exc)), "error")
        return redirect(url_for(".permit", record_id=item.id))
    db.session.commit()
    from egovkit.web.cache import invalidate

    invalidate()
    flash(_("Payment recorded: the permit is issued."), "success")
    return redirect(url_for(".permit", record_id=item.id))


PAYMENT_FORM_FIELDS = {f.name for f in payments.FORM_FIELDS}  # refusals shown under their field


def fee(item: Permit, case) -> payments.Payable:
    """The permit's fee as the core's payments see it: billed the day the case entered ``billed``, by the
    head who approved the bill."""
    zone = ZoneInfo(current_app.extensions["egovkit"].profile.timezone)
    billed = db.session.scalars(select(workflow.Step).where(workflow.Step.case_id == case.id,
                                                            workflow.Step.transition == "bill")
                                .order_by(workflow.Step.id.desc()).limit(1)).first()
    return FEE.payable(item.id, amount=item.fee, billed_on=as_utc(case.state_since).astimezone(zone).date(),
                       billed_by=billed.actor_id if billed else None, party=item.applicant_name,
                       agency_code=_settings().front_office)


def record_payment(item: Permit, case, amount: int, paid_on: date, receipt: str) -> payments.Payment:
    """Record the fee's payment through the core (once, one receipt per payment in the regency) and fire the
    case's ``pay``, which issues the permit; the caller commits, or rolls back on a refusal
    (``payments.PaymentError``, ``workflow.WorkflowError``)."""
    paid = payments.record(fee(item, case), amount=amount, paid_on=paid_on, reference=receipt, user=current_user,
                           details={"billing_code": item.billing_code})
    workflow.fire(case, "pay", data={"receipt": paid.reference, "paid_on": paid_on.isoformat(), "amount": amount})
    return paid


def explain_payment(exc: payments.PaymentError, item: Permit) -> str:
    """A refusal of the core's payments, in permits' words for the amount."""
    if isinstance(exc, payments.WrongAmount) and "due" in exc.params:
        return _("The bill is %(fee)s: a payment clears it only in full.", fee=rupiah(item.fee))
    return exc.describe()


def _type_or_name(item: Permit):
    """The permit's type, or a stand-in with its name when the profile no longer declares it."""
    found = _types().get(item.permit_type)
    if found is not None:
        return found
    from .types import PermitType
    return PermitType(title={"id": item.permit_type, "en": item.permit_type}, agency=item.agency_code,
                      template=["-"])


def _can_revoke() -> bool:
    return any(g.everything or g.agency == _settings().front_office
               for g in scope.grants(None, _staff_roles("permits.revoke")))


@bp.post("/<int:record_id>/revoke")
@login_required
def revoke(record_id: int):
    """The head of the one-stop office revokes an issued permit, with the reason (the PDF stops verifying)."""
    item = _get(record_id)
    case = db.session.get(workflow.Case, item.case_id)
    if not Form().validate_on_submit() or not _can_revoke():
        abort(403)
    reason = " ".join((request.form.get("reason") or "").split())
    if case.state != "issued" or item.ended:
        flash(_("Not done: %(reason)s", reason=_("only a permit in force can be revoked")), "error")
    elif not 10 <= len(reason) <= 500:
        flash(_("Not done: %(reason)s", reason=_("give the reason, 10 to 500 characters")), "error")
    elif db.session.execute(update(Permit).where(Permit.id == item.id, Permit.ended.is_(None))
                            .values(ended="revoked", ended_on=_today(), end_reason=reason)).rowcount != 1:
        flash(_("Not done: %(reason)s", reason=_("only a permit in force can be revoked")), "error")
    else:
        db.session.expire(item)
        doc = _document(item)
        if doc is not None:
            documents.revoke(doc)
        audit.record("revoke", "permits", "permits_permit", item.id, reason=reason)
        events.publish("permit.revoked", permit=item.id, permit_type=item.permit_type, reason=reason)
        db.session.commit()
        flash(_("The permit is revoked."), "success")
    return redirect(url_for(".permit", record_id=item.id), 303)


def expire_due() -> int:
    """Permits past their validity become expired, each publishing permit.expired once (the caller commits)."""
    today = _today()
    due = db.session.scalars(select(Permit).where(Permit.valid_until < today, Permit.ended.is_(None),
                                                  Permit.issued_on.is_not(None))).all()
    done = 0
    for item in due:  # a conditional UPDATE: two runs at once publish each expiry once
        ended = db.session.execute(update(Permit).where(Permit.id == item.id, Permit.ended.is_(None))
                                   .values(ended="expired", ended_on=item.valid_until + timedelta(days=1)))
        if ended.rowcount == 1:
            events.publish("permit.expired", permit=item.id, permit_type=item.permit_type,
                           valid_until=item.valid_until.isoformat())
            done += 1
    return done


@bp.get("/<int:record_id>/files/<name>")
@login_required
def permit_file(record_id: int, name: str):
    item = _get(record_id)
    stored = json.loads(item.files).get(name)
    if not stored:
        abort(404)
    try:
        return uploads.send_private(uploads.path(stored, "permits", str(item.id)))
    except FileNotFoundError:
        abort(404)


def _document(item: Permit):
    return db.session.scalar(select(documents.Document).where(
        documents.Document.doc_type == "permits.permit", documents.Document.record_id == str(item.id)))


@bp.get("/<int:record_id>/pdf")
@login_required
def permit_pdf(record_id: int):
    item = _get(record_id)
    doc = _document(item)
    if doc is None:
        abort(404)
    try:
        return uploads.send_private(documents.storage(doc.code), mimetype="application/pdf",
                                    download_name=f"izin-{item.id}.pdf")
    except FileNotFoundError:
        abort(404)


@bp.get("/track")
def track():
    """Public: the state of an application by its tracking code, without personal data."""
    code = (request.args.get("code") or "").strip().upper()
    found = db.session.scalar(select(Permit).where(Permit.tracking_code == code)) if code else None
    case = db.session.get(workflow.Case, found.case_id) if found and found.case_id else None
    return render_template("permits/track.html", code=code, permit=found, case=case,
                           permit_type=_types().get(found.permit_type) if found else None), \
        (404 if code and found is None else 200)


def tracked(code: str) -> str | None:
    """Module.tracking: the id of the application with this tracking code (the kiosk, self-print)."""
    found = db.session.scalar(select(Permit.id).where(Permit.tracking_code == code))
    return None if found is None else str(found)


# ----------------------------------------------------------------- workflow hooks
def to_front_office(case, step) -> None:
    case.agency_code = _settings().front_office


def to_agency(case, step) -> None:
    """A complete application goes to the verifying agency's queue; the type's SLA starts the first time."""
    item = db.session.get(Permit, int(case.record_id))
    case.agency_code = item.agency_code
    kind = _types().get(item.permit_type)
    if case.deadline is None and kind is not None:
        workflow.set_deadline(case, kind.sla_days)


def not_own(case) -> list[str]:
    """Workflow check: nobody decides on their own application."""
    return [_("You cannot decide on your own application.")] if case.owner_id == current_user.id else []


def approvable(case) -> list[str]:
    """Workflow check before the head approves: not their own; a renewal of a revoked permit is refused."""
    found = not_own(case)
    item = db.session.get(Permit, int(case.record_id))
    previous = db.session.get(Permit, item.renews_id) if item.renews_id else None
    if previous is not None and previous.ended == "revoked":
        found.append(_("The permit this application renews was revoked: it cannot be renewed."))
    return found


def _permit_of(case) -> Permit:
    return db.session.get(Permit, int(case.record_id))


def applicant(case):
    """Workflow.notify: whom an application belongs to, its tracking code, what it is (and its bill)."""
    item = _permit_of(case)
    kind = _types().get(item.permit_type)
    bill = {"amount": rupiah(item.fee), "billing_code": item.billing_code or "-",
            "due": item.bill_due.isoformat() if item.bill_due else "-"}
    return (notifications.Person(user_id=item.applicant_id, nik=item.applicant_nik, params=bill),
            item.tracking_code, kind.title if kind else {"en": item.permit_type})


def free(case) -> bool:
    """Workflow condition: a permit without a fee is issued on approval."""
    return not _permit_of(case).fee


def has_fee(case) -> bool:
    """Workflow condition: a permit with a fee is approved into a bill, and issued once it is paid."""
    return bool(_permit_of(case).fee)


def _billing_code() -> str:
    """16 digits for the bank: regency, 9 (a permit fee; etax's codes carry the year there), year and month,
    7 random digits."""
    regency = current_app.extensions["egovkit"].profile.regency.code.replace(".", "")
    today = _today()
    while True:
        code = f"{regency}9{today:%y%m}" + "".join(secrets.choice("0123456789") for _ in range(7))
        if db.session.scalar(select(Permit.id).where(Permit.billing_code == code)) is None:
            return code


def on_billed(case, step) -> None:
    """The fee's bill: a billing code and a due date. The office's SLA ends here (it has decided); the case
    waits at the front office, due when the bill is."""
    item = _permit_of(case)
    item.billing_code = _billing_code()
    item.bill_due = _today() + timedelta(days=_settings().payment_days)
    case.agency_code = _settings().front_office
    case.deadline = None
    zone = ZoneInfo(current_app.extensions["egovkit"].profile.timezone)
    case.due_at = datetime.combine(item.bill_due, time(23, 59, 59), zone).astimezone(timezone.utc)


def past_due(case) -> bool:
    """Workflow condition: an unpaid bill may be cancelled once its last day to pay has passed."""
    item = _permit_of(case)
    return item.bill_due is not None and _today() > item.bill_due


def on_issued(case, step) -> None:
    """Number, render and sign the permit PDF; publish permit.issued for other agencies (etax)."""
    item = _permit_of(case)
    kind = _types().get(item.permit_type)
    if kind is None:
        raise workflow.Invalid(_("The profile no longer declares the permit type %(name)s.", name=item.permit_type))
    profile = current_app.extensions["egovkit"].profile
    item.issued_on = _today()
    previous = db.session.get(Permit, item.renews_id) if item.renews_id else None
    if kind.valid_months:  # a renewal carries on from the end of the permit it renews
        start = previous.valid_until if previous is not None and previous.valid_until else item.issued_on
        months = start.month - 1 + kind.valid_months
        item.valid_until = _clamp(start.year + months // 12, months % 12 + 1, start.day)
    if previous is not None and not previous.ended:
        previous.ended, previous.ended_on = "renewed", item.issued_on
    answers = json.loads(item.fields)
    values = {**{f.name: answers.get(f.name) or "-" for f in kind.fields},
              "applicant": item.applicant_name, "nik": item.applicant_nik or "-", "nib": item.applicant_nib or "-",
              "business": item.business, "address": item.address, "regency": profile.regency.name,
              "valid_until": item.valid_until.strftime("%d-%m-%Y") if item.valid_until else "selama tidak dicabut"}
    paragraphs = [p.format(**values) for p in kind.template]  # the template's names are checked with the profile
    doc_type = current_app.extensions["egovkit"].modules_by_name["permits"].documents[0]
    # The letterhead is the one-stop office's: it issues and signs the permit.
    documents.issue(doc_type, module="permits", record_id=item.id, title=kind.title["id"], paragraphs=paragraphs,
                    code=kind.code, agency_code=_settings().front_office, facts=[("Jenis izin", kind.title["id"]), ("Pemegang", item.applicant_name),
                                           ("Usaha/kegiatan", item.business),
                                           ("Berlaku sampai", values["valid_until"] if item.valid_until else "-"),
                                           *([("Retribusi", f"Rp {item.paid_amount:,}".replace(",", ".")
                                               + f", lunas {item.paid_on:%d-%m-%Y} ({item.payment_ref})")]
                                             if item.paid_on else []),
                                           ("Disetujui oleh", _approver(case, step))])
    events.publish("permit.issued", permit=item.id, permit_type=item.permit_type, tax_object=kind.tax_object,
                   nik=item.applicant_nik, holder=item.applicant_name, business=item.business, address=item.address,
                   valid_until=item.valid_until.isoformat() if item.valid_until else None, renews=item.renews_id)


def _approver(case, step) -> str:
    """Who approved: this step's actor, or (a fee paid after approval) the actor of the approval itself."""
    if step.transition != "pay":
        return step.who
    approval = db.session.scalars(select(workflow.Step).where(workflow.Step.case_id == case.id,
                                                              workflow.Step.transition == "bill")
                                  .order_by(workflow.Step.id.desc()).limit(1)).first()
    return approval.who if approval else step.who


def _clamp(year: int, month: int, day: int) -> date:
    while True:
        try:
            return date(year, month, day)
        except ValueError:
            day -= 1
