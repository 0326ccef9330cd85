"""Decile data imported from DTSEN/BNBA, and proposals of residents for a programme (followed through the
social_aid.proposal workflow; paid through the core's payments)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (BigInteger, Boolean, Date, DateTime, ForeignKey, Index, Integer, SmallInteger, String, Text,
                        UniqueConstraint, literal)
from sqlalchemy.orm import Mapped, mapped_column

from egovkit.auth.scope import Scope
from egovkit.db import db
from egovkit.models import utcnow
from egovkit.services import payments

# A benefit paid out to a person. The payable is "programme:period:NIK" (KK for aid per household), so the core's unique key allows one
# standing payment per beneficiary, programme and period whatever proposals were made; four eyes: the head
# who approved does not record the payment.
BENEFIT = payments.Kind("social_aid", "benefit", direction="out", four_eyes=True,
                        title={"id": "Bantuan sosial", "en": "Social aid"})


class Decile(db.Model):
    """The DTSEN welfare decile of a household (by KK) or a person (by NIK), with the date of the data."""

    __tablename__ = "social_aid_decile"
    # the poorest households counted from the index alone (dashboard, coverage per desa)
    __table_args__ = (Index("ix_social_aid_decile_decile", "decile", "village_code"),)
    __audit__ = False  # national data in bulk (500,000 rows): each imported batch is audited as such (csvimport)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kk: Mapped[str | None] = mapped_column(String(16), unique=True)
    nik: Mapped[str | None] = mapped_column(String(16), unique=True)
    decile: Mapped[int] = mapped_column(SmallInteger)
    data_date: Mapped[date] = mapped_column(Date)
    village_code: Mapped[str | None] = mapped_column(String(13), index=True)  # kode_desa of the file, if given
    source: Mapped[str] = mapped_column(String(120))  # the file it came from
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Proposal(db.Model):
    """A resident proposed by a desa for a programme and period. ``active_key`` (programme:period:subject) is set
    while the proposal stands and cleared when it is refused or stopped: one standing proposal per person."""

    __tablename__ = "social_aid_proposal"
    # a year's standing proposals per desa and decile read from the index, their cases in id order (the
    # dashboard tile joins each to its case's state)
    __table_args__ = (Index("ix_social_aid_proposal_period", "period", "case_id", "village_code", "decile",
                            "active_key"),)
    __scope__ = Scope(region="village_code", agency="agency_code")
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme: Mapped[str] = mapped_column(String(15), index=True)
    period: Mapped[str] = mapped_column(String(7))
    nik: Mapped[str] = mapped_column(String(16), index=True)
    subject: Mapped[str] = mapped_column(String(16), index=True)  # NIK, or KK for aid per household
    name: Mapped[str] = mapped_column(String(120))
    village_code: Mapped[str] = mapped_column(ForeignKey("core_region.code"), index=True)
    agency_code: Mapped[str] = mapped_column(String(32), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    decile: Mapped[int | None] = mapped_column(SmallInteger)
    decile_date: Mapped[date | None] = mapped_column(Date)  # the DTSEN data the decision used
    checks: Mapped[str] = mapped_column(Text, default="[]")  # JSON: each rule and its outcome
    minutes: Mapped[str] = mapped_column(String(40))  # stored upload: the Musdesus minutes (PDF)
    active_key: Mapped[str | None] = mapped_column(String(40), unique=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("core_case.id"))
    proposed_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    approved_on: Mapped[date | None] = mapped_column(Date)
    stopped: Mapped[str | None] = mapped_column(String(12))  # died | refused
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def payable_id(self) -> str:
        return f"{self.programme}:{self.period}:{self.subject}"

    @classmethod
    def payable_sql(cls):
        """``payable_id`` as a SQL expression (to join the proposals' payments in one query)."""
        return cls.programme + literal(":") + cls.period + literal(":") + cls.subject

    @property
    def payment(self) -> payments.Payment | None:
        return payments.current(BENEFIT, self.payable_id)


class Quota(db.Model):
    """Standing proposals per programme, period and desa: raised by a conditional UPDATE below the quota, so
    racing proposals never exceed it."""

    __tablename__ = "social_aid_quota"
    __table_args__ = (UniqueConstraint("programme", "period", "village_code"),)
    __audit__ = False
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme: Mapped[str] = mapped_column(String(15))
    period: Mapped[str] = mapped_column(String(7))
    village_code: Mapped[str] = mapped_column(String(13))
    used: Mapped[int] = mapped_column(Integer, default=0)



# The death benefit, paid once per deceased resident: the payable is the deceased's NIK.
DEATH = payments.Kind("social_aid", "death_benefit", direction="out", four_eyes=True,
                      title={"id": "Santunan kematian", "en": "Death benefit"})


class DeathCase(db.Model):
    """A death the register reported (``resident.died``, from the desa's death letter): open for the heirs'
    claim until ``deadline``. One per deceased (unique NIK), so a redelivered event opens nothing twice."""

    __tablename__ = "social_aid_death"
    __scope__ = Scope(region="village_code", agency="agency_code")
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nik: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kk: Mapped[str | None] = mapped_column(String(16))
    village_code: Mapped[str] = mapped_column(ForeignKey("core_region.code"), index=True)
    agency_code: Mapped[str] = mapped_column(String(32), index=True)
    date_of_death: Mapped[date] = mapped_column(Date)
    letter_id: Mapped[str | None] = mapped_column(String(64))  # smart_kampung's letter: its core_document
    deadline: Mapped[date] = mapped_column(Date)  # the last day an heir may apply
    amount: Mapped[int] = mapped_column(BigInteger)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DeathClaim(db.Model):
    """An heir's claim of a death benefit, followed through the social_aid.death_claim workflow. ``active_key``
    (death:<case>) is set while the claim stands and cleared when refused: one standing claim per death."""

    __tablename__ = "social_aid_death_claim"
    __scope__ = Scope(region="village_code", agency="agency_code")
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    death_id: Mapped[int] = mapped_column(ForeignKey("social_aid_death.id"), index=True)
    heir_nik: Mapped[str] = mapped_column(String(16))
    heir_name: Mapped[str] = mapped_column(String(120))
    relation: Mapped[str] = mapped_column(String(60))  # "Anggota KK" or the stated relation
    kk_member: Mapped[bool] = mapped_column(Boolean)
    letter_number: Mapped[str] = mapped_column(String(120))  # as the heir gave it, checked against the document
    village_code: Mapped[str] = mapped_column(ForeignKey("core_region.code"), index=True)
    agency_code: Mapped[str] = mapped_column(String(32), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    active_key: Mapped[str | None] = mapped_column(String(40), unique=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("core_case.id"))
    filed_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    filed_on: Mapped[date] = mapped_column(Date)
    verified_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    verified_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Statement(db.Model):
    """A poverty statement (Surat Pernyataan Miskin) the desa issued for free hospital care: numbered, with a
    QR code to the public verification page, valid to ``valid_until``; a hospital acknowledges it there once
    (with a hospital account, or the one-time code printed on it)."""

    __tablename__ = "social_aid_statement"
    __scope__ = Scope(region="village_code")
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nik: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(120))
    village_code: Mapped[str] = mapped_column(ForeignKey("core_region.code"), index=True)
    decile: Mapped[int] = mapped_column(SmallInteger)
    decile_date: Mapped[date] = mapped_column(Date)  # the DTSEN data the decision used
    purpose: Mapped[str] = mapped_column(String(200))
    issued_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    document_code: Mapped[str | None] = mapped_column(String(16), unique=True)  # core_document.code
    ack_digest: Mapped[str] = mapped_column(String(64))  # HMAC of the one-time code (never the code)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by: Mapped[str | None] = mapped_column(String(32))  # the hospital's agency code
    acknowledged_user: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))  # None: by code
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# A grant paid out to an organisation: the payable is the grant's id, one payment per grant.
HIBAH = payments.Kind("social_aid", "hibah", direction="out", four_eyes=True,
                      title={"id": "Hibah", "en": "Grant"})


