"""Money exactly once (egovkit.services.payments): eight sessions racing the payment of one bill through a
real HTTP server record one payment and are told "already paid" otherwise, for an etax bill and a permit fee;
a receipt number clears one bill in the whole regency; the API answers 409; a reversal reopens a bill; the
report sums the entries; the module migrations move payments into the core and back."""
import re
import threading
from contextlib import contextmanager
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import requests
from werkzeug.serving import make_server

from .conftest import ADMIN_PASSWORD, accounts, csrf_token, login
from .test_api import bearer, token
from .test_etax import last_month, make_regency, staff
from .test_letters import citizen, decide
from .test_permits import PASSWORD, billboard

RACERS = 8
ALREADY_PAID = "Tagihan ini sudah dibayar."  # "This bill is already paid."
EXTRA_STAFF = [("kasir@bapenda.id", "opd_staff", "bapenda"), ("kepala@bapenda.id", "opd_head", "bapenda")]


def today() -> date:
    return datetime.now(ZoneInfo("Asia/Jakarta")).date()


@pytest.fixture
def regency(cli, make_instance):
    app = make_regency(cli, make_instance)
    accounts(cli, [{"email": email, "name": email.split("@")[0].title(), "role": role, "agency": agency}
                   for email, role, agency in EXTRA_STAFF], PASSWORD)
    yield app
    with app.app_context():
        from egovkit.db import db

        db.session.remove()
        db.engine.dispose()


@contextmanager
def serving(app):
    """The app behind a real threaded HTTP server (each request its own thread and database session)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def form_token(session: requests.Session, url: str) -> str:
    return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', session.get(url).text).group(1)


def signed_in(base: str, email: str) -> requests.Session:
    session = requests.Session()
    response = session.post(f"{base}/login", allow_redirects=False, data={
        "login": email, "password": PASSWORD, "csrf_token": form_token(session, f"{base}/login")})
    assert response.status_code == 302, response.text
    return session


def race(base: str, email: str, page: str, action: str, data) -> list[str]:
    """RACERS sessions of one staff member post ``action`` at the same moment; each one's flashed message
    (or error page) after the redirect."""
    sessions = [signed_in(base, email) for _ in range(RACERS)]
    tokens = [form_token(s, base + page) for s in sessions]
    barrier = threading.Barrier(RACERS)
    results: list[str] = [""] * RACERS

    def go(i):
        barrier.wait()
        response = sessions[i].post(base + action, data={"csrf_token": tokens[i], **data(i)}, allow_redirects=False)
        if response.status_code in (302, 303):
            response = sessions[i].get(base + response.headers["Location"].removeprefix(base))
        found = re.search(r'class="flash[^"]*"[^>]*>(.*?)</', response.text, re.S)
        results[i] = f"{response.status_code} " + (found.group(1).strip() if found else response.text[:300])

    threads = [threading.Thread(target=go, args=(i,)) for i in range(RACERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def entries(app, module=None) -> list:
    from egovkit.db import db
    from egovkit.services.payments import Payment

    with app.app_context():
        query = db.session.query(Payment).order_by(Payment.id)
        rows = query.filter(Payment.module == module).all() if module else query.all()
        db.session.expunge_all()
        db.engine.dispose()
    return rows


def tax_object(app) -> int:
    """A restaurant's tax object, as an issued permit makes it."""
    from egovkit.db import db
    from egovkit.services import events
    from egovkit_modules.etax.models import TaxObject

    with app.app_context():
        events.publish("permit.issued", permit=901, permit_type="restoran", tax_object="restoran",
                       nik="3510010101850002", holder="Budi Santoso", business="Depot Rawon",
                       address="Jl. Ahmad Yani 5", valid_until=None)
        db.session.commit()
        events.deliver_pending()
        found = db.session.query(TaxObject.id).scalar()
        db.engine.dispose()
    return found


def month_before(period: str) -> str:
    year, month = int(period[:4]), int(period[5:])
    return f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}"


def declare(app, obj: int, period: str, turnover: str = "2.500.000") -> int:
    """The cashier declares a month for the object (so the cashier may not record its payment); the bill's id."""
    from egovkit.db import db
    from egovkit_modules.etax.models import Declaration

    clerk = staff(app, "kasir@bapenda.id")
    url = f"/pajak/objects/{obj}"
    clerk.post(f"{url}/declare", data={"csrf_token": csrf_token(clerk, url), "period": period, "turnover": turnover})
    with app.app_context():
        found = db.session.query(Declaration.id).filter_by(object_id=obj, period=period).scalar()
        db.engine.dispose()
    assert found is not None
    return found


def due_today(client, obj: int, bill: int) -> int:
    page = client.get(f"/pajak/objects/{obj}").get_data(as_text=True)
    form = page[page.index(f"/pajak/bills/{bill}/pay"):]
    return int(re.search(r'name="amount"[^>]*value="(\d+)"', form).group(1))


