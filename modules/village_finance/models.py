"""Tables of the village budget: plan activities (RKPDes), APBDes versions with
their lines, and realisation entries.

An APBDes is a ``Budget`` version: version 1 is the original, each amendment
(APBDes Perubahan) a new version that copies the lines and keeps the old one.
A line keeps its ``key`` across versions, so realisation entries follow it.
``Line.realised`` is the running total of the entries against the line in the
budget in force, kept by one conditional UPDATE so two entries at once never
take a line past its amount.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from egovkit.auth.scope import Scope
from egovkit.db import db
from egovkit.models import utcnow


class Activity(db.Model):
    """An activity of the village plan (RKPDes) for a year: a candidate until the budget takes it up."""

    __tablename__ = "village_finance_activity"
    __scope__ = Scope(region="village_code")
    __table_args__ = (UniqueConstraint("origin", "origin_ref", name="uq_village_finance_activity_origin"),
                      Index("ix_village_finance_activity_village_year", "village_code", "year"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    village_code: Mapped[str] = mapped_column(ForeignKey("core_region.code"))
    year: Mapped[int] = mapped_column(Integer)
    kegiatan: Mapped[str] = mapped_column(String(20))  # code of the kegiatan in the chart, e.g. 2.4.02
    name: Mapped[str] = mapped_column(String(200))
    location: Mapped[str] = mapped_column(String(200), default="")
    estimate: Mapped[int] = mapped_column(BigInteger, default=0)  # Rupiah
    origin: Mapped[str] = mapped_column(String(40), default="rkpdes")  # rkpdes | smart_kampung.rtlh | ...
    origin_ref: Mapped[str | None] = mapped_column(String(64))  # the record that proposed it (idempotency)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Budget(db.Model):
    """One version of a village's APBDes for a fiscal year, moved through the village_finance.apbdes workflow."""

    __tablename__ = "village_finance_budget"
    __scope__ = Scope(region="village_code")
    __table_args__ = (UniqueConstraint("village_code", "year", "version", name="uq_village_finance_budget_version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    village_code: Mapped[str] = mapped_column(ForeignKey("core_region.code"), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)  # 1: APBDes; 2...: APBDes Perubahan
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("village_finance_budget.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("core_case.id"))
    in_force: Mapped[bool] = mapped_column(default=False, index=True)  # the approved version realised against
    perdes: Mapped[str | None] = mapped_column(String(80))  # number of the village regulation that set it
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Line(db.Model):
    """A budget line: an account, for belanja the kegiatan, the source of funds and the amount."""

    __tablename__ = "village_finance_line"
    __scope__ = Scope(region="village_code")
    __table_args__ = (UniqueConstraint("budget_id", "key", name="uq_village_finance_line_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("village_finance_budget.id"), index=True)
    village_code: Mapped[str] = mapped_column(ForeignKey("core_region.code"), index=True)
    key: Mapped[str] = mapped_column(String(12))  # the same line in every version of the year's budget
    account: Mapped[str] = mapped_column(String(20))  # 4.x.x.xx pendapatan, 5.x.x.xx belanja, 6.x.x.xx pembiayaan
    kegiatan: Mapped[str | None] = mapped_column(String(20))  # belanja: bidang.sub_bidang.kegiatan
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("village_finance_activity.id"))
    source: Mapped[str] = mapped_column(String(12))  # source of funds: DD, ADD, PAD, ...
    amount: Mapped[int] = mapped_column(BigInteger)  # Rupiah
    description: Mapped[str] = mapped_column(String(200), default="")
    realised: Mapped[int] = mapped_column(BigInteger, default=0)  # sum of the entries (budget in force)


class Entry(db.Model):
    """A realisation entry against a line of the budget in force: money received or spent. A mistake is
    corrected by a reversing entry (negative amount, ``reverses_id``), never by changing or deleting one."""

    __tablename__ = "village_finance_entry"
    __scope__ = Scope(region="village_code")
    __table_args__ = (Index("ix_village_finance_entry_village_year_day", "village_code", "year", "day"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    village_code: Mapped[str] = mapped_column(ForeignKey("core_region.code"))
    year: Mapped[int] = mapped_column(Integer)
    line_key: Mapped[str] = mapped_column(String(12))
    line_id: Mapped[int] = mapped_column(ForeignKey("village_finance_line.id"), index=True)  # as entered
    day: Mapped[date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(BigInteger)
    description: Mapped[str] = mapped_column(String(200))
    progress: Mapped[int | None] = mapped_column(Integer)  # physical progress %, for construction
    evidence: Mapped[str | None] = mapped_column(String(120))  # stored upload name
    created_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("village_finance_entry.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
