"""Plans (RPJMD of the regency, Renstra of an agency), their goals and indicators with yearly targets, the
cascade to programmes and activities, quarterly realisations (each followed by a sakip.realisation case) and
the LKjIP reports issued."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (Boolean, DateTime, ForeignKey, Integer, Numeric, SmallInteger, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column

from egovkit.auth.scope import Scope
from egovkit.db import db
from egovkit.models import utcnow

VALUE = Numeric(18, 4)  # indicator values: percentages, counts, ratios, to four decimals


class Plan(db.Model):
    """A strategic plan: the regency's RPJMD (level "regency", kept by the planning agency) or an agency's
    Renstra (level "agency"), over first_year..last_year."""

    __tablename__ = "sakip_plan"
    __table_args__ = (UniqueConstraint("agency_code", "level", "first_year"),)
    __scope__ = Scope(agency="agency_code")
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_code: Mapped[str] = mapped_column(ForeignKey("core_agency.code"), index=True)
    level: Mapped[str] = mapped_column(String(8))  # regency | agency
    first_year: Mapped[int] = mapped_column(Integer)
    last_year: Mapped[int] = mapped_column(Integer)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def years(self) -> list[int]:
        return list(range(self.first_year, self.last_year + 1))

    @property
    def kind(self) -> str:
        return "RPJMD" if self.level == "regency" else "Renstra"


class Goal(db.Model):
    """A tujuan (no parent) or a sasaran (under a tujuan) of a plan; codes are unique in the plan."""

    __tablename__ = "sakip_goal"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)
    __scope__ = Scope(agency="agency_code")
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("sakip_plan.id"), index=True)
    agency_code: Mapped[str] = mapped_column(String(32), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("sakip_goal.id"))
    level: Mapped[str] = mapped_column(String(8))  # tujuan | sasaran
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(300))


class Indicator(db.Model):
    """A key performance indicator (IKU) of a sasaran: higher or lower is better (``direction`` up | down);
    the year's value from its quarters is the last, the sum or the average (``aggregation``)."""

    __tablename__ = "sakip_indicator"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)
    __scope__ = Scope(agency="agency_code")
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("sakip_plan.id"), index=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("sakip_goal.id"), index=True)
    agency_code: Mapped[str] = mapped_column(String(32), index=True)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(300))
    unit: Mapped[str] = mapped_column(String(40))
    direction: Mapped[str] = mapped_column(String(4))  # up | down
    aggregation: Mapped[str] = mapped_column(String(8))  # last | sum | average
    baseline: Mapped[Decimal | None] = mapped_column(VALUE)


class Target(db.Model):
    __tablename__ = "sakip_target"
    __table_args__ = (UniqueConstraint("indicator_id", "year"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("sakip_indicator.id"))
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[Decimal] = mapped_column(VALUE)


class Cascade(db.Model):
    """A programme under a sasaran, or an activity (kegiatan) under a programme; codes typed as text in the
    Permendagri 90/2019 shape (e.g. 1.02.02 and 1.02.02.2.01)."""

    __tablename__ = "sakip_cascade"
    __table_args__ = (UniqueConstraint("goal_id", "code"),)
    __scope__ = Scope(agency="agency_code")
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("sakip_goal.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("sakip_cascade.id"))
    agency_code: Mapped[str] = mapped_column(String(32), index=True)
    level: Mapped[str] = mapped_column(String(8))  # program | kegiatan
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(300))


class Realisation(db.Model):
    """What an indicator reached in one quarter, with its evidence; one per indicator, year and quarter.
    It counts once its case is verified; a returned one is corrected and sent again."""

    __tablename__ = "sakip_realisation"
    __table_args__ = (UniqueConstraint("indicator_id", "year", "quarter"),)
    __scope__ = Scope(agency="agency_code")
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("sakip_indicator.id"), index=True)
    agency_code: Mapped[str] = mapped_column(String(32), index=True)
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int] = mapped_column(SmallInteger)
    value: Mapped[Decimal] = mapped_column(VALUE)
    note: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[str] = mapped_column(String(40))  # stored upload (egovkit.services.uploads)
    evidence_kind: Mapped[str] = mapped_column(String(4))  # pdf | jpg | png
    case_id: Mapped[int | None] = mapped_column(ForeignKey("core_case.id"))
    entered_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    entered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Report(db.Model):
    """An LKjIP issued for a plan and year (core_document ``code``); a new revision revokes the one before."""

    __tablename__ = "sakip_report"
    __table_args__ = (UniqueConstraint("plan_id", "year", "revision"),)
    __scope__ = Scope(agency="agency_code")
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("sakip_plan.id"), index=True)
    agency_code: Mapped[str] = mapped_column(String(32))
    year: Mapped[int] = mapped_column(Integer)
    revision: Mapped[int] = mapped_column(Integer)
    document_code: Mapped[str] = mapped_column(String(16))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