def pay_bill(client, obj: int, bill: int, reference: str, amount: int | None = None, follow=True):
    url = f"/pajak/objects/{obj}"
    return client.post(f"/pajak/bills/{bill}/pay", follow_redirects=follow, data={
        "csrf_token": csrf_token(client, url), "paid_on": today().isoformat(), "reference": reference,
        "amount": str(amount if amount is not None else due_today(client, obj, bill))})


def pay_fee(client, url, receipt):
    return client.post(f"{url}/payment", data={"csrf_token": csrf_token(client, url), "reference": receipt,
                                                 "paid_on": today().isoformat(), "amount": "250000"})


def billed_permit(app):
    sri = citizen(app)
    url = billboard(app, sri)
    assert decide(staff(app, "kepala@dpmptsp.id"), url, "bill").status_code == 302
    return sri, url


# ----------------------------------------------------------------- races through a real server
def test_eight_sessions_paying_one_tax_bill_record_one_payment(regency):
    obj = tax_object(regency)
    bill = declare(regency, obj, last_month())
    amount = due_today(staff(regency, "staf@bapenda.id"), obj, bill)
    with serving(regency) as base:
        results = race(base, "staf@bapenda.id", f"/pajak/objects/{obj}", f"/pajak/bills/{bill}/pay",
                       lambda i: {"amount": str(amount), "paid_on": today().isoformat(),
                                  "reference": f"BJB-RACE-{i}"})
    recorded = [r for r in results if "tagihan lunas" in r]
    refused = [r for r in results if ALREADY_PAID in r]
    assert (len(recorded), len(refused)) == (1, RACERS - 1), results
    rows = entries(regency, "etax")
    assert [(r.kind, r.payable_id, r.amount, r.standing) for r in rows] == [("bill", str(bill), amount, True)]
    page = staff(regency, "staf@bapenda.id").get(f"/pajak/objects/{obj}").get_data(as_text=True)
    assert rows[0].reference in page and f"/pajak/bills/{bill}/pay" not in page  # paid: no form to pay it


def test_eight_sessions_paying_one_permit_fee_record_one_payment_and_issue_once(regency, cli):
    sri, url = billed_permit(regency)
    path = url.removeprefix("http://localhost")
    with serving(regency) as base:
        results = race(base, "fo@dpmptsp.id", path, f"{path}/payment",
                       lambda i: {"reference": f"BJ-RACE-{i}", "paid_on": today().isoformat(), "amount": "250000"})
    recorded = [r for r in results if "Pembayaran dicatat: izin diterbitkan" in r]
    refused = [r for r in results if ALREADY_PAID in r]
    assert (len(recorded), len(refused)) == (1, RACERS - 1), results
    assert [(r.kind, r.amount, r.standing) for r in entries(regency, "permits")] == [("fee", 250_000, True)]
    assert cli("events", "list").output.count("permit.issued") == 1
    assert "Izin terbit" in sri.get(url).get_data(as_text=True)


# ----------------------------------------------------------------- one receipt, one payment in the regency
def test_a_receipt_number_clears_one_bill_in_the_whole_regency(regency, cli):
    obj = tax_object(regency)
    first, second = declare(regency, obj, last_month()), declare(regency, obj, month_before(last_month()))
    officer = staff(regency, "staf@bapenda.id")
    assert "tagihan lunas" in pay_bill(officer, obj, first, "BJB-0007").get_data(as_text=True)
    again = pay_bill(officer, obj, second, " bjb-0007 ").get_data(as_text=True)  # the same receipt, written otherwise
    assert "Nomor bukti bayar bjb-0007 sudah tercatat untuk pembayaran lain" in again
    assert len(entries(regency, "etax")) == 1

    # across modules: the tax receipt cannot pay a permit fee, nor a fee's receipt a tax bill
    sri, url = billed_permit(regency)
    front = staff(regency, "fo@dpmptsp.id")
    refused = pay_fee(front, url, "BJB-0007")
    assert refused.status_code == 400 and "sudah tercatat untuk pembayaran lain" in refused.get_data(as_text=True)
    assert entries(regency, "permits") == [] and "Menunggu pembayaran retribusi" in sri.get(url).get_data(as_text=True)
    assert pay_fee(front, url, "BJ-2026-0042").status_code == 302
    crossed = pay_bill(officer, obj, second, " bj-2026-0042").get_data(as_text=True)
    assert "sudah tercatat untuk pembayaran lain" in crossed and len(entries(regency, "etax")) == 1
    assert "tagihan lunas" in pay_bill(officer, obj, second, "BJB-0008").get_data(as_text=True)

    # whoever declared the bill does not record its payment (four eyes)
    third = declare(regency, obj, month_before(month_before(last_month())))
    own = pay_bill(staff(regency, "kasir@bapenda.id"), obj, third, "BJB-0009").get_data(as_text=True)
    assert "Yang membuat tagihan tidak dapat mencatat pembayarannya" in own
    assert len(entries(regency, "etax")) == 2


