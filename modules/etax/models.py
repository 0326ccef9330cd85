"""Taxpayers (wajib pajak), their tax objects, monthly declarations (SPTPD) with their bills, payments,
point-of-sale devices and the transactions they post.

Every record carries the revenue agency's code (its staff reach it) and the taxpayer's account, when the
taxpayer has one (they reach their own)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from egovkit.auth.scope import Scope
from egovkit.db import db
from egovkit.models import utcnow

SCOPE = Scope(agency="agency_code", owner="owner_id")


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
    """An SPTPD for one object and month, and the bill (SKPD with its billing code) it makes."""

    __tablename__ = "etax_declaration"
    __table_args__ = (UniqueConstraint("object_id", "period"),)
    __scope__ = SCOPE
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    object_id: Mapped[int] = mapped_column(ForeignKey("etax_object.id"), index=True)
    period: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM
    tax_type: Mapped[str | None] = mapped_column(String(20))  # the object's type when declared (None: never)
    turnover: Mapped[int] = mapped_column(BigInteger)  # Rupiah
    rate_bp: Mapped[int] = mapped_column(Integer)  # basis points: 1000 = 10%
    tax_due: Mapped[int] = mapped_column(BigInteger)
    billing_code: Mapped[str] = mapped_column(String(20), unique=True)
    due_date: Mapped[date] = mapped_column(Date)
    paid_at: Mapped[date | None] = mapped_column(Date)
    paid_amount: Mapped[int] = mapped_column(BigInteger, default=0)  # tax and interest
    penalty_paid: Mapped[int] = mapped_column(BigInteger, default=0)
    declared_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    agency_code: Mapped[str] = mapped_column(String(32), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Payment(db.Model):
    __tablename__ = "etax_payment"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("etax_declaration.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    penalty: Mapped[int] = mapped_column(BigInteger)
    paid_on: Mapped[date] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(60))
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


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
