from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from egovkit.auth.scope import Scope
from egovkit.db import db
from egovkit.models import utcnow


class Article(db.Model):
    """A news article; a draft (published_at empty) is seen only within its agency."""

    __tablename__ = "news_article"
    __scope__ = Scope(agency="agency_code")
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text)
    agency_code: Mapped[str | None] = mapped_column(ForeignKey("core_agency.code"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("core_case.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
