"""The rules of etax in one place: taxpayers and objects from issued permits, declarations and their bills,
the assessment of reklame on its tariff, late interest and the payment of bills (through
egovkit.services.payments), devices and the transactions they post, and the comparison of the two."""
from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from egovkit.services import audit, notifications, payments
from egovkit.db import db
from egovkit.i18n import N_
from egovkit.models import User, as_utc, utcnow

from . import RULES, tariffs
from .models import BILL, Declaration, Device, TaxObject, Taxpayer, Transaction

# The taxpayer is told of each bill (SMS/WhatsApp to the register's or the account's phone, email), in their
# language, through the core's notifications.
notifications.register_template(
    "etax.billed", N_("Your local tax bill"),
    N_("Your tax bill for %(name)s (%(what)s), period %(period)s: pay %(amount)s with billing code "
       "%(billing_code)s by %(due)s."))

PERIOD = re.compile(r"^(20[0-9]{2})-(0[1-9]|1[0-2])$")
MAX_RUPIAH = 10**13
MAX_BATCH = 1000


class TaxError(Exception):
    """A refusal, with the field it concerns (for forms and the API)."""

    def __init__(self, field: str, message: str, status: int = 422, code: str = "invalid", **params):
        super().__init__(message)
        self.field, self.message, self.status, self.code, self.params = field, message, status, code, params


def settings():
    return current_app.extensions["egovkit"].profile.modules["etax"]


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.extensions["egovkit"].profile.timezone)


def today() -> date:
    return datetime.now(zone()).date()


def rate_bp(tax_type: str) -> int:
    """The profile's rate for a tax type, in basis points (10% -> 1000)."""
    return int((Decimal(str(getattr(settings().rates, tax_type))) * 100).to_integral_value())


def period_of(moment: datetime) -> str:
    return as_utc(moment).astimezone(zone()).strftime("%Y-%m")


def check_period(text: str, field: str = "period") -> str:
    """A finished month, YYYY-MM: a month is declared once it is over."""
    if not isinstance(text, str) or not PERIOD.match(text):
        raise TaxError(field, "a month as YYYY-MM, e.g. 2026-10", code="bad_period")
    if text >= today().strftime("%Y-%m"):
        raise TaxError(field, "the month is not over yet: declare it from the first day of the next month",
                       code="month_open")
    return text


def _next_month(period: str) -> tuple[int, int]:
    year, month = int(period[:4]), int(period[5:])
    return (year + 1, 1) if month == 12 else (year, month + 1)


# ----------------------------------------------------------------- taxpayers and objects
def _npwpd(taxpayer: Taxpayer) -> str:
    regency = current_app.extensions["egovkit"].profile.regency.code
    return f"{settings().npwpd_prefix}.{taxpayer.id:07d}.{regency}"


def taxpayer_for(nik: str | None, name: str, address: str) -> Taxpayer:
    """The taxpayer with this NIK, or a new one with a fresh NPWPD (a holder without a NIK gets their own)."""
    found = db.session.scalar(select(Taxpayer).where(Taxpayer.nik == nik)) if nik else None
    if found is not None:
        return found
    owner = db.session.scalar(select(User.id).where(User.nik == nik)) if nik else None
    taxpayer = Taxpayer(npwpd="new-" + secrets.token_hex(8), name=name[:120], nik=nik, address=address[:300],
                        agency_code=settings().revenue_agency, owner_id=owner)
    db.session.add(taxpayer)
    db.session.flush()
    taxpayer.npwpd = _npwpd(taxpayer)
    audit.record("etax.taxpayer_registered", "etax", "etax_taxpayer", taxpayer.id, npwpd=taxpayer.npwpd)
    return taxpayer


def add_object(taxpayer: Taxpayer, tax_type: str, name: str, address: str, permit_id: int | None = None
               ) -> TaxObject:
    obj = TaxObject(taxpayer_id=taxpayer.id, tax_type=tax_type, name=name[:200], address=address[:300],
                    permit_id=permit_id, agency_code=taxpayer.agency_code, owner_id=taxpayer.owner_id)
    db.session.add(obj)
    db.session.flush()
    audit.record("etax.object_registered", "etax", "etax_object", obj.id, tax_type=tax_type, permit=permit_id)
    return obj


