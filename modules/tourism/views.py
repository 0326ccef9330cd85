"""Tourism pages: the public event calendar (page and iCalendar feed, Indonesian and English), an event's
page, the destinations with their visitors per month; for staff, the events of their agency (budget,
realised cost, visitors counted, average spend), the monthly visitor counts of the tourism office, and the
year report per organiser (OPD) and per venue, as a page and a spreadsheet."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from fractions import Fraction

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from egovkit import formfields
from egovkit.auth import scope
from egovkit.db import db
from egovkit.models import Agency, Region, as_utc
from egovkit.services import payments
from egovkit.web import once
from egovkit.web.cache import invalidate, public_page
from egovkit.web.export import xlsx_response
from egovkit.web.forms import Form

from .models import Destination, Event, Visits

bp = Blueprint("tourism", __name__, url_prefix="/wisata", template_folder="templates")

EDIT, OFFICE, REPORT = "tourism.events.edit", "tourism.destinations.edit", "tourism.report"
# Money is typed as everywhere else (the core's rupiah input: 1500000, 1.500.000, Rp 1.500.000).
MONEY = [formfields.field("budget", "Anggaran (Rp)", "Budget (Rp)", "rupiah"),
         formfields.field("realised_cost", "Biaya realisasi (Rp)", "Realised cost (Rp)", "rupiah", required=False),
         formfields.field("average_spend", "Belanja rata-rata per pengunjung (Rp)",
                          "Average spend per visitor (Rp)", "rupiah", required=False)]


def _settings():
    return current_app.extensions["egovkit"].profile.modules["tourism"]


def _locale() -> str:
    return str(get_locale() or current_app.extensions["egovkit"].profile.locale)


def _year(default: int | None = None) -> int:
    year = request.args.get("year", type=int) or default or payments.today().year
    if not 2000 <= year <= payments.today().year + 5:
        abort(404)
    return year


def _agencies() -> dict[str, str]:
    return dict(db.session.execute(select(Agency.code, Agency.name)).all())


# ----------------------------------------------------------------- public pages
@bp.get("/")
@public_page()
def calendar():
    year = _year()
    events = db.session.scalars(select(Event).where(Event.starts_on >= date(year, 1, 1),
                                                    Event.starts_on <= date(year, 12, 31))
                                .order_by(Event.starts_on, Event.id)).all()
    months = defaultdict(list)
    for event in events:
        months[event.starts_on.month].append(event)
    names = {m: format_date(date(year, m, 1), "MMMM y") for m in months}
    return render_template("tourism/calendar.html", year=year, months=sorted(months.items()), names=names,
                           agencies=_agencies(), loc=_locale(), today=payments.today())


@bp.get("/acara/<int:event_id>")
@public_page()
def event(event_id: int):
    item = db.session.get(Event, event_id)
    if item is None:
        abort(404)
    return render_template("tourism/event.html", event=item, agency=db.session.get(Agency, item.agency_code),
                           loc=_locale(), can_edit=scope.can(EDIT, item))


@bp.get("/kalender.ics")
def ical():
    """The calendar as iCalendar (RFC 5545) in one language (``?lang=en``; default the profile's)."""
    from icalendar import Calendar, Event as VEvent, vGeo

    lang = request.args.get("lang")
    lang = lang if lang in ("id", "en") else current_app.extensions["egovkit"].profile.locale
    regency = current_app.extensions["egovkit"].profile.regency
    agencies = _agencies()
    cal = Calendar()
    cal.add("prodid", "-//egovkit//tourism//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", ("Kalender acara " if lang == "id" else "Events of ") + regency.name)
    cal.add("x-wr-timezone", current_app.extensions["egovkit"].profile.timezone)
    host = request.host.split(":")[0]
    since = payments.today() - timedelta(days=366)
    for item in db.session.scalars(select(Event).where(Event.ends_on >= since).order_by(Event.starts_on, Event.id)):
        entry = VEvent()
        entry.add("uid", f"tourism-event-{item.id}@{host}")
        entry.add("dtstamp", as_utc(item.updated_at) if item.updated_at else datetime.now(timezone.utc))
        entry.add("dtstart", item.starts_on)
        entry.add("dtend", item.ends_on + timedelta(days=1))  # all-day events: the end is exclusive
        entry.add("summary", item.title(lang), parameters={"language": lang})
        organiser = ("Penyelenggara: " if lang == "id" else "Organiser: ") + agencies.get(item.agency_code, "")
        entry.add("description", "\n\n".join(filter(None, (item.description(lang), organiser))),
                  parameters={"language": lang})
        entry.add("location", item.venue)
        if item.latitude is not None and item.longitude is not None:
            entry.add("geo", vGeo((item.latitude, item.longitude)))
        entry.add("url", url_for(".event", event_id=item.id, _external=True))
        entry.add("categories", ["Festival"])
        cal.add_component(entry)
    return current_app.response_class(cal.to_ical(), mimetype="text/calendar",
                                      headers={"Content-Disposition": f'inline; filename="kalender-{lang}.ics"',
                                               "Cache-Control": "max-age=300"})


@bp.get("/destinasi")
@public_page()
def destinations():
    year = _year()
    rows = db.session.scalars(select(Destination).order_by(Destination.name)).all()
    visits = defaultdict(dict)
    for v in db.session.scalars(select(Visits).where(Visits.year == year)):
        visits[v.destination_id][v.month] = v
    regions = dict(db.session.execute(select(Region.code, Region.name).where(
        Region.code.in_({d.region_code for d in rows if d.region_code}))).all())
    return render_template("tourism/destinations.html", year=year, destinations=rows, visits=visits,
                           regions=regions, can_edit=_office(), months=_month_names(year))


def _month_names(year: int) -> dict[int, str]:
    return {m: format_date(date(year, m, 1), "MMM") for m in range(1, 13)}


# ----------------------------------------------------------------- events (staff of the organising agency)
class EventForm(Form):
    title_id = StringField("Title (Indonesian)", validators=[DataRequired(), Length(max=200)])
    title_en = StringField("Title (English)", validators=[DataRequired(), Length(max=200)])
    description_id = TextAreaField("Description (Indonesian)", validators=[Optional(), Length(max=5000)])
    description_en = TextAreaField("Description (English)", validators=[Optional(), Length(max=5000)])
    starts_on = DateField("First day", validators=[InputRequired()])
    ends_on = DateField("Last day", validators=[InputRequired()])
    venue = StringField("Venue", validators=[DataRequired(), Length(max=200)])
    latitude = StringField("Latitude", validators=[Optional(), Length(max=20)])
    longitude = StringField("Longitude", validators=[Optional(), Length(max=20)])
    agency_code = SelectField("Organiser (agency)", choices=[], validate_choice=True)
    expected_domestic = IntegerField("Expected domestic visitors", validators=[InputRequired(),
                                                                                NumberRange(0, 100_000_000)])
    expected_foreign = IntegerField("Expected foreign visitors", validators=[InputRequired(),
                                                                              NumberRange(0, 100_000_000)])
    visitors_domestic = IntegerField("Domestic visitors counted", validators=[Optional(),
                                                                               NumberRange(0, 100_000_000)])
    visitors_foreign = IntegerField("Foreign visitors counted", validators=[Optional(), NumberRange(0, 100_000_000)])


def _coordinate(text: str | None, low: float, high: float) -> float | None:
    """A decimal degree as typed (a comma is read as the decimal point); None when empty; ValueError."""
    text = ("" if text is None else str(text)).strip().replace(",", ".")
    if not text:
        return None
    value = float(text)
    if not low <= value <= high:
        raise ValueError(text)
    return value


def _agency_choices() -> list[SelectChoice]:
    """Agencies the user keeps events for: their own agency, or every agency for a regency-wide role."""
    granted = scope.grants(None, current_app.extensions["egovkit"].profile.roles_with(EDIT))
    rows = db.session.execute(select(Agency.code, Agency.name).where(Agency.active).order_by(Agency.name)).all()
    if not any(g.everything for g in granted):
        own = {g.agency for g in granted if g.agency}
        rows = [r for r in rows if r.code in own]
    return [SelectChoice(code, name) for code, name in rows]


@bp.get("/kelola")
@scope.require(EDIT)
def manage():
    year = _year()
    events = db.session.scalars(scope.visible(select(Event), Event).where(
        Event.starts_on >= date(year, 1, 1), Event.starts_on <= date(year, 12, 31))
        .order_by(Event.starts_on, Event.id)).all()
    return render_template("tourism/manage.html", year=year, events=events, agencies=_agencies(), loc=_locale(),
                           can_new=bool(_agency_choices()))


@bp.route("/acara/baru", methods=["GET", "POST"])
@scope.require(EDIT)
def new_event():
    return _event_form(None)


@bp.route("/acara/<int:event_id>/ubah", methods=["GET", "POST"])
@scope.require(EDIT)
def edit_event(event_id: int):
    return _event_form(scope.get_or_404(Event, event_id))


def _event_form(item: Event | None):
    choices = _agency_choices()
    if not choices:
        abort(403)
    form = EventForm(obj=item)
    form.agency_code.choices = choices
    money_errors: dict[str, str] = {}
    money = {f.name: request.form.get(f.name, "") for f in MONEY} if request.method == "POST" else {
        f.name: ("" if item is None or getattr(item, f.name) is None else f"{getattr(item, f.name):,}".replace(",", "."))
        for f in MONEY}
    if request.method == "POST":
        valid = form.validate_on_submit()
        answers, money_errors = formfields.check(MONEY, request.form)
        coordinates = {}
        for name, low, high in (("latitude", -90, 90), ("longitude", -180, 180)):
            try:
                coordinates[name] = _coordinate(getattr(form, name).data, low, high)
            except ValueError:
                getattr(form, name).errors = list(getattr(form, name).errors) + [
                    _("A decimal degree between %(low)s and %(high)s, e.g. -8.2192.", low=low, high=high)]
                valid = False
        if form.starts_on.data and form.ends_on.data and form.ends_on.data < form.starts_on.data:
            form.ends_on.errors = list(form.ends_on.errors) + [_("The last day cannot be before the first day.")]
            valid = False
        if valid and not money_errors:
            if item is None and (first := once.replay()) is not None:  # the same form sent again: one event
                return first
            target = item or Event(demo=False)
            for name in ("title_id", "title_en", "venue"):
                setattr(target, name, getattr(form, name).data.strip())
            for name in ("description_id", "description_en"):
                setattr(target, name, (getattr(form, name).data or "").strip())
            for name in ("starts_on", "ends_on", "agency_code", "expected_domestic", "expected_foreign",
                         "visitors_domestic", "visitors_foreign"):
                setattr(target, name, getattr(form, name).data)
            target.latitude, target.longitude = coordinates["latitude"], coordinates["longitude"]
            for f in MONEY:
                setattr(target, f.name, int(answers[f.name]) if f.name in answers else None)
            if item is None:
                db.session.add(target)
                db.session.flush()
                once.record(url_for(".event", event_id=target.id))
            db.session.commit()
            invalidate()
            flash(_("Event saved."), "success")
            return redirect(url_for(".event", event_id=target.id))
    return render_template("tourism/event_form.html", form=form, item=item, money=money, money_fields=MONEY,
                           money_errors=money_errors, loc=_locale()), \
        (400 if form.errors or money_errors else 200)


# ----------------------------------------------------------------- destinations (the tourism office)
def _office() -> bool:
    """Whether the user records destinations: staff of the tourism office (or a regency-wide role)."""
    office = _settings().office
    return any(g.everything or g.agency == office
               for g in scope.grants(None, current_app.extensions["egovkit"].profile.roles_with(OFFICE)))


class DestinationForm(Form):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    region_code = SelectField("District", choices=[], validate_choice=True)
    latitude = StringField("Latitude", validators=[Optional(), Length(max=20)])
    longitude = StringField("Longitude", validators=[Optional(), Length(max=20)])


@bp.route("/destinasi/baru", methods=["GET", "POST"])
@scope.require(OFFICE)
def new_destination():
    if not _office():
        abort(403)
    form = DestinationForm()
    regency = current_app.extensions["egovkit"].profile.regency.code
    form.region_code.choices = [SelectChoice("", _("(none)"))] + [SelectChoice(c, n) for c, n in db.session.execute(
        select(Region.code, Region.name).where(Region.parent_code == regency).order_by(Region.name))]
    if form.validate_on_submit():
        coordinates, valid = {}, True
        for name, low, high in (("latitude", -90, 90), ("longitude", -180, 180)):
            try:
                coordinates[name] = _coordinate(getattr(form, name).data, low, high)
            except ValueError:
                getattr(form, name).errors = [_("A decimal degree between %(low)s and %(high)s, e.g. -8.2192.",
                                                low=low, high=high)]
                valid = False
        name = form.name.data.strip()
        if valid and db.session.scalar(select(Destination.id).where(Destination.name == name)):
            form.name.errors = [_("A destination of this name is already recorded.")]
            valid = False
        if valid:
            if (first := once.replay()) is not None:
                return first
            item = Destination(name=name, region_code=form.region_code.data or None, agency_code=_settings().office,
                               demo=False, **coordinates)
            db.session.add(item)
            db.session.flush()
            once.record(url_for(".visits", destination_id=item.id))
            db.session.commit()
            invalidate()
            return redirect(url_for(".visits", destination_id=item.id))
    return render_template("tourism/destination_new.html", form=form), (400 if form.errors else 200)


class VisitsForm(Form):
    year = IntegerField("Year", validators=[InputRequired(), NumberRange(2000, 2100)])
    month = SelectField("Month", choices=[], coerce=int, validate_choice=True)
    domestic = IntegerField("Domestic visitors", validators=[InputRequired(), NumberRange(0, 100_000_000)])
    foreign = IntegerField("Foreign visitors", validators=[InputRequired(), NumberRange(0, 100_000_000)])


@bp.route("/destinasi/<int:destination_id>/kunjungan", methods=["GET", "POST"])
@scope.require(OFFICE)
def visits(destination_id: int):
    if not _office():
        abort(403)
    item = scope.get_or_404(Destination, destination_id)
    today = payments.today()
    form = VisitsForm(year=today.year, month=today.month)
    names = {m: format_date(date(2000, m, 1), "MMMM") for m in range(1, 13)}
    form.month.choices = [SelectChoice(m, names[m]) for m in range(1, 13)]
    if form.validate_on_submit():
        if (form.year.data, form.month.data) > (today.year, today.month):
            form.month.errors = [_("Visitors can only be recorded for a month that has begun.")]
        else:
            row = db.session.scalar(select(Visits).where(Visits.destination_id == item.id,
                                                         Visits.year == form.year.data, Visits.month == form.month.data))
            if row is None:
                row = Visits(destination_id=item.id, year=form.year.data, month=form.month.data)
                db.session.add(row)
            row.domestic, row.foreign = form.domestic.data, form.foreign.data
            db.session.commit()
            invalidate()
            flash(_("Visitors of %(month)s %(year)s saved.", month=names[row.month], year=row.year), "success")
            return redirect(url_for(".visits", destination_id=item.id, year=row.year))
    year = _year(form.year.data if isinstance(form.year.data, int) else None)
    rows = {v.month: v for v in db.session.scalars(select(Visits).where(Visits.destination_id == item.id,
                                                                        Visits.year == year))}
    return render_template("tourism/visits.html", item=item, form=form, year=year, rows=rows, names=names), \
        (400 if form.errors else 200)


# ----------------------------------------------------------------- the year report
def report_rows(year: int) -> tuple[list[dict], list[dict]]:
    """(per organiser, per venue) of the year's events within the viewer's reach: events, budget, realised
    cost, visitors counted (domestic, foreign), estimated benefit and benefit/cost over the events with both."""
    events = db.session.scalars(scope.visible(select(Event), Event, permission=REPORT).where(
        Event.starts_on >= date(year, 1, 1), Event.starts_on <= date(year, 12, 31))).all()
    agencies = _agencies()

    def group(key):
        out = {}
        for e in events:
            k = key(e)
            row = out.setdefault(k, {"name": k, "events": 0, "budget": 0, "realised_cost": 0, "domestic": 0,
                                     "foreign": 0, "benefit": 0, "_benefit": 0, "_cost": 0})
            row["events"] += 1
            row["budget"] += e.budget or 0
            row["realised_cost"] += e.realised_cost or 0
            row["domestic"] += e.visitors_domestic or 0
            row["foreign"] += e.visitors_foreign or 0
            row["benefit"] += e.benefit or 0
            if e.ratio is not None:
                row["_benefit"] += e.benefit
                row["_cost"] += e.realised_cost
        for row in out.values():
            row["ratio"] = Fraction(row.pop("_benefit"), row["_cost"]) if row["_cost"] else None
            del row["_cost"]
        return sorted(out.values(), key=lambda r: r["name"])

    return group(lambda e: agencies.get(e.agency_code, e.agency_code)), group(lambda e: e.venue)


@bp.get("/laporan")
@scope.require(REPORT)
def report():
    year = _year()
    by_agency, by_venue = report_rows(year)
    return render_template("tourism/report.html", year=year, by_agency=by_agency, by_venue=by_venue)


@bp.get("/laporan.xlsx")
@scope.require(REPORT)
def report_xlsx():
    year = _year()
    header = [_("Number of events"), _("Budget (Rp)"), _("Realised cost (Rp)"), _("Domestic visitors"),
              _("Foreign visitors"), _("Estimated benefit (Rp)"), _("Benefit/cost")]

    def rows(items):
        return [[r["name"], r["events"], r["budget"], r["realised_cost"], r["domestic"], r["foreign"], r["benefit"],
                 None if r["ratio"] is None else round(float(r["ratio"]), 2)] for r in items]

    by_agency, by_venue = report_rows(year)
    title = _("Events of %(year)s", year=year)
    return xlsx_response(f"acara-{year}.xlsx", [
        (_("Per organiser"), f"{title}: {_('per organiser')}", [_("Organiser")] + header, rows(by_agency)),
        (_("Per venue"), f"{title}: {_('per venue')}", [_("Venue")] + header, rows(by_venue))],
        money={2, 3, 6})


def ratio(value: Fraction | None) -> str:
    """A benefit/cost ratio for the page, two decimals ("4,20" in Indonesian)."""
    from flask_babel import format_decimal

    return "–" if value is None else format_decimal(float(value), format="#,##0.00")


bp.add_app_template_filter(ratio, "bc_ratio")


# ----------------------------------------------------------------- home and open data
def home_widget():
    limit = _settings().show_on_home
    if not limit:
        return None
    coming = db.session.scalars(select(Event).where(Event.ends_on >= payments.today())
                                .order_by(Event.starts_on, Event.id).limit(limit)).all()
    if not coming:
        return None
    return Markup(render_template("tourism/_widget.html", events=coming, loc=_locale()))


def events_per_month():
    """Open data: the calendar's events per month they start, with visitors counted and realised cost."""
    out = {}
    for e in db.session.scalars(select(Event).order_by(Event.starts_on)):
        row = out.setdefault(e.starts_on.strftime("%Y-%m"), {"month": e.starts_on.strftime("%Y-%m"), "events": 0,
                                                             "visitors_domestic": 0, "visitors_foreign": 0,
                                                             "realised_cost": 0})
        row["events"] += 1
        row["visitors_domestic"] += e.visitors_domestic or 0
        row["visitors_foreign"] += e.visitors_foreign or 0
        row["realised_cost"] += e.realised_cost or 0
    return list(out.values())


def visitors_per_destination():
    """Open data: visitors recorded per destination and month."""
    rows = db.session.execute(select(Visits.year, Visits.month, Destination.name, Visits.domestic, Visits.foreign)
                              .join(Destination, Destination.id == Visits.destination_id)
                              .order_by(Visits.year, Visits.month, Destination.name)).all()
    return [{"month": f"{y:04d}-{m:02d}", "destination": name, "domestic": d, "foreign": f}
            for y, m, name, d, f in rows]


