"""The death benefit (santunan kematian): a death letter's ``resident.died`` opens a case for the heirs; an heir
applies within the profile's window with the death letter's number, the agency verifies, another of its staff
pays once through the core's payments (payable: the deceased's NIK)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import false, select
from sqlalchemy.exc import IntegrityError
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from egovkit.auth import scope
from egovkit.db import db
from egovkit.i18n import N_, translated
from egovkit.models import Region
from egovkit.services import audit, documents, payments, register, workflow
from egovkit.web import once
from egovkit.web.forms import Form

from .models import DEATH, DeathCase, DeathClaim
from .views import bp, record_payment

KK_MEMBER = "Anggota KK"  # the relation recorded for an heir on the deceased's family card
LETTER_MODULE = "smart_kampung"  # whose death letter publishes resident.died (its document, in the core's table)


def settings():
    return current_app.extensions["egovkit"].profile.modules["social_aid"].death_benefit


# ------------------------------------------------------------------ the case, from the event
def open_case(event) -> DeathCase | None:
    """``resident.died``: the case for the heirs, once per deceased (a redelivered event opens nothing)."""
    benefit = settings()
    data = event.data
    if benefit is None or not data.get("nik"):
        return None
    if db.session.scalar(select(DeathCase.id).where(DeathCase.nik == data["nik"])) is not None:
        return None
    person = register.person(data["nik"])
    village = data.get("village") or (person.village_code if person else None)
    if village is None or db.session.get(Region, village) is None:
        return None
    try:
        died = date.fromisoformat(str(data.get("date_of_death") or ""))
    except ValueError:
        died = payments.today()  # a letter without a readable date: the window runs from today
    case = DeathCase(nik=data["nik"], name=person.name if person else data["nik"], kk=person.kk if person else None,
                     village_code=village, agency_code=benefit.agency, date_of_death=died,
                     letter_id=str(data["letter"]) if data.get("letter") is not None else None,
                     deadline=died + timedelta(days=benefit.window_days), amount=benefit.amount)
    try:
        with db.session.begin_nested():
            db.session.add(case)
            db.session.flush()
    except IntegrityError:
        return None  # a racing delivery opened it
    audit.record("death_case_opened", "social_aid", "social_aid_death", case.id, letter=case.letter_id,
                 date_of_death=died.isoformat(), deadline=case.deadline.isoformat())
    return case


# ------------------------------------------------------------------ the rules of a claim
@dataclass
class Refusal:
    field: str
    message: str  # English msgid (N_), shown translated
    params: dict = field(default_factory=dict)

    def describe(self) -> str:
        return translated(self.message, self.params)


def letter_document(case: DeathCase) -> documents.Document | None:
    if case.letter_id is None:
        return None
    return db.session.scalar(select(documents.Document).where(
        documents.Document.module == LETTER_MODULE, documents.Document.record_id == case.letter_id))


def standing_claim(case: DeathCase, ignore: int | None = None) -> DeathClaim | None:
    return db.session.scalar(select(DeathClaim).where(
        DeathClaim.death_id == case.id, DeathClaim.active_key.is_not(None),
        *([DeathClaim.id != ignore] if ignore else [])))


def refusals(case: DeathCase, day: date, *, heir_nik: str, letter_number: str, relation: str | None,
             heir_name: str | None, ignore: int | None = None) -> tuple[list[Refusal], dict]:
    """Why this claim cannot be filed (empty: it can), and the heir as found: name, relation, kk_member."""
    out = []
    paid = payments.current(DEATH, case.nik)
    if paid is not None:
        out.append(Refusal("death", N_("Second claim: the death benefit for %(name)s was already paid on %(day)s."),
                           {"name": case.name, "day": paid.paid_on.isoformat()}))
    elif (other := standing_claim(case, ignore)) is not None:
        out.append(Refusal("death", N_("Second claim: a claim for %(name)s is already filed (claim %(id)s); "
                                       "only one claim per death."), {"name": case.name, "id": other.id}))
    if day > case.deadline:
        out.append(Refusal("death", N_("Late claim: an heir applies within %(days)s days of the death "
                                       "(%(died)s), that is by %(deadline)s."),
                           {"days": (case.deadline - case.date_of_death).days, "died": case.date_of_death.isoformat(),
                            "deadline": case.deadline.isoformat()}))
    doc = letter_document(case)
    if doc is None:
        out.append(Refusal("letter_number", N_("No death letter issued for this death was found.")))
    elif doc.revoked:
        out.append(Refusal("letter_number", N_("The death letter %(number)s was revoked."), {"number": doc.number}))
    elif payments.normalised(letter_number) != payments.normalised(doc.number):
        out.append(Refusal("letter_number", N_("Death letter number %(given)s is not the letter issued for this "
                                               "death."), {"given": letter_number[:60]}))
    heir = register.person(heir_nik)
    found = {"name": (heir.name if heir else (heir_name or "").strip()), "kk_member": False,
             "relation": (relation or "").strip()}
    if heir_nik == case.nik:
        out.append(Refusal("heir_nik", N_("The heir cannot be the deceased.")))
    elif heir is not None and heir.status == "died":
        out.append(Refusal("heir_nik", N_("The register shows this heir as died.")))
    elif heir is not None and case.kk and heir.kk == case.kk:
        found.update(kk_member=True, relation=KK_MEMBER)
    else:
        if found["relation"] not in settings().relations:
            out.append(Refusal("relation", N_("Not on the deceased's family card: state the relation (%(choices)s)."),
                               {"choices": ", ".join(settings().relations)}))
        if len(found["name"]) < 3:
            out.append(Refusal("heir_name", N_("Not in the register: give the heir's name as on the KTP.")))
    return out, found


# ------------------------------------------------------------------ pages
class ClaimForm(Form):
    heir_nik = StringField("Heir's NIK", validators=[DataRequired(), Length(min=16, max=16)])
    heir_name = StringField("Heir's name (if not in the register)", validators=[Optional(), Length(max=120)])
    relation = SelectField("Relation to the deceased (if not on the family card)", choices=[],
                           validate_choice=False)
    letter_number = StringField("Death letter number", validators=[DataRequired(), Length(max=120)])


class DeathPayForm(Form):
    reference = StringField("Transfer number", validators=[DataRequired(), Length(max=60)])
    paid_on = DateField("Date paid", validators=[DataRequired()])


def _enabled():
    if settings() is None:
        abort(404)


@bp.get("/death")
@scope.require("social_aid.read")
def deaths():
    _enabled()
    rows = db.session.scalars(scope.visible(select(DeathCase), DeathCase).order_by(DeathCase.id.desc())
                              .limit(500)).all()
    claims = {c.death_id: c for c in db.session.scalars(select(DeathClaim).where(
        DeathClaim.death_id.in_([r.id for r in rows]) if rows else false(), DeathClaim.active_key.is_not(None)))}
    paid = payments.standing(DEATH, [r.nik for r in rows])
    return render_template("social_aid/deaths.html", rows=rows, claims=claims, paid=paid, today=payments.today())


def _claim_form(case: DeathCase) -> ClaimForm:
    form = ClaimForm()
    form.relation.choices = [("", "-")] + [(r, r) for r in settings().relations]
    return form


@bp.route("/death/<int:record_id>", methods=["GET", "POST"])
@scope.require("social_aid.read")
def death_case(record_id: int):
    _enabled()
    case = scope.get_or_404(DeathCase, record_id)
    form, failed = _claim_form(case), []
    may_file = scope.can("social_aid.death.file", case)
    if request.method == "POST":
        if not may_file:
            abort(403)
        if form.validate_on_submit():
            if (first := once.replay()) is not None:
                return first
            claim, failed = _file(case, form)
            if claim is not None:
                once.record(url_for(".death_claim", record_id=claim.id))
                db.session.commit()
                flash(_("Claim filed: the heir and the death letter check out. Dinas Sosial verifies it next."),
                      "success")
                return redirect(url_for(".death_claim", record_id=claim.id))
            db.session.rollback()
            audit.record("death_claim_refused", "social_aid", "social_aid_death", case.id,
                         reasons=[f.message for f in failed])
            db.session.commit()
    claims = db.session.scalars(select(DeathClaim).where(DeathClaim.death_id == case.id)
                                .order_by(DeathClaim.id)).all()
    states = {c.id: db.session.get(workflow.Case, c.case_id) for c in claims if c.case_id}
    return render_template("social_aid/death.html", case=case, form=form, failed=failed, may_file=may_file,
                           claims=claims, states=states, payment=payments.current(DEATH, case.nik),
                           village=db.session.get(Region, case.village_code), today=payments.today()), \
        (400 if request.method == "POST" else 200)


def _file(case: DeathCase, form: ClaimForm) -> tuple[DeathClaim | None, list[Refusal]]:
    today = payments.today()
    nik = form.heir_nik.data.strip()
    failed, heir = refusals(case, today, heir_nik=nik, letter_number=form.letter_number.data,
                            relation=form.relation.data, heir_name=form.heir_name.data)
    if failed:
        return None, failed
    claim = DeathClaim(death_id=case.id, heir_nik=nik, heir_name=" ".join(heir["name"].split())[:120],
                       relation=heir["relation"][:60], kk_member=heir["kk_member"],
                       letter_number=form.letter_number.data.strip()[:120], village_code=case.village_code,
                       agency_code=case.agency_code, amount=case.amount, active_key=f"death:{case.id}",
                       filed_by=current_user.id, filed_on=today)
    try:
        with db.session.begin_nested():  # the unique key decides racing claims: the loser writes nothing
            db.session.add(claim)
            db.session.flush()
    except IntegrityError:
        return None, [Refusal("death", N_("Second claim: a claim for %(name)s is already filed; only one claim "
                                          "per death."), {"name": case.name})]
    wf_case = workflow.start("social_aid.death_claim", claim.id, f"{_('Death benefit')}: {case.name}",
                             module="social_aid", region_code=case.village_code, agency_code=case.agency_code,
                             user=current_user)
    claim.case_id = wf_case.id
    audit.record("death_claim_filed", "social_aid", "social_aid_death_claim", claim.id, death=case.id,
                 kk_member=claim.kk_member, relation=claim.relation)
    return claim, []


@bp.get("/death/claims/<int:record_id>")
@scope.require("social_aid.read")
def death_claim(record_id: int):
    _enabled()
    claim = scope.get_or_404(DeathClaim, record_id)
    case = db.session.get(DeathCase, claim.death_id)
    wf_case = db.session.get(workflow.Case, claim.case_id) if claim.case_id else None
    can_pay = wf_case is not None and any(t.name == "pay" for t in workflow.allowed(wf_case))
    return render_template("social_aid/death_claim.html", claim=claim, case=case, wf_case=wf_case,
                           payment=payments.current(DEATH, case.nik), can_pay=can_pay,
                           form=DeathPayForm(paid_on=payments.today()),
                           village=db.session.get(Region, claim.village_code))


@bp.post("/death/claims/<int:record_id>/pay")
@scope.require("social_aid.read")
def death_pay(record_id: int):
    _enabled()
    claim = scope.get_or_404(DeathClaim, record_id)
    case = db.session.get(DeathCase, claim.death_id)
    wf_case = db.session.get(workflow.Case, claim.case_id) if claim.case_id else None
    here = url_for(".death_claim", record_id=record_id)
    form = DeathPayForm()
    if wf_case is None or not form.validate_on_submit():
        flash(_("Give the transfer number and the date paid."), "error")
        return redirect(here)
    due = DEATH.payable(case.nik, amount=claim.amount, billed_on=claim.verified_on or claim.filed_on,
                        billed_by=claim.verified_by, party=claim.heir_name, agency_code=claim.agency_code,
                        region_code=claim.village_code)
    return record_payment(due, wf_case, form, here, amount=claim.amount,
                          details={"claim": claim.id, "death": case.id})


# ------------------------------------------------------------------ workflow hooks
def still_claimable(wf_case) -> list[str]:
    """Guard of verify: the heir and the letter again (the window was met when filed)."""
    claim = db.session.get(DeathClaim, int(wf_case.record_id))
    case = db.session.get(DeathCase, claim.death_id)
    failed, _heir = refusals(case, claim.filed_on, heir_nik=claim.heir_nik, letter_number=claim.letter_number,
                             relation=None if claim.kk_member else claim.relation, heir_name=claim.heir_name,
                             ignore=claim.id)
    return [f.describe() for f in failed]


def on_verified(wf_case, step):
    claim = db.session.get(DeathClaim, int(wf_case.record_id))
    claim.verified_by, claim.verified_on = step.actor_id, payments.today()


def on_refused(wf_case, step):
    db.session.get(DeathClaim, int(wf_case.record_id)).active_key = None  # another heir may claim
