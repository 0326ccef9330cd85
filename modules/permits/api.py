"""permits in the API: a token user's applications (their own, their agency's, or
all of them at the one-stop office), the fee's payment at the one-stop office, and public tracking by code."""
from __future__ import annotations

import json
from datetime import date

from flask_babel import get_locale
from flask_login import current_user
from pydantic import BaseModel, Field
from sqlalchemy import func, or_, select

from egovkit.services import payments, workflow
from egovkit.api import ApiBlueprint, ApiError, Page, PageQuery, UtcDateTime
from egovkit.auth import scope
from egovkit.db import db

from . import views
from .models import FEE, Permit

api = ApiBlueprint("permits_api", __name__, url_prefix="/api/v1/permits", tag="permits")


class PermitOut(BaseModel):
    id: int
    tracking_code: str
    permit_type: str
    agency_code: str = Field(description="The verifying agency.")
    applicant_name: str
    business: str
    address: str
    fields: dict[str, str]
    fee: int = Field(description="Retribusi in Rupiah.")
    billing_code: str | None = Field(description="The fee's billing code (kode bayar), once approved.")
    bill_due: date | None = Field(description="Last day to pay the fee.")
    paid_on: date | None
    state: str = Field(description="submitted, returned, complete, verified, not_recommended, billed, issued, "
                                   "rejected or cancelled.")
    due_at: UtcDateTime | None
    issued_on: date | None
    valid_until: date | None
    ended: str | None = Field(description="revoked, expired or renewed once the permit no longer holds.")


class TrackingOut(BaseModel):
    tracking_code: str
    permit_type: str
    state: str
    state_title: str
    due_at: UtcDateTime | None
    overdue: bool


def _out(item: Permit) -> PermitOut:
    case = db.session.get(workflow.Case, item.case_id)
    return PermitOut(id=item.id, tracking_code=item.tracking_code, permit_type=item.permit_type,
                     agency_code=item.agency_code, applicant_name=item.applicant_name, business=item.business,
                     address=item.address, fields=json.loads(item.fields), fee=item.fee,
                     billing_code=item.billing_code, bill_due=item.bill_due, paid_on=item.paid_on, state=case.state,
                     due_at=case.due_at if not case.closed else None, issued_on=item.issued_on,
                     valid_until=item.valid_until, ended=item.ended)


def _visible():
    stmt = select(Permit)
    if views._front_office():
        return stmt
    mine = Permit.applicant_id == current_user.id
    # the IT administrator does not handle applications: only the agencies' roles reach them
    return stmt.where(or_(mine, scope.condition(Permit, roles=views._staff_roles("permits.read"))))


@api.operation("/applications", summary="Applications within the token user's reach, newest first",
               response=Page[PermitOut], query=PageQuery, scope="permits:read")
def applications(query: PageQuery):
    stmt = _visible()
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = db.session.scalars(stmt.order_by(Permit.id.desc()).limit(query.per_page)
                              .offset((query.page - 1) * query.per_page))
    return Page[PermitOut](items=[_out(r) for r in rows], page=query.page, per_page=query.per_page, total=total)


@api.operation("/applications/<int:permit_id>", summary="One application within the token user's reach",
               response=PermitOut, scope="permits:read", errors=(404,))
def application(permit_id: int):
    item = db.session.scalar(_visible().where(Permit.id == permit_id))
    if item is None:
        raise ApiError(404, "not_found", "No such application within your reach.")
    return _out(item)


@api.operation("/applications/<int:permit_id>/payment", "POST", summary="The front office records the fee's "
               "payment and the permit is issued (once: a second payment, or a receipt number already used "
               "anywhere in the regency, is 409)", response=PermitOut, status=201, body=payments.PaymentIn,
               scope="permits:pay", errors=(403, 404, 409, 422))
def payment(permit_id: int, body: payments.PaymentIn):
    item = db.session.scalar(_visible().where(Permit.id == permit_id))
    if item is None:
        raise ApiError(404, "not_found", "No such application within your reach.")
    case = db.session.get(workflow.Case, item.case_id)
    if payments.current(FEE, item.id) is not None:
        raise ApiError(409, "already_paid", "This bill is already paid.")
    if not views._can_pay(case):
        raise ApiError(403, "forbidden", "This application is not awaiting a payment you may record.")
    try:
        views.record_payment(item, case, body.amount, body.paid_on, body.reference)
        db.session.commit()
    except payments.PaymentError as exc:
        db.session.rollback()
        raise ApiError(exc.status, exc.code, str(exc), {exc.field: str(exc)}) from None
    except workflow.Forbidden:
        db.session.rollback()
        raise ApiError(403, "forbidden", "You may not record this payment.") from None
    except workflow.WorkflowError as exc:
        db.session.rollback()
        raise ApiError(409, "conflict", str(exc)) from None
    return _out(db.session.get(Permit, permit_id))


@api.operation("/track/<code>", summary="Public: the state of an application by its tracking code",
               response=TrackingOut, errors=(404,))
def track(code: str):
    item = db.session.scalar(select(Permit).where(Permit.tracking_code == code.strip().upper()[:12]))
    if item is None:
        raise ApiError(404, "not_found", "No application has this tracking code.")
    case = db.session.get(workflow.Case, item.case_id)
    states = workflow.rules(case.workflow).workflow.states[case.state]
    locale = "en" if str(get_locale() or "id").startswith("en") else "id"
    return TrackingOut(tracking_code=item.tracking_code, permit_type=item.permit_type, state=case.state,
                       state_title=states.get(locale) or case.state, due_at=case.due_at if not case.closed else None,
                       overdue=bool(case.overdue))