def test_the_api_answers_409_for_a_paid_bill_and_a_used_receipt(regency, cli):
    obj = tax_object(regency)
    first, second = declare(regency, obj, last_month()), declare(regency, obj, month_before(last_month()))
    officer = staff(regency, "staf@bapenda.id")
    api, secret = regency.test_client(), token(cli, "staf@bapenda.id", "etax:read", "etax:pay")
    body = {"amount": due_today(officer, obj, first), "paid_on": today().isoformat(), "reference": "BJB-API-1"}
    assert api.post(f"/api/v1/etax/declarations/{first}/payment", json=body).status_code == 401
    reader = token(cli, "staf@bapenda.id", "etax:read")
    assert api.post(f"/api/v1/etax/declarations/{first}/payment", json=body,
                    headers=bearer(reader)).status_code == 403  # the token lacks etax:pay
    done = api.post(f"/api/v1/etax/declarations/{first}/payment", json=body, headers=bearer(secret))
    assert done.status_code == 201 and (done.json["amount"], done.json["reference"]) == (body["amount"], "BJB-API-1")
    twice = api.post(f"/api/v1/etax/declarations/{first}/payment", json=body, headers=bearer(secret))
    assert twice.status_code == 409 and twice.json["error"]["code"] == "already_paid"
    reused = api.post(f"/api/v1/etax/declarations/{second}/payment", headers=bearer(secret),
                      json={**body, "amount": due_today(officer, obj, second), "reference": "bjb-api-1"})
    assert reused.status_code == 409 and reused.json["error"]["code"] == "reference_used"
    assert list(reused.json["error"]["fields"]) == ["reference"]
    wrong = api.post(f"/api/v1/etax/declarations/{second}/payment", headers=bearer(secret),
                     json={**body, "amount": 1, "reference": "BJB-API-2"})
    assert wrong.status_code == 422 and list(wrong.json["error"]["fields"]) == ["amount"]
    listed = api.get(f"/api/v1/etax/declarations?period={last_month()}", headers=bearer(secret)).json["items"][0]
    assert (listed["paid_at"], listed["paid_amount"]) == (today().isoformat(), body["amount"])

    # permits: the fee through the API, once
    _sri, url = billed_permit(regency)
    permit = int(url.rsplit("/", 1)[1])
    front = token(cli, "fo@dpmptsp.id", "permits:read", "permits:pay")
    fee = {"amount": 250_000, "paid_on": today().isoformat(), "receipt": "BJB-API-1"}
    used = api.post(f"/api/v1/permits/applications/{permit}/payment", json=fee, headers=bearer(front))
    assert used.status_code == 409 and list(used.json["error"]["fields"]) == ["reference"]  # etax's receipt (sent as `receipt`)
    paid = api.post(f"/api/v1/permits/applications/{permit}/payment", json={**fee, "receipt": "BJ-API-9"},
                    headers=bearer(front))
    assert paid.status_code == 201 and (paid.json["state"], paid.json["paid_on"]) == ("issued", today().isoformat())
    again = api.post(f"/api/v1/permits/applications/{permit}/payment", json={**fee, "receipt": "BJ-API-10"},
                     headers=bearer(front))
    assert again.status_code == 409 and again.json["error"]["code"] == "already_paid"