def on_permit_issued(event) -> None:
    """permit.issued: a permit for a taxable business makes (or links) its taxpayer by NIK and makes its
    tax object, once per permit however often the event arrives."""
    data = event.data
    kind, permit_id = data.get("tax_object"), data.get("permit")
    if kind is None:
        return
    if db.session.scalar(select(TaxObject.id).where(TaxObject.permit_id == permit_id)) is not None:
        return  # delivered before
    renewed = db.session.scalar(select(TaxObject).where(TaxObject.permit_id == data["renews"])) \
        if data.get("renews") else None
    if renewed is not None:  # the same business under its renewed permit: same object, devices and months
        audit.record("etax.object_renewed", "etax", "etax_object", renewed.id, before=renewed.permit_id,
                     after=permit_id)
        renewed.permit_id = permit_id
        db.session.flush()
        return
    taxpayer = taxpayer_for(data.get("nik"), data.get("holder") or "-", data.get("address") or "-")
    add_object(taxpayer, kind, data.get("business") or data.get("holder") or "-", data.get("address") or "-",
               permit_id=permit_id)


# Entertainment the law taxes at 40-75% is found out on the spot: the head of the revenue agency may move an
# object between general and special entertainment; other types follow from the permit.
RECLASSIFIABLE = ("hiburan", "hiburan_khusus")


def reclassify(obj: TaxObject, tax_type: str) -> None:
    """Move an entertainment object between the general and the special type; months already declared keep
    their rate."""
    if obj.tax_type not in RECLASSIFIABLE or tax_type not in RECLASSIFIABLE:
        raise TaxError("tax_type", "only entertainment moves between hiburan and hiburan_khusus",
                       code="not_reclassifiable")
    if tax_type == obj.tax_type:
        return
    audit.record("etax.reclassified", "etax", "etax_object", obj.id, before=obj.tax_type, after=tax_type)
    obj.tax_type = tax_type
    db.session.flush()


# ----------------------------------------------------------------- declarations and bills
def _billing_code(period: str) -> str:
    regency = current_app.extensions["egovkit"].profile.regency.code.replace(".", "")
    while True:
        code = f"{regency}{period[2:4]}{period[5:]}" + "".join(secrets.choice("0123456789") for _ in range(8))
        if db.session.scalar(select(Declaration.id).where(Declaration.billing_code == code)) is None:
            return code


