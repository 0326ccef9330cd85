"""The web shell through HTTP: portal, language, login, health, announcements."""
import re

from .conftest import csrf_token, login
from .twofactor import enrol


def text(response):
    return response.get_data(as_text=True)


def test_home_lists_services_and_the_regions_in_indonesian_by_default(client):
    page = text(client.get("/"))
    assert '<html lang="id">' in page
    assert "Kabupaten Banyuwangi" in page and "The Sunrise of Java" in page
    assert "25 kecamatan" in page and "217" in page
    assert 'href="/announcements/"' in page and "Pengumuman" in page
    assert "[DEMO]" in page  # latest announcements widget


def test_language_switch_to_english_and_back(client):
    response = client.get("/lang/en?next=/announcements/")
    assert response.status_code == 302 and response.headers["Location"] == "/announcements/"
    page = text(client.get("/"))
    assert '<html lang="en">' in page and "Announcements" in page
    client.get("/lang/id")
    assert '<html lang="id">' in text(client.get("/"))
    assert client.get("/lang/fr").status_code == 404


def test_language_switch_never_redirects_off_site(client):
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        assert client.get("/lang/en", query_string={"next": target}).headers["Location"] == "/"


def test_healthz_reports_profile_modules_and_database(client):
    body = client.get("/healthz").json
    assert body == {"status": "ok", "version": body["version"], "profile": "banyuwangi",
                    "regency": {"code": "35.10", "name": "Kabupaten Banyuwangi"},
                    "modules": {"announcements": "1.0.0", "complaints": "0.1.0", "etax": "0.2.0", "monitoring": "0.1.0",
                                "news": "0.1.0", "permits": "0.2.0", "planning": "0.1.0", "sakip": "0.1.0", "smart_kampung": "0.1.0",
                                "social_aid": "0.1.0", "spbe": "0.1.0", "tourism": "0.1.0", "village_finance": "0.1.0"},
                    "database": "ok"}


def test_regions_pages_walk_from_regency_to_villages(client):
    page = text(client.get("/wilayah/"))
    assert page.count('href="/wilayah/35.10.') == 25
    page = text(client.get("/wilayah/35.10.01"))
    assert "Sarongan" in page and "Pesanggaran" in page and "Kembali ke Kabupaten Banyuwangi" in page
    assert client.get("/wilayah/33.11").status_code == 404  # another regency is not in this instance


def test_login_with_wrong_password_fails_and_right_one_works(client):
    response = login(client, password="wrong")
    assert response.status_code == 400
    assert client.get("/announcements/new").status_code == 302  # still anonymous
    response = login(client)
    assert response.status_code == 302
    assert "Administrator" in text(client.get("/"))


def test_forms_without_csrf_token_are_refused(client):
    response = client.post("/login", data={"login": "admin@localhost", "password": "x"})
    assert response.status_code == 400
    assert "Administrator" not in text(client.get("/"))


def test_login_cookie_and_security_headers(client):
    response = login(client)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    headers = client.get("/").headers
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["Cache-Control"] == "no-store, private"  # a signed-in page: no shared cache keeps it
    assert client.get("/healthz").headers["Cache-Control"] == "no-store, private"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert "Cache-Control" not in client.get("/wilayah/").headers


def test_next_parameter_after_login_stays_on_site(client):
    page = text(client.get("/login"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/login?next=https://evil.example/", data={
        "login": "admin@localhost", "password": "correct horse battery staple", "csrf_token": token})
    assert response.headers["Location"] == "/login/enrol"  # the admin's second step carries `next` along
    _, response = enrol(client)
    assert response.headers["Location"] == "/login/recovery-codes?next=/"
    assert '<a class="button" href="/">' in text(client.get(response.headers["Location"]))


