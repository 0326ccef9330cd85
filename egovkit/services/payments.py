"""Money, exactly once: every payment and disbursement in the regency, in one table (``core_payment``).

A module names what is paid, a ``Kind`` (a tax bill, a permit fee, a benefit paid to a person), and asks the
core to record a payment of one payable, one record of that kind:

    BILL = payments.Kind("etax", "bill", direction="in", four_eyes=True,
                         title={"id": "Tagihan pajak daerah", "en": "Local tax bill"})

    bill = BILL.payable(decl.id, amount=due, billed_on=declared_on, billed_by=decl.declared_by,
                        agency_code=decl.agency_code)
    payment = payments.record(bill, amount=amount, paid_on=paid_on, reference=receipt, user=current_user)

What the core guarantees, on SQLite and PostgreSQL alike:

- a payable is settled by at most one standing payment: ``settles`` ("module:kind:id") is unique while the
  payment stands, so of N racing requests exactly one inserts its row and the others get ``AlreadyPaid``;
- a receipt or transfer number (``reference``) settles one payment in the whole regency, whichever module:
  its normalised form (no spaces, upper case) is unique; a reused one is ``ReferenceUsed``;
- the amount is the exact amount due (whole Rupiah, above zero); the date is neither before the bill nor
  after today (the regency's day); with ``four_eyes`` whoever made the bill does not record its payment;
- a mistaken payment is never deleted: ``reverse()`` adds an entry with the opposite amount and a reason and
  frees the payable (and its reference) with one conditional UPDATE, so it can be paid again;
- each payment and reversal is audited and published as ``payment.recorded`` / ``payment.reversed`` with
  the module, kind and payable in the payload, in the caller's transaction.

The caller commits (or rolls back) as for every other service.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import (BigInteger, Date, DateTime, ForeignKey, Index, Integer, String, Text, cast, exists, func,
                        literal, select, update)
from sqlalchemy.exc import IntegrityError
from pydantic import AliasChoices, BaseModel, ConfigDict, Field
from sqlalchemy.orm import Mapped, column_property, mapped_column

from . import audit, events
from .. import formfields
from ..db import db
from ..i18n import N_, english, translated
from ..models import utcnow

MAX_RUPIAH = formfields.MAX_RUPIAH
DIRECTIONS = ("in", "out")  # money received by the regency (tax, fee) / paid out by it (a benefit, a grant)


class Payment(db.Model):
    """One entry: a payment (positive amount) or the reversal of one (the opposite amount, ``reverses_id``)."""

    __tablename__ = "core_payment"
    __table_args__ = (Index("ix_core_payment_payable", "module", "kind", "payable_id"),
                      Index("ix_core_payment_report", "month", "module", "kind"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    module: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(40))
    payable_id: Mapped[str] = mapped_column(String(40))
    direction: Mapped[str] = mapped_column(String(3))  # in | out
    amount: Mapped[int] = mapped_column(BigInteger)  # whole Rupiah; negative for a reversal
    paid_on: Mapped[date] = mapped_column(Date)
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM of paid_on, for the report
    reference: Mapped[str] = mapped_column(String(60))  # the receipt or transfer number, as written
    # "module:kind:id" while the payment stands, NULL once reversed (and on reversals): one standing payment
    settles: Mapped[str | None] = mapped_column(String(130), unique=True)
    # the normalised reference while the payment stands: one receipt settles one payment in the regency
    reference_key: Mapped[str | None] = mapped_column(String(60), unique=True)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("core_payment.id"), unique=True)
    reason: Mapped[str | None] = mapped_column(Text)  # why a reversal was made
    party: Mapped[str | None] = mapped_column(String(200))  # who paid, or who was paid (a name, never a NIK)
    details: Mapped[str] = mapped_column(Text, default="{}")  # JSON: the module's breakdown (e.g. interest)
    agency_code: Mapped[str | None] = mapped_column(String(32), index=True)
    region_code: Mapped[str | None] = mapped_column(String(13), index=True)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def detail(self) -> dict:
        return json.loads(self.details or "{}")

    @property
    def standing(self) -> bool:
        return self.settles is not None


# ----------------------------------------------------------------- errors
class PaymentError(Exception):
    """A refusal, with the field it concerns: ``str()`` is English, ``describe()`` the reader's language."""

    status = 422
    code = "invalid"

    def __init__(self, field: str, message: str, **params):
        self.field, self.message, self.params = field, message, params
        super().__init__(english(message, params))

    def describe(self) -> str:
        params = dict(self.params)
        if isinstance(params.get("day"), date):
            from flask_babel import format_date

            params["day"] = format_date(params["day"], "long")
        return translated(self.message, params)


