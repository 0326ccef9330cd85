"""tourism: an agency's staff keep its events (money typed as people write it), the benefit/cost ratio is
visitors x average spend / realised cost, the public calendar and its iCalendar feed in Indonesian and English,
the year report per organiser and per venue (page and XLSX), destinations with their monthly visitors, and
their open data."""
import csv
import io
import re
from datetime import date
from fractions import Fraction

import pytest
from icalendar import Calendar
from openpyxl import load_workbook

from egovkit.app import create_app

from .conftest import csrf_token, login

PASSWORD = "sandi-kuat-sekali"
STAFF = [("staf@disbudpar.id", "disbudpar"), ("staf@dinkes.id", "dinkes")]
YEAR = date.today().year


@pytest.fixture
def regency(cli, make_instance):
    make_instance("banyuwangi", "instance", "--demo")
    for email, agency in STAFF:
        cli("users", "create", "--email", email, "--name", email.split("@")[0], "--role", "opd_staff", "--agency",
            agency, "--password-stdin", input=PASSWORD + "\n")
    return create_app("instance", {"TESTING": True})


def staff(app, email):
    client = app.test_client()
    assert login(client, email, PASSWORD).status_code == 302
    return client


FESTIVAL = {"title_id": "Festival Layang-layang", "title_en": "Kite Festival",
            "description_id": "Layang-layang raksasa di pantai.", "description_en": "Giant kites on the beach.",
            "starts_on": f"{YEAR}-08-17", "ends_on": f"{YEAR}-08-18", "venue": "Pantai Boom",
            "latitude": "-8,2010", "longitude": "114.3820", "agency_code": "disbudpar",
            "expected_domestic": "9000", "expected_foreign": "100", "budget": "Rp 1.500.000.000",
            "realised_cost": "1.200.000.000", "average_spend": "150.000",
            "visitors_domestic": "10000", "visitors_foreign": "500"}


def add_event(client, **override):
    data = {"csrf_token": csrf_token(client, "/wisata/acara/baru"), **FESTIVAL, **override}
    return client.post("/wisata/acara/baru", data=data)


def event_row(app, title):
    from egovkit.db import db
    from egovkit_modules.tourism.models import Event

    with app.app_context():
        item = db.session.query(Event).filter_by(title_id=title).one_or_none()
        db.session.expunge_all()
        return item


def test_an_events_benefit_cost_ratio_is_visitors_times_spend_over_realised_cost(regency):
    tourism = staff(regency, "staf@disbudpar.id")
    bad = add_event(tourism, title_id="Salah", budget="1,5 juta", realised_cost="-5", ends_on=f"{YEAR}-08-01",
                    latitude="91")
    assert bad.status_code == 400
    page = bad.get_data(as_text=True)
    assert page.count('class="error"') == 4  # budget, cost, last day before the first, latitude
    assert "1.500.000" in page  # the message shows how money is typed
    assert event_row(regency, "Salah") is None  # nothing half-written
    made = add_event(tourism)
    assert made.status_code == 302
    item = event_row(regency, "Festival Layang-layang")
    assert (item.budget, item.realised_cost, item.average_spend) == (1_500_000_000, 1_200_000_000, 150_000)
    assert item.latitude == -8.201  # a comma read as the decimal point
    assert item.benefit == 10_500 * 150_000
    assert item.ratio == Fraction(10_500 * 150_000, 1_200_000_000)  # 1.3125
    shown = tourism.get(made.headers["Location"]).get_data(as_text=True)
    assert re.search(r"data-ratio>1,31<", shown)  # Indonesian decimals
    assert "Rp 1.575.000.000" in shown  # the estimated benefit
    # The same form sent twice makes one event.
    token = csrf_token(tourism, "/wisata/acara/baru")
    form = tourism.get("/wisata/acara/baru").get_data(as_text=True)
    once = dict(re.findall(r'name="(once)" value="([^"]+)"', form))
    for _ in range(2):
        tourism.post("/wisata/acara/baru", data={"csrf_token": token, **once, **FESTIVAL, "title_id": "Dua kali"})
    from egovkit.db import db
    from egovkit_modules.tourism.models import Event

    with regency.app_context():
        assert db.session.query(Event).filter_by(title_id="Dua kali").count() == 1
    # Visitors counted later change the ratio; without a realised cost there is none.
    edit = f"/wisata/acara/{item.id}/ubah"
    assert tourism.post(edit, data={"csrf_token": csrf_token(tourism, edit), **FESTIVAL,
                                    "visitors_domestic": "20000", "visitors_foreign": "1000"}).status_code == 302
    assert event_row(regency, "Festival Layang-layang").ratio == Fraction(21_000 * 150_000, 1_200_000_000)
    assert tourism.post(edit, data={"csrf_token": csrf_token(tourism, edit), **FESTIVAL,
                                    "realised_cost": ""}).status_code == 302
    assert event_row(regency, "Festival Layang-layang").ratio is None


def test_an_agencys_events_are_its_own(regency):
    item_id = _festival(regency)
    health = staff(regency, "staf@dinkes.id")
    assert health.get(f"/wisata/acara/{item_id}/ubah").status_code == 404
    shown = health.get(f"/wisata/acara/{item_id}").get_data(as_text=True)
    assert "Festival Layang-layang" in shown and "Rp 1.200.000.000" not in shown  # costs: the organiser's
    assert 'value="disbudpar"' not in health.get("/wisata/acara/baru").get_data(as_text=True)
    sent = add_event(health, title_id="Bukan milik kami")  # another agency's name in the form is refused
    assert sent.status_code == 400 and event_row(regency, "Bukan milik kami") is None
    assert health.get("/wisata/destinasi/baru").status_code == 403  # destinations: the tourism office's
    public = regency.test_client()
    assert public.get(f"/wisata/acara/{item_id}/ubah").status_code == 302  # sign in first
    report = health.get(f"/wisata/laporan?year={YEAR}").get_data(as_text=True)
    assert "Festival Layang-layang" not in report and "Pantai Boom" not in report


