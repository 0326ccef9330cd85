"""Sign-in of officials: two-factor codes (enrolment, replay, recovery codes, reset), throttling that counts
atomically and cannot lock everyone out, the trusted proxy hop count, and a fresh session at sign-in."""
import json
import re
import threading
import time
from pathlib import Path

import pyotp
import pytest
import requests
from sqlalchemy import select
from werkzeug.serving import make_server

from egovkit.app import create_app
from egovkit.instance import InstanceError

from .conftest import ADMIN_PASSWORD, csrf_token, login
from .twofactor import give_code

PASSWORD = "sandi-kuat-sekali"
OPERATOR, KADES = "op.sarongan@desa.id", "kades.sarongan@desa.id"


def people(cli):
    for email, role in ((OPERATOR, "operator_desa"), (KADES, "kepala_desa")):
        cli("users", "create", "--email", email, "--name", email.split("@")[0], "--role", role, "--region",
            "35.10.01.2001", "--password-stdin", input=PASSWORD + "\n")


@pytest.fixture
def app(cli, make_instance):
    make_instance("banyuwangi")
    people(cli)
    application = create_app("instance", {"TESTING": True})
    yield application
    with application.app_context():
        from egovkit.db import db

        db.session.remove()
        db.engine.dispose()


def password(client, who="admin@localhost", secret=ADMIN_PASSWORD, address=None):
    environ = {"REMOTE_ADDR": address} if address else {}
    token = csrf_token(client, "/login")
    return client.post("/login", data={"login": who, "password": secret, "csrf_token": token}, environ_base=environ)


def signed_in_as(client) -> str:
    return client.get("/").get_data(as_text=True)


def audit_rows(app, action):
    from egovkit.db import db
    from egovkit.services.audit import AuditEntry

    with app.app_context():
        return [json.loads(e.data) for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq))]


def sign_out(client):
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})


# ----------------------------------------------------------------- two-factor sign-in
def test_a_named_role_enrols_with_a_qr_code_then_signs_in_with_a_code_once(app):
    client = app.test_client()
    response = password(client)
    assert response.headers["Location"] == "/login/enrol"
    assert "Administrator" not in signed_in_as(client)  # the password alone does not sign in
    page = client.get("/login/enrol").get_data(as_text=True)
    assert "<svg" in page and 'src="http' not in page  # the QR code is drawn in the page, by no outside service
    secret = re.search(r'id="totp-secret">([^<]+)<', page).group(1).replace(" ", "")
    wrong = client.post("/login/enrol", data={"code": "000000", "csrf_token": csrf_token(client, "/login/enrol")})
    assert wrong.status_code == 400 and "tidak cocok" in wrong.get_data(as_text=True)
    assert client.get("/login/enrol").get_data(as_text=True).count(secret[:4]) >= 1  # same key until confirmed
    step = int(time.time()) // 30
    done = client.post("/login/enrol", data={"code": pyotp.TOTP(secret).at(step * 30),
                                             "csrf_token": csrf_token(client, "/login/enrol")})
    assert done.status_code == 302 and done.headers["Location"].startswith("/login/recovery-codes")
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", client.get(done.headers["Location"]).get_data(
        as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/login/recovery-codes").status_code == 302  # shown once
    assert "Administrator" in signed_in_as(client)
    with app.app_context():
        from egovkit.db import db
        from egovkit.models import RecoveryCode, UserTotp

        stored = db.session.scalar(select(UserTotp.secret))
        hashes = list(db.session.scalars(select(RecoveryCode.code_hash)))
    assert secret not in stored and not any(c.replace("-", "") in h for c in codes for h in hashes)

    sign_out(client)
    assert password(client).headers["Location"] == "/login/code"
    page = client.get("/login/code").get_data(as_text=True)
    assert secret[:8] not in page.replace(" ", "") and "<svg" not in page  # never shown again
    replay = give_code(client, pyotp.TOTP(secret).at(step * 30))  # the enrolment's code, again
    assert replay.status_code == 400 and "sudah dipakai" in replay.get_data(as_text=True)
    assert give_code(client, "12345").status_code == 400  # not a code at all: the field says so
    later = give_code(client, pyotp.TOTP(secret).at((step + 1) * 30))
    assert later.status_code == 302 and later.headers["Location"] == "/"
    assert "Administrator" in signed_in_as(client)
    sign_out(client)
    password(client)
    assert give_code(client, pyotp.TOTP(secret).at((step + 1) * 30)).status_code == 400  # used: no replay
    assert [r.get("second_factor") for r in audit_rows(app, "login")] == ["enrolment", "totp"]

    # a recovery code works once, instead of the app's code
    assert give_code(client, codes[0].upper()).status_code == 302
    assert "Administrator" in signed_in_as(client)
    sign_out(client)
    password(client)
    assert give_code(client, codes[0]).status_code == 400
    assert give_code(client, codes[1]).status_code == 302
    assert [r.get("second_factor") for r in audit_rows(app, "login")][-2:] == ["recovery", "recovery"]
    assert len(audit_rows(app, "login_code_failed")) == 3


