"""Citizens are told at every step of their request, exactly once, in their language, with the public
tracking link; staff who ask for it are told when a case arrives in their inbox. Walked through HTTP;
the messages are read from the development backend's log (instance/logs/notifications.log)."""
import io
import re

import pytest

from egovkit.app import create_app

from .conftest import accounts, csrf_token
from .test_identity import SRI_PHONE, WOMAN, messages, record_phone
from .test_letters import CITIZEN, citizen, decide, signed_in
from .test_permits import PASSWORD as STAFF_PASSWORD, PNG, STAFF, apply, billboard, pay, staff
from .test_smart_kampung import GOOD, write
from .test_workflow import people

PUBLIC = "https://layanan.banyuwangikab.example"
SRI_EMAIL = "sri@contoh.id"


@pytest.fixture
def village(cli, make_instance):
    make_instance("banyuwangi")
    people(cli)
    write("warga.csv", [GOOD, CITIZEN])
    cli("residents", "import", "warga.csv")
    app = create_app("instance", {"TESTING": True, "EGOVKIT_PUBLIC_URL": PUBLIC})
    record_phone(app, WOMAN, SRI_PHONE)
    return app


def new_since(app, count, to=None):
    """Messages logged after the first ``count`` lines (to one address, when given)."""
    return [m for m in messages(app)[count:] if to is None or m["to"] == to]


def letter(client, form_url="/kampung/letters/new?type=domisili", **extra):
    token = csrf_token(client, form_url)
    page = client.get(form_url).get_data(as_text=True)
    once = re.search(r'name="once" value="([^"]+)"', page)
    data = {"csrf_token": token, "type": "domisili", "since": "2015-01-01", "purpose": "Melamar pekerjaan",
            **({"once": once.group(1)} if once else {}), **extra}
    return client.post(form_url, data=data), data


def test_a_letter_request_tells_the_citizen_once_per_step_with_the_tracking_link(village, cli):
    sri = citizen(village)
    before = len(messages(village))
    response, data = letter(sri)
    assert response.status_code == 302
    url = response.headers["Location"]
    code = re.search(r"<code>([A-Z0-9]{8})</code>", sri.get(url).get_data(as_text=True)).group(1)
    sent = new_since(village, before)
    assert len(sent) == 1 and sent[0]["to"] == SRI_PHONE and sent[0]["channel"] == "sms"
    assert sent[0]["subject"] == "Permohonan Anda sudah diterima"
    assert "Surat Keterangan Domisili" in sent[0]["body"] and code in sent[0]["body"]
    assert f"{PUBLIC}/kampung/track?code={code}" in sent[0]["body"]

    again = sri.post("/kampung/letters/new?type=domisili", data=data)  # the same form sent twice: no new step
    assert again.status_code == 303 and again.headers["Location"] == url and len(new_since(village, before)) == 1

    # she prefers English from now on
    prefs = sri.post("/me/notifications", data={"csrf_token": csrf_token(sri, "/me/notifications"), "locale": "en"})
    assert prefs.status_code == 302
    operator = signed_in(village, "op.sarongan@desa.id")
    step = len(messages(village))
    assert decide(operator, url, "verify").status_code == 302
    assert new_since(village, step) == []  # checking against the register is no news for her
    kades = signed_in(village, "kades.sarongan@desa.id")
    assert decide(kades, url, "sign").status_code == 302
    sent = new_since(village, step)
    assert len(sent) == 1 and sent[0]["subject"] == "Your document is issued"
    assert "(Certificate of domicile, " in sent[0]["body"]  # the letter type in her language too
    assert f"Follow it: {PUBLIC}/kampung/track?code={code}" in sent[0]["body"]

    total = len(messages(village))
    assert "sent 0 message(s)" in cli("notifications", "deliver").output
    assert len(messages(village)) == total  # delivering again sends nothing twice


def test_a_rolled_back_decision_sends_nothing(village, monkeypatch):
    sri = citizen(village)
    url = letter(sri)[0].headers["Location"]
    operator = signed_in(village, "op.sarongan@desa.id")
    before = len(messages(village))
    from egovkit.services import events

    def broken(name, **payload):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(events, "publish", broken)  # runs after the step and its message are queued
    with pytest.raises(RuntimeError):
        decide(operator, url, "refuse", note="Data tidak sesuai")
    monkeypatch.undo()
    assert new_since(village, before) == []
    assert "Diajukan" in sri.get(url).get_data(as_text=True)
    assert decide(operator, url, "refuse", note="Data tidak sesuai").status_code == 302
    sent = new_since(village, before)
    assert len(sent) == 1 and "ditolak" in sent[0]["body"] and "Data tidak sesuai" in sent[0]["body"]