def _festival(app) -> int:
    assert add_event(staff(app, "staf@disbudpar.id")).status_code == 302
    return event_row(app, "Festival Layang-layang").id


def test_the_calendar_and_its_icalendar_feed_in_both_languages(regency):
    _festival(regency)
    public = regency.test_client()
    page = public.get(f"/wisata/?year={YEAR}").get_data(as_text=True)
    assert "Festival Layang-layang" in page and "Banyuwangi Ethno Carnival" in page  # demo events too
    public.get("/lang/en")
    assert "Kite Festival" in public.get(f"/wisata/?year={YEAR}").get_data(as_text=True)
    from egovkit.db import db
    from egovkit_modules.tourism.models import Event

    with regency.app_context():
        expected = {e.id: e for e in db.session.query(Event)}
        db.session.expunge_all()
    for lang, title, description in (("id", "Festival Layang-layang", "Layang-layang raksasa"),
                                     ("en", "Kite Festival", "Giant kites")):
        answer = public.get(f"/wisata/kalender.ics?lang={lang}")
        assert answer.status_code == 200 and answer.mimetype == "text/calendar"
        cal = Calendar.from_ical(answer.data)
        assert cal["VERSION"] == "2.0" and cal["PRODID"]
        events = {int(re.match(r"tourism-event-(\d+)@", str(e["UID"])).group(1)): e for e in cal.walk("VEVENT")}
        assert events.keys() == expected.keys()
        kite = next(e for e in events.values() if str(e["SUMMARY"]) == title)
        assert kite["SUMMARY"].params["LANGUAGE"] == lang and description in str(kite["DESCRIPTION"])
        assert kite.decoded("DTSTART") == date(YEAR, 8, 17) and kite.decoded("DTEND") == date(YEAR, 8, 19)
        assert str(kite["LOCATION"]) == "Pantai Boom"
        assert (kite["GEO"].latitude, kite["GEO"].longitude) == (-8.201, 114.382)
        for ident, entry in events.items():
            assert entry.decoded("DTSTART") == expected[ident].starts_on
            assert str(entry["URL"]).endswith(f"/wisata/acara/{ident}")


def test_the_year_report_per_organiser_and_venue(regency):
    _festival(regency)
    admin = regency.test_client()
    login(admin)
    page = admin.get(f"/wisata/laporan?year={YEAR}").get_data(as_text=True)
    assert "Dinas Kebudayaan dan Pariwisata" in page and "Pantai Boom" in page
    book = load_workbook(io.BytesIO(admin.get(f"/wisata/laporan.xlsx?year={YEAR}").data))
    assert len(book.sheetnames) == 2
    venues = {r[0]: r for r in book.worksheets[1].iter_rows(min_row=4, values_only=True)}
    assert venues["Pantai Boom"][1:] == (1, 1_500_000_000, 1_200_000_000, 10_000, 500, 1_575_000_000, 1.31)
    organisers = {r[0]: r for r in book.worksheets[0].iter_rows(min_row=4, values_only=True)}
    from egovkit.db import db
    from egovkit_modules.tourism.models import Event

    with regency.app_context():
        year = [e for e in db.session.query(Event) if e.starts_on.year == YEAR]
        both = [e for e in year if e.ratio is not None]
        ratio = sum(e.benefit for e in both) / sum(e.realised_cost for e in both)
    row = organisers["Dinas Kebudayaan dan Pariwisata"]
    assert row[1] == len(year) and row[3] == sum(e.realised_cost or 0 for e in year)
    assert row[7] == round(ratio, 2)


def test_destinations_visitors_per_month_and_open_data(regency):
    office = staff(regency, "staf@disbudpar.id")
    made = office.post("/wisata/destinasi/baru", data={"csrf_token": csrf_token(office, "/wisata/destinasi/baru"),
                                                       "name": "Pantai Cacalan", "region_code": "",
                                                       "latitude": "-8.1760", "longitude": "114.3900"})
    assert made.status_code == 302
    url = made.headers["Location"]
    month = date.today().month
    for domestic in ("1200", "1300"):  # a month entered again is corrected, not added
        sent = office.post(url, data={"csrf_token": csrf_token(office, url), "year": str(YEAR), "month": str(month),
                                      "domestic": domestic, "foreign": "45"})
        assert sent.status_code == 302
    future = office.post(url, data={"csrf_token": csrf_token(office, url), "year": str(YEAR + 1), "month": "1",
                                    "domestic": "5", "foreign": "0"})
    assert future.status_code == 400
    public = regency.test_client()
    assert "1.345" in public.get(f"/wisata/destinasi?year={YEAR}").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(public.get("/data/tourism/visitors-per-destination.csv")
                                           .get_data(as_text=True).lstrip("\ufeff"))))
    mine = [r for r in rows if r["destination"] == "Pantai Cacalan"]
    assert mine == [{"month": f"{YEAR}-{month:02d}", "destination": "Pantai Cacalan", "domestic": "1300",
                     "foreign": "45"}]
    per_month = public.get("/data/tourism/events-per-month.json").get_json()
    assert per_month and all(set(r) >= {"month", "events"} for r in (per_month.get("rows") or per_month))
