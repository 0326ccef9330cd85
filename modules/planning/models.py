"""Musrenbang proposals (followed through planning.proposal), the ceilings Bappeda sets per agency and year,
and each agency's Renja versions (followed through planning.renja) with their lines."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Float, ForeignKey, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from egovkit.auth.scope import Scope
from egovkit.db import db
from egovkit.models import utcnow

SOURCES = ("desa", "pokir")  # a desa meeting, or a DPRD member's proposal (pokok pikiran)


class Proposal(db.Model):
    """A development proposal. The desa reaches it through ``village_code``, the kecamatan through the desa,
    Bappeda through ``case.agency_code`` while it decides, the OPD it is assigned to through ``agency_code``."""

    __tablename__ = "planning_proposal"
    __scope__ = Scope(region="village_code", agency="agency_code")
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(12), unique=True)
    year: Mapped[int] = mapped_column(SmallInteger, index=True)  # the plan year it asks for
    source: Mapped[str] = mapped_column(String(8), default="desa")
    proposer: Mapped[str | None] = mapped_column(String(120))  # pokir: the DPRD member and faction
    title: Mapped[str] = mapped_column(String(200))
    problem: Mapped[str] = mapped_column(Text)
    village_code: Mapped[str] = mapped_column(ForeignKey("core_region.code"), index=True)
    district_code: Mapped[str] = mapped_column(String(13), index=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    estimate: Mapped[int] = mapped_column(BigInteger)  # Rupiah
    priority: Mapped[int] = mapped_column(SmallInteger)  # the desa meeting's rank, 1 = first
    district_rank: Mapped[int | None] = mapped_column(SmallInteger)  # the kecamatan musrenbang's rank
    photos: Mapped[str] = mapped_column(Text, default="[]")  # JSON: stored upload names
    self_funded: Mapped[bool] = mapped_column(default=False)
    rkpdes_ref: Mapped[str | None] = mapped_column(String(60))  # the village plan line that funds it
    agency_code: Mapped[str | None] = mapped_column(ForeignKey("core_agency.code"), index=True)  # OPD assigned
    subactivity_code: Mapped[str | None] = mapped_column(String(24))
    rkpd_year: Mapped[int | None] = mapped_column(SmallInteger)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("core_case.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class Ceiling(db.Model):
    """The pagu indikatif of an agency for a year, set by Bappeda."""

    __tablename__ = "planning_ceiling"
    __table_args__ = (UniqueConstraint("agency_code", "year"),)
    __scope__ = Scope(agency="agency_code")
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_code: Mapped[str] = mapped_column(ForeignKey("core_agency.code"))
    year: Mapped[int] = mapped_column(SmallInteger)
    amount: Mapped[int] = mapped_column(BigInteger)
    set_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Renja(db.Model):
    """One version of an agency's work plan for a year: number 1 is the first (murni), later ones are
    amendments (perubahan) copied from the final one before. A final version is never edited; ``total``
    is the sum of its lines, raised by a conditional UPDATE within the ceiling (racing lines never pass it)."""

    __tablename__ = "planning_renja"
    __table_args__ = (UniqueConstraint("agency_code", "year", "number"),)
    __scope__ = Scope(agency="agency_code")
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_code: Mapped[str] = mapped_column(ForeignKey("core_agency.code"), index=True)
    year: Mapped[int] = mapped_column(SmallInteger)
    number: Mapped[int] = mapped_column(SmallInteger, default=1)
    kind: Mapped[str] = mapped_column(String(10), default="murni")  # murni | perubahan
    status: Mapped[str] = mapped_column(String(12), default="rancangan")  # rancangan | final | superseded
    edition: Mapped[str] = mapped_column(String(60))  # the planning.codes edition it was drawn up under
    total: Mapped[int] = mapped_column(BigInteger, default=0)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("core_case.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Line(db.Model):
    """A sub-kegiatan of a Renja with its indicator, target, unit and cost; DPA and realisation come back
    from SIPD or the finance system by import."""

    __tablename__ = "planning_line"
    __table_args__ = (UniqueConstraint("renja_id", "subactivity_code", "location"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    renja_id: Mapped[int] = mapped_column(ForeignKey("planning_renja.id"), index=True)
    subactivity_code: Mapped[str] = mapped_column(String(24))
    subactivity_name: Mapped[str] = mapped_column(String(300))
    indicator: Mapped[str] = mapped_column(String(300))
    target: Mapped[str] = mapped_column(String(30))
    unit: Mapped[str] = mapped_column(String(60))
    cost: Mapped[int] = mapped_column(BigInteger)
    location: Mapped[str] = mapped_column(String(13), default="")  # a village code, or "" (regency-wide)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("planning_proposal.id"))
    dpa: Mapped[int | None] = mapped_column(BigInteger)
    realised: Mapped[int | None] = mapped_column(BigInteger)
