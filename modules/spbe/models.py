"""An SPBE self-assessment per year: each indicator's level, narrative and evidence files."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from egovkit.db import db
from egovkit.models import utcnow


class Assessment(db.Model):
    """One year's self-assessment, under the structure of one edition of the decree."""

    __tablename__ = "spbe_assessment"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    edition: Mapped[str] = mapped_column(String(40))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)


class Answer(db.Model):
    """The assessor's level for one indicator, with what the kit suggested when it was decided (``suggested``,
    ``proof``): ``overridden`` when the assessor chose another level than the suggestion, with the reason."""

    __tablename__ = "spbe_answer"
    __table_args__ = (UniqueConstraint("assessment_id", "indicator", name="uq_spbe_answer_indicator"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("spbe_assessment.id"), index=True)
    indicator: Mapped[int] = mapped_column(SmallInteger)
    level: Mapped[int] = mapped_column(SmallInteger)
    narrative: Mapped[str] = mapped_column(Text, default="")
    suggested: Mapped[int | None] = mapped_column(SmallInteger)
    proof: Mapped[str] = mapped_column(Text, default="[]")  # JSON: the suggestion's evidence lines, as decided
    overridden: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Evidence(db.Model):
    """A file supporting an indicator's level (bukti dukung), stored by egovkit.services.uploads."""

    __tablename__ = "spbe_evidence"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("spbe_assessment.id"), index=True)
    indicator: Mapped[int] = mapped_column(SmallInteger)
    stored: Mapped[str] = mapped_column(String(80))
    filename: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
