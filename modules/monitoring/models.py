"""Tables of e-monitoring: a funded project, its progress reports and its photos.

``Project.progress``, ``realised`` and ``updated_on`` are the latest report's, so the map and the
dashboard read one row per project; every report stays in ``monitoring_report``."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text, \
    UniqueConstraint
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.types import Integer as IntegerType

from egovkit.auth.scope import Scope
from egovkit.db import db
from egovkit.models import utcnow

STAGES = (0, 50, 100)  # the photos every project shows: before, half way, finished


class Project(db.Model):
    """A funded project: an OPD's sub-kegiatan (planning), a desa's APBDes activity, or one registered by form."""

    __tablename__ = "monitoring_project"
    __scope__ = Scope(region="region_code", agency="agency_code")
    __table_args__ = (UniqueConstraint("origin", "origin_ref", name="uq_monitoring_project_origin"),
                      Index("ix_monitoring_project_year_district", "year", "district_code"),
                      Index("ix_monitoring_project_year_agency", "year", "agency_code"),
                      Index("ix_monitoring_project_year_region", "year", "region_code"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    origin: Mapped[str] = mapped_column(String(40))  # planning | village_finance | form
    origin_ref: Mapped[str] = mapped_column(String(80))  # the funding record's key (idempotency)
    year: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))  # a code of the profile's kinds
    code: Mapped[str] = mapped_column(String(40), default="")  # sub-kegiatan or APBDes kegiatan code
    agency_code: Mapped[str | None] = mapped_column(ForeignKey("core_agency.code"))  # the OPD in charge
    region_code: Mapped[str | None] = mapped_column(ForeignKey("core_region.code"))  # desa, or kecamatan
    district_code: Mapped[str | None] = mapped_column(String(13))  # the kecamatan of region_code
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    budget: Mapped[int] = mapped_column(BigInteger, default=0)  # Rupiah funded
    realised: Mapped[int] = mapped_column(BigInteger, default=0)  # Rupiah spent, latest report
    progress: Mapped[int] = mapped_column(Integer, default=0)  # physical progress %, latest report
    contractor: Mapped[str] = mapped_column(String(200), default="")
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    updated_on: Mapped[date | None] = mapped_column(Date)  # day of the latest progress report
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)


class Report(db.Model):
    """One progress report: physical progress and money spent as of a day (never changed afterwards)."""

    __tablename__ = "monitoring_report"
    __scope__ = Scope(region="region_code", agency="agency_code")
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("monitoring_project.id"), index=True)
    region_code: Mapped[str | None] = mapped_column(String(13))
    agency_code: Mapped[str | None] = mapped_column(String(32))
    day: Mapped[date] = mapped_column(Date)
    progress: Mapped[int] = mapped_column(Integer)
    realised: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Photo(db.Model):
    """A site photo at a stage (0, 50 or 100% progress), stored by egovkit.services.uploads."""

    __tablename__ = "monitoring_photo"
    __scope__ = Scope(region="region_code", agency="agency_code")
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("monitoring_project.id"), index=True)
    region_code: Mapped[str | None] = mapped_column(String(13))
    agency_code: Mapped[str | None] = mapped_column(String(32))
    stage: Mapped[int] = mapped_column(Integer)  # 0 | 50 | 100
    stored: Mapped[str] = mapped_column(String(40))  # the upload's stored name
    caption: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class day_number(FunctionElement):
    """A date column as a whole number of days (the same scale on SQLite and PostgreSQL), so schedules can be
    compared with integer arithmetic in SQL."""

    type = IntegerType()
    inherit_cache = True


@compiles(day_number)
def _day_number_default(element, compiler, **kw):
    return "CAST(julianday(%s) AS INTEGER)" % compiler.process(element.clauses, **kw)


@compiles(day_number, "postgresql")
def _day_number_pg(element, compiler, **kw):
    return "((%s) - DATE '1970-01-01' + 2440587)" % compiler.process(element.clauses, **kw)


def day_of(value: date) -> int:
    """The number ``day_number`` gives for ``value``."""
    return value.toordinal() + 1721424


class json_rows(FunctionElement):
    """The rows of a (sub)query as one JSON array of arrays, built by the database (a regency's thousands of
    map points without a Python object per row): ``json_rows(col, ...)`` over a FROM of those rows."""

    type = Text()
    inherit_cache = True


@compiles(json_rows)
def _json_rows_default(element, compiler, **kw):
    return "json_group_array(json_array(%s))" % compiler.process(element.clauses, **kw)


@compiles(json_rows, "postgresql")
def _json_rows_pg(element, compiler, **kw):
    return "coalesce(json_agg(json_build_array(%s)), '[]'::json)::text" % compiler.process(element.clauses, **kw)
