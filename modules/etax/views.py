"""Local tax screens: the objects within reach, an object with its months (declared against tapped turnover),
its bills and devices; declaring, paying and registering a device; the dashboard."""
from __future__ import annotations

import json
import re
from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from egovkit import formfields
from egovkit.auth import scope
from egovkit.services import payments
from egovkit.db import db
from egovkit.web.forms import Form

from . import RULES, TAX_TYPES, service, tariffs
from . import dashboard as figures
from .models import BILL, Declaration, Device, TaxObject, Taxpayer

bp = Blueprint("etax", __name__, url_prefix="/pajak", template_folder="templates")
READ = "etax.read"


def type_names() -> dict[str, str]:
    return {"restoran": _("PBJT food and drink (restaurant)"), "hotel": _("PBJT accommodation (hotel)"),
            "hiburan": _("PBJT arts and entertainment"),
            "hiburan_khusus": _("PBJT discotheque, karaoke, night club, bar, spa"),
            "parkir": _("PBJT parking"), "reklame": _("Billboard tax (reklame)")}


def explain(exc: service.TaxError) -> str:
    """A refusal of the rules in the reader's language."""
    texts = {"bad_period": _("A month as YYYY-MM, e.g. 2026-10."),
             "month_open": _("The month is not over yet: declare it from the first day of the next month."),
             "bad_turnover": _("A whole number of Rupiah, zero or more."),
             "declared_twice": _("This month is already declared for this object."),
             "not_paid": _("This bill has no payment to reverse."),
             "early_payment": _("A payment is made after the month it is for."),
             "bad_name": _("A name for the device, 1 to 80 characters."),
             "not_reclassifiable": _("Only an entertainment object moves between general and special "
                                     "entertainment."),
             "assessed_type": _("This tax is assessed by the revenue agency on its tax base value, not declared "
                                "on turnover."),
             "declared_type": _("This tax is declared on turnover by the taxpayer, not assessed on a tariff."),
             "no_device": _("This tax is monitored on site, not by a point-of-sale device."),
             "bad_start": _("The display starts within a year before or after today."),
             "bad_kind": _("Choose a kind of billboard from the tariff table."),
             "bad_location": _("Choose a location class from the tariff table."),
             "bad_size": _("Size: square metres above 0, at most two decimals, e.g. 4,5."),
             "bad_periods": _("Duration: a whole number of periods of display, 1 to 366."),
             "assessed_twice": _("This object is already assessed from that month.")}
    return texts.get(exc.code, exc.message)


def explain_payment(exc: payments.PaymentError) -> str:
    """A refusal of the core's payments, with etax's own words for the amount (tax and late interest)."""
    if isinstance(exc, payments.WrongAmount) and "due" in exc.params:
        return _("The bill is Rp %(due)s on that day (tax and late interest); a payment must clear it whole.",
                 due=exc.params["due"])
    return exc.describe()


def rules_text() -> dict[str, dict[str, str]]:
    """Each basis, form and monitoring in the reader's language."""
    return {"basis": {"turnover": _("the month's turnover"), "nsr": _("tax base value of the billboard (NSR)")},
            "form": {"SPTPD": _("SPTPD: the taxpayer declares each month"),
                     "SKPD": _("SKPD: the revenue agency assesses")},
            "monitoring": {"tapping_box": _("point-of-sale devices (tapping box)"),
                           "field_check": _("inspection on site")}}


def units() -> dict[str, str]:
    return {"day": _("days"), "week": _("weeks"), "month": _("months"), "year": _("years")}


def unit_one() -> dict[str, str]:
    return {"day": _("day"), "week": _("week"), "month": _("month"), "year": _("year")}


def _object(object_id: int, permission: str = READ) -> TaxObject:
    return scope.get_or_404(TaxObject, object_id, permission=permission)


@bp.get("/")
@scope.require(READ)
def index():
    rows = db.session.execute(scope.visible(select(TaxObject, Taxpayer), TaxObject, permission=READ)
                              .join(Taxpayer, Taxpayer.id == TaxObject.taxpayer_id)
                              .order_by(Taxpayer.name, TaxObject.name).limit(500)).all()
    return render_template("etax/index.html", rows=rows, types=type_names())


