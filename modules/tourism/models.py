"""Events of the regency's calendar and destinations with their monthly visitor counts."""
from __future__ import annotations

from datetime import date, datetime
from fractions import Fraction

from sqlalchemy import BigInteger, Boolean, Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from egovkit.auth.scope import Scope
from egovkit.db import db
from egovkit.models import utcnow


class Event(db.Model):
    """An event (festival) organised by an agency; its staff keep its budget, cost and visitors."""

    __tablename__ = "tourism_event"
    __scope__ = Scope(agency="agency_code")
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title_id: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    description_id: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date] = mapped_column(Date, index=True)
    ends_on: Mapped[date] = mapped_column(Date)
    venue: Mapped[str] = mapped_column(String(200), index=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    agency_code: Mapped[str] = mapped_column(ForeignKey("core_agency.code"), index=True)  # the organiser (OPD)
    budget: Mapped[int | None] = mapped_column(BigInteger)  # whole Rupiah
    realised_cost: Mapped[int | None] = mapped_column(BigInteger)
    expected_domestic: Mapped[int] = mapped_column(Integer, default=0)
    expected_foreign: Mapped[int] = mapped_column(Integer, default=0)
    visitors_domestic: Mapped[int | None] = mapped_column(Integer)  # counted, once it took place
    visitors_foreign: Mapped[int | None] = mapped_column(Integer)
    average_spend: Mapped[int | None] = mapped_column(BigInteger)  # Rupiah a visitor spends, on average
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)

    def title(self, locale: str) -> str:
        return self.title_en if locale == "en" and self.title_en else self.title_id

    def description(self, locale: str) -> str:
        return self.description_en if locale == "en" and self.description_en else self.description_id

    @property
    def visitors(self) -> int | None:
        """Visitors counted (domestic and foreign); None until counted."""
        if self.visitors_domestic is None and self.visitors_foreign is None:
            return None
        return (self.visitors_domestic or 0) + (self.visitors_foreign or 0)

    @property
    def benefit(self) -> int | None:
        """Estimated benefit to the local economy: visitors counted x average spend (Rupiah)."""
        if self.visitors is None or self.average_spend is None:
            return None
        return self.visitors * self.average_spend

    @property
    def ratio(self) -> Fraction | None:
        """Benefit/cost: visitors x average spend / realised cost (exact); None without both."""
        if self.benefit is None or not self.realised_cost:
            return None
        return Fraction(self.benefit, self.realised_cost)


class Destination(db.Model):
    """A tourist attraction; the tourism office (``agency_code``) records its visitors per month."""

    __tablename__ = "tourism_destination"
    __scope__ = Scope(agency="agency_code")
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    region_code: Mapped[str | None] = mapped_column(ForeignKey("core_region.code"), index=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    agency_code: Mapped[str] = mapped_column(ForeignKey("core_agency.code"), index=True)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)


class Visits(db.Model):
    """Visitors of one destination in one month (one row per month: entering it again corrects it)."""

    __tablename__ = "tourism_visits"
    __table_args__ = (UniqueConstraint("destination_id", "year", "month"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    destination_id: Mapped[int] = mapped_column(ForeignKey("tourism_destination.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    domestic: Mapped[int] = mapped_column(Integer, default=0)
    foreign: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
