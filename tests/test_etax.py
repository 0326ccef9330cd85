"""etax: an issued restaurant permit makes its taxpayer and tax object (once, however often the event
arrives); the taxpayer declares a month, the tapping box shows more turnover than declared, the object is
flagged, and the payment clears the bill. Devices with bad tokens or bad sales store nothing; an illegal
rate is a profile error; a permit issued while etax is off reaches etax when it is switched on."""
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from egovkit.app import create_app

from .conftest import accounts, csrf_token, login
from .test_api import bearer, token
from .test_letters import citizen, decide
from .test_permits import PASSWORD, STAFF, apply

DEVICE = "X-Device-Token"


def make_regency(cli, make_instance, profile="banyuwangi"):
    make_instance(profile)
    accounts(cli, [{"email": email, "name": email.split("@")[0], "role": role, "agency": agency}
                   for email, role, agency in STAFF + [("bupati@banyuwangikab.id", "bupati", None)]], PASSWORD)
    return create_app("instance", {"TESTING": True})


def staff(app, email):
    client = app.test_client()
    assert login(client, email, PASSWORD).status_code == 302
    return client


def issue_restaurant_permit(app):
    """Sri applies for a restaurant permit; the one-stop office, the health agency and the head decide."""
    sri = citizen(app)
    response = apply(sri)
    assert response.status_code == 302, response.get_data(as_text=True)
    url = response.headers["Location"]
    front, head, dinkes = (staff(app, e) for e in ("fo@dpmptsp.id", "kepala@dpmptsp.id", "staf@dinkes.id"))
    assert decide(front, url, "accept").status_code == 302
    assert decide(dinkes, url, "verify").status_code == 302
    assert decide(head, url, "approve").status_code == 302
    assert "Izin terbit" in sri.get(url).get_data(as_text=True)
    return sri


def today() -> date:
    """The regency's day (WIB), as etax counts months: the host's UTC date differs from 17:00 UTC on."""
    return datetime.now(ZoneInfo("Asia/Jakarta")).date()


