"""Admin pages through HTTP: the home (and its EGOVKIT_PUBLIC_URL warning), users and their roles (search,
filters, paging, create, grant, revoke, disable, enable, reset two-factor sign-in), modules, workflows by
title, and the audit trail and events as readable, filtered, paged tables. Only the administrator (403 for
anyone else), CSRF on every change, confirmation before destructive ones, every change audited."""
import re

import pytest

from egovkit.app import create_app

from .conftest import csrf_token, login
from .test_workflow import PASSWORD, people

SARONGAN = "35.10.01.2001"


@pytest.fixture
def regency(cli, make_instance):
    make_instance("banyuwangi")
    people(cli)
    return create_app("instance", {"TESTING": True})


@pytest.fixture
def admin(regency):
    client = regency.test_client()
    assert login(client).status_code == 302
    return client


def user_id(app, email):
    from egovkit.db import db
    from egovkit.models import User

    with app.app_context():
        found = db.session.query(User).filter_by(email=email).one().id
        db.engine.dispose()
    return found


def audit_actions(app, record_id):
    from egovkit.db import db
    from egovkit.services.audit import AuditEntry

    with app.app_context():
        rows = [(e.action, e.actor) for e in db.session.query(AuditEntry).filter_by(
            record_type="core_user", record_id=str(record_id)).order_by(AuditEntry.seq)]
        db.engine.dispose()
    return rows


ADMIN_PAGES = ["/admin/", "/admin/users", "/admin/users/new", "/admin/modules", "/admin/workflows",
               "/admin/audit", "/admin/events"]


def test_only_the_administrator_opens_the_admin_pages(regency, admin):
    operator = regency.test_client()
    assert login(operator, "op.sarongan@desa.id", PASSWORD).status_code == 302
    target = user_id(regency, "op.kandangan@desa.id")
    for url in ADMIN_PAGES + [f"/admin/users/{target}"]:
        assert operator.get(url).status_code == 403, url
        assert regency.test_client().get(url).status_code == 302, url  # sign in first
        assert admin.get(url).status_code == 200, url
    token = csrf_token(operator, "/me/notifications")
    for action in ("disable", "enable", "reset-2fa", "grant"):
        assert operator.post(f"/admin/users/{target}/{action}", data={"csrf_token": token}).status_code == 403
    assert "Administrasi" in admin.get("/").get_data(as_text=True)
    assert "/admin/" not in operator.get("/").get_data(as_text=True)


def test_admin_home_links_every_page_and_warns_without_a_public_url(regency, admin):
    page = admin.get("/admin/").get_data(as_text=True)
    for url in ("/admin/users", "/admin/modules", "/admin/workflows", "/admin/audit", "/admin/events"):
        assert f'href="{url}"' in page
    assert 'id="public-url-warning"' not in page  # served on this computer (the test client's localhost)
    other = regency.test_client()  # the same session, reached on the office network's address
    for cookie in admin._cookies.values():
        other.set_cookie(cookie.key, cookie.value, domain="10.1.2.3")
    remote = other.get("/admin/", base_url="http://10.1.2.3").get_data(as_text=True)
    assert 'id="public-url-warning"' in remote and "EGOVKIT_PUBLIC_URL" in remote
    regency.config["EGOVKIT_PUBLIC_URL"] = "https://layanan.banyuwangikab.example"
    assert 'id="public-url-warning"' not in other.get("/admin/", base_url="http://10.1.2.3").get_data(as_text=True)


