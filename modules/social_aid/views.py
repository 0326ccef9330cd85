"""Social aid pages: propose a resident, the proposal and its decisions, payment, disbursement and public
lists, the decile import."""
from __future__ import annotations

import json
import secrets
import shutil
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.utils import secure_filename
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from egovkit.auth import scope
from egovkit.db import db
from egovkit.models import Region
from egovkit.services import audit, documents, payments, register, uploads, workflow
from egovkit.services.csvimport import RowError
from egovkit.web import export, once
from egovkit.web.forms import Form

from . import eligibility, importer
from .handlers import release
from .models import BENEFIT, Decile, Proposal, Quota

bp = Blueprint("social_aid", __name__, url_prefix="/bansos", template_folder="templates")
STANDING = ("approved", "paid")  # on the disbursement and public lists


def _settings():
    return current_app.extensions["egovkit"].profile.modules["social_aid"]


def _programmes():
    return eligibility.programmes()


def _programme_or_404(key: str | None):
    programme = _programmes().get(key or "")
    if programme is None:
        abort(404)
    return programme


@bp.get("/")
@scope.require("social_aid.read")
def index():
    counts = dict(((p, s), n) for p, s, n in db.session.execute(
        scope.visible(select(Proposal.programme, workflow.Case.state, func.count())
                      .join(workflow.Case, workflow.Case.id == Proposal.case_id), Proposal)
        .group_by(Proposal.programme, workflow.Case.state)))
    agencies = {a.code: a.name for a in current_app.extensions["egovkit"].profile.agencies}
    return render_template("social_aid/index.html", programmes=_programmes(), counts=counts, agencies=agencies,
                           states=current_app.extensions["egovkit"].workflows["social_aid.proposal"].states,
                           today=payments.today(), can_propose=scope.can("social_aid.propose"),
                           can_import=scope.can("social_aid.import"), settings=_settings())


# ------------------------------------------------------------------ proposing
class ProposeForm(Form):
    programme = SelectField("Programme", choices=[], validate_choice=True)
    nik = StringField("NIK", validators=[DataRequired(), Length(min=16, max=16)])
    minutes = FileField("Musdesus minutes (PDF)", validators=[FileRequired()])


def take_quota(key: str, period: str, village: str, quota: int | None) -> bool:
    """One place of the desa's quota, race-safe: a conditional UPDATE below the quota (False: full)."""
    if quota is None:
        return True
    where = (Quota.programme == key, Quota.period == period, Quota.village_code == village)
    if db.session.scalar(select(Quota.id).where(*where)) is None:
        try:
            with db.session.begin_nested():
                db.session.execute(insert(Quota).values(programme=key, period=period, village_code=village, used=0))
        except IntegrityError:
            pass  # another request made the counter first
    taken = db.session.execute(update(Quota).where(*where, Quota.used < quota).values(used=Quota.used + 1)
                               .execution_options(synchronize_session=False))
    return taken.rowcount == 1


def free_quota(proposal: Proposal) -> None:
    db.session.execute(update(Quota).where(Quota.programme == proposal.programme, Quota.period == proposal.period,
                                           Quota.village_code == proposal.village_code, Quota.used > 0)
                       .values(used=Quota.used - 1).execution_options(synchronize_session=False))


@bp.route("/propose", methods=["GET", "POST"])
@scope.require("social_aid.propose")
def propose():
    form = ProposeForm()
    form.programme.choices = [(k, p.name) for k, p in _programmes().items()]
    failed, person = [], None
    if form.validate_on_submit():
        if (first := once.replay()) is not None:
            return first
        key, programme = form.programme.data, _programmes()[form.programme.data]
        person = register.person(form.nik.data.strip())
        today = payments.today()
        probe = Proposal(village_code=person.village_code if person else "", agency_code=programme.agency)
        if person is None or not scope.can("social_aid.propose", probe):
            form.nik.errors.append(_("No resident with this NIK in the register of your desa."))
        else:
            outcome = eligibility.check(key, programme, person, today)
            failed = outcome.failed
            if not failed:
                proposal = _make(key, programme, person, outcome, today, form)
                if proposal is not None:
                    once.record(url_for(".proposal", record_id=proposal.id))
                    db.session.commit()
                    flash(_("Proposal recorded: every rule is met. The agency verifies it next."), "success")
                    return redirect(url_for(".proposal", record_id=proposal.id))
                db.session.rollback()
                if not (form.nik.errors or form.minutes.errors):  # else the upload or a racing twin said why
                    form.programme.errors.append(_("The quota of this desa for this programme and period is full."))
    return render_template("social_aid/propose.html", form=form, failed=failed, person=person), \
        (400 if request.method == "POST" else 200)


