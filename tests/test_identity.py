"""Citizen identity: a pending account (someone else's NIK) can do nothing; activation by the code sent to
the register's phone or by the village office; registration and reset tell nobody which NIK or email has
an account; password change and reset end other sessions; a death letter is reported by a family member.
Messages go through the notifications service (development backend: the instance's log file)."""
import json
import re
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from egovkit.app import create_app

from .conftest import csrf_token, login
from .test_smart_kampung import GOOD, write
from .test_workflow import PASSWORD, people

WOMAN = "3510015708900001"  # Sri Wahyuni, born 17-08-1990 (day + 40)
SRI_PHONE, BUDI_PHONE = "081234567890", "081298765432"
CITIZEN = dict(GOOD, nik=WOMAN, nama="Sri Wahyuni", jenis_kelamin="P", hubungan_keluarga="Istri")
SRI_PASSWORD = "kata-sandi-panjang"


@pytest.fixture
def village(cli, make_instance):
    make_instance("banyuwangi")
    people(cli)
    write("warga.csv", [GOOD, CITIZEN])
    cli("residents", "import", "warga.csv")
    app = create_app("instance", {"TESTING": True})
    record_phone(app, WOMAN, SRI_PHONE)
    record_phone(app, GOOD["nik"], BUDI_PHONE)
    return app


# ------------------------------------------------------------------ helpers other test files use
def resident_id(app, nik) -> int:
    with app.app_context():
        from egovkit.db import db
        from egovkit_modules.smart_kampung.models import Resident

        found = db.session.query(Resident).filter_by(nik=nik).one().id
        db.engine.dispose()
    return found