# ----------------------------------------------------------------- reversal and the report
def test_a_reversal_reopens_the_bill_and_the_report_sums_the_entries(regency, cli):
    obj = tax_object(regency)
    bill = declare(regency, obj, last_month())
    officer, head = staff(regency, "staf@bapenda.id"), staff(regency, "kepala@bapenda.id")
    amount = due_today(officer, obj, bill)
    assert "tagihan lunas" in pay_bill(officer, obj, bill, "BJB-1111", amount).get_data(as_text=True)
    url = f"/pajak/objects/{obj}"
    reverse = f"/pajak/bills/{bill}/reverse"
    assert officer.post(reverse, data={"csrf_token": csrf_token(officer, url),
                                       "reason": "Salah tagihan, dicatat dua kali"}).status_code == 403
    short = head.post(reverse, follow_redirects=True, data={"csrf_token": csrf_token(head, url), "reason": "salah"})
    assert "Berikan alasannya, 10 sampai 500 karakter" in short.get_data(as_text=True)
    done = head.post(reverse, follow_redirects=True, data={"csrf_token": csrf_token(head, url),
                                                           "reason": "Bukti bayar milik wajib pajak lain"})
    assert "Pembayaran dibatalkan: tagihan terbuka lagi" in done.get_data(as_text=True)
    assert f"/pajak/bills/{bill}/pay" in officer.get(url).get_data(as_text=True)  # open again
    rows = entries(regency, "etax")
    assert [(r.amount, r.standing, r.reverses_id) for r in rows] == [(amount, False, None), (-amount, False, rows[0].id)]
    assert rows[1].reason == "Bukti bayar milik wajib pajak lain"
    # the freed receipt may now pay the right bill; this one is paid again with its own receipt
    assert "tagihan lunas" in pay_bill(officer, obj, bill, "BJB-2222", amount).get_data(as_text=True)
    assert "sudah dibayar" in pay_bill(officer, obj, bill, "BJB-3333", amount).get_data(as_text=True)
    _sri, permit = billed_permit(regency)
    assert pay_fee(staff(regency, "fo@dpmptsp.id"), permit, "BJB-1111").status_code == 302

    audit = cli("audit", "list", "--module", "etax", "--limit", "50").output
    assert audit.count("etax.paid") == 2 and "etax.payment_reversed" in audit
    events = cli("events", "list", "--limit", "50").output
    assert events.count("payment.recorded") == 3 and events.count("payment.reversed") == 1

    # the report: per month, module and kind; each total the sum of its entries, reversals included
    out = cli("payments", "report").output
    month = today().strftime("%Y-%m")
    assert re.search(rf"^{month}\s+etax\s+bill\s+in\s+3\s+{amount}$", out, re.M), out
    assert re.search(rf"^{month}\s+permits\s+fee\s+in\s+1\s+250000$", out, re.M), out
    assert f"total in: {amount + 250_000}" in out and "total out: 0" in out
    assert sum(r.amount for r in entries(regency)) == amount + 250_000
    admin = regency.test_client()
    assert login(admin, "admin@localhost", ADMIN_PASSWORD).status_code == 302
    page = admin.get("/admin/payments").get_data(as_text=True)
    total = f"Rp {amount + 250_000:,}".replace(",", ".")
    assert re.search(rf'id="total-in">{re.escape(total)}<', page) and "Retribusi perizinan" in page
    assert officer.get("/admin/payments").status_code == 403


# ----------------------------------------------------------------- migrations move payments and back
def test_module_migrations_move_payments_into_the_core_and_back(regency, cli):
    from sqlalchemy import text

    from egovkit.db import db

    obj = tax_object(regency)
    bill = declare(regency, obj, last_month())
    officer = staff(regency, "staf@bapenda.id")
    amount = due_today(officer, obj, bill)
    pay_bill(officer, obj, bill, "BJB-5555", amount)
    _sri, url = billed_permit(regency)
    assert pay_fee(staff(regency, "fo@dpmptsp.id"), url, "BJ 2026-77").status_code == 302
    permit = int(url.rsplit("/", 1)[1])

    cli("db", "-x", "module=etax", "downgrade", "etax_0002")
    cli("db", "-x", "module=permits", "downgrade", "permits_0002")
    with regency.app_context():
        with db.engine.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM core_payment")).scalar() == 0
            assert conn.execute(text("SELECT paid_amount, penalty_paid FROM etax_declaration WHERE id = :i"),
                                {"i": bill}).one() == (amount, amount - 250_000)
            assert conn.execute(text("SELECT reference FROM etax_payment")).scalars().all() == ["BJB-5555"]
            assert conn.execute(text("SELECT paid_amount, payment_ref FROM permits_permit WHERE id = :i"),
                                {"i": permit}).one() == (250_000, "BJ2026-77")
            # what the race left behind before this release: a second payment of the same bill
            conn.execute(text("INSERT INTO etax_payment (declaration_id, amount, penalty, paid_on, reference, "
                              "created_at) SELECT declaration_id, amount, penalty, paid_on, 'BJB-5556', created_at "
                              "FROM etax_payment"))
        db.engine.dispose()
    cli("upgrade")
    rows = entries(regency, "etax")
    assert [(r.amount, r.reference, r.standing, r.reverses_id is not None) for r in rows] == [
        (amount, "BJB-5555", True, False), (amount, "BJB-5556", False, False), (-amount, "BJB-5556", False, True)]
    assert [(r.payable_id, r.amount, r.reference, r.standing) for r in entries(regency, "permits")] == [
        (str(permit), 250_000, "BJ2026-77", True)]
    page = officer.get(f"/pajak/objects/{obj}").get_data(as_text=True)
    assert "BJB-5555" in page and f"/pajak/bills/{bill}/pay" not in page
    assert "sudah tercatat" in pay_bill(officer, obj, declare(regency, obj, month_before(last_month())),
                                        "bjb-5555").get_data(as_text=True)