class AlreadyPaid(PaymentError):
    status, code = 409, "already_paid"


class ReferenceUsed(PaymentError):
    status, code = 409, "reference_used"


class WrongAmount(PaymentError):
    code = "wrong_amount"


class BadDate(PaymentError):
    code = "bad_date"


class SamePerson(PaymentError):
    status, code = 403, "four_eyes"


class AlreadyReversed(PaymentError):
    status, code = 409, "already_reversed"


# ----------------------------------------------------------------- what is paid
KINDS: dict[tuple[str, str], "Kind"] = {}


@dataclass(frozen=True)
class Kind:
    """A kind of thing a module bills or pays out; declared once, at import of the module."""

    module: str
    name: str
    direction: str = "in"
    four_eyes: bool = False  # whoever made the bill (``billed_by``) may not record its payment
    title: dict = field(default_factory=dict, compare=False, hash=False)  # {"id": ..., "en": ...}

    def __post_init__(self):
        if self.direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {DIRECTIONS}, not {self.direction!r}")
        KINDS[(self.module, self.name)] = self

    def payable(self, record_id, *, amount: int, billed_on: date, billed_by: int | None = None,
                party: str | None = None, agency_code: str | None = None,
                region_code: str | None = None) -> "Payable":
        return Payable(self, str(record_id), amount, billed_on, billed_by, party, agency_code, region_code)

    def key(self, record_id) -> str:
        return f"{self.module}:{self.name}:{record_id}"


@dataclass(frozen=True)
class Payable:
    """One bill (or benefit) as it stands now: what is due, since when, made by whom."""

    kind: Kind
    id: str
    amount: int  # due now, whole Rupiah
    billed_on: date  # the bill's day: no payment is earlier
    billed_by: int | None = None
    party: str | None = None
    agency_code: str | None = None
    region_code: str | None = None


def title(module: str, kind: str, locale: str = "id") -> str:
    found = KINDS.get((module, kind))
    return (found.title.get(locale) or found.title.get("id")) if found and found.title else f"{module}/{kind}"


# ----------------------------------------------------------------- reading
def normalised(reference: str) -> str:
    """A receipt number as compared: without spaces, upper case (" bj 2026-1" = "BJ2026-1")."""
    return "".join((reference or "").split()).upper()


def today() -> date:
    return datetime.now(ZoneInfo(current_app.extensions["egovkit"].profile.timezone)).date()


def current(kind: Kind, record_id) -> Payment | None:
    """The standing payment of one payable, or None when it is open."""
    return db.session.scalar(select(Payment).where(Payment.settles == kind.key(record_id)))


def standing(kind: Kind, record_ids) -> dict[str, Payment]:
    """Payable id (as a string) -> its standing payment, for a list of payables."""
    keys = [kind.key(i) for i in record_ids]
    out = {}
    for start in range(0, len(keys), 500):
        for payment in db.session.scalars(select(Payment).where(Payment.settles.in_(keys[start:start + 500]))):
            out[payment.payable_id] = payment
    return out