def test_serve_warns_without_a_public_url_on_a_non_loopback_address(regency, monkeypatch):
    from click.testing import CliRunner

    from egovkit import server
    from egovkit.cli import main

    served = []
    monkeypatch.setattr(server, "run", lambda *args: served.append(args))
    warning = "EGOVKIT_PUBLIC_URL is not set while serving on a non-loopback address"
    for host, warned in (("0.0.0.0", True), ("192.168.1.10", True), ("127.0.0.1", False), ("localhost", False),
                         ("::1", False)):
        result = CliRunner().invoke(main, ["serve", "--host", host], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert (warning in result.output) is warned, (host, result.output)
    monkeypatch.setenv("EGOVKIT_PUBLIC_URL", "https://layanan.banyuwangikab.example")
    result = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0"], catch_exceptions=False)
    assert warning not in result.output and len(served) == 6


def test_users_list_searches_filters_and_pages_without_emails(regency, admin):
    page = admin.get("/admin/users").get_data(as_text=True)
    assert "op.sarongan" in page and "@desa.id" not in page  # by name and position, never the sign-in email
    assert "Operator Desa Sarongan" in page and '<div class="table-scroll">' in page
    found = admin.get("/admin/users?q=kandangan").get_data(as_text=True)
    assert "op.kandangan" in found and "op.sarongan" not in found
    by_role = admin.get("/admin/users?role=camat").get_data(as_text=True)
    assert "camat.pesanggaran" in by_role and "op.sarongan" not in by_role
    by_region = admin.get("/admin/users?region=35.10.01").get_data(as_text=True)  # a district and its villages
    assert "op.sarongan" in by_region and "camat.pesanggaran" in by_region and "camat.siliragung" not in by_region
    assert "Tidak ada akun yang cocok." in admin.get("/admin/users?agency=dinkes").get_data(as_text=True)

    from egovkit.db import db
    from egovkit.models import User

    with regency.app_context():
        for i in range(60):
            db.session.add(User(email=f"p{i:02d}@x.id", name=f"Pegawai {i:02d}", password_hash="x",
                                active=i % 2 == 0))
        db.session.commit()
        db.engine.dispose()
    first = admin.get("/admin/users?q=Pegawai").get_data(as_text=True)
    assert len(re.findall(r'href="/admin/users/\d+"', first)) == 50 and "page=2" in first
    second = admin.get("/admin/users?q=Pegawai&page=2").get_data(as_text=True)
    assert len(re.findall(r'href="/admin/users/\d+"', second)) == 10 and "Pegawai 59" in second
    disabled = admin.get("/admin/users?q=Pegawai&status=disabled").get_data(as_text=True)
    assert "Pegawai 01" in disabled and "Pegawai 02" not in disabled


def test_creating_a_staff_account_checks_the_scope_and_shows_the_password_once(regency, admin):
    url = "/admin/users/new"
    form = {"name": "Dewi Lestari", "email": "dewi@desa.id", "phone": "", "role": "operator_desa", "region": "",
            "agency": ""}
    missing = admin.post(url, data={**form, "csrf_token": csrf_token(admin, url)})
    assert missing.status_code == 400 and "pilih desa" in missing.get_data(as_text=True)
    taken = admin.post(url, data={**form, "email": "op.sarongan@desa.id", "region": SARONGAN,
                                  "csrf_token": csrf_token(admin, url)})
    assert taken.status_code == 400 and "Sudah ada akun dengan email ini." in taken.get_data(as_text=True)
    assert admin.post(url, data={**form, "region": SARONGAN}).status_code == 400  # no CSRF token
    made = admin.post(url, data={**form, "region": SARONGAN, "csrf_token": csrf_token(admin, url)})
    assert made.status_code == 200 and made.headers["Cache-Control"] == "no-store"
    password = re.search(r'<code id="password">([^<]+)</code>', made.get_data(as_text=True)).group(1)
    dewi = regency.test_client()
    assert login(dewi, "dewi@desa.id", password).status_code == 302
    assert dewi.get("/kampung/residents").status_code == 200  # her village's register
    new_id = user_id(regency, "dewi@desa.id")
    assert ("user_create", "admin@localhost") in audit_actions(regency, new_id)


def test_grant_revoke_disable_enable_and_reset_two_factor_are_audited(regency, admin):
    target = user_id(regency, "kades.sarongan@desa.id")
    kades = regency.test_client()
    assert login(kades, "kades.sarongan@desa.id", PASSWORD).status_code == 302  # enrols two-factor sign-in
    url = f"/admin/users/{target}"
    page = admin.get(url).get_data(as_text=True)
    assert "kades.sarongan@desa.id" in page  # the sign-in email on the account's own page, where it is needed
    assert 'class="confirm"' in page and "sudah disiapkan" in page

    bad = admin.post(f"{url}/grant", data={"csrf_token": csrf_token(admin, url), "role": "opd_staff"})
    assert bad.status_code == 400 and "perangkat daerah" in bad.get_data(as_text=True)
    granted = admin.post(f"{url}/grant", data={"csrf_token": csrf_token(admin, url), "role": "camat",
                                               "region": "35.10.01"}, follow_redirects=True)
    assert "Peran diberikan." in granted.get_data(as_text=True) and "Pesanggaran" in granted.get_data(as_text=True)
    page = admin.get(url).get_data(as_text=True)
    assignments = re.findall(rf'action="/admin/users/{target}/revoke/(\d+)"', page)
    assert len(assignments) == 2
    assert admin.post(f"{url}/revoke/{assignments[-1]}", data={}).status_code == 400  # CSRF
    revoked = admin.post(f"{url}/revoke/{assignments[-1]}", data={"csrf_token": csrf_token(admin, url)},
                         follow_redirects=True)
    assert "Peran dicabut." in revoked.get_data(as_text=True)

    reset = admin.post(f"{url}/reset-2fa", data={"csrf_token": csrf_token(admin, url)}, follow_redirects=True)
    assert "belum disiapkan" in reset.get_data(as_text=True)
    disabled = admin.post(f"{url}/disable", data={"csrf_token": csrf_token(admin, url)}, follow_redirects=True)
    assert "nonaktif" in disabled.get_data(as_text=True)
    assert kades.get("/inbox").status_code == 302  # her open session ended
    assert regency.test_client().post("/login", data={
        "login": "kades.sarongan@desa.id", "password": PASSWORD,
        "csrf_token": csrf_token(regency.test_client(), "/login")}).status_code != 302
    admin.post(f"{url}/enable", data={"csrf_token": csrf_token(admin, url)})
    again = regency.test_client()
    assert login(again, "kades.sarongan@desa.id", PASSWORD).status_code == 302

    actions = [a for a, _who in audit_actions(regency, target)]
    for action in ("role_grant", "role_revoke", "2fa_reset", "user_disable", "user_enable"):
        assert action in actions, (action, actions)

    me = user_id(regency, "admin@localhost")
    own = admin.post(f"/admin/users/{me}/disable", data={"csrf_token": csrf_token(admin, f"/admin/users/{me}")},
                     follow_redirects=True)
    assert "Anda tidak dapat menonaktifkan akun Anda sendiri." in own.get_data(as_text=True)


def test_modules_page_shows_versions_migrations_permissions_and_settings(admin):
    page = admin.get("/admin/modules").get_data(as_text=True)
    assert "Smart Kampung" in page or "smart_kampung" in page
    assert "<code>smart_kampung_0010</code>" in page and "egovkit upgrade" not in page  # migration head, current
    assert "permits.apply" in page and "modules.etax.due_day" in page
    assert "docs/profile-reference.md#modulesetax" in page and '<div class="table-scroll">' in page


def test_workflows_are_shown_by_title_not_internal_name(admin):
    page = admin.get("/admin/workflows").get_data(as_text=True)
    assert "<h2>Surat keterangan desa</h2>" in page and "<h2>Permohonan izin</h2>" in page
    assert "<h2>smart_kampung.letter</h2>" not in page
    assert '<div class="table-scroll">' in page


def test_audit_and_events_are_readable_filtered_paged_tables(regency, admin, monkeypatch):
    target = user_id(regency, "op.kandangan@desa.id")
    url = f"/admin/users/{target}"
    admin.post(f"{url}/disable", data={"csrf_token": csrf_token(admin, url)})
    page = admin.get("/admin/audit?action=user_disable").get_data(as_text=True)
    assert "user_disable" in page and f"core_user #{target}" in page and "sign_in" not in page
    assert "<td>Administrator Banyuwangi, Administrator</td>" in page.split("<tbody>")[1]
    assert "admin@localhost" not in page.split("<tbody>")[1]  # who acted, by position and name, not email
    by_name = admin.get("/admin/audit?action=user_disable&actor=Administ").get_data(as_text=True)
    assert f"core_user #{target}" in by_name
    assert '<div class="table-scroll">' in page
    changes = admin.get(f"/admin/audit?record_type=core_user&record_id={target}&action=update").get_data(as_text=True)
    assert '<dl class="details">' in changes and "<dt>active</dt><dd>true → false</dd>" in changes  # not JSON
    assert "Tidak ada catatan yang cocok." in admin.get("/admin/audit?from=2000-01-01&to=2000-01-02").get_data(
        as_text=True)
    assert "user_disable" in admin.get("/admin/audit?module=core&action=user_disable").get_data(as_text=True)
    assert "Tidak ada catatan yang cocok." in admin.get("/admin/audit?actor=nobody").get_data(as_text=True)

    from egovkit.db import db
    from egovkit.services import events

    with regency.app_context():
        for i in range(55):
            events.publish("demo.ping", n=i)
        events.publish("demo.other", n=99, nik="3510015708900001")
        events.publish("permit.issued", tax_object="restoran", permit=999999, n=1)
        db.session.commit()
    from egovkit_modules.etax import service

    def printer_jam(event):
        raise RuntimeError("printer out of paper")

    monkeypatch.setattr(service, "on_permit_issued", printer_jam)
    with regency.app_context():
        events.publish("permit.issued", tax_object="restoran", permit=999998, n=2)
        db.session.commit()
    monkeypatch.undo()
    with regency.app_context():
        db.engine.dispose()
    other = admin.get("/admin/events?name=demo.other").get_data(as_text=True)
    assert "351001******0001" in other and "3510015708900001" not in other  # a NIK is never shown whole
    page = admin.get("/admin/events?name=demo.ping").get_data(as_text=True)
    assert "<dt>n</dt><dd>54</dd>" in page and "demo.other" not in page.split("<tbody>")[1]
    assert "page=2" in page and "<dd>4</dd>" in admin.get("/admin/events?name=demo.ping&page=2").get_data(
        as_text=True)
    failed = admin.get("/admin/events?status=failed").get_data(as_text=True).split("<tbody>")[1]
    assert "permit.issued" in failed and "demo.ping" not in failed and "gagal 1 kali" in failed
    assert "<dd>2</dd>" in failed and "<dd>1</dd>" not in failed and "printer out of paper" in failed
    done = admin.get("/admin/events?status=done").get_data(as_text=True).split("<tbody>")[1]
    assert "<dd>1</dd>" in done and "<dd>2</dd>" not in done and "demo.ping" not in done