def test_roles_the_profile_does_not_name_need_no_code_and_the_api_is_unaffected(app, cli):
    client = app.test_client()
    response = password(client, OPERATOR, PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "op.sarongan" in signed_in_as(client)
    kades = password(app.test_client(), KADES, PASSWORD)
    assert kades.headers["Location"] == "/login/enrol"  # kepala_desa is named by default
    token = cli("tokens", "create", "--user", KADES, "--scope", "me:read").output.split(": ")[1].split()[0]
    me = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json["roles"][0]["role"] == "kepala_desa"  # tokens need no second step


def test_the_profile_chooses_the_roles(cli):
    Path("off.yaml").write_text("name: off\nextends: banyuwangi\nsign_in:\n  two_factor_roles: []\n")
    cli("init", "--profile", "off.yaml")
    app = create_app("instance", {"TESTING": True})
    assert password(app.test_client()).headers["Location"] == "/"
    Path("bad.yaml").write_text("name: bad\nextends: banyuwangi\nsign_in:\n  two_factor_roles: [admin, lurah]\n")
    result = cli("profile", "validate", "bad.yaml", expect=None)
    assert result.exit_code != 0 and "bad.yaml:4: sign_in.two_factor_roles: unknown role 'lurah'" in result.output


def test_an_admin_resets_two_factor_sign_in_from_the_cli_and_it_is_audited(app, cli):
    client = app.test_client()
    assert login(client, KADES, PASSWORD).status_code == 302  # enrols
    sign_out(client)
    assert "two-factor sign-in reset" in cli("users", "reset-2fa", KADES).output
    assert password(client, KADES, PASSWORD).headers["Location"] == "/login/enrol"  # enrols afresh
    assert [r["login"] for r in audit_rows(app, "2fa_reset")] == [KADES]
    assert cli("users", "reset-2fa", "nobody@desa.id", expect=1).output.count("no account") == 1


# ----------------------------------------------------------------- throttling
@pytest.fixture
def server(app):
    """The app behind a real threaded HTTP server."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(10)


def test_sixty_parallel_guesses_check_at_most_the_configured_number_of_passwords(app, server, monkeypatch):
    from egovkit.auth import passwords

    checked = []
    real_verify = passwords.verify

    def counting(password_hash, password):
        checked.append(password)
        return real_verify(password_hash, password)

    monkeypatch.setattr(passwords, "verify", counting)
    limit = app.extensions["egovkit"].profile.sign_in.attempts_per_address
    barrier = threading.Barrier(60)
    statuses = []

    def guess(n):
        with requests.Session() as browser:
            page = browser.get(server + "/login", timeout=60).text
            token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page).group(1)
            barrier.wait(60)
            response = browser.post(server + "/login", data={"login": OPERATOR, "password": f"guess {n:02d}",
                                                             "csrf_token": token}, timeout=120)
            statuses.append(response.status_code)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(60)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    assert len(statuses) == 60
    assert len(checked) <= limit == 5
    assert statuses.count(400) == len(checked) and statuses.count(429) == 60 - len(checked)
    assert len(audit_rows(app, "login_failed")) == len(checked)


def test_a_flood_from_one_address_locks_out_neither_other_addresses_nor_known_browsers(app):
    attacker = app.test_client()
    for n in range(12):
        for who in (OPERATOR, "admin@localhost", "nobody@desa.id"):
            password(attacker, who, f"wrong guess {n}", address="203.0.113.9")
    assert password(attacker, OPERATOR, PASSWORD, address="203.0.113.9").status_code == 429  # that address waits
    assert len(audit_rows(app, "login_failed")) == 15  # 5 per account were checked, the rest refused unchecked

    colleague = app.test_client()  # same accounts, another address
    assert password(colleague, OPERATOR, PASSWORD, address="198.51.100.7").headers["Location"] == "/"
    sign_out(colleague)
    other = app.test_client()
    assert login(other, "admin@localhost").status_code == 302  # enrols: its second step is not locked either

    # guesses spread over many addresses hit the per-account limit, but not the owner's browser
    limits = app.extensions["egovkit"].profile.sign_in
    for n in range(limits.attempts_per_account):
        password(app.test_client(), OPERATOR, "wrong", address=f"192.0.2.{n // limits.attempts_per_address + 1}")
    assert password(app.test_client(), OPERATOR, PASSWORD, address="192.0.2.200").status_code == 429
    for _ in range(3):
        password(colleague, OPERATOR, "typo", address="198.51.100.7")  # the owner mistypes from its own browser
    assert password(colleague, OPERATOR, PASSWORD, address="198.51.100.7").headers["Location"] == "/"


def test_wrong_codes_are_limited_per_account(app):
    client = app.test_client()
    login(client, KADES, PASSWORD)
    sign_out(client)
    password(client, KADES, PASSWORD)
    for _ in range(5):
        assert give_code(client, "000000").status_code == 400
    assert give_code(client, "000000").status_code == 429


# ----------------------------------------------------------------- proxy and session
def test_the_proxy_hop_count_decides_which_address_is_believed(cli, make_instance, monkeypatch):
    make_instance("banyuwangi")
    forwarded = {"X-Forwarded-For": "6.6.6.6, 10.1.2.3"}  # a client-written entry, then the one our proxy added

    def failed_login_address(hops):
        monkeypatch.setenv("EGOVKIT_PROXY_HOPS", hops)
        app = create_app("instance", {"TESTING": True})
        client = app.test_client()
        token = csrf_token(client, "/login")
        client.post("/login", data={"login": "admin@localhost", "password": "wrong", "csrf_token": token},
                    headers=forwarded)
        return audit_rows(app, "login_failed")[-1]["ip"]

    assert failed_login_address("0") == "127.0.0.1"  # no proxy trusted: the header is ignored
    assert failed_login_address("1") == "10.1.2.3"  # one proxy: its entry, not the client's 6.6.6.6
    assert failed_login_address("2") == "6.6.6.6"
    monkeypatch.setenv("EGOVKIT_PROXY_HOPS", "yes")
    with pytest.raises(InstanceError, match="EGOVKIT_PROXY_HOPS"):
        create_app("instance")


def test_sign_in_starts_a_fresh_session_and_csrf_token(app):
    for who, secret in ((OPERATOR, PASSWORD), ("admin@localhost", ADMIN_PASSWORD)):
        client = app.test_client()
        before_token = csrf_token(client, "/login")
        before_cookie = client.get_cookie("session").value
        assert login(client, who, secret).status_code == 302
        after_cookie = client.get_cookie("session").value
        assert after_cookie != before_cookie
        planted = app.test_client()  # whoever held the cookie from before the sign-in is not signed in
        planted.set_cookie("session", before_cookie)
        assert planted.get("/inbox").status_code == 302
        stale = client.post("/logout", data={"csrf_token": before_token})
        assert stale.status_code == 400 and "kedaluwarsa" in stale.get_data(as_text=True)
        assert who.split("@")[0] in signed_in_as(client) or "Administrator" in signed_in_as(client)
        sign_out(client)
        assert "Keluar" not in signed_in_as(client)


def test_the_second_step_also_gets_a_fresh_session(app):
    client = app.test_client()
    before_token = csrf_token(client, "/login")
    password(client)  # right password: the session now only says whose code is awaited
    stale = client.post("/login/enrol", data={"code": "123456", "csrf_token": before_token})
    assert stale.status_code == 400 and "kedaluwarsa" in stale.get_data(as_text=True)