def _make(key, programme, person, outcome, today, form) -> Proposal | None:
    """The proposal, its quota place and its case, in the caller's transaction (None: quota full)."""
    period = programme.period_of(today)
    subject = eligibility.subject_of(programme, person)
    if not take_quota(key, period, person.village_code, programme.quota_per_desa):
        return None
    try:
        stored = uploads.save(form.minutes.data, "social_aid", kinds=("pdf",))
    except uploads.UploadError as exc:
        form.minutes.errors.append(str(exc))
        return None
    decile = outcome.decile
    proposal = Proposal(programme=key, period=period, nik=person.nik, subject=subject, name=person.name,
                        village_code=person.village_code, agency_code=programme.agency, amount=programme.amount,
                        decile=decile.decile if decile else None, decile_date=decile.data_date if decile else None,
                        checks=json.dumps([c.as_json() for c in outcome.checks], ensure_ascii=False),
                        minutes=stored, active_key=f"{key}:{period}:{subject}", proposed_by=current_user.id)
    try:
        with db.session.begin_nested():
            db.session.add(proposal)
            db.session.flush()
    except IntegrityError:
        uploads.path(stored, "social_aid").unlink(missing_ok=True)
        form.nik.errors.append(_("Already proposed for this programme in %(period)s.", period=period))
        return None
    case = workflow.start("social_aid.proposal", proposal.id, f"{programme.name}: {person.name}", module="social_aid",
                          region_code=person.village_code, agency_code=programme.agency, user=current_user)
    proposal.case_id = case.id
    audit.record("proposed", "social_aid", "social_aid_proposal", proposal.id, programme=key, period=period,
                 decile=proposal.decile, decile_date=proposal.decile_date.isoformat() if proposal.decile_date else None)
    return proposal


@bp.get("/proposals")
@scope.require("social_aid.read")
def proposals():
    """Proposals within reach, newest first, by programme."""
    key = request.args.get("programme", "")
    stmt = select(Proposal, workflow.Case).outerjoin(workflow.Case, workflow.Case.id == Proposal.case_id)
    if key in _programmes():
        stmt = stmt.where(Proposal.programme == key)
    rows = db.session.execute(scope.visible(stmt, Proposal).order_by(Proposal.id.desc()).limit(500)).all()
    return render_template("social_aid/proposals.html", rows=rows, programmes=_programmes(), key=key)


# ------------------------------------------------------------------ who is eligible
LISTED = 500  # residents shown at most on a desa's list of eligible residents


class _Candidates:
    """The rows of ``eligibility.screen`` as the proposals they would become, for the one scoping helper: a viewer
    sees an eligible resident where they would see that resident's proposal (its desa, the programme's agency)."""

    __scope__ = Proposal.__scope__

    def __init__(self, rows, agency: str):
        self.village_code = rows.c.village_code
        self.agency_code = literal(agency)