class Organisation(db.Model):
    """An organisation that asks for grants, known by its registration (AHU / SK) number."""

    __tablename__ = "social_aid_org"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    legal_number: Mapped[str] = mapped_column(String(60), unique=True)  # normalised: no spaces, upper case
    address: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Grant(db.Model):
    """An organisation's grant proposal (hibah), followed through the social_aid.hibah workflow. The agency
    handling it moves along: the evaluating OPD, then the grant agency (TAPD's secretariat, BPKAD)."""

    __tablename__ = "social_aid_grant"
    __scope__ = Scope(agency="agency_code")
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("social_aid_org.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    budget: Mapped[str] = mapped_column(Text)  # JSON: [[description, amount], ...]
    amount: Mapped[int] = mapped_column(BigInteger)  # the sum of the budget lines
    evaluator: Mapped[str] = mapped_column(String(32))  # the OPD that evaluates
    agency_code: Mapped[str] = mapped_column(String(32), index=True)  # who handles it now
    documents: Mapped[str] = mapped_column(String(40))  # stored upload: the proposal's documents (PDF)
    village_code: Mapped[str | None] = mapped_column(ForeignKey("core_region.code"))  # where it is spent
    case_id: Mapped[int | None] = mapped_column(ForeignKey("core_case.id"))
    agreement_code: Mapped[str | None] = mapped_column(String(16))  # core_document.code of the NPHD
    agreed_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    agreed_on: Mapped[date | None] = mapped_column(Date)
    paid_on: Mapped[date | None] = mapped_column(Date)
    lpj_due: Mapped[date | None] = mapped_column(Date)
    lpj: Mapped[str | None] = mapped_column(String(40))  # stored upload: the accountability report
    lpj_on: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