def test_staff_who_ask_are_told_when_a_case_arrives_in_their_inbox(village):
    operator = signed_in(village, "op.sarongan@desa.id")
    page = operator.get("/me/notifications")
    assert page.status_code == 200 and "Pengaturan notifikasi" in page.get_data(as_text=True)
    saved = operator.post("/me/notifications", data={"csrf_token": csrf_token(operator, "/me/notifications"),
                                                     "locale": "id", "case_arrival": "1", "channel": "email"})
    assert saved.status_code == 302
    sri = citizen(village)
    before = len(messages(village))
    letter(sri)
    to_operator = new_since(village, before, to="op.sarongan@desa.id")
    assert len(to_operator) == 1 and to_operator[0]["channel"] == "email"
    assert "menunggu keputusan Anda" in to_operator[0]["body"] and f"{PUBLIC}/inbox" in to_operator[0]["body"]
    assert new_since(village, before, to="op.kandangan@desa.id") == []  # another village's operator
    assert new_since(village, before, to="kades.sarongan@desa.id") == []  # did not ask
    # who did not ask is not told; the citizen's settings page offers no inbox option
    assert "case_arrival" not in sri.get("/me/notifications").get_data(as_text=True)
    bad = operator.post("/me/notifications", data={"csrf_token": csrf_token(operator, "/me/notifications"),
                                                   "locale": "fr"})
    assert bad.status_code == 400 and "Pilih bahasa." in bad.get_data(as_text=True)


@pytest.fixture
def regency(cli, make_instance):
    make_instance("banyuwangi")
    accounts(cli, [{"email": email, "name": email.split("@")[0], "role": role, "agency": agency}
                   for email, role, agency in STAFF], STAFF_PASSWORD)
    return create_app("instance", {"TESTING": True, "EGOVKIT_PUBLIC_URL": PUBLIC})


def test_a_permit_application_tells_the_applicant_at_each_step_by_phone_and_email(regency, cli):
    sri = citizen(regency, email=SRI_EMAIL)
    before = len(messages(regency))
    response = apply(sri)
    assert response.status_code == 302
    url = response.headers["Location"]
    tracking = re.search(r"[A-Z2-9]{8}", new_since(regency, before, to=SRI_PHONE)[0]["body"]).group(0)

    def step(count, subject):
        by_phone, by_email = new_since(regency, count, to=SRI_PHONE), new_since(regency, count, to=SRI_EMAIL)
        assert len(by_phone) == 1 and len(by_email) == 1, (by_phone, by_email)
        assert by_phone[0]["subject"] == by_email[0]["subject"] == subject
        return by_phone[0]["body"]

    body = step(before, "Permohonan Anda sudah diterima")
    assert f"{PUBLIC}/izin/track?code={tracking}" in body
    front, head, dinkes = staff(regency, "fo@dpmptsp.id"), staff(regency, "kepala@dpmptsp.id"), \
        staff(regency, "staf@dinkes.id")
    count = len(messages(regency))
    decide(front, url, "return", note="Foto dapur kurang jelas.")
    assert "Foto dapur kurang jelas." in step(count, "Permohonan Anda perlu dilengkapi")
    count = len(messages(regency))
    edit = f"{url}/edit"
    sri.post(edit, content_type="multipart/form-data", data={
        "csrf_token": csrf_token(sri, edit), "business": "Warung Osing Bu Sri", "address": "Jl. Raya Jember 12",
        "seats": "44", "business_address": "Jl. Raya Jember 12", "photo": (io.BytesIO(PNG), "dapur2.png")})
    step(count, "Permohonan Anda sudah diterima")
    count = len(messages(regency))
    decide(front, url, "accept")
    decide(dinkes, url, "verify")
    assert new_since(regency, count) == []  # steps inside the office
    decide(head, url, "approve")
    step(count, "Dokumen Anda sudah terbit")

    # a permit with a fee: billed (amount, billing code), then issued once paid
    count = len(messages(regency))
    fee_url = billboard(regency, sri)
    step(count, "Permohonan Anda sudah diterima")
    count = len(messages(regency))
    decide(head, fee_url, "bill")
    body = step(count, "Tagihan Anda sudah siap")
    assert "Rp" in body and re.search(r"35109\d{11}", body)
    count = len(messages(regency))
    assert pay(front, fee_url).status_code == 302
    step(count, "Dokumen Anda sudah terbit")
    total = len(messages(regency))
    cli("notifications", "deliver")
    assert len(messages(regency)) == total


def test_a_tax_bill_tells_the_taxpayer_with_the_amount_and_billing_code(regency):
    from .test_etax import issue_restaurant_permit, last_month, object_id

    sri = issue_restaurant_permit(regency)
    obj = object_id(regency)
    url = f"/pajak/objects/{obj}"
    before = len(messages(regency))
    declared = sri.post(f"{url}/declare", data={"csrf_token": csrf_token(sri, url), "period": last_month(),
                                                "turnover": "10000000"})
    assert declared.status_code == 303
    sent = new_since(regency, before, to=SRI_PHONE)
    assert len(sent) == 1 and sent[0]["subject"] == "Tagihan pajak daerah Anda"
    body = sent[0]["body"]
    assert "Warung Osing Bu Sri (PBJT makanan dan minuman (restoran)), masa pajak " in body
    assert re.search(r"Rp\s1\.000\.000", body) and re.search(r"kode billing \d{16}", body)
    assert f"{PUBLIC}/pajak/objects/{obj}" in body
    refused = sri.post(f"{url}/declare", data={"csrf_token": csrf_token(sri, url), "period": last_month(),
                                               "turnover": "9000000"})  # declared twice: refused, nobody told
    assert refused.status_code == 303 and len(new_since(regency, before, to=SRI_PHONE)) == 1
