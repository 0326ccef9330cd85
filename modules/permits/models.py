"""An application for a permit, followed through the permits.application workflow."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from egovkit.auth.scope import Scope
from egovkit.db import db
from egovkit.models import utcnow
from egovkit.services import payments

# A permit's fee (retribusi), paid through the core: once, by one receipt in the regency, and not recorded by
# whoever approved the bill (four eyes; the workflow's pay transition is `separate` too).
FEE = payments.Kind("permits", "fee", direction="in", four_eyes=True,
                    title={"id": "Retribusi perizinan", "en": "Permit fee"})


class Permit(db.Model):
    """Staff of the verifying agency reach it through ``agency_code``; the applicant through ``applicant_id``;
    the one-stop office (front office) reaches every application (see views._reach)."""

    __tablename__ = "permits_permit"
    __scope__ = Scope(agency="agency_code", owner="applicant_id")
    __table_args__ = (Index("ux_permits_permit_billing_code", "billing_code", unique=True),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(12), unique=True)  # public: status only
    permit_type: Mapped[str] = mapped_column(String(40), index=True)
    agency_code: Mapped[str] = mapped_column(String(32), index=True)  # the verifying agency
    applicant_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), index=True)
    applicant_name: Mapped[str] = mapped_column(String(120))
    applicant_nik: Mapped[str | None] = mapped_column(String(16))
    applicant_nib: Mapped[str | None] = mapped_column(String(13))  # Nomor Induk Berusaha, for a business
    business: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300))
    fields: Mapped[str] = mapped_column(Text, default="{}")  # JSON: answers to the type's fields
    files: Mapped[str] = mapped_column(Text, default="{}")  # JSON: requirement name -> stored upload name
    fee: Mapped[int] = mapped_column(BigInteger, default=0)
    billing_code: Mapped[str | None] = mapped_column(String(20))  # the fee's bill (kode bayar), once approved
    bill_due: Mapped[date | None] = mapped_column(Date)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("core_case.id"))
    issued_on: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    renews_id: Mapped[int | None] = mapped_column(ForeignKey("permits_permit.id"))  # the permit it renews
    ended: Mapped[str | None] = mapped_column(String(12))  # revoked | expired | renewed, once it no longer holds
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    # The fee's payment is the core's (egovkit.services.payments, kind permits/fee), not a column of its own:
    # paid_on, paid_amount and payment_ref below are read from it with the row.
    @property
    def payment(self) -> payments.Payment | None:
        return payments.current(FEE, self.id) if self.id is not None else None


Permit.paid_on = payments.attribute(FEE, Permit.__table__.c.id, "paid_on")
Permit.paid_amount = payments.attribute(FEE, Permit.__table__.c.id, "amount")
Permit.payment_ref = payments.attribute(FEE, Permit.__table__.c.id, "reference")  # the receipt, as written