@bp.get("/eligible")
@scope.require("social_aid.read")
def eligible():
    """Who in the register meets every rule of a programme today, from one query over the register and the
    deciles: the count per desa within reach, and one desa's residents (the list a desa proposes from)."""
    key = request.args.get("programme", "")
    programme = _programme_or_404(key)
    today = payments.today()
    found = eligibility.screen(key, programme, today)
    if found is None:
        abort(404)
    rows = found.subquery("eligible")
    village = None
    if request.args.get("village"):
        village = db.session.get(Region, request.args["village"])
        if village is None or village.level != "village" or not scope.can(
                "social_aid.read", Proposal(village_code=village.code, agency_code=programme.agency)):
            abort(404)
        counts = []
    else:
        counts = db.session.execute(
            select(rows.c.village_code, func.count(), func.count(func.distinct(rows.c.subject)))
            .where(scope.condition(_Candidates(rows, programme.agency))).group_by(rows.c.village_code)).all()
        if len(counts) == 1:  # a desa's own staff: its list at once
            village = db.session.get(Region, counts[0][0])
    names = dict(db.session.execute(select(Region.code, Region.name).where(
        Region.code.in_([c for c, _n, _s in counts]))).all()) if counts else {}
    listed, total = [], None
    if village is not None:
        mine = rows.c.village_code == village.code
        total = db.session.scalar(select(func.count()).select_from(rows).where(mine))
        listed = db.session.execute(select(rows).where(mine).order_by(rows.c.name, rows.c.nik).limit(LISTED)).all()
    return render_template("social_aid/eligible.html", key=key, programme=programme, today=today,
                           counts=sorted(counts, key=lambda c: names.get(c[0], c[0])), names=names, village=village,
                           listed=listed, total=total, age_on=eligibility.age_on,
                           can_propose=scope.can("social_aid.propose"))


# ------------------------------------------------------------------ a proposal and its decisions
class PayForm(Form):
    reference = StringField("Transfer number", validators=[DataRequired(), Length(max=60)])
    paid_on = DateField("Date paid", validators=[DataRequired()])


@bp.get("/proposals/<int:record_id>")
@scope.require("social_aid.read")
def proposal(record_id: int):
    item = scope.get_or_404(Proposal, record_id)
    case = db.session.get(workflow.Case, item.case_id) if item.case_id else None
    can_pay = case is not None and any(t.name == "pay" for t in workflow.allowed(case))
    form = PayForm(paid_on=payments.today())
    return render_template("social_aid/proposal.html", item=item, case=case, checks=_checks(item),
                           programme=_programmes().get(item.programme), payment=item.payment, can_pay=can_pay,
                           form=form, village=db.session.get(Region, item.village_code))


def _checks(item: Proposal) -> list[eligibility.Check]:
    return [eligibility.Check(c["rule"], c["ok"], c["message"], c["params"]) for c in json.loads(item.checks)]


@bp.get("/proposals/<int:record_id>/minutes")
@scope.require("social_aid.read")
def minutes(record_id: int):
    item = scope.get_or_404(Proposal, record_id)
    try:
        return uploads.send_private(uploads.path(item.minutes, "social_aid"), mimetype="application/pdf",
                                    download_name=f"musdesus-{item.id}.pdf")
    except FileNotFoundError:
        abort(404)


@bp.post("/proposals/<int:record_id>/pay")
@scope.require("social_aid.read")
def pay(record_id: int):
    item = scope.get_or_404(Proposal, record_id)
    case = db.session.get(workflow.Case, item.case_id) if item.case_id else None
    here = url_for(".proposal", record_id=record_id)
    form = PayForm()
    if case is None or not form.validate_on_submit():
        flash(_("Give the transfer number and the date paid."), "error")
        return redirect(here)
    person = register.person(item.nik)
    if item.stopped == "died" or person is None or person.status == "died":
        db.session.rollback()
        audit.record("payment_refused", "social_aid", "social_aid_proposal", item.id, reason="died")
        db.session.commit()
        flash(_("The beneficiary died: no payment can be made."), "error")
        return redirect(here)
    due = BENEFIT.payable(item.payable_id, amount=item.amount, billed_on=item.approved_on or payments.today(),
                          billed_by=item.approved_by, party=item.name, agency_code=item.agency_code,
                          region_code=item.village_code)
    return record_payment(due, case, form, here, amount=item.amount,
                          details={"proposal": item.id, "programme": item.programme, "period": item.period})