def history(kind: Kind, record_id) -> list[Payment]:
    """Every entry of one payable (payments and reversals), oldest first."""
    return list(db.session.scalars(select(Payment).where(Payment.module == kind.module, Payment.kind == kind.name,
                                                         Payment.payable_id == str(record_id))
                                   .order_by(Payment.id)))


def settling(kind: Kind, id_expr):
    """A SQL condition: ``Payment`` is the standing payment of the payable whose id is ``id_expr`` (a column or
    an expression), through the unique ``settles`` key: for a module's list that reads its payments in the same
    query, ``outerjoin(Payment, payments.settling(KIND, Model.id))``."""
    return Payment.settles == literal(f"{kind.module}:{kind.name}:", String) + cast(id_expr, String)


def attribute(kind: Kind, id_column, column: str = "paid_on", default=None):
    """A read-only attribute of a module's model, loaded with its row, from the payable's standing payment:
    ``Permit.paid_on = payments.attribute(FEE, Permit.__table__.c.id)`` (the module stores no copy)."""
    value = select(getattr(Payment, column)).where(settling(kind, id_column)).scalar_subquery()
    return column_property(func.coalesce(value, default) if default is not None else value)


def paid_clause(kind: Kind, id_column):
    """A SQL condition: the payable whose id is ``id_column`` is settled (for a module's own queries)."""
    return exists().where(Payment.module == kind.module, Payment.kind == kind.name,
                          Payment.payable_id == cast(id_column, String), Payment.settles.is_not(None))


# ----------------------------------------------------------------- writing
def _check_reference(reference: str) -> tuple[str, str]:
    written = " ".join((reference or "").split())
    key = normalised(written)
    if not 1 <= len(written) <= 60 or "\x00" in written:
        raise PaymentError("reference", N_("Receipt number: 1 to 60 characters."))
    return written, key


def _check(payable: Payable, amount, paid_on, user_id: int | None) -> None:
    if not isinstance(amount, int) or isinstance(amount, bool) or not 0 < amount < MAX_RUPIAH:
        raise WrongAmount("amount", N_("Amount: a whole number of Rupiah above zero."))
    if amount != payable.amount:
        raise WrongAmount("amount", N_("The amount due is Rp %(due)s: a payment must clear it whole."),
                          due=f"{payable.amount:,}".replace(",", "."))
    if not isinstance(paid_on, date):
        raise BadDate("paid_on", N_("Date paid: a date as YYYY-MM-DD."))
    if paid_on > today():
        raise BadDate("paid_on", N_("A payment cannot be dated in the future."))
    if paid_on < payable.billed_on:
        raise BadDate("paid_on", N_("The bill was made on %(day)s: a payment cannot be earlier."),
                      day=payable.billed_on)
    if payable.kind.four_eyes and user_id is not None and payable.billed_by == user_id:
        raise SamePerson("recorded_by", N_("Whoever made the bill cannot record its payment: another staff "
                                           "member records it."))


def _refusal(payable: Payable, key: str, written: str) -> PaymentError | None:
    """Why this payable or reference cannot take a payment now (None: it can)."""
    if current(payable.kind, payable.id) is not None:
        return AlreadyPaid("payable", N_("This bill is already paid."))
    if db.session.scalar(select(Payment.id).where(Payment.reference_key == key)) is not None:
        return ReferenceUsed("reference", N_("Receipt number %(reference)s is already recorded for another "
                                             "payment."), reference=written)
    return None


def _transaction() -> None:
    """Make sure the session's connection is inside a transaction before a SAVEPOINT: pysqlite begins one only
    before DML, so a SAVEPOINT outside one starts a transaction of its own, and its RELEASE commits it
    (the payment would be committed even when the caller rolls back)."""
    conn = db.session.connection()
    if conn.dialect.name == "sqlite" and not conn.connection.dbapi_connection.in_transaction:
        conn.exec_driver_sql("BEGIN")


