from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from egovkit.auth.scope import Scope
from egovkit.db import db


class Notice(db.Model):
    """A public notice; a draft (published_at empty) is seen only within its village, district or agency."""

    __tablename__ = "announcements_notice"
    __scope__ = Scope(region="region_code", agency="agency_code")
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    agency_code: Mapped[str | None] = mapped_column(ForeignKey("core_agency.code"))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("core_region.code"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("core_case.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
