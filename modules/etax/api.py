"""etax in the API: point-of-sale devices post their sales with their own token (header X-Device-Token,
never a user's bearer token), and the revenue agency reads declarations and dashboard figures."""
from __future__ import annotations

from datetime import date, datetime, timezone

from flask import g, request
from flask_login import current_user
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from egovkit.api import ApiBlueprint, ApiError, Page
from egovkit.auth import scope
from egovkit.db import db
from egovkit.services import payments

from . import service
from . import dashboard as figures
from .models import BILL, Declaration

api = ApiBlueprint("etax_api", __name__, url_prefix="/api/v1/etax", tag="etax")
DEVICE_HEADER = "X-Device-Token"
PERIOD = r"^20[0-9]{2}-(0[1-9]|1[0-2])$"


class SaleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    receipt: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._/:#-]+$",
                         description="The receipt number, unique per device; sending it again is harmless.")
    amount: int = Field(ge=1, le=10**12, description="Rupiah, the sale's total before tax.")
    at: AwareDatetime = Field(description="When the sale was made, with its UTC offset, e.g. "
                                          "2026-10-31T23:30:00+07:00 (a time without one is refused: the month "
                                          "it counts in depends on it).")

    @field_validator("at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        if value.year < 2000:  # also keeps the conversion to UTC from overflowing
            raise ValueError("not a plausible time of sale (before 2000)")
        return value.astimezone(timezone.utc)


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    transactions: list[SaleIn] = Field(min_length=1, max_length=service.MAX_BATCH)


class IngestOut(BaseModel):
    stored: int = Field(description="Transactions recorded now.")
    duplicates: int = Field(description="Transactions already recorded (same device and receipt), skipped.")


class DeclarationOut(BaseModel):
    id: int
    object_id: int
    tax_type: str
    period: str
    turnover: int = Field(description="The tax base, Rupiah: the declared turnover, or for an assessment (basis "
                                      "nsr) the billboard's tax base value.")
    basis: str = Field("turnover", description="turnover: an SPTPD on the month's turnover; nsr: the agency's "
                                               "SKPD of a reklame object on its tax base value (nilai sewa).")
    rate_percent: float
    tax_due: int
    billing_code: str
    due_date: date
    paid_at: date | None
    paid_amount: int = Field(description="Tax and late interest paid, Rupiah.")
    tapped: int = Field(description="Turnover the object's devices reported for the month, Rupiah.")
    flagged: bool = Field(description="Declared below the tapped turnover by more than the profile's threshold.")


class DeclarationQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    period: str | None = Field(None, pattern=PERIOD, description="A month, YYYY-MM.")
    object: int | None = Field(None, ge=1, le=2**31 - 1, description="A tax object's id.")
    page: int = Field(1, ge=1, le=100_000)
    per_page: int = Field(50, ge=1, le=200)


class PaymentOut(BaseModel):
    id: int
    declaration_id: int
    amount: int
    interest: int = Field(description="Late interest in the amount, Rupiah.")
    paid_on: date
    reference: str


class TypeOut(BaseModel):
    tax_type: str
    billed: int
    paid: int


class FlagOut(BaseModel):
    object_id: int
    object_name: str
    npwpd: str
    declared: int
    tapped: int


class DashboardQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    period: str = Field(pattern=PERIOD, description="The month for compliance and flags; its year for revenue.")


class DashboardOut(BaseModel):
    period: str
    types: list[TypeOut]
    objects: int
    declared: int
    compliance: float = Field(description="Objects that declared for the month / objects.")
    flagged: list[FlagOut]


def _device():
    device = service.device_for(request.headers.get(DEVICE_HEADER))
    if device is None:
        raise ApiError(401, "invalid_device_token",
                       f"The {DEVICE_HEADER} header is missing, or names an unknown or retired device.")
    return device


@api.before_request
def _device_first():
    # The device's token is checked before its body: a stranger learns nothing from validation errors.
    if request.endpoint in ("etax_api.transaction", "etax_api.batch"):
        g.etax_device = _device()


def _ingest(sales: list[SaleIn]) -> IngestOut:
    device = g.etax_device
    try:
        stored, duplicates = service.ingest(device, [service.Sale(s.receipt, s.amount, s.at) for s in sales])
        db.session.commit()
    except service.TaxError as exc:
        db.session.rollback()
        raise ApiError(exc.status, "conflict" if exc.status == 409 else "validation_failed",
                       f"{exc.field}: {exc.message}; nothing was stored.", {exc.field: exc.message}) from None
    except IntegrityError:
        # Another request stored one of these receipts at the same moment: send again, repeats are skipped.
        db.session.rollback()
        raise ApiError(409, "conflict", "Another request stored some of these receipts at the same moment; "
                                        "nothing was stored: send the request again.") from None
    return IngestOut(stored=stored, duplicates=duplicates)


@api.operation("/transactions", "POST", summary="A device records one sale (device token in the X-Device-Token "
               "header)", response=IngestOut, status=201, body=SaleIn, errors=(401, 409, 422))
def transaction(body: SaleIn):
    return _ingest([body])


@api.operation("/transactions/batch", "POST", summary="A device records up to 1000 sales at once, all or "
               "nothing (device token in the X-Device-Token header)", response=IngestOut, status=201, body=BatchIn,
               errors=(401, 409, 422))
def batch(body: BatchIn):
    return _ingest(body.transactions)


def _read(permission: str) -> None:
    if not scope.can(permission):
        raise ApiError(403, "forbidden", "Your account may not read local taxes.")


@api.operation("/declarations", summary="Monthly declarations (SPTPD) with their bills and tapped turnover, "
               "within the user's reach", response=Page[DeclarationOut], query=DeclarationQuery, scope="etax:read")
def declarations(query: DeclarationQuery):
    _read("etax.read")
    stmt = scope.visible(select(Declaration), Declaration, permission="etax.read")
    if query.period:
        stmt = stmt.where(Declaration.period == query.period)
    if query.object:
        stmt = stmt.where(Declaration.object_id == query.object)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = db.session.scalars(stmt.order_by(Declaration.period.desc(), Declaration.id)
                              .offset((query.page - 1) * query.per_page).limit(query.per_page)).all()
    taps = service.tapped({d.object_id for d in rows}, {d.period for d in rows}) if rows else {}
    paid = payments.standing(BILL, [d.id for d in rows])
    items = [DeclarationOut(id=d.id, object_id=d.object_id, tax_type=d.tax_type, period=d.period,
                            turnover=d.turnover, basis=d.basis or "turnover", rate_percent=d.rate_bp / 100, tax_due=d.tax_due,
                            billing_code=d.billing_code, due_date=d.due_date,
                            paid_at=paid[str(d.id)].paid_on if str(d.id) in paid else None,
                            paid_amount=paid[str(d.id)].amount if str(d.id) in paid else 0, tapped=taps.get((d.object_id, d.period), 0),
                            flagged=service.flagged(d.turnover, taps.get((d.object_id, d.period), 0)))
             for d in rows]
    return Page[DeclarationOut](items=items, page=query.page, per_page=query.per_page, total=total)


@api.operation("/declarations/<int:declaration_id>/payment", "POST", summary="Record the payment of a bill "
               "(once: a second payment, or a receipt number already used anywhere in the regency, is 409)",
               response=PaymentOut, status=201, body=payments.PaymentIn, scope="etax:pay", errors=(403, 404, 409, 422))
def payment(declaration_id: int, body: payments.PaymentIn):
    decl = db.session.scalar(scope.visible(select(Declaration), Declaration, permission="etax.read")
                             .where(Declaration.id == declaration_id))
    if decl is None:
        raise ApiError(404, "not_found", "No such declaration within your reach.")
    if not scope.can("etax.pay", decl):
        raise ApiError(403, "forbidden", "Your account may not record payments.")
    try:
        paid = service.pay(decl, body.amount, body.paid_on, body.reference, current_user.id)
        db.session.commit()
    except service.TaxError as exc:
        db.session.rollback()
        raise ApiError(exc.status, "conflict" if exc.status == 409 else "validation_failed",
                       f"{exc.field}: {exc.message}", {exc.field: exc.message}) from None
    except payments.PaymentError as exc:
        db.session.rollback()
        raise ApiError(exc.status, exc.code, str(exc), {exc.field: str(exc)}) from None
    return PaymentOut(id=paid.id, declaration_id=decl.id, amount=paid.amount,
                      interest=int(paid.detail.get("interest", 0)), paid_on=paid.paid_on, reference=paid.reference)


@api.operation("/dashboard", summary="Billed and paid tax by type for the year, compliance and flagged objects "
               "for the month, within the user's reach", response=DashboardOut, query=DashboardQuery,
               scope="etax:read")
def dashboard(query: DashboardQuery):
    _read("etax.dashboard")
    data = figures.summary(query.period)
    return DashboardOut(period=data.period, objects=data.objects, declared=data.declared,
                        compliance=round(data.compliance, 4),
                        types=[TypeOut(tax_type=t.tax_type, billed=t.billed, paid=t.paid) for t in data.types],
                        flagged=[FlagOut(object_id=f.object_id, object_name=f.object_name, npwpd=f.npwpd,
                                         declared=f.declared, tapped=f.tapped) for f in data.flags])