def record(payable: Payable, *, amount: int, paid_on: date, reference: str, user=None,
           details: dict | None = None) -> Payment:
    """Record the payment of one payable, exactly once; raises a ``PaymentError`` and writes nothing when
    refused. Audited and published (``payment.recorded``) in the caller's transaction."""
    user_id = getattr(user, "id", user)
    if current(payable.kind, payable.id) is not None:  # said first: the others' checks do not matter then
        raise AlreadyPaid("payable", N_("This bill is already paid."))
    _check(payable, amount, paid_on, user_id)
    written, key = _check_reference(reference)
    refused = _refusal(payable, key, written)
    if refused is not None:
        raise refused
    kind = payable.kind
    payment = Payment(module=kind.module, kind=kind.name, payable_id=payable.id, direction=kind.direction,
                      amount=amount, paid_on=paid_on, month=paid_on.strftime("%Y-%m"), reference=written,
                      settles=kind.key(payable.id), reference_key=key, party=(payable.party or None) and
                      payable.party[:200], details=json.dumps(details or {}, sort_keys=True),
                      agency_code=payable.agency_code, region_code=payable.region_code, recorded_by=user_id)
    _transaction()
    try:
        with db.session.begin_nested():  # the unique keys decide a race: the loser's row is never written
            db.session.add(payment)  # added inside: begin_nested() flushes what is pending before it
            db.session.flush()
    except IntegrityError as exc:
        if payment in db.session:
            db.session.expunge(payment)
        refused = _refusal(payable, key, written)
        if refused is None:  # the winner's row is not visible yet: tell from the constraint
            text = str(exc.orig).lower()
            refused = (ReferenceUsed("reference", N_("Receipt number %(reference)s is already recorded for "
                                                     "another payment."), reference=written)
                       if "reference_key" in text else AlreadyPaid("payable", N_("This bill is already paid.")))
        raise refused from None
    audit.record(f"{kind.module}.paid", kind.module, "core_payment", payment.id, kind=kind.name,
                 payable=payable.id, amount=amount, paid_on=paid_on.isoformat(), reference=written,
                 direction=kind.direction, **({"details": details} if details else {}))
    events.publish("payment.recorded", payment=payment.id, module=kind.module, kind=kind.name,
                   payable=payable.id, direction=kind.direction, amount=amount, paid_on=paid_on.isoformat(),
                   reference=written)
    return payment


def reverse(payment: Payment, *, reason: str, user=None, on: date | None = None) -> Payment:
    """Reverse a mistaken payment: a new entry with the opposite amount and the reason; the payable (and its
    reference) are free again. The original stays, never deleted. Raises ``AlreadyReversed`` when someone
    reversed it first."""
    user_id = getattr(user, "id", user)
    reason = " ".join((reason or "").split())
    if not 10 <= len(reason) <= 500:
        raise PaymentError("reason", N_("Give the reason, 10 to 500 characters."))
    if payment.reverses_id is not None:
        raise PaymentError("payment", N_("A reversal cannot itself be reversed."))
    on = on or today()
    freed = db.session.execute(update(Payment).where(Payment.id == payment.id, Payment.settles.is_not(None))
                               .values(settles=None, reference_key=None))
    if freed.rowcount != 1:
        raise AlreadyReversed("payment", N_("This payment is already reversed."))
    db.session.expire(payment, ["settles", "reference_key"])
    entry = Payment(module=payment.module, kind=payment.kind, payable_id=payment.payable_id,
                    direction=payment.direction, amount=-payment.amount, paid_on=on, month=on.strftime("%Y-%m"),
                    reference=payment.reference, settles=None, reference_key=None, reverses_id=payment.id,
                    reason=reason, party=payment.party, details=payment.details, agency_code=payment.agency_code,
                    region_code=payment.region_code, recorded_by=user_id)
    _transaction()
    try:
        with db.session.begin_nested():
            db.session.add(entry)
            db.session.flush()
    except IntegrityError:
        raise AlreadyReversed("payment", N_("This payment is already reversed.")) from None
    audit.record(f"{payment.module}.payment_reversed", payment.module, "core_payment", entry.id,
                 kind=payment.kind, payable=payment.payable_id, reverses=payment.id, amount=entry.amount,
                 reason=reason)
    events.publish("payment.reversed", payment=entry.id, reverses=payment.id, module=payment.module,
                   kind=payment.kind, payable=payment.payable_id, direction=payment.direction,
                   amount=entry.amount, reason=reason)
    return entry