def record_payment(due, case, form, here: str, *, amount: int, details: dict):
    """Record ``due`` as paid (core payments: once, whoever races) and fire the case's ``pay`` in the same
    transaction; a refusal of either is flashed and nothing is written. Used by every payment form of
    the module with a transfer number and a date (bansos, death benefit)."""
    try:
        payments.record(due, amount=amount, paid_on=form.paid_on.data, reference=form.reference.data,
                        user=current_user, details=details)
        workflow.fire(case, "pay", data={"receipt": form.reference.data.strip()}, user=current_user)
    except payments.PaymentError as exc:
        db.session.rollback()
        flash(exc.describe(), "error")
        return redirect(here)
    except workflow.WorkflowError as exc:
        db.session.rollback()
        flash(str(exc) if not isinstance(exc, workflow.Forbidden) else _("You may not record this payment."),
              "error")
        return redirect(here)
    db.session.commit()
    flash(_("Payment recorded."), "success")
    return redirect(here)


def still_eligible(case) -> list[str]:
    """Workflow guard of verify and approve: the rules again, against today's register and deciles."""
    item = db.session.get(Proposal, int(case.record_id))
    programme = _programmes().get(item.programme) if item else None
    if item is None or programme is None:
        return [_("This programme is no longer in the profile.")]
    person = register.person(item.nik)
    if person is None:
        return [_("No resident with this NIK in the register of your desa.")]
    outcome = eligibility.check(item.programme, programme, person, payments.today(), ignore=item.id)
    return [c.describe() for c in outcome.failed]


def on_approved(case, step):
    item = db.session.get(Proposal, int(case.record_id))
    item.approved_by, item.approved_on = step.actor_id, payments.today()


def on_refused(case, step):
    release(db.session.get(Proposal, int(case.record_id)), "refused")


# ------------------------------------------------------------------ lists
def _list_args():
    key = request.args.get("programme", "")
    programme = _programme_or_404(key)
    period = request.args.get("period", "") or programme.period_of(payments.today())
    village = db.session.get(Region, request.args.get("village", ""))
    if village is None or village.level != "village":
        abort(404)
    return key, programme, period[:7], village


def _standing(key, period, village_code):
    """The approved and paid beneficiaries of a desa for a programme and period, in name order, with their standing
    payment in the same query: (name, amount, paid_on, reference), read as they come (a desa's list may hold
    100,000 rows: no ORM objects, no second query per batch)."""
    stmt = (select(Proposal.name, Proposal.amount, payments.Payment.paid_on, payments.Payment.reference)
            .join(workflow.Case, workflow.Case.id == Proposal.case_id)
            .outerjoin(payments.Payment, payments.settling(BENEFIT, Proposal.payable_sql()))
            .where(Proposal.programme == key, Proposal.period == period, Proposal.village_code == village_code,
                   Proposal.stopped.is_(None), workflow.Case.state.in_(STANDING))
            .order_by(Proposal.name, Proposal.id))
    return db.session.execute(stmt.execution_options(yield_per=1000))