def tax_of(turnover: int, bp: int) -> int:
    return int((Decimal(turnover) * bp / 10000).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def declare(obj: TaxObject, period: str, turnover: int, user_id: int | None) -> Declaration:
    """The SPTPD of one object for one month. One per object and month: a second is refused (a correction,
    SPTPD pembetulan, is not handled here yet)."""
    if RULES[obj.tax_type].basis != "turnover":
        raise TaxError("turnover", f"{obj.tax_type} is assessed by the revenue agency on its tax base value "
                       "(SKPD), not declared on turnover", code="assessed_type")
    check_period(period)
    if not isinstance(turnover, int) or isinstance(turnover, bool) or not 0 <= turnover < MAX_RUPIAH:
        raise TaxError("turnover", "a whole number of Rupiah, zero or more", code="bad_turnover")
    if db.session.scalar(select(Declaration.id).where(Declaration.object_id == obj.id,
                                                      Declaration.period == period)) is not None:
        raise TaxError("period", f"{period} is already declared for this object", status=409,
                       code="declared_twice")
    bp = rate_bp(obj.tax_type)
    year, month = _next_month(period)
    decl = Declaration(object_id=obj.id, period=period, tax_type=obj.tax_type, turnover=turnover, rate_bp=bp, tax_due=tax_of(turnover, bp),
                       billing_code=_billing_code(period), due_date=date(year, month, settings().due_day),
                       declared_by=user_id, agency_code=obj.agency_code,
                       owner_id=obj.owner_id)
    db.session.add(decl)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise TaxError("period", f"{period} is already declared for this object", status=409,
                       code="declared_twice") from None
    audit.record("etax.declared", "etax", "etax_declaration", decl.id, object=obj.id, period=period,
                 turnover=turnover, tax_due=decl.tax_due, billing_code=decl.billing_code)
    taxpayer = db.session.get(Taxpayer, obj.taxpayer_id)
    notifications.tell(notifications.Person(user_id=taxpayer.owner_id, nik=taxpayer.nik), "etax.billed",
                       url=notifications.public_link("etax.tax_object", object_id=obj.id),
                       what=_type_titles(obj.tax_type), name=obj.name, period=period,
                       amount=_rupiah(decl.tax_due), billing_code=decl.billing_code, due=decl.due_date.isoformat())
    return decl


def _rupiah(amount: int) -> str:
    from egovkit.web.views import rupiah

    return rupiah(amount)


def _type_titles(tax_type: str) -> dict[str, str]:
    """A tax type's name in each language of messages."""
    from flask_babel import force_locale

    from .views import type_names

    out = {}
    for locale in notifications.LOCALES:
        with force_locale(locale):
            out[locale] = type_names().get(tax_type, tax_type)
    return out


# ----------------------------------------------------------------- reklame: assessed on its tax base value
MAX_SIZE_M2 = Decimal(10000)
MAX_PERIODS = 366


def _month_ahead(day: date) -> date:
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise AssertionError


def assess(obj: TaxObject, period: str, kind: str, size_m2: Decimal | None, location: str, periods: int | None,
           user_id: int | None) -> Declaration:
    """The revenue agency's assessment (SKPD) of a reklame object from the tariff table in use: the tax base
    (nilai sewa reklame) is size x base value per m2 of its kind x location factor x periods of display,
    the tax the profile's reklame rate of it. One per object and starting month; due a month after it is
    made (UU 1/2022: an SKPD is paid within the time the Perda sets, at most a month)."""
    if RULES[obj.tax_type].basis != "nsr":
        raise TaxError("kind", f"{obj.tax_type} is declared on turnover (SPTPD), not assessed on a tariff",
                       code="declared_type")
    if not isinstance(period, str) or not PERIOD.match(period):
        raise TaxError("period", "a month as YYYY-MM, e.g. 2026-10", code="bad_period")
    now = today()
    if not (now.year - 1, now.month) <= (int(period[:4]), int(period[5:])) <= (now.year + 1, now.month):
        raise TaxError("period", "the display starts within a year before or after today", code="bad_start")
    table = tariffs.current()
    if kind not in table.kinds:
        raise TaxError("kind", f"not a kind of reklame in the tariff table {table.edition}", code="bad_kind")
    if location not in table.locations:
        raise TaxError("location", f"not a location class of the tariff table {table.edition}",
                       code="bad_location")
    if not isinstance(size_m2, Decimal) or not Decimal("0.01") <= size_m2 <= MAX_SIZE_M2 \
            or size_m2 != size_m2.quantize(Decimal("0.01")):
        raise TaxError("size_m2", "the size in m2, above 0 with at most two decimals", code="bad_size")
    if not isinstance(periods, int) or isinstance(periods, bool) or not 1 <= periods <= MAX_PERIODS:
        raise TaxError("periods", f"how many {table.kinds[kind].unit}s it is displayed, 1 to {MAX_PERIODS}",
                       code="bad_periods")
    if db.session.scalar(select(Declaration.id).where(Declaration.object_id == obj.id,
                                                      Declaration.period == period)) is not None:
        raise TaxError("period", f"{period} is already assessed for this object", status=409,
                       code="assessed_twice")
    base = table.base_value(kind, size_m2, location, periods)
    if base >= MAX_RUPIAH:
        raise TaxError("size_m2", "the tax base is out of range", code="bad_size")
    bp = rate_bp(obj.tax_type)
    spec = table.kinds[kind]
    detail = {"tariffs": table.edition, "kind": kind, "size_m2": str(size_m2), "location": location,
              "unit": spec.unit, "periods": periods, "per_m2": spec.per_m2,
              "factor": str(table.locations[location].factor)}
    decl = Declaration(object_id=obj.id, period=period, tax_type=obj.tax_type, turnover=base, basis="nsr",
                       detail=json.dumps(detail, sort_keys=True), rate_bp=bp, tax_due=tax_of(base, bp),
                       billing_code=_billing_code(period), due_date=_month_ahead(now), declared_by=user_id,
                       agency_code=obj.agency_code, owner_id=obj.owner_id)
    db.session.add(decl)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise TaxError("period", f"{period} is already assessed for this object", status=409,
                       code="assessed_twice") from None
    audit.record("etax.assessed", "etax", "etax_declaration", decl.id, object=obj.id, period=period,
                 tax_base=base, tax_due=decl.tax_due, billing_code=decl.billing_code, **detail)
    taxpayer = db.session.get(Taxpayer, obj.taxpayer_id)
    notifications.tell(notifications.Person(user_id=taxpayer.owner_id, nik=taxpayer.nik), "etax.billed",
                       url=notifications.public_link("etax.tax_object", object_id=obj.id),
                       what=_type_titles(obj.tax_type), name=obj.name, period=period,
                       amount=_rupiah(decl.tax_due), billing_code=decl.billing_code, due=decl.due_date.isoformat())
    return decl


def in_reach() -> bool:
    """Whether the viewer's etax reach holds anything: regency-wide roles and the revenue agency's staff
    (the menu shows even before the first object), a taxpayer with an object of their own; not the staff
    of another agency, whose role holds the permission but reaches no tax record."""
    from egovkit.auth import scope

    agency = settings().revenue_agency
    roles = current_app.extensions["egovkit"].profile.roles_with("etax.read")
    held = scope.grants(roles=roles)
    for grant in held:
        if grant.owner is None and grant.region is None and grant.agency in (None, agency):
            return True
    if any(g.owner is not None for g in held):
        return db.session.scalar(scope.visible(select(TaxObject.id), TaxObject, permission="etax.read")
                                 .limit(1)) is not None
    return False


def months_late(due: date, on: date) -> int:
    """Months or parts of a month from the due date to the day of payment, capped by the profile."""
    if on <= due:
        return 0
    months = (on.year - due.year) * 12 + on.month - due.month + (1 if on.day > due.day else 0)
    return min(max(months, 1), settings().penalty_max_months)


def penalty(decl: Declaration, on: date) -> int:
    rate = Decimal(str(settings().penalty_percent)) / 100
    return int((decl.tax_due * rate * months_late(decl.due_date, on)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def outstanding(decl: Declaration, on: date) -> int:
    return 0 if decl.paid_at else decl.tax_due + penalty(decl, on)


def declared_on(decl: Declaration) -> date:
    return as_utc(decl.created_at).astimezone(zone()).date()


def bill(decl: Declaration, on: date) -> payments.Payable:
    """The declaration's bill as the core's payments see it: tax and late interest as of ``on``."""
    return BILL.payable(decl.id, amount=decl.tax_due + penalty(decl, on), billed_on=declared_on(decl),
                        billed_by=decl.declared_by, agency_code=decl.agency_code)


def pay(decl: Declaration, amount: int, paid_on: date, reference: str, user_id: int | None) -> payments.Payment:
    """Record the payment of a bill through the core (once; one receipt, one payment in the regency; not by
    whoever declared it); only the full amount, tax and interest as of the day paid, clears it. Raises
    ``payments.PaymentError`` (``AlreadyPaid``, ``ReferenceUsed``, ...) or ``TaxError``."""
    if isinstance(paid_on, date) and paid_on.strftime("%Y-%m") <= decl.period and decl.paid_at is None \
            and decl.basis is None:  # a month's turnover is paid after the month; an assessment any time
        raise TaxError("paid_on", "a payment is made after the month it is for", code="early_payment")
    due = bill(decl, paid_on) if isinstance(paid_on, date) else bill(decl, today())
    return payments.record(due, amount=amount, paid_on=paid_on, reference=reference, user=user_id,
                           details={"tax": decl.tax_due, "interest": due.amount - decl.tax_due,
                                    "period": decl.period, "billing_code": decl.billing_code})


def reverse(decl: Declaration, reason: str, user_id: int | None) -> payments.Payment:
    """Reverse the bill's standing payment (a mistake): the bill is open again."""
    payment = decl.payment
    if payment is None:
        raise TaxError("payment", "this bill has no payment to reverse", status=409, code="not_paid")
    return payments.reverse(payment, reason=reason, user=user_id)


# ----------------------------------------------------------------- devices and transactions
def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def register_device(obj: TaxObject, name: str) -> tuple[Device, str]:
    """A new device for an object; the secret is returned once, only its hash is kept."""
    if RULES[obj.tax_type].monitoring != "tapping_box":
        raise TaxError("name", f"{obj.tax_type} is monitored on site, not by a point-of-sale device",
                       code="no_device")
    name = (name or "").strip()
    if not 1 <= len(name) <= 80 or "\x00" in name:
        raise TaxError("name", "a name for the device, 1 to 80 characters", code="bad_name")
    secret = "etd_" + secrets.token_urlsafe(30)
    device = Device(object_id=obj.id, name=name, prefix=secret[:12], token_hash=_hash(secret), active=True,
                    agency_code=obj.agency_code, owner_id=obj.owner_id)
    db.session.add(device)
    db.session.flush()
    audit.record("etax.device_registered", "etax", "etax_device", device.id, object=obj.id, prefix=device.prefix)
    return device, secret


def device_for(secret: str | None) -> Device | None:
    if not secret:
        return None
    device = db.session.scalar(select(Device).where(Device.token_hash == _hash(secret.strip())))
    return device if device is not None and device.active else None


@dataclass
class Sale:
    receipt: str
    amount: int
    at: datetime


def ingest(device: Device, sales: list[Sale]) -> tuple[int, int]:
    """Store a device's sales: all or nothing. Returns (stored, already known). A receipt sent again with
    the same amount and time is skipped; with another amount or time it refuses the whole batch."""
    if len(sales) > MAX_BATCH:
        raise TaxError("transactions", f"at most {MAX_BATCH} transactions per request")
    latest = utcnow() + timedelta(minutes=10)
    seen: dict[str, tuple[int, Sale]] = {}
    fresh: list[Sale] = []
    for index, sale in enumerate(sales):
        at = as_utc(sale.at)
        if at > latest:
            raise TaxError(f"transactions.{index}.at", "the time is in the future (check the device's clock)")
        earlier = seen.get(sale.receipt)
        if earlier is not None:
            if (earlier[1].amount, as_utc(earlier[1].at)) != (sale.amount, at):
                raise TaxError(f"transactions.{index}.receipt",
                               f"receipt {sale.receipt!r} appears again with another amount or time "
                               f"(item {earlier[0]})")
            continue
        seen[sale.receipt] = (index, sale)
        fresh.append(sale)
    known = {}
    receipts = list(seen)
    for start in range(0, len(receipts), 500):
        known.update({r: (a, as_utc(t)) for r, a, t in db.session.execute(
            select(Transaction.receipt, Transaction.amount, Transaction.at).where(
                Transaction.device_id == device.id, Transaction.receipt.in_(receipts[start:start + 500])))})
    rows = []
    for sale in fresh:
        stored = known.get(sale.receipt)
        if stored is not None:
            if stored != (sale.amount, as_utc(sale.at)):
                index = seen[sale.receipt][0]
                raise TaxError(f"transactions.{index}.receipt",
                               f"receipt {sale.receipt!r} was recorded before with another amount or time",
                               status=409)
            continue
        rows.append({"device_id": device.id, "object_id": device.object_id, "receipt": sale.receipt,
                     "amount": sale.amount, "at": as_utc(sale.at), "period": period_of(sale.at),
                     "created_at": utcnow()})
    if rows:
        db.session.execute(insert(Transaction), rows)
    return len(rows), len(sales) - len(rows)


# ----------------------------------------------------------------- monitoring
@dataclass
class Month:
    period: str
    declared: int | None
    tapped: int
    flagged: bool

    @property
    def gap(self) -> int:
        return max(self.tapped - (self.declared or 0), 0)


def flagged(declared: int | None, tapped: int) -> bool:
    """Under-reporting: the declared turnover is below the tapped one by more than the profile's threshold."""
    if declared is None:
        return False
    threshold = Decimal(str(settings().under_reporting_threshold))
    return Decimal(declared) < Decimal(tapped) * (1 - threshold)


def tapped(object_ids, periods=None) -> dict[tuple[int, str], int]:
    stmt = select(Transaction.object_id, Transaction.period, func.sum(Transaction.amount)).where(
        Transaction.object_id.in_(object_ids)).group_by(Transaction.object_id, Transaction.period)
    if periods is not None:
        stmt = stmt.where(Transaction.period.in_(periods))
    return {(o, p): int(total) for o, p, total in db.session.execute(stmt)}


def months(obj: TaxObject) -> list[Month]:
    """Each month with a declaration or a tapped sale, newest first."""
    declared = {d.period: d.turnover for d in db.session.scalars(
        select(Declaration).where(Declaration.object_id == obj.id))}
    taps = {p: total for (_o, p), total in tapped([obj.id]).items()}
    return [Month(p, declared.get(p), taps.get(p, 0), flagged(declared.get(p), taps.get(p, 0)))
            for p in sorted(set(declared) | set(taps), reverse=True)]


def last_month() -> str:
    first = today().replace(day=1)
    return (first - timedelta(days=1)).strftime("%Y-%m")