def record_phone(app, nik, phone, operator="op.sarongan@desa.id"):
    """The village operator records a resident's mobile number on the resident's edit page."""
    client = app.test_client()
    assert login(client, operator, PASSWORD).status_code == 302
    url = f"/kampung/residents/{resident_id(app, nik)}/edit"
    page = client.get(url).get_data(as_text=True)
    data = {name: value for name, value in re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', page)}
    for name in ("education", "marital_status"):
        data[name] = re.search(rf'<select[^>]*name="{name}".*?<option selected value="([^"]*)"', page, re.S).group(1)
    data.update(phone=phone, csrf_token=csrf_token(client, url))
    assert client.post(url, data=data).status_code == 302


def messages(app) -> list[dict]:
    path = Path(app.instance_path) / "logs" / "notifications.log"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def last_code(app, phone) -> str:
    """The 6-digit code in the last message sent to a phone."""
    sent = [m for m in messages(app) if m["to"] == phone]
    assert sent, f"nothing was sent to {phone}"
    return re.search(r"\b(\d{6})\b", sent[-1]["body"]).group(1)


def register(client, **fields):
    data = {"nik": WOMAN, "name": "Sri Wahyuni", "birth_date": "1990-08-17", "sex": "P", "phone": SRI_PHONE,
            "email": "", "password": SRI_PASSWORD, "confirm": SRI_PASSWORD}
    data.update(fields)
    data["csrf_token"] = csrf_token(client, "/register")
    return client.post("/register", data=data)


def activate(client, nik, password, code):
    return client.post("/activate", data={"nik": nik, "password": password, "code": code,
                                          "csrf_token": csrf_token(client, "/activate")})


def registered_citizen(app, nik=WOMAN, phone=SRI_PHONE, password=SRI_PASSWORD, **fields):
    """A citizen registered and activated the real way (the code sent to the register's phone), signed in."""
    client = app.test_client()
    assert register(client, nik=nik, password=password, confirm=password, **fields).status_code == 302
    assert activate(client, nik, password, last_code(app, phone)).status_code == 302
    return client


def can_request_letters(client) -> bool:
    return client.get("/kampung/letters/new?type=domisili").status_code == 200


def ask(client, kind, **answers):
    url = f"/kampung/letters/new?type={kind}"
    return client.post(url, data={"csrf_token": csrf_token(client, url), "type": kind, **answers})


# ------------------------------------------------------------------ tests
def test_an_account_made_with_someone_elses_nik_files_nothing_and_does_not_keep_the_nik(village):
    intruder = village.test_client()
    # The NIK's birth date and sex are public knowledge of the number itself: registration accepts them...
    assert register(intruder, name="Penyusup", phone="089999999999", password="sandi-si-penyusup",
                    confirm="sandi-si-penyusup").status_code == 302
    assert intruder.get("/").status_code == 200
    assert login(intruder, WOMAN, "sandi-si-penyusup").status_code == 302
    # ...but the account is pending: it can file nothing, in any form, about anyone.
    assert "belum diaktifkan" in intruder.get("/").get_data(as_text=True)
    assert intruder.get("/kampung/letters/new?type=domisili").status_code == 403
    assert ask(intruder, "domisili", since="2015-01-01", purpose="Pinjaman").status_code == 403
    budi = resident_id(village, GOOD["nik"])
    assert ask(intruder, "kematian", member=budi, date_of_death="2026-11-20", place_of_death="Rumah",
               cause="Sakit", relation="Istri").status_code == 403
    # The code went to Sri's phone in the register, not to the number the intruder typed.
    assert not [m for m in messages(village) if m["to"] == "089999999999"]
    assert activate(intruder, WOMAN, "sandi-si-penyusup", "000000").status_code == 400
    # Sri registers too: her claim replaces the pending one, the intruder's password and session die.
    sri = registered_citizen(village)
    assert can_request_letters(sri)
    assert intruder.get("/kampung/letters/new?type=domisili").status_code in (302, 403)
    assert login(village.test_client(), WOMAN, "sandi-si-penyusup").status_code == 400
    with village.app_context():
        from egovkit.db import db
        from egovkit_modules.smart_kampung.models import Letter

        assert db.session.query(Letter).count() == 0
        db.engine.dispose()


def test_activation_by_code_right_wrong_expired_and_limited(village):
    client = village.test_client()
    register(client)
    code = last_code(village, SRI_PHONE)
    sent = [m for m in messages(village) if m["to"] == SRI_PHONE][-1]
    assert "kode untuk mengaktifkan" in sent["body"]  # in the registrant's language (Indonesian by default)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    response = activate(client, WOMAN, SRI_PASSWORD, wrong)
    assert response.status_code == 400 and "kode salah" in response.get_data(as_text=True)
    assert activate(client, WOMAN, "not-her-password", code).status_code == 400  # the password comes first
    assert activate(client, WOMAN, SRI_PASSWORD, "12a456").status_code == 400
    assert activate(client, WOMAN, SRI_PASSWORD, code).status_code == 302
    assert can_request_letters(client)
    # An active account is not signed in here (this form is no way around the sign-in form's limits).
    elsewhere = village.test_client()
    assert activate(elsewhere, WOMAN, SRI_PASSWORD, code).headers["Location"] == "/login"
    assert not can_request_letters(elsewhere)
    with village.app_context():  # the code is stored hashed, never as such
        from egovkit.auth.identity import UserCode
        from egovkit.db import db
        from egovkit.services.notifications import Notification

        assert all(code not in row.code_hash for row in db.session.query(UserCode))
        assert all(row.body is None for row in db.session.query(Notification).filter_by(secret=True))
        db.engine.dispose()

    # Expired: a code older than its 30 minutes is refused.
    other = village.test_client()
    register(other, nik=GOOD["nik"], name="Budi Santoso", birth_date="1990-08-17", sex="L", phone=BUDI_PHONE)
    code = last_code(village, BUDI_PHONE)
    with village.app_context():
        from egovkit.auth.identity import UserCode
        from egovkit.db import db
        from egovkit.models import utcnow

        for row in db.session.query(UserCode).filter_by(used_at=None):
            row.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        db.engine.dispose()
    assert activate(other, GOOD["nik"], SRI_PASSWORD, code).status_code == 400
    assert not can_request_letters(other)

    # Limited: after five wrong codes even the right one is refused; a new registration sends a new code.
    register(other, nik=GOOD["nik"], name="Budi Santoso", birth_date="1990-08-17", sex="L", phone=BUDI_PHONE)
    code = last_code(village, BUDI_PHONE)
    for attempt in range(5):
        assert activate(other, GOOD["nik"], SRI_PASSWORD, f"{(int(code) + 1 + attempt) % 10**6:06d}").status_code == 400
    assert activate(other, GOOD["nik"], SRI_PASSWORD, code).status_code == 400
    register(other, nik=GOOD["nik"], name="Budi Santoso", birth_date="1990-08-17", sex="L", phone=BUDI_PHONE)
    assert activate(other, GOOD["nik"], SRI_PASSWORD, last_code(village, BUDI_PHONE)).status_code == 302
    assert can_request_letters(other)


def test_the_village_office_activates_having_seen_the_ktp_and_the_registration_password_stops(village, cli):
    intruder = village.test_client()
    register(intruder, name="Sri W.", password="sandi-si-penyusup", confirm="sandi-si-penyusup")
    sri = resident_id(village, WOMAN)
    operator = village.test_client()
    login(operator, "op.sarongan@desa.id", PASSWORD)
    page = operator.get(f"/kampung/residents/{sri}").get_data(as_text=True)
    assert "menunggu aktivasi" in page and "Sri W." in page
    elsewhere = village.test_client()
    login(elsewhere, "op.kandangan@desa.id", PASSWORD)
    url = f"/kampung/residents/{sri}/account"
    assert elsewhere.post(url, data={"csrf_token": csrf_token(elsewhere, "/")}).status_code == 404
    assert operator.post(url).status_code == 400  # no CSRF token
    given = operator.post(url, data={"csrf_token": csrf_token(operator, f"/kampung/residents/{sri}")})
    assert given.status_code == 200
    code = re.search(r"Berikan kode ini kepada Sri Wahyuni: (\d{6})", given.get_data(as_text=True)).group(1)
    # Whoever registered cannot use the account: the registration password no longer works.
    assert login(village.test_client(), WOMAN, "sandi-si-penyusup").status_code == 400
    # Sri, at the counter, chooses her password with the code and files letters.
    client = village.test_client()
    response = client.post("/password/reset", data={"login": WOMAN, "code": code, "password": "sandi-baru-sri",
                                                    "confirm": "sandi-baru-sri",
                                                    "csrf_token": csrf_token(client, "/password/reset")})
    assert response.status_code == 302
    assert login(client, WOMAN, "sandi-baru-sri").status_code == 302
    assert can_request_letters(client)
    audit = cli("audit", "list", "--limit", "20").output
    assert "activate" in audit and "office_code" in audit
    assert "menunggu aktivasi" not in operator.get(f"/kampung/residents/{sri}").get_data(as_text=True)


def _body(response) -> str:
    return re.sub(r'name="csrf_token"[^>]*value="[^"]*"', "", response.get_data(as_text=True))


def test_registration_and_reset_answer_the_same_for_known_and_unknown_nik_and_email(village):
    registered_citizen(village, email="sri@example.id")
    with village.app_context():
        from egovkit.db import db
        from egovkit.models import User

        accounts = db.session.query(User).count()
        db.engine.dispose()

    def attempt(**fields):
        client = village.test_client()
        response = register(client, **fields)
        assert response.status_code == 302
        return response.headers["Location"], _body(client.get(response.headers["Location"]))

    known = attempt()  # Sri's NIK has an active account
    unknown = attempt(nik="3510015209950001", name="Orang Baru", birth_date="1995-09-12")  # nobody's NIK
    email_known = attempt(nik="3510015209950002", name="Orang Lain", birth_date="1995-09-12",
                          email="sri@example.id")
    email_unknown = attempt(nik="3510015209950003", name="Orang Ketiga", birth_date="1995-09-12",
                            email="baru@example.id")
    assert known == unknown == email_known == email_unknown
    assert "NIK ini sudah" not in known[1] and "email" not in known[1].lower().split("<main")[1]
    assert login(village.test_client(), WOMAN, SRI_PASSWORD).status_code == 302  # Sri's account is untouched
    assert any("mencoba mendaftar" in m["body"] for m in messages(village) if m["to"] == SRI_PHONE)
    with village.app_context():
        from egovkit.db import db
        from egovkit.models import User

        assert db.session.query(User).count() == accounts + 3  # pending accounts for the new NIKs only
        assert db.session.query(User).filter_by(email="sri@example.id").count() == 1  # not taken over
        db.engine.dispose()

    def forgot(login_value):
        client = village.test_client()
        response = client.post("/password/forgot", data={"login": login_value,
                                                         "csrf_token": csrf_token(client, "/password/forgot")})
        assert response.status_code == 302
        return response.headers["Location"], _body(client.get(response.headers["Location"]))

    def stored():
        with village.app_context():
            from egovkit.auth.identity import UserCode
            from egovkit.db import db
            from egovkit.services.notifications import Notification

            counts = db.session.query(UserCode).count(), db.session.query(Notification).count()
            db.engine.dispose()
        return counts

    before = stored()
    # Unknown NIK, unknown email, a pending account: the same answer, and nothing stored or sent.
    unknowns = {forgot(v) for v in ("9999015209950009", "nobody@example.id", "3510015209950001")}
    assert stored() == before
    results = unknowns | {forgot(v) for v in (WOMAN, "sri@example.id")}
    assert len(results) == 1
    assert stored()[0] == before[0] + 2  # Sri's reset codes (by NIK and by email)...
    with village.app_context():
        from egovkit.auth.identity import UserCode
        from egovkit.db import db
        from egovkit.models import User

        users = {u.id for u in db.session.query(User).filter(User.nik == WOMAN)}
        assert {c.user_id for c in db.session.query(UserCode).filter_by(purpose="reset")} <= users  # ...only
        db.engine.dispose()


def test_password_change_and_reset_end_the_other_sessions(village):
    phone = registered_citizen(village)
    laptop = village.test_client()
    assert login(laptop, WOMAN, SRI_PASSWORD).status_code == 302
    assert can_request_letters(laptop)
    wrong = phone.post("/account/password", data={"old": "bukan-sandinya", "password": "sandi-baru-sekali",
                                                  "confirm": "sandi-baru-sekali",
                                                  "csrf_token": csrf_token(phone, "/account/password")})
    assert wrong.status_code == 400 and "Kata sandi saat ini salah" in wrong.get_data(as_text=True)
    changed = phone.post("/account/password", data={"old": SRI_PASSWORD, "password": "sandi-baru-sekali",
                                                    "confirm": "sandi-baru-sekali",
                                                    "csrf_token": csrf_token(phone, "/account/password")})
    assert changed.status_code == 302
    assert can_request_letters(phone)  # this session goes on
    assert laptop.get("/kampung/letters/new?type=domisili").status_code == 302  # the other one is signed out
    assert login(laptop, WOMAN, SRI_PASSWORD).status_code == 400
    assert login(laptop, WOMAN, "sandi-baru-sekali").status_code == 302

    # Reset by the code sent to the register's phone: every session ends.
    visitor = village.test_client()
    visitor.post("/password/forgot", data={"login": WOMAN, "csrf_token": csrf_token(visitor, "/password/forgot")})
    code = last_code(village, SRI_PHONE)
    reset = {"login": WOMAN, "password": "sandi-ketiga-sri", "confirm": "sandi-ketiga-sri"}
    wrong = visitor.post("/password/reset", data=dict(reset, code=f"{(int(code) + 1) % 10**6:06d}",
                                                      csrf_token=csrf_token(visitor, "/password/reset")))
    assert wrong.status_code == 400
    done = visitor.post("/password/reset", data=dict(reset, code=code,
                                                     csrf_token=csrf_token(visitor, "/password/reset")))
    assert done.status_code == 302
    for client in (phone, laptop):
        assert client.get("/kampung/letters/new?type=domisili").status_code == 302
    again = visitor.post("/password/reset", data=dict(reset, code=code,
                                                      csrf_token=csrf_token(visitor, "/password/reset")))
    assert again.status_code == 400  # a code works once
    assert login(visitor, WOMAN, "sandi-ketiga-sri").status_code == 302


def test_a_death_letter_is_reported_by_a_family_member_never_by_the_person(village, cli):
    sri = registered_citizen(village)
    budi = resident_id(village, GOOD["nik"])
    me = resident_id(village, WOMAN)
    answers = dict(date_of_death="2026-11-20", place_of_death="Rumah", cause="Sakit", relation="Istri")
    page = sri.get("/kampung/letters/new?type=kematian").get_data(as_text=True)
    assert "Budi Santoso" in page and f'value="{me}"' not in page  # only the others on her family card
    about_herself = ask(sri, "kematian", member=me, **answers)
    assert about_herself.status_code == 400 and "Pilih anggota kartu keluarga" in about_herself.get_data(as_text=True)
    assert ask(sri, "kematian", **answers).status_code == 400
    # Budi, signed in himself, cannot report his own death either.
    budi_client = registered_citizen(village, nik=GOOD["nik"], phone=BUDI_PHONE, name="Budi Santoso",
                                     birth_date="1990-08-17", sex="L")
    assert ask(budi_client, "kematian", member=budi, **answers).status_code == 400
    # Staff filing name a reporter on the same card, not the person.
    operator = village.test_client()
    login(operator, "op.sarongan@desa.id", PASSWORD)
    url = f"/kampung/letters/new?type=kematian&resident={budi}"
    refused = operator.post(url, data={"csrf_token": csrf_token(operator, url), "type": "kematian",
                                       "resident": budi, "reporter": budi, **answers})
    assert refused.status_code == 400
    # Sri reports her husband's death: the letter records her as the reporter and she follows it.
    reported = ask(sri, "kematian", member=budi, **answers)
    assert reported.status_code == 302
    letter_url = reported.headers["Location"]
    assert "Budi Santoso" in sri.get(letter_url).get_data(as_text=True)
    with village.app_context():
        from egovkit.db import db
        from egovkit_modules.smart_kampung.models import Letter

        letter = db.session.query(Letter).one()
        assert (letter.resident_id, letter.reporter_id) == (budi, me)
        db.engine.dispose()
    from .test_letters import decide

    decide(operator, letter_url, "verify")
    kades = village.test_client()
    login(kades, "kades.sarongan@desa.id", PASSWORD)
    assert decide(kades, letter_url, "sign").status_code == 302
    assert "meninggal" in operator.get(f"/kampung/residents/{budi}").get_data(as_text=True)
    assert cli("events", "list").output.count("resident.died") == 1


class _Inbox(BaseHTTPRequestHandler):
    received: list = []
    fail = 0

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if _Inbox.fail:
            _Inbox.fail -= 1
            self.send_response(500)
        else:
            _Inbox.received.append((self.path, json.loads(body)))
            self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_a_configured_channel_delivers_through_apprise_retries_failures_and_never_twice(cli, make_instance, monkeypatch):
    server = HTTPServer(("127.0.0.1", 0), _Inbox)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Inbox.received, _Inbox.fail = [], 1
    monkeypatch.setenv("EGOVKIT_NOTIFY_SMS_URL", f"json://127.0.0.1:{server.server_port}/sms/{{to}}")
    try:
        make_instance("banyuwangi")
        app = create_app("instance", {"TESTING": True})
        with app.app_context():
            from egovkit.db import db
            from egovkit.models import utcnow
            from egovkit.services import notifications

            note = notifications.send("sms", "081234567890", "identity.reset_code", locale="en", secret=True,
                                      code="123456", minutes=15)
            db.session.commit()
            note_id = note.id
        # Delivered after commit, at the end of the app context: the server fails the first time.
        with app.app_context():
            row = db.session.get(notifications.Notification, note_id)
            assert (row.status, row.attempts, _Inbox.received) == ("queued", 1, [])
            assert row.last_error and row.body  # kept for the retry
            assert "sent 0" in cli("notifications", "deliver").output  # not due yet (back-off)
            row.next_attempt_at = utcnow()
            db.session.commit()
            db.engine.dispose()
        assert "sent 1" in cli("notifications", "deliver").output
        assert "sent 0" in cli("notifications", "deliver").output  # never twice
        with app.app_context():
            assert notifications.deliver(note_id) is False
            row = db.session.get(notifications.Notification, note_id)
            assert (row.status, row.attempts, row.body) == ("sent", 2, None)  # a code is erased once sent
            db.engine.dispose()
        assert len(_Inbox.received) == 1
        path, payload = _Inbox.received[0]
        assert path.endswith("/sms/081234567890")
        assert "123456 is your code to set a new password" in payload["message"]
        assert "sent" in cli("notifications", "list").output
    finally:
        server.shutdown()


def test_two_deliverers_racing_send_a_message_once(cli, make_instance, monkeypatch):
    make_instance("banyuwangi")
    app = create_app("instance", {"TESTING": True})
    from egovkit.db import db
    from egovkit.services import notifications

    sent, start = [], threading.Barrier(2)

    def slow_transmit(note):
        sent.append(note.id)
        threading.Event().wait(0.3)  # the other deliverer tries while this one is sending

    monkeypatch.setattr(notifications, "_transmit", slow_transmit)
    with app.app_context():
        note = notifications.send("sms", "081234567890", "identity.password_changed", locale="en")
        db.session.commit()
        note_id = note.id
        db.session.info.pop("egovkit_notifications_committed", None)  # delivered by hand below, not at teardown
    results = []

    def deliverer():
        with app.app_context():
            start.wait()
            results.append(notifications.deliver(note_id))
            db.session.remove()

    threads = [threading.Thread(target=deliverer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, True] and sent == [note_id]
    with app.app_context():
        assert db.session.get(notifications.Notification, note_id).status == "sent"
        db.engine.dispose()