@bp.get("/disbursement")
@scope.require("social_aid.read")
def disbursement():
    key, programme, period, village = _list_args()
    probe = Proposal(village_code=village.code, agency_code=programme.agency)
    if not scope.can("social_aid.read", probe):
        abort(404)
    title = f"DAFTAR PENYALURAN {programme.name.upper()} {period} DESA {village.name.upper()}"
    header = ["No", "Nama penerima", "Nominal (Rp)", "Tanggal salur", "No. transfer", "Tanda tangan / cap jempol"]
    counted = {"rows": 0, "total": 0}

    def table():
        """The list's rows as the query gives them, then the total: the sum of the rows."""
        for n, (who, amount, paid_on, reference) in enumerate(_standing(key, period, village.code), 1):
            counted["rows"], counted["total"] = n, counted["total"] + amount
            yield [n, who, amount, paid_on.isoformat() if paid_on else "", reference or "", ""]
        yield ["", "Jumlah", counted["total"], "", "", ""]

    name = f"penyaluran-{key}-{period}-{village.code}"
    wanted = request.args.get("format", "pdf")
    if wanted == "xlsx":
        data, mimetype = export.xlsx_bytes([("Penyaluran", title, header, table())], money={2}), export.XLSX
    else:
        shown = [[n, who, documents.rupiah(amount), day, ref, sign]
                 for n, who, amount, day, ref, sign in table()]
        shown += [["", "", "", "", "", ""], ["", "Kepala Desa / Pendamping", "", "", "Petugas dinas", ""]]
        data, mimetype = documents.table_pdf(title, header, shown, (10, 80, 35, 30, 45, 75)), "application/pdf"
    audit.record("disbursement_list", "social_aid", "social_aid_proposal", None, programme=key, period=period,
                 village=village.code, rows=counted["rows"], format="xlsx" if wanted == "xlsx" else "pdf")
    db.session.commit()
    return uploads.private_bytes(data, mimetype, f"{name}.{'xlsx' if wanted == 'xlsx' else 'pdf'}")


def masked(name: str) -> str:
    """'Budi Santoso' -> 'Bu** Sa*****': the first two letters of each word."""
    return " ".join(w[:2] + "*" * max(0, len(w) - 2) for w in name.split())


@bp.get("/public")
def public():
    """Recipients per desa, names partly masked, no NIK; only programmes whose profile says public_list."""
    shown = {k: p for k, p in _programmes().items() if p.public_list}
    key = request.args.get("programme")
    if not key or not request.args.get("village"):
        villages = db.session.scalars(select(Region).where(Region.level == "village").order_by(Region.name)).all()
        return render_template("social_aid/public.html", programmes=shown, villages=villages, rows=None)
    if key not in shown:
        abort(404)
    key, programme, period, village = _list_args()
    rows = [masked(name) for name, _amount, _paid_on, _reference in _standing(key, period, village.code)]
    return render_template("social_aid/public.html", programmes=shown, rows=rows, programme=programme,
                           period=period, village=village, key=key)


# ------------------------------------------------------------------ decile import
class ImportForm(Form):
    file = FileField("Decile file (CSV or XLSX)", validators=[FileRequired()])


@bp.route("/deciles", methods=["GET", "POST"])
@scope.require("social_aid.import")
def deciles():
    form = ImportForm()
    result = None
    if form.validate_on_submit():
        given = form.file.data.filename or "desil.csv"
        suffix = ".xlsx" if given.lower().endswith(".xlsx") else ".csv"
        stem = Path(secure_filename(given)).stem or "desil"
        folder = uploads.folder("social_aid", "imports") / f"{current_user.id}-{secrets.token_hex(6)}"
        folder.mkdir()
        path = folder / f"{stem}{suffix}"  # under the name it was sent with: the messages name that file
        form.file.data.save(path)
        try:
            summary, older = importer.import_file(path, translate=True, source=Path(given).name)
            rejects = []
            if summary.rejects_file:
                rejects = summary.rejects_file.read_text(encoding="utf-8").splitlines()[1:201]
        except RowError as exc:
            form.file.errors.append(exc.describe())
            return render_template("social_aid/deciles.html", form=form, result=None), 400
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        result = {"summary": summary, "older": older, "rejects": rejects}
    held = db.session.execute(select(func.count(), func.max(Decile.data_date))).one()
    return render_template("social_aid/deciles.html", form=form, result=result, held=held)


from . import death, hibah, spm  # noqa: E402,F401  (their pages are on this blueprint)


@bp.get("/dashboard")
@scope.require("social_aid.read")
def dashboard():
    from . import figures

    try:
        year = int(request.args.get("year") or payments.today().year)
    except ValueError:
        abort(404)
    if not 2000 <= year <= 2100:
        abort(404)
    return render_template("social_aid/dashboard.html", data=figures.summary(year), year=year)
