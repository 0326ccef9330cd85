from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from egovkit.db import db
from egovkit.models import utcnow


class Notice(db.Model):
    __tablename__ = "announcements_notice"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    agency_code: Mapped[str | None] = mapped_column(ForeignKey("core_agency.code"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