@bp.get("/objects/<int:object_id>")
@scope.require(READ)
def tax_object(object_id: int):
    obj = _object(object_id)
    taxpayer = db.session.get(Taxpayer, obj.taxpayer_id)
    bills = db.session.scalars(select(Declaration).where(Declaration.object_id == obj.id)
                               .order_by(Declaration.period.desc())).all()
    devices = db.session.scalars(select(Device).where(Device.object_id == obj.id).order_by(Device.id)).all()
    on = service.today()
    paid = payments.standing(BILL, [b.id for b in bills])
    rule = RULES[obj.tax_type]
    locale = str(get_locale() or "id")
    table = tariffs.current() if rule.basis == "nsr" else None
    return render_template("etax/object.html", obj=obj, rule=rule, rules_text=rules_text(), units=units(), unit_one=unit_one(),
                           table=table, locale=locale,
                           details={b.id: json.loads(b.detail) for b in bills if b.detail},
                           can_assess=rule.basis == "nsr" and scope.can("etax.assess", obj), taxpayer=taxpayer, bills=bills, devices=devices,
                           months=service.months(obj), types=type_names(), form=Form(), today=on, paid=paid,
                           outstanding={b.id: 0 if str(b.id) in paid else b.tax_due + service.penalty(b, on)
                                        for b in bills},
                           can_reverse=scope.can("etax.reverse", obj),
                           rate=service.rate_bp(obj.tax_type) / 100,
                           can_declare=rule.basis == "turnover" and scope.can("etax.declare", obj),
                           can_pay=scope.can("etax.pay", obj),
                           can_devices=rule.monitoring == "tapping_box" and scope.can("etax.devices", obj),
                           can_classify=scope.can("etax.classify", obj) and obj.tax_type in service.RECLASSIFIABLE,
                           reclassifiable=service.RECLASSIFIABLE)


@bp.post("/objects/<int:object_id>/declare")
@scope.require(READ)
def declare(object_id: int):
    obj = _object(object_id)
    if not scope.can("etax.declare", obj):
        abort(403)
    if not Form().validate_on_submit():
        abort(400)
    turnover = formfields.rupiah(request.form.get("turnover"), zero=True)  # a month may have no turnover
    if turnover is None:
        flash(_("Not done: %(reason)s", reason=_("Turnover: a whole number of Rupiah, zero or more.")), "error")
        return redirect(url_for(".tax_object", object_id=obj.id)), 303
    try:
        decl = service.declare(obj, request.form.get("period", "").strip(), turnover, current_user.id)
    except service.TaxError as exc:
        db.session.rollback()
        flash(_("Not done: %(reason)s", reason=explain(exc)), "error")
        return redirect(url_for(".tax_object", object_id=obj.id)), 303
    db.session.commit()
    flash(_("Declared. Billing code %(code)s.", code=decl.billing_code), "success")
    return redirect(url_for(".tax_object", object_id=obj.id)), 303


SIZE = re.compile(r"^[0-9]{1,5}([.,][0-9]{1,2})?$")


@bp.post("/objects/<int:object_id>/assess")
@scope.require(READ)
def assess(object_id: int):
    """The revenue agency assesses a reklame object from the tariff table (an SKPD): no turnover asked."""
    obj = _object(object_id)
    if not scope.can("etax.assess", obj):
        abort(403)
    if not Form().validate_on_submit():
        abort(400)
    size_text = request.form.get("size_m2", "").strip()
    periods_text = request.form.get("periods", "").strip()
    try:
        decl = service.assess(obj, request.form.get("period", "").strip(), request.form.get("kind", ""),
                              Decimal(size_text.replace(",", ".")) if SIZE.match(size_text) else None,
                              request.form.get("location", ""),
                              int(periods_text) if periods_text.isdigit() and len(periods_text) < 5 else None,
                              current_user.id)
    except service.TaxError as exc:
        db.session.rollback()
        flash(_("Not done: %(reason)s", reason=explain(exc)), "error")
        return redirect(url_for(".tax_object", object_id=obj.id)), 303
    db.session.commit()
    flash(_("Assessed. Billing code %(code)s.", code=decl.billing_code), "success")
    return redirect(url_for(".tax_object", object_id=obj.id)), 303