def last_month() -> str:
    return (today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")


def counts(app) -> dict:
    with app.app_context():
        from egovkit.db import db
        from egovkit_modules.etax.models import Declaration, TaxObject, Taxpayer, Transaction

        return {m.__name__: db.session.query(m).count() for m in (Taxpayer, TaxObject, Declaration, Transaction)}


def post(client, url, data):
    return client.post(url, data={"csrf_token": csrf_token(client, url.rsplit("/", 1)[0] if "/bills/" in url
                                                           else "/pajak/"), **data})


def object_id(app) -> int:
    with app.app_context():
        from egovkit.db import db
        from egovkit_modules.etax.models import TaxObject

        return db.session.query(TaxObject.id).scalar()


def add_device(client, obj: int) -> str:
    page = client.post(f"/pajak/objects/{obj}/devices", data={"csrf_token": csrf_token(client, f"/pajak/objects/{obj}"),
                                                              "name": "Kasir depan"})
    assert page.status_code == 200, page.get_data(as_text=True)
    return re.search(r'<code id="device-token">([^<]+)</code>', page.get_data(as_text=True)).group(1)


@pytest.fixture
def regency(cli, make_instance):
    return make_regency(cli, make_instance)


def test_from_permit_to_declaration_monitoring_flag_and_payment(regency, cli):
    sri = issue_restaurant_permit(regency)
    bapenda = staff(regency, "staf@bapenda.id")
    listing = bapenda.get("/pajak/").get_data(as_text=True)
    assert listing.count("Warung Osing Bu Sri") == 1 and re.search(r"P\.0000001\.35\.10", listing)
    assert counts(regency)["Taxpayer"] == 1 and counts(regency)["TaxObject"] == 1

    # the same event delivered again (a retry, a second relay) changes nothing
    with regency.app_context():
        from sqlalchemy import select

        from egovkit.db import db
        from egovkit.services.events import Event
        from egovkit_modules.etax.models import TaxObject, Taxpayer
        from egovkit_modules.etax.service import on_permit_issued

        event = db.session.scalars(select(Event).where(Event.name == "permit.issued")).one()
        on_permit_issued(event)
        on_permit_issued(event)
        db.session.commit()
        obj = db.session.scalars(select(TaxObject)).one()
        payer = db.session.get(Taxpayer, obj.taxpayer_id)
        assert (obj.tax_type, obj.permit_id, payer.nik) == ("restoran", event.data["permit"], "3510015708900001")
        assert payer.owner_id is not None  # Sri's own account: she sees her object
        obj_id = obj.id
    assert counts(regency)["TaxObject"] == 1 and counts(regency)["Taxpayer"] == 1

    # reach: the revenue agency and the holder; not the health agency; the dashboard not for the holder
    assert "Warung Osing Bu Sri" in sri.get("/pajak/").get_data(as_text=True)
    dinkes = staff(regency, "staf@dinkes.id")
    assert "Warung Osing Bu Sri" not in dinkes.get("/pajak/").get_data(as_text=True)
    assert dinkes.get(f"/pajak/objects/{obj_id}").status_code == 404
    assert sri.get("/pajak/dashboard").status_code == 403

    # the holder declares last month: 10% of Rp 10.000.000
    month = last_month()
    url = f"/pajak/objects/{obj_id}"
    declared = sri.post(f"{url}/declare", data={"csrf_token": csrf_token(sri, url), "period": month,
                                                "turnover": "10.000.000"}, follow_redirects=True)
    page = declared.get_data(as_text=True)
    assert "Dilaporkan. Kode billing" in page and re.search(r"<td>Rp\s1\.000\.000</td>", page)
    again = sri.post(f"{url}/declare", data={"csrf_token": csrf_token(sri, url), "period": month,
                                             "turnover": "9000000"}, follow_redirects=True)
    assert "sudah dilaporkan" in again.get_data(as_text=True)
    this_month = today().strftime("%Y-%m")
    early = sri.post(f"{url}/declare", data={"csrf_token": csrf_token(sri, url), "period": this_month,
                                             "turnover": "1"}, follow_redirects=True)
    assert "belum berakhir" in early.get_data(as_text=True)
    assert sri.post(f"{url}/declare", data={"period": month, "turnover": "1"}).status_code == 400  # no CSRF token
    assert counts(regency)["Declaration"] == 1

    # the revenue agency registers the tapping box; it reports Rp 15.000.000 for the month
    secret = add_device(bapenda, obj_id)
    sales = [{"receipt": f"INV-{i}", "amount": 5_000_000, "at": f"{month}-1{i}T12:00:00+07:00"} for i in range(3)]
    api = regency.test_client()
    first = api.post("/api/v1/etax/transactions/batch", json={"transactions": sales}, headers={DEVICE: secret})
    assert first.status_code == 201 and first.json == {"stored": 3, "duplicates": 0}
    replay = api.post("/api/v1/etax/transactions/batch", json={"transactions": sales}, headers={DEVICE: secret})
    assert replay.status_code == 201 and replay.json == {"stored": 0, "duplicates": 3}
    assert counts(regency)["Transaction"] == 3

    # declared 10.000.000 < 15.000.000 x 0.9: under-reported
    page = bapenda.get(url).get_data(as_text=True)
    assert "Kurang lapor" in page
    secret_read = token(cli, "staf@bapenda.id", "etax:read")
    listed = api.get(f"/api/v1/etax/declarations?period={month}", headers=bearer(secret_read)).json
    assert listed["total"] == 1
    item = listed["items"][0]
    assert (item["turnover"], item["tapped"], item["flagged"], item["tax_due"]) == (10_000_000, 15_000_000, True,
                                                                                   1_000_000)
    figures = api.get(f"/api/v1/etax/dashboard?period={month}", headers=bearer(secret_read)).json
    assert (figures["objects"], figures["declared"], figures["compliance"]) == (1, 1, 1.0)
    assert [f["object_id"] for f in figures["flagged"]] == [obj_id]
    assert {t["tax_type"]: t["billed"] for t in figures["types"]}["restoran"] == 1_000_000
    board = staff(regency, "bupati@banyuwangikab.id").get(f"/pajak/dashboard?period={month}")
    assert board.status_code == 200 and "Warung Osing Bu Sri" in board.get_data(as_text=True)
    assert "<svg" in board.get_data(as_text=True) and "cdn" not in board.get_data(as_text=True).lower()
    dinkes_token = token(cli, "staf@dinkes.id", "etax:read")
    theirs = api.get(f"/api/v1/etax/dashboard?period={month}", headers=bearer(dinkes_token)).json
    assert (theirs["objects"], theirs["flagged"]) == (0, [])  # another agency's staff reach no taxpayer

    # payment: the holder cannot record it; a wrong amount is refused; the full amount clears the bill
    bill = item["id"]
    due = date.fromisoformat(item["due_date"])
    paid_on = today().isoformat()  # the day the bill was made, or later: never before it
    whole = 1_000_000 + (10_000 if today() > due else 0)  # 1% interest once past the due date (10th)
    pay_url = f"/pajak/bills/{bill}/pay"
    form = {"csrf_token": csrf_token(bapenda, url), "paid_on": paid_on, "reference": "BJB-0001"}
    assert sri.post(pay_url, data={**form, "csrf_token": csrf_token(sri, url), "amount": "1000000"}).status_code == 403
    short = bapenda.post(pay_url, data={**form, "amount": "999.999"}, follow_redirects=True)
    assert "harus melunasinya" in short.get_data(as_text=True)
    done = bapenda.post(pay_url, data={**form, "amount": f"{whole:,}".replace(",", ".")}, follow_redirects=True)
    assert "tagihan lunas" in done.get_data(as_text=True)
    twice = bapenda.post(pay_url, data={**form, "amount": str(whole)}, follow_redirects=True)
    assert "sudah dibayar" in twice.get_data(as_text=True)
    paid = api.get(f"/api/v1/etax/declarations?period={month}", headers=bearer(secret_read)).json["items"][0]
    assert (paid["paid_at"], paid["paid_amount"]) == (paid_on, whole)
    figures = api.get(f"/api/v1/etax/dashboard?period={month}", headers=bearer(secret_read)).json
    assert {t["tax_type"]: t["paid"] for t in figures["types"]}["restoran"] == 1_000_000
    decisions = cli("audit", "list", "--module", "etax", "--limit", "50").output
    assert all(action in decisions for action in ("etax.declared", "etax.paid", "etax.device_registered"))


def test_late_interest_is_one_percent_per_month_started_capped_at_24(regency):
    with regency.test_request_context():
        from egovkit_modules.etax.service import months_late

        due = date(2026, 2, 10)
        assert months_late(due, due) == 0
        assert months_late(due, date(2026, 2, 11)) == 1
        assert months_late(due, date(2026, 3, 10)) == 1
        assert months_late(due, date(2026, 3, 11)) == 2
        assert months_late(due, date(2029, 1, 1)) == 24


def test_bad_device_tokens_and_bad_sales_store_nothing(regency, cli):
    issue_restaurant_permit(regency)
    obj = object_id(regency)
    secret = cli("etax", "device-add", obj, "--name", "Kasir").output.split(": ")[1].split()[0]
    api = regency.test_client()
    month = last_month()
    good = {"receipt": "A-1", "amount": 25_000, "at": f"{month}-02T19:30:00+07:00"}
    url = "/api/v1/etax/transactions"

    missing = api.post(url, json=good)
    assert missing.status_code == 401 and missing.json["error"]["code"] == "invalid_device_token"
    wrong = api.post(url, json=good, headers={DEVICE: secret + "x"})
    assert wrong.status_code == 401 and wrong.json["error"]["code"] == "invalid_device_token"
    as_bearer = api.post(url, json=good, headers=bearer(secret))  # a device token is no user token
    assert as_bearer.status_code == 401
    assert counts(regency)["Transaction"] == 0

    batch = [good, {"receipt": "A-2", "amount": 10_000, "at": f"{month}-02T19:31:00+07:00"},
             {"receipt": "A-3", "amount": -5, "at": f"{month}-02T19:32:00+07:00"}]
    refused = api.post(f"{url}/batch", json={"transactions": batch}, headers={DEVICE: secret})
    assert refused.status_code == 422 and "transactions.2.amount" in refused.json["error"]["fields"]
    future = (today() + timedelta(days=2)).isoformat()
    batch[2] = {"receipt": "A-3", "amount": 5, "at": f"{future}T10:00:00+07:00"}
    refused = api.post(f"{url}/batch", json={"transactions": batch}, headers={DEVICE: secret})
    assert refused.status_code == 422 and list(refused.json["error"]["fields"]) == ["transactions.2.at"]
    assert "nothing was stored" in refused.json["error"]["detail"]
    batch[2] = {**batch[0], "amount": 26_000}  # the same receipt again with another amount
    refused = api.post(f"{url}/batch", json={"transactions": batch}, headers={DEVICE: secret})
    assert refused.status_code == 422 and list(refused.json["error"]["fields"]) == ["transactions.2.receipt"]
    extra = api.post(url, json={**good, "tip": 1}, headers={DEVICE: secret})
    assert extra.status_code == 422 and "tip" in extra.json["error"]["fields"]
    no_time = api.post(url, json={"receipt": "A-9", "amount": 1}, headers={DEVICE: secret})
    assert no_time.status_code == 422 and "at" in no_time.json["error"]["fields"]
    for at in (f"{month}-02T19:30:00", "0001-01-01T00:00:00+07:00"):  # no UTC offset; not a real time of sale
        wrong_time = api.post(url, json={**good, "at": at}, headers={DEVICE: secret})
        assert wrong_time.status_code == 422 and "at" in wrong_time.json["error"]["fields"], at
    assert api.post(url, data="not json", headers={DEVICE: secret}).status_code == 400
    assert counts(regency)["Transaction"] == 0

    assert api.post(url, json=good, headers={DEVICE: secret}).json == {"stored": 1, "duplicates": 0}
    assert api.post(url, json=good, headers={DEVICE: secret}).json == {"stored": 0, "duplicates": 1}
    changed = api.post(url, json={**good, "amount": 1}, headers={DEVICE: secret})
    assert changed.status_code == 409 and "transactions.0.receipt" in changed.json["error"]["fields"]
    assert counts(regency)["Transaction"] == 1


@pytest.mark.parametrize("setting, value, message", [
    ("rates: {restoran: 12}", "modules.etax.rates.restoran", "outside the legal range of UU 1/2022"),
    ("rates: {hiburan_khusus: 30}", "modules.etax.rates.hiburan_khusus", "from 40% to 75%"),
    ("rates: {reklame: 26}", "modules.etax.rates.reklame", "at most 25%"),
    ("rates: {parkir: 0}", "modules.etax.rates.parkir", "above 0%"),
    ("revenue_agency: dispenda", "modules.etax.revenue_agency", "unknown agency 'dispenda'"),
])
def test_an_illegal_setting_is_a_profile_error(cli, setting, value, message):
    Path("p.yaml").write_text(f"name: illegal\nextends: banyuwangi\nmodules:\n  etax:\n    {setting}\n")
    result = cli("profile", "validate", "p.yaml", expect=None)
    assert result.exit_code != 0
    assert value in result.output and message in result.output, result.output


def test_a_legal_special_entertainment_rate_is_accepted(cli):
    Path("p.yaml").write_text("name: legal\nextends: banyuwangi\nmodules:\n  etax:\n"
                              "    rates: {hiburan_khusus: 75, restoran: 7.5}\n")
    assert cli("profile", "validate", "p.yaml").exit_code == 0


def test_a_permit_issued_while_etax_is_off_reaches_it_when_switched_on(cli, make_instance):
    Path("off.yaml").write_text("name: tanpa-pajak\nextends: banyuwangi\nmodules:\n  etax: false\n")
    app = make_regency(cli, make_instance, "off.yaml")
    issue_restaurant_permit(app)  # permits work without etax
    waiting = [line for line in cli("events", "list").output.splitlines() if "permit.issued" in line]
    assert len(waiting) == 1 and "no subscriber" in waiting[0]  # kept, harmlessly, for a later subscriber
    assert staff(app, "staf@bapenda.id").get("/pajak/").status_code == 404

    profile = yaml.safe_load(Path("instance", "profile.yaml").read_text())
    profile["modules"]["etax"] = True
    Path("instance", "profile.yaml").write_text(yaml.safe_dump(profile))
    cli("upgrade")
    app = create_app("instance", {"TESTING": True})
    assert counts(app)["TaxObject"] == 1
    assert "Warung Osing Bu Sri" in staff(app, "staf@bapenda.id").get("/pajak/").get_data(as_text=True)
    assert "0 still undelivered" in cli("events", "retry").output
    delivered = [line for line in cli("events", "list").output.splitlines() if "permit.issued" in line]
    assert "etax: done" in delivered[0]


def test_special_entertainment_is_taxed_at_its_own_rate_once_the_head_reclassifies_it(regency, cli):
    cli("users", "create", "--email", "kepala@bapenda.id", "--name", "kepala", "--role", "opd_head", "--agency",
        "bapenda", "--password-stdin", input=PASSWORD + "\n")
    with regency.app_context():
        from egovkit.services import events
        from egovkit.db import db

        for permit, kind, business in ((901, "hiburan", "Karaoke Bintang"), (902, "restoran", "Depot Rawon")):
            events.publish("permit.issued", permit=permit, permit_type="test", tax_object=kind,
                           nik="3510010101850002", holder="Budi Santoso", business=business,
                           address="Jl. Ahmad Yani 5", valid_until=None)
        events.publish("permit.issued", permit=903, permit_type="sip_nakes", tax_object=None, nik="3510010101850003",
                       holder="dr. Ani", business="Praktik dokter", address="Jl. Bali 1", valid_until=None)
        db.session.commit()
        assert events.deliver_pending() >= 3
    assert counts(regency)["Taxpayer"] == 1 and counts(regency)["TaxObject"] == 2  # one taxpayer by NIK
    with regency.app_context():
        from egovkit_modules.etax.models import TaxObject

        karaoke, depot = (db.session.query(TaxObject.id).filter_by(permit_id=p).scalar() for p in (901, 902))

    officer, head = staff(regency, "staf@bapenda.id"), staff(regency, "kepala@bapenda.id")
    url = f"/pajak/objects/{karaoke}"
    assert officer.post(f"{url}/type", data={"csrf_token": csrf_token(officer, url),
                                             "tax_type": "hiburan_khusus"}).status_code == 403
    moved = head.post(f"{url}/type", data={"csrf_token": csrf_token(head, url), "tax_type": "hiburan_khusus"},
                      follow_redirects=True).get_data(as_text=True)
    assert "PBJT diskotek, karaoke" in moved and "tarif 40%" in moved
    refused = head.post(f"/pajak/objects/{depot}/type", follow_redirects=True, data={
        "csrf_token": csrf_token(head, url), "tax_type": "hiburan_khusus"}).get_data(as_text=True)
    assert "Hanya objek hiburan" in refused and "tarif 10%" in refused

    officer.post(f"{url}/declare", data={"csrf_token": csrf_token(officer, url), "period": last_month(),
                                         "turnover": "1000000"})
    secret_read = token(cli, "staf@bapenda.id", "etax:read")
    item = regency.test_client().get(f"/api/v1/etax/declarations?object={karaoke}",
                                     headers=bearer(secret_read)).json["items"][0]
    assert (item["tax_type"], item["rate_percent"], item["tax_due"]) == ("hiburan_khusus", 40.0, 400_000)


def test_reclassifying_keeps_past_months_under_the_type_they_were_declared_as(regency, cli):
    cli("users", "create", "--email", "kepala@bapenda.id", "--name", "kepala", "--role", "opd_head", "--agency",
        "bapenda", "--password-stdin", input=PASSWORD + "\n")
    with regency.app_context():
        from egovkit.services import events
        from egovkit.db import db

        events.publish("permit.issued", permit=901, permit_type="test", tax_object="hiburan", nik="3510010101850002",
                       holder="Budi Santoso", business="Karaoke Bintang", address="Jl. Ahmad Yani 5", valid_until=None)
        db.session.commit()
        events.deliver_pending()
    officer, head = staff(regency, "staf@bapenda.id"), staff(regency, "kepala@bapenda.id")
    obj = object_id(regency)
    url = f"/pajak/objects/{obj}"
    officer.post(f"{url}/declare", data={"csrf_token": csrf_token(officer, url), "period": last_month(),
                                         "turnover": "1000000"})
    head.post(f"{url}/type", data={"csrf_token": csrf_token(head, url), "tax_type": "hiburan_khusus"})
    secret_read = token(cli, "staf@bapenda.id", "etax:read")
    api = regency.test_client()
    item = api.get(f"/api/v1/etax/declarations?object={obj}", headers=bearer(secret_read)).json["items"][0]
    assert (item["tax_type"], item["rate_percent"], item["tax_due"]) == ("hiburan", 10.0, 100_000)
    types = api.get(f"/api/v1/etax/dashboard?period={last_month()}", headers=bearer(secret_read)).json["types"]
    billed = {t["tax_type"]: t["billed"] for t in types}
    assert billed["hiburan"] == 100_000 and billed["hiburan_khusus"] == 0


def test_a_renewed_permit_keeps_its_tax_object_and_counts_once(regency, cli):
    from egovkit.services import events
    from egovkit.db import db
    from egovkit_modules.etax.models import TaxObject

    with regency.app_context():
        for permit, renews in ((901, None), (950, 901), (950, 901)):  # the renewal delivered twice
            events.publish("permit.issued", permit=permit, permit_type="restoran", tax_object="restoran",
                           nik="3510010101850002", holder="Budi Santoso", business="Depot Rawon",
                           address="Jl. Ahmad Yani 5", valid_until=None, renews=renews)
            db.session.commit()
            events.deliver_pending()
        assert [o.permit_id for o in db.session.query(TaxObject)] == [950]
        db.engine.dispose()
    secret = bearer(token(cli, "staf@bapenda.id", "etax:read"))
    dash = regency.test_client().get(f"/api/v1/etax/dashboard?period={last_month()}", headers=secret).json
    assert dash["objects"] == 0  # registered after that month and not declared for it: not expected to
    officer = staff(regency, "staf@bapenda.id")
    url = f"/pajak/objects/{object_id(regency)}"
    officer.post(f"{url}/declare", data={"csrf_token": csrf_token(officer, url), "period": last_month(),
                                         "turnover": "1000000"})
    dash = regency.test_client().get(f"/api/v1/etax/dashboard?period={last_month()}", headers=secret).json
    assert (dash["objects"], dash["declared"], dash["compliance"]) == (1, 1, 1.0)  # one business, not two


def test_bad_amounts_and_a_payment_before_its_bill_are_refused(regency):
    from egovkit.services import events
    from egovkit.db import db
    from egovkit_modules.etax.models import Declaration

    with regency.app_context():
        events.publish("permit.issued", permit=901, permit_type="restoran", tax_object="restoran",
                       nik="3510010101850002", holder="Budi Santoso", business="Depot Rawon",
                       address="Jl. Ahmad Yani 5", valid_until=None)
        db.session.commit()
        events.deliver_pending()
    officer = staff(regency, "staf@bapenda.id")
    url = f"/pajak/objects/{object_id(regency)}"
    huge = officer.post(f"{url}/declare", data={"csrf_token": csrf_token(officer, url), "period": last_month(),
                                                "turnover": "9" * 5000})
    assert huge.status_code in (303, 400)  # refused with a message, not a server error
    assert counts(regency)["Declaration"] == 0
    old = f"{today().year - 2}-12"  # declared today, two years late
    officer.post(f"{url}/declare", data={"csrf_token": csrf_token(officer, url), "period": old, "turnover": "1000000"})
    with regency.app_context():
        bill = db.session.query(Declaration).one()
        bill_id, due = bill.id, bill.due_date
        db.engine.dispose()
    page = officer.post(f"/pajak/bills/{bill_id}/pay", follow_redirects=True, data={
        "csrf_token": csrf_token(officer, url), "paid_on": due.isoformat(), "reference": "BJB-0002",
        "amount": "100000"}).get_data(as_text=True)
    assert "tidak boleh lebih awal" in page or "cannot be earlier" in page
    with regency.app_context():
        assert db.session.query(Declaration).one().paid_at is None
        db.engine.dispose()


def test_a_reklame_object_is_assessed_from_its_tariff_without_a_turnover_field(regency, cli):
    """Reklame is billed by the revenue agency on its tax base value (size, kind, location class, duration)
    from the tariff table; it is not declared on turnover and gets no tapping box; the dinkes officer, whose
    role holds etax.read for another agency, sees no tax menu."""
    from egovkit.db import db
    from egovkit_modules.etax.models import Declaration
    from egovkit_modules.etax.service import add_object, taxpayer_for

    with regency.app_context():
        payer = taxpayer_for("3510010101850002", "Budi Santoso", "Jl. Ahmad Yani 5")
        obj_id = add_object(payer, "reklame", "Billboard Simpang Lima", "Jl. Ahmad Yani 1").id
        db.session.commit()
    officer = staff(regency, "staf@bapenda.id")
    url = f"/pajak/objects/{obj_id}"
    page = officer.get(url).get_data(as_text=True)
    assert 'name="turnover"' not in page and 'name="size_m2"' in page and 'name="location"' in page
    assert "SKPD" in page and "/devices" not in page and "Omzet dilaporkan" not in page
    assert 'href="/pajak/"' in officer.get("/").get_data(as_text=True)

    # no turnover declaration, no device: refused, nothing stored
    refused = officer.post(f"{url}/declare", data={"csrf_token": csrf_token(officer, url), "period": last_month(),
                                                   "turnover": "1000000"}, follow_redirects=True)
    assert "ditetapkan oleh badan pendapatan" in refused.get_data(as_text=True)
    device = officer.post(f"{url}/devices", data={"csrf_token": csrf_token(officer, url), "name": "Kasir"},
                          follow_redirects=True)
    assert "dipantau di lapangan" in device.get_data(as_text=True)
    bad = officer.post(f"{url}/assess", data={"csrf_token": csrf_token(officer, url), "period": today().strftime("%Y-%m"),
                                              "kind": "billboard", "size_m2": "0", "location": "A", "periods": "1"},
                       follow_redirects=True)
    assert "Luas" in bad.get_data(as_text=True) and counts(regency)["Declaration"] == 0

    # 4,5 m2 billboard, class A (x1.5), one year at Rp 350.000/m2/year: NSR Rp 2.362.500, 25% = Rp 590.625
    month = today().strftime("%Y-%m")
    done = officer.post(f"{url}/assess", data={"csrf_token": csrf_token(officer, url), "period": month,
                                               "kind": "billboard", "size_m2": "4,5", "location": "A",
                                               "periods": "1"}, follow_redirects=True)
    page = done.get_data(as_text=True)
    assert "Ditetapkan. Kode billing" in page and re.search(r"<td>Rp\s590\.625</td>", page), page
    again = officer.post(f"{url}/assess", data={"csrf_token": csrf_token(officer, url), "period": month,
                                                "kind": "baliho", "size_m2": "2", "location": "C", "periods": "3"},
                         follow_redirects=True)
    assert "sudah ditetapkan" in again.get_data(as_text=True)
    with regency.app_context():
        decl = db.session.query(Declaration).one()
        assert (decl.basis, decl.turnover, decl.tax_due, decl.rate_bp) == ("nsr", 2_362_500, 590_625, 2500)
        assert '"tariffs": "example"' in decl.detail
    listed = regency.test_client().get(f"/api/v1/etax/declarations?period={month}",
                                       headers=bearer(token(cli, "staf@bapenda.id", "etax:read"))).json
    assert [(i["basis"], i["turnover"], i["tax_due"]) for i in listed["items"]] == [("nsr", 2_362_500, 590_625)]
    # an assessment is paid when it is made, in the month the display starts; by another officer than its assessor
    page = officer.post(f"/pajak/bills/{decl.id}/pay", data={"csrf_token": csrf_token(officer, url),
                                                            "paid_on": today().isoformat(), "reference": "BJB-R1",
                                                            "amount": "590625"}, follow_redirects=True)
    assert "tagihan lunas" not in page.get_data(as_text=True)
    cli("users", "create", "--email", "kasir@bapenda.id", "--name", "kasir", "--role", "opd_staff", "--agency",
        "bapenda", "--password-stdin", input=PASSWORD + "\n")
    cashier = staff(regency, "kasir@bapenda.id")
    paid = cashier.post(f"/pajak/bills/{decl.id}/pay", data={"csrf_token": csrf_token(cashier, url),
                                                            "paid_on": today().isoformat(), "reference": "BJB-R1",
                                                            "amount": "590625"}, follow_redirects=True)
    assert "tagihan lunas" in paid.get_data(as_text=True)
    assert "etax.assessed" in cli("audit", "list", "--module", "etax", "--limit", "20").output

    # another agency's staff: the permission through their role, no tax record in reach, no menu
    dinkes = staff(regency, "staf@dinkes.id")
    assert 'href="/pajak/"' not in dinkes.get("/").get_data(as_text=True)
    assert 'href="/pajak/dashboard"' not in dinkes.get("/").get_data(as_text=True)
