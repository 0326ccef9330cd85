"""A complaint (pengaduan), followed through the complaints.complaint workflow."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from egovkit.auth.scope import Scope
from egovkit.db import db
from egovkit.models import utcnow

MODES = ("named", "confidential", "anonymous")  # who may know the complainant: everyone handling it, nobody


class Complaint(db.Model):
    """The unit in charge reaches it through ``unit_agency`` (an OPD) or ``unit_region`` (a desa); the
    verifying agency reaches every complaint (views._reach); the complainant through ``reporter_id``
    (never set for an anonymous complaint)."""

    __tablename__ = "complaints_complaint"
    __scope__ = Scope(region="unit_region", agency="unit_agency", owner="reporter_id")
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(12), unique=True)  # public: status only
    lapor_number: Mapped[str | None] = mapped_column(String(30), unique=True)  # the case's number in SP4N-LAPOR!
    category: Mapped[str] = mapped_column(String(40), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    village_code: Mapped[str] = mapped_column(ForeignKey("core_region.code"), index=True)  # where it happened
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    photos: Mapped[str] = mapped_column(Text, default="[]")  # JSON: stored upload names (never public)
    mode: Mapped[str] = mapped_column(String(12), default="named")
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), index=True)
    unit_agency: Mapped[str | None] = mapped_column(String(32), index=True)  # the OPD in charge (or verifying)
    unit_region: Mapped[str | None] = mapped_column(String(13), index=True)  # the desa in charge
    case_id: Mapped[int | None] = mapped_column(ForeignKey("core_case.id"))
    source: Mapped[str] = mapped_column(String(10), default="web")  # web | lapor (imported)
    rating: Mapped[int | None] = mapped_column(Integer)  # 1..5, by the complainant once it is done
    rating_note: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