@bp.post("/bills/<int:bill_id>/pay")
@scope.require(READ)
def pay(bill_id: int):
    decl = scope.get_or_404(Declaration, bill_id, permission=READ)
    if not scope.can("etax.pay", decl):
        abort(403)
    if not Form().validate_on_submit():
        abort(400)
    paid, errors = payments.entered(request.form)  # the core's payment form: one way to type money
    labels = {f.name: f.label.get(str(get_locale())) or f.label["id"] for f in payments.FORM_FIELDS}
    problem = "; ".join(f"{labels[name]}: {text}" for name, text in errors.items()) or None
    if problem is None:
        try:
            service.pay(decl, paid.amount, paid.paid_on, paid.reference, current_user.id)
        except service.TaxError as exc:
            problem = explain(exc)
        except payments.PaymentError as exc:
            problem = explain_payment(exc)
    if problem is not None:
        db.session.rollback()
        flash(_("Not done: %(reason)s", reason=problem), "error")
        return redirect(url_for(".tax_object", object_id=decl.object_id)), 303
    db.session.commit()
    flash(_("Payment recorded: the bill is cleared."), "success")
    return redirect(url_for(".tax_object", object_id=decl.object_id)), 303


@bp.post("/bills/<int:bill_id>/reverse")
@scope.require(READ)
def reverse(bill_id: int):
    """The head of the revenue agency reverses a mistaken payment, with the reason: the bill is open again."""
    decl = scope.get_or_404(Declaration, bill_id, permission=READ)
    if not scope.can("etax.reverse", decl):
        abort(403)
    if not Form().validate_on_submit():
        abort(400)
    try:
        service.reverse(decl, request.form.get("reason", ""), current_user.id)
    except service.TaxError as exc:
        db.session.rollback()
        flash(_("Not done: %(reason)s", reason=explain(exc)), "error")
        return redirect(url_for(".tax_object", object_id=decl.object_id)), 303
    except payments.PaymentError as exc:
        db.session.rollback()
        flash(_("Not done: %(reason)s", reason=exc.describe()), "error")
        return redirect(url_for(".tax_object", object_id=decl.object_id)), 303
    db.session.commit()
    flash(_("Payment reversed: the bill is open again."), "success")
    return redirect(url_for(".tax_object", object_id=decl.object_id)), 303


@bp.post("/objects/<int:object_id>/type")
@scope.require(READ)
def reclassify(object_id: int):
    obj = _object(object_id)
    if not scope.can("etax.classify", obj):
        abort(403)
    if not Form().validate_on_submit():
        abort(400)
    try:
        service.reclassify(obj, request.form.get("tax_type", ""))
    except service.TaxError as exc:
        db.session.rollback()
        flash(_("Not done: %(reason)s", reason=explain(exc)), "error")
        return redirect(url_for(".tax_object", object_id=obj.id)), 303
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for(".tax_object", object_id=obj.id)), 303


@bp.post("/objects/<int:object_id>/devices")
@scope.require(READ)
def add_device(object_id: int):
    obj = _object(object_id)
    if not scope.can("etax.devices", obj):
        abort(403)
    if not Form().validate_on_submit():
        abort(400)
    try:
        device, secret = service.register_device(obj, request.form.get("name", ""))
    except service.TaxError as exc:
        db.session.rollback()
        flash(_("Not done: %(reason)s", reason=explain(exc)), "error")
        return redirect(url_for(".tax_object", object_id=obj.id)), 303
    db.session.commit()
    # The secret is shown on this one response and never again (only its hash is kept).
    return render_template("etax/device.html", obj=obj, device=device, secret=secret)


@bp.get("/dashboard")
@scope.require("etax.dashboard")
def dashboard():
    period = request.args.get("period") or service.last_month()
    if not service.PERIOD.match(period):
        abort(404)
    data = figures.summary(period)
    top = max([t.billed for t in data.types] + [1])
    return render_template("etax/dashboard.html", data=data, types=type_names(), top=top, all_types=TAX_TYPES)
