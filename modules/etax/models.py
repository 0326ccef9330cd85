"""Taxpayers (wajib pajak), their tax objects, monthly declarations (SPTPD) with their bills (paid through
the core's payments), point-of-sale devices and the transactions they post.

Every record carries the revenue agency's code (its staff reach it) and the taxpayer's account, when the
taxpayer has one (they reach their own)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (BigInteger, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column

from egovkit.auth.scope import Scope
from egovkit.db import db
from egovkit.models import utcnow
from egovkit.services import payments

SCOPE = Scope(agency="agency_code", owner="owner_id")
# A declaration's bill, paid through the core: once, by one receipt, not recorded by whoever declared it.
BILL = payments.Kind("etax", "bill", direction="in", four_eyes=True,
                     title={"id": "Pajak daerah (SPTPD)", "en": "Local tax (SPTPD)"})


class Taxpayer(db.Model):
    __tablename__ = "etax_taxpayer"
    __scope__ = SCOPE
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    npwpd: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    nik: Mapped[str | None] = mapped_column(String(16), unique=True)  # unique when known
    address: Mapped[str] = mapped_column(String(300))
    agency_code: Mapped[str] = mapped_column(String(32), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TaxObject(db.Model):
    __tablename__ = "etax_object"
    __scope__ = SCOPE
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    taxpayer_id: Mapped[int] = mapped_column(ForeignKey("etax_taxpayer.id"), index=True)
    tax_type: Mapped[str] = mapped_column(String(20), index=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300))
    permit_id: Mapped[int | None] = mapped_column(Integer, unique=True)  # permits_permit.id, by value (no FK)
    agency_code: Mapped[str] = mapped_column(String(32), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Declaration(db.Model):
    """An SPTPD for one object and month, or the agency's SKPD of a reklame object from a starting month,
    and the bill with its billing code it makes."""

    __tablename__ = "etax_declaration"
    __table_args__ = (UniqueConstraint("object_id", "period"),)
    __scope__ = SCOPE
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    object_id: Mapped[int] = mapped_column(ForeignKey("etax_object.id"), index=True)
    period: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM
    tax_type: Mapped[str | None] = mapped_column(String(20))  # the object's type when declared (None: never)
    turnover: Mapped[int] = mapped_column(BigInteger)  # the tax base, Rupiah: turnover, or NSR (basis "nsr")
    basis: Mapped[str | None] = mapped_column(String(10))  # None: the month's turnover (SPTPD); "nsr": an SKPD
    detail: Mapped[str | None] = mapped_column(Text)  # an assessment's tariff, kind, size, location, periods (JSON)
    rate_bp: Mapped[int] = mapped_column(Integer)  # basis points: 1000 = 10%
    tax_due: Mapped[int] = mapped_column(BigInteger)
    billing_code: Mapped[str] = mapped_column(String(20), unique=True)
    due_date: Mapped[date] = mapped_column(Date)
    declared_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    agency_code: Mapped[str] = mapped_column(String(32), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    # Its payment is the core's (egovkit.services.payments, kind etax/bill), never a column of its own:
    # paid_at and paid_amount below are read from it with the row.
    @property
    def payment(self) -> payments.Payment | None:
        return payments.current(BILL, self.id) if self.id is not None else None

    @property
    def penalty_paid(self) -> int:
        payment = self.payment
        return int(payment.detail.get("interest", 0)) if payment else 0


Declaration.paid_at = payments.attribute(BILL, Declaration.__table__.c.id, "paid_on")
Declaration.paid_amount = payments.attribute(BILL, Declaration.__table__.c.id, "amount", default=0)


class Device(db.Model):
    """A point-of-sale device (tapping box) at one tax object; only its token's hash is kept."""

    __tablename__ = "etax_device"
    __audit_redact__ = ("token_hash",)
    __scope__ = SCOPE
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    object_id: Mapped[int] = mapped_column(ForeignKey("etax_object.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    agency_code: Mapped[str] = mapped_column(String(32), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Transaction(db.Model):
    """A sale a device reported; one per device and receipt."""

    __tablename__ = "etax_transaction"
    __audit__ = False  # machine data in bulk: the device's registration is audited
    __table_args__ = (UniqueConstraint("device_id", "receipt"), Index("ix_etax_transaction_object_period",
                                                                      "object_id", "period"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("etax_device.id"))
    object_id: Mapped[int] = mapped_column(ForeignKey("etax_object.id"))
    receipt: Mapped[str] = mapped_column(String(64))
    amount: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM of ``at`` in the regency's time zone
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