# ----------------------------------------------------------------- the payment form (web and API)
# One form for every payable: the receipt number, the day paid and the amount, typed as people write money
# (formfields.rupiah: 1500000, 1.500.000 or Rp 1.500.000). Field names are the ones a PaymentError names.
FORM_FIELDS = [formfields.field("reference", "Nomor bukti bayar", "Receipt number"),
               formfields.field("paid_on", "Tanggal bayar", "Date paid", "date"),
               formfields.field("amount", "Jumlah dibayar (Rp)", "Amount paid (Rp)", "rupiah")]


@dataclass(frozen=True)
class Entered:
    """A payment as entered in the form, checked for shape; ``record()`` checks it against the payable."""

    amount: int
    paid_on: date
    reference: str


def entered(form) -> tuple[Entered | None, dict[str, str]]:
    """(the payment entered, None when refused; errors per field in the reader's language) of a submitted
    payment form (a dict-like of strings)."""
    answers, errors = formfields.check(FORM_FIELDS, form)
    if errors:
        return None, errors
    return Entered(int(answers["amount"]), date.fromisoformat(answers["paid_on"]), answers["reference"]), {}


class PaymentIn(BaseModel):
    """The payment of one payable in the API (etax bills, permit fees: one body for all)."""

    model_config = ConfigDict(extra="forbid")
    amount: int = Field(ge=1, lt=MAX_RUPIAH, description="Rupiah paid: the whole amount due on the day paid "
                                                          "(a tax bill's tax and late interest, a permit's fee).")
    paid_on: date = Field(description="The day paid (the regency's day): not before the bill, not in the future.")
    reference: str = Field(min_length=1, max_length=60, validation_alias=AliasChoices("reference", "receipt"),
                           description="The bank's or cashier's receipt number; it pays one bill in the whole "
                                       "regency (`receipt` is accepted as another name for it).")


# ----------------------------------------------------------------- the report
@dataclass
class ReportRow:
    module: str
    kind: str
    direction: str
    month: str
    entries: int
    total: int  # payments less reversals, whole Rupiah


def report(year: int | None = None, module: str | None = None, agency_code: str | None = None
           ) -> list[ReportRow]:
    """Sums per module, kind, direction and month (of the day paid, or of the reversal); each total is the sum
    of that group's entries, reversals included."""
    stmt = (select(Payment.module, Payment.kind, Payment.direction, Payment.month, func.count(),
                   func.coalesce(func.sum(Payment.amount), 0))
            .group_by(Payment.module, Payment.kind, Payment.direction, Payment.month)
            .order_by(Payment.month, Payment.module, Payment.kind, Payment.direction))
    if year is not None:
        stmt = stmt.where(Payment.month >= f"{year:04d}-01", Payment.month <= f"{year:04d}-12")
    if module:
        stmt = stmt.where(Payment.module == module)
    if agency_code:
        stmt = stmt.where(Payment.agency_code == agency_code)
    return [ReportRow(m, k, d, month, int(n), int(total)) for m, k, d, month, n, total in db.session.execute(stmt)]