def test_admin_publishes_an_announcement_and_the_public_sees_it(client, app):
    assert client.get("/announcements/new").status_code == 302
    login(client)
    page = text(client.get("/announcements/new"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    bad = client.post("/announcements/new", data={"title": "", "body": "x", "agency_code": "", "csrf_token": token})
    assert bad.status_code == 400
    response = client.post("/announcements/new", data={
        "title": "Jadwal vaksinasi", "body": "Puskesmas buka Sabtu.", "agency_code": "dinkes", "csrf_token": token})
    assert response.status_code == 302
    anonymous = app.test_client()
    listing = text(anonymous.get("/announcements/"))
    assert "Jadwal vaksinasi" in listing
    notice = text(anonymous.get(response.headers["Location"]))
    assert "Puskesmas buka Sabtu." in notice


def test_announcement_list_pages(client):
    page = text(client.get("/announcements/?page=1"))
    assert page.count('class="notice"') == 3
    assert client.get("/announcements/?page=0").status_code == 404
    assert client.get("/announcements/999").status_code == 404


def test_no_page_loads_anything_from_another_host(client):
    for url in ("/", "/announcements/", "/wilayah/", "/login", "/static/egovkit.css", "/theme.css"):
        body = text(client.get(url))
        assert not re.search(r'(src|href)="(https?:)?//', body), url
        assert "@import" not in body and "url(http" not in body, url


def test_pages_speak_indonesian_by_default_and_english_on_request(client):
    page = text(client.get("/"))
    assert "Layanan publik Kabupaten Banyuwangi" in page and "Masuk" in page
    client.get("/lang/en")
    page = text(client.get("/"))
    assert "Public services of Kabupaten Banyuwangi" in page and "Sign in" in page


def test_error_pages_are_translated_and_api_style_paths_get_json(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and "Halaman tidak ditemukan" in text(response)
    client.get("/lang/en")
    assert "Page not found" in text(client.get("/no-such-page"))


def test_expired_form_gets_a_clear_message_not_a_bare_400(client):
    response = client.post("/login", data={"login": "a@b", "password": "x", "csrf_token": "stale"})
    assert response.status_code == 400
    assert "Formulir sudah kedaluwarsa" in text(response)


def test_form_errors_are_in_indonesian(client):
    login(client)
    page = text(client.get("/announcements/new"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/announcements/new", data={"title": "", "body": "", "agency_code": "", "csrf_token": token})
    assert "Kolom ini wajib diisi." in text(response)


def test_a_new_announcement_shows_on_the_cached_home_page_at_once(client, app):
    anonymous = app.test_client()
    assert "Rapat desa" not in text(anonymous.get("/"))  # now cached for visitors
    login(client)
    page = text(client.get("/announcements/new"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert "Rapat desa" not in text(client.get("/"))  # the home's boxes are cached for the signed-in too
    client.post("/announcements/new", data={"title": "Rapat desa", "body": "Senin.", "agency_code": "",
                                            "csrf_token": token})
    assert "Rapat desa" in text(anonymous.get("/"))
    assert "Rapat desa" in text(client.get("/"))


def test_logo_from_the_instance_folder(app, client):
    assert client.get("/logo").status_code == 404  # banyuwangi.yaml names no logo
    instance = app.extensions["egovkit"].instance.path
    (instance / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    app.extensions["egovkit"].profile.regency.logo = "logo.png"
    assert client.get("/logo").data.startswith(b"\x89PNG")
    assert '<img src="/logo"' in text(app.test_client().get("/wilayah/35.10.02"))
    app.extensions["egovkit"].profile.regency.logo = "../secret_key"
    assert client.get("/logo").status_code == 404


def test_healthz_is_degraded_when_the_schema_is_gone(app, client):
    from sqlalchemy import text as sql

    from egovkit.db import db

    with app.app_context():
        db.session.execute(sql("DROP TABLE alembic_version_core"))
        db.session.commit()
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json["database"] == "unreachable"


def test_publisher_deletes_after_confirming(client, app):
    login(client)
    page = client.get("/announcements/1").get_data(as_text=True)
    assert 'href="/announcements/1/delete"' in page
    confirm = client.get("/announcements/1/delete")
    assert confirm.status_code == 200 and "Ya, hapus" in confirm.get_data(as_text=True)
    assert client.get("/announcements/1").status_code == 200  # nothing deleted by looking
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', confirm.get_data(as_text=True)).group(1)
    assert client.post("/announcements/1/delete", data={"csrf_token": token}).status_code == 302
    assert app.test_client().get("/announcements/1").status_code == 404
    assert app.test_client().get("/announcements/2/delete").status_code == 302  # visitors are sent to sign in


def test_rupiah_and_dates_follow_the_language(app):
    from datetime import datetime, timezone

    from flask_babel import force_locale, format_datetime

    from egovkit.web.views import rupiah

    with app.test_request_context("/"):
        with force_locale("id"):
            assert rupiah(1250000) == "Rp 1.250.000"
            assert format_datetime(datetime(2026, 8, 17, 3, 0, tzinfo=timezone.utc), "d MMMM y HH.mm") == \
                "17 Agustus 2026 10.00"  # shown in the profile's time zone (WIB)
        with force_locale("en"):
            assert rupiah(1250000) == "Rp 1,250,000"


def test_the_site_has_an_icon_of_its_own(client):
    page = text(client.get("/"))
    icon = re.search(r'<link rel="icon" href="([^"]+)"', page).group(1)
    assert client.get(icon).status_code == 200
    old_style = client.get("/favicon.ico")
    assert old_style.status_code == 301 and old_style.headers["Location"].endswith(icon)


def test_links_build_the_same_with_builders_written_on_first_use(app):
    """Rules write their url_for builder on first use (LazyBuildRule): the first and later builds agree, with and
    without values that go into the query string, and a missing value is still refused."""
    import pytest
    from flask import url_for
    from werkzeug.routing import BuildError

    with app.test_request_context():
        first = url_for("core.regions", code="35.10.01", page=2)
        assert first == url_for("core.regions", code="35.10.01", page=2) == "/wilayah/35.10.01?page=2"
        assert url_for("core.regions", code="35.10.01") == "/wilayah/35.10.01"
        assert url_for("core.regions") == "/wilayah/"
        with pytest.raises(BuildError):
            url_for("jobs.status")  # its job_id is missing
        assert url_for("jobs.status", job_id=7) == "/jobs/7"
    # every rule but the static folder's, which Flask adds before create_app can choose the rule class
    assert {type(rule).__name__ for rule in app.url_map.iter_rules() if rule.endpoint != "static"} == {"LazyBuildRule"}


def test_the_menus_name_each_signed_in_person_and_sign_them_out_with_their_own_token(cli, make_instance):
    """The header's menus are rendered once per set of roles and page for everyone holding them: each
    person still reads their own name, escaped, and signs out with their own session's token."""
    from markupsafe import escape

    from egovkit.app import create_app

    from .test_workflow import PASSWORD, SARONGAN

    make_instance("banyuwangi")
    names = {"ani@desa.id": "Ani Wulandari", "budi@desa.id": 'Budi <b>"<!--csrf-token-->"</b> & Co'}
    for email, name in names.items():
        cli("users", "create", "--email", email, "--name", name, "--role", "operator_desa", "--region", SARONGAN,
            "--password-stdin", input=PASSWORD + "\n")
    app = create_app("instance", {"TESTING": True})
    clients = {email: app.test_client() for email in names}
    for email, client in clients.items():
        assert login(client, email, PASSWORD).status_code == 302
    for _ in range(2):  # the second round is served from the rendered menus
        for email, client in clients.items():
            page = text(client.get("/inbox"))
            own, other = names[email], next(n for e, n in names.items() if e != email)
            assert f"Keluar ({escape(own)})" in page and str(escape(other)) not in page
            assert "<!--account-name-->" not in page and "<!--csrf-token-->" not in page
    budi, ani = clients["budi@desa.id"], clients["ani@desa.id"]
    page = text(budi.get("/inbox"))
    tokens = set(re.findall(r'action="/logout" class="inline">\s*<input type="hidden" name="csrf_token" '
                            r'value="([^"]+)"', page))
    assert len(tokens) == 1  # the desk's and the phone's sign-out forms
    assert budi.post("/logout", data={"csrf_token": tokens.pop()}).status_code == 302
    assert budi.get("/inbox").status_code == 302  # signed out
    assert ani.get("/inbox").status_code == 200


def test_a_revoked_role_leaves_an_open_sessions_menu_and_pages_at_once(cli, make_instance):
    from egovkit.app import create_app

    from .test_workflow import PASSWORD, SARONGAN

    make_instance("banyuwangi")
    cli("users", "create", "--email", "op@desa.id", "--name", "Operator", "--role", "operator_desa", "--region",
        SARONGAN, "--password-stdin", input=PASSWORD + "\n")
    app = create_app("instance", {"TESTING": True})
    client = app.test_client()
    login(client, "op@desa.id", PASSWORD)
    for _ in range(2):
        assert 'href="/kampung/residents"' in text(client.get("/inbox"))
        assert client.get("/kampung/residents").status_code == 200
    cli("users", "revoke", "op@desa.id", "--role", "operator_desa")  # another process, as an administrator would
    assert 'href="/kampung/residents"' not in text(client.get("/inbox"))
    assert client.get("/kampung/residents").status_code == 403