# ----------------------------------------------------------------- moving a module's own payment columns in
def _table_0011():
    """core_payment as core_0011 made it (migrations use this, not the model, which may change later)."""
    import sqlalchemy as sa

    types = {"id": sa.Integer, "amount": sa.BigInteger, "paid_on": sa.Date, "reverses_id": sa.Integer,
             "recorded_by": sa.Integer, "created_at": sa.DateTime(timezone=True)}
    return sa.table("core_payment", *(sa.column(c, types.get(c, sa.String)) for c in (
        "id", "module", "kind", "payable_id", "direction", "amount", "paid_on", "month", "reference", "settles",
        "reference_key", "reverses_id", "reason", "party", "details", "agency_code", "region_code", "recorded_by",
        "created_at")))


def migrate_in(connection, module: str, kind: str, direction: str, rows: list[dict]) -> list[str]:
    """Copy payments a module kept in its own tables into core_payment (a module migration's upgrade).

    ``rows``: dicts with payable_id, amount, paid_on (date), reference, and optionally details (dict), party,
    agency_code, region_code, recorded_by, created_at; oldest first. The first payment of a payable stands;
    a later one (recorded twice by the race this table ends) is copied with its reversal, so the history
    keeps it and no total counts it. A receipt number already used by another standing payment is copied
    without its uniqueness key and flagged in details. Returns warnings to print."""
    import sqlalchemy as sa

    table = _table_0011()
    used = {k for (k,) in connection.execute(sa.select(table.c.reference_key)
                                             .where(table.c.reference_key.is_not(None)))}
    settled = {k for (k,) in connection.execute(sa.select(table.c.settles).where(table.c.settles.is_not(None)))}
    warnings = []
    for row in rows:
        paid_on = row["paid_on"] if isinstance(row["paid_on"], date) else date.fromisoformat(str(row["paid_on"]))
        written = " ".join(str(row["reference"] or "").split())[:60] or "-"
        key, settles = normalised(written), f"{module}:{kind}:{row['payable_id']}"
        details = dict(row.get("details") or {}, migrated=True)
        duplicate = settles in settled
        if key in used and not duplicate:
            details["reference_reused"] = True
            warnings.append(f"{settles}: receipt {written!r} was already used by another payment")
        values = dict(module=module, kind=kind, payable_id=str(row["payable_id"]), direction=direction,
                      amount=int(row["amount"]), paid_on=paid_on, month=paid_on.strftime("%Y-%m"), reference=written,
                      settles=None if duplicate else settles,
                      reference_key=None if duplicate or key in used else key, reverses_id=None, reason=None,
                      party=row.get("party"), details=json.dumps(details, sort_keys=True),
                      agency_code=row.get("agency_code"), region_code=row.get("region_code"),
                      recorded_by=row.get("recorded_by"), created_at=row.get("created_at") or utcnow())
        new_id = connection.execute(table.insert().values(**values).returning(table.c.id)).scalar_one()
        if duplicate:
            warnings.append(f"{settles}: a second payment ({written!r}, Rp {int(row['amount'])}) was recorded; "
                            "copied with its reversal")
            connection.execute(table.insert().values(**dict(
                values, amount=-values["amount"], reverses_id=new_id, created_at=utcnow(),
                reason="Migrated: a second payment of the same bill, recorded before payments were kept once")))
        else:
            settled.add(settles)
            if values["reference_key"]:
                used.add(key)
    return warnings


def migrate_out(connection, module: str, kind: str) -> list[dict]:
    """The standing payments of a module's kind, then every entry of that module's kind removed from
    core_payment (a module migration's downgrade puts them back into its own columns)."""
    import sqlalchemy as sa

    table = _table_0011()
    mine = sa.and_(table.c.module == module, table.c.kind == kind)
    out = [dict(r._mapping) for r in connection.execute(
        sa.select(table).where(mine, table.c.settles.is_not(None)).order_by(table.c.id))]
    for row in out:
        row["details"] = json.loads(row["details"] or "{}")
    connection.execute(table.delete().where(mine, table.c.reverses_id.is_not(None)))
    connection.execute(table.delete().where(mine))
    return out
