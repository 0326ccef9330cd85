"""Kiosk mode (egovkit/web/kiosk.py) and one-time print codes (egovkit/services/printcodes.py) through
HTTP: the start page's tiles come from the modules' declarations, no sign-in links; tracking by code finds
the module that knows it; Sri makes a print code on her letter's page and prints the letter once at the
kiosk; wrong, used, expired and guessed codes fail with one message; codes only for one's own documents."""
import re
from datetime import timedelta
from pathlib import Path

import pytest

from egovkit.app import create_app

from .conftest import csrf_token
from .test_identity import BUDI_PHONE, record_phone, registered_citizen
from .test_auth import MAN
from .test_letters import ask, citizen, decide, signed_in, village  # noqa: F401  (fixture)
from .test_permits import issued_permit, regency  # noqa: F401  (fixture)

KIOSK = "egovkit_kiosk"


def cookies(response) -> str:
    return " | ".join(response.headers.getlist("Set-Cookie"))


def kiosk_client(app):
    client = app.test_client()
    assert client.get("/kiosk").status_code == 200
    return client


@pytest.fixture
def issued(village):  # noqa: F811
    """Sri's domisili letter, asked, verified and signed: (app, Sri's client, letter page, tracking code)."""
    sri = citizen(village)
    url = ask(sri, "domisili", since="2015-01-01", purpose="Melamar pekerjaan").headers["Location"]
    tracking = re.search(r"<code>([A-Z0-9]{8})</code>", sri.get(url).get_data(as_text=True)).group(1)
    assert decide(signed_in(village, "op.sarongan@desa.id"), url, "verify").status_code == 302
    assert decide(signed_in(village, "kades.sarongan@desa.id"), url, "sign").status_code == 302
    return village, sri, url, tracking


def make_code(client, letter_url):
    """Press "Code to print at a kiosk" on the letter's page; the code shown (status, code, page)."""
    page = client.get(letter_url).get_data(as_text=True)
    action = re.search(r'action="(/documents/[^"/]+/print-code)"', page)
    if action is None:
        return None, None, page
    form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page[action.start():]))
    response = client.post(action.group(1), data=form)
    text = response.get_data(as_text=True)
    found = re.search(r'id="print-code">(\d{6})<', text)
    return response.status_code, found.group(1) if found else None, text


def at_kiosk(client, tracking, code):
    return client.post("/kiosk/print", data={"csrf_token": csrf_token(client, "/kiosk/print"),
                                             "tracking": tracking, "code": code})


WRONG = "Kode lacak atau kode cetak salah, sudah dipakai, atau kedaluwarsa."


def test_start_page_tiles_from_module_declarations_no_sign_in_and_remembered_per_browser(app):
    visitor = app.test_client()
    start = visitor.get("/kiosk")
    page = start.get_data(as_text=True)
    assert f"{KIOSK}=1" in cookies(start) and "Max-Age=" in cookies(start)
    tiles = dict((title, href) for href, title in re.findall(r'<a class="tile" href="([^"]+)"><strong>([^<]+)<', page))
    assert tiles == {"Lacak permohonan": "/kiosk/track", "Cetak surat saya": "/kiosk/print",
                     "Pengumuman": "/announcements/", "Pengaduan": "/pengaduan/", "Peta proyek": "/monitoring/",
                     "Transparansi APBDes": tiles.get("Transparansi APBDes"), "Penerima bansos": "/bansos/public",
                     "Berita": "/berita/", "Kalender acara": "/wisata/", "Destinasi wisata": "/wisata/destinasi"}
    assert tiles["Transparansi APBDes"].startswith("/")
    assert "/login" not in page and "/register" not in page
    assert 'http-equiv="refresh" content="90;url=/kiosk?idle=1"' in page and "kiosk.js" in page
    assert start.headers["Cache-Control"] == "no-store"
    # Remembered by the cookie: the portal's own pages are kiosk pages now, without sign-in links.
    home = visitor.get("/").get_data(as_text=True)
    assert 'class="kiosk"' in home and "/login" not in home
    assert 'class="kiosk"' not in app.test_client().get("/").get_data(as_text=True)  # not for other browsers
    # ?kiosk on any page switches a browser on too; /kiosk/off switches it off.
    other = app.test_client()
    assert f"{KIOSK}=1" in cookies(other.get("/announcements/?kiosk"))
    assert 'class="kiosk"' in other.get("/").get_data(as_text=True)
    assert f"{KIOSK}=;" in cookies(other.get("/kiosk/off"))
    assert "/login" in other.get("/").get_data(as_text=True)


def test_profile_chooses_the_tiles_and_the_idle_time(make_instance):
    path = make_instance("banyuwangi")
    profile = Path(path) / "profile.yaml"
    profile.write_text(profile.read_text(encoding="utf-8") + "\nkiosk:\n  idle_seconds: 20\n"
                       "  services: [announcements.index, kiosk.track]\n", encoding="utf-8")
    app = create_app(path, {"TESTING": True})
    page = app.test_client().get("/kiosk").get_data(as_text=True)
    assert re.findall(r'<a class="tile" href="([^"]+)"', page) == ["/announcements/", "/kiosk/track"]
    assert 'content="20;url=/kiosk?idle=1"' in page and 'data-idle="20"' in page

    from egovkit import profile as profiles

    profile.write_text(profile.read_text(encoding="utf-8").replace("kiosk.track]", "kiosk.trak]"),
                       encoding="utf-8")
    with pytest.raises(profiles.ProfileError) as error:
        create_app(path, {"TESTING": True})
    assert "kiosk.services[1]" in str(error.value) and "kiosk.track" in str(error.value)


def test_track_by_code_goes_to_the_module_that_knows_it(issued):
    app, _sri, _url, tracking = issued
    visitor = kiosk_client(app)
    found = visitor.get(f"/kiosk/track?code={tracking[:4].lower()}-{tracking[4:]}")
    assert found.status_code == 302 and found.headers["Location"] == f"/kampung/track?code={tracking}"
    assert "Selesai" in visitor.get(found.headers["Location"]).get_data(as_text=True)
    missing = visitor.get("/kiosk/track?code=ZZZZ2222")
    assert missing.status_code == 404 and "Tidak ada permohonan dengan kode ini." in missing.get_data(as_text=True)


def test_print_code_prints_the_issued_letter_once(issued):
    app, sri, url, tracking = issued
    status, code, page = make_code(sri, url)
    assert status == 200 and code and tracking in page  # shown once, with the tracking code to type
    visitor = kiosk_client(app)
    shown = at_kiosk(visitor, tracking.lower(), code)
    assert shown.status_code == 200 and "/kiosk/print/document.pdf" in shown.get_data(as_text=True)
    pdf = visitor.get("/kiosk/print/document.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert pdf.headers["Cache-Control"].startswith("no-store") and "attachment" not in pdf.headers.get(
        "Content-Disposition", "")
    assert "frame-ancestors 'self'" in pdf.headers["Content-Security-Policy"]
    assert visitor.get("/kiosk/print/document.pdf").status_code == 404  # shown once
    again = at_kiosk(kiosk_client(app), tracking, code)
    assert again.status_code == 400 and WRONG in again.get_data(as_text=True)  # the code works once
    with app.app_context():
        from egovkit.db import db
        from egovkit.services.audit import AuditEntry

        actions = [e.action for e in db.session.query(AuditEntry).filter(
            AuditEntry.action.in_(["print_code_made", "document_printed", "print_code_failed"]))]
        db.engine.dispose()
    assert actions == ["print_code_made", "document_printed", "print_code_failed"]


def test_wrong_expired_and_replaced_codes_say_the_same(issued):
    app, sri, url, tracking = issued
    _, first, _ = make_code(sri, url)
    _, second, _ = make_code(sri, url)  # a new code replaces the older one
    visitor = kiosk_client(app)
    for bad_tracking, bad_code in [(tracking, first), ("ZZZZ2222", second), (tracking, "000000")
                                   if second != "000000" else (tracking, "111111")]:
        response = at_kiosk(visitor, bad_tracking, bad_code)
        assert response.status_code == 400 and WRONG in response.get_data(as_text=True)
    invalid = at_kiosk(visitor, "", "12")
    text = invalid.get_data(as_text=True)
    assert invalid.status_code == 400 and "Kode lacak: masukkan kode" in text and "Kode cetak: 6 angka" in text
    with app.app_context():
        from egovkit.db import db
        from egovkit.models import utcnow
        from egovkit.services.printcodes import PrintCode

        live = db.session.query(PrintCode).filter(PrintCode.used_at.is_(None)).one()
        live.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        db.engine.dispose()
    expired = at_kiosk(visitor, tracking, second)
    assert expired.status_code == 400 and WRONG in expired.get_data(as_text=True)


def test_guessing_is_throttled_per_tracking_code_whether_it_exists_or_not(issued):
    app, sri, url, tracking = issued
    _, code, _ = make_code(sri, url)
    wrong = "111111" if code != "111111" else "222222"
    for target in (tracking, "ZZZZ2222"):
        visitor = kiosk_client(app)
        for _ in range(5):  # kiosk.print_attempts
            assert at_kiosk(visitor, target, wrong).status_code == 400
        blocked = at_kiosk(kiosk_client(app), target, code)
        assert blocked.status_code == 429 and "Terlalu banyak kode salah" in blocked.get_data(as_text=True)
    assert at_kiosk(kiosk_client(app), "ABCD2345", wrong).status_code == 400  # other codes are not blocked


def test_codes_only_for_ones_own_documents_or_by_staff_within_reach(issued):
    app, sri, url, tracking = issued
    record_phone(app, MAN, BUDI_PHONE)
    budi = registered_citizen(app, nik=MAN, phone=BUDI_PHONE, name="Budi Santoso", sex="L")
    assert budi.get(url).status_code == 404  # not his letter
    doc_action = re.search(r'action="(/documents/[^"/]+/print-code)"', sri.get(url).get_data(as_text=True)).group(1)
    assert budi.post(doc_action, data={"csrf_token": csrf_token(budi, "/")}).status_code == 404
    other_village = signed_in(app, "op.kandangan@desa.id")
    assert other_village.post(doc_action, data={"csrf_token": csrf_token(other_village, "/")}).status_code == 404
    assert app.test_client().post(doc_action).status_code in (302, 400)  # sign in first (or no CSRF token)
    # The operator of her village makes one at the counter for her.
    status, code, _ = make_code(signed_in(app, "op.sarongan@desa.id"), url)
    assert status == 200 and code
    assert at_kiosk(kiosk_client(app), tracking, code).status_code == 200


def test_start_page_forgets_the_session(issued):
    app, sri, _url, _tracking = issued
    assert sri.get("/me/data").status_code == 200  # signed in
    sri.get("/lang/en?next=/")  # and chose English
    response = sri.get("/kiosk?idle=1")
    cookies = response.headers.getlist("Set-Cookie")
    assert any(c.startswith(app.config["SESSION_COOKIE_NAME"] + "=;") for c in cookies), cookies
    assert any(c.startswith("lang=;") for c in cookies)
    assert sri.get("/me/data").status_code == 302  # signed out



def test_an_issued_permit_prints_through_the_same_seam(regency):  # noqa: F811
    """Permits declare Tracking and DocumentType.workflow: the kiosk tracks and prints a permit the same way."""
    sri, _head, url = issued_permit(regency)
    tracking = re.search(r"<strong>([A-Z2-9]{8})</strong>", sri.get(url).get_data(as_text=True)).group(1)
    status, code, page = make_code(sri, url)
    assert status == 200 and code and tracking in page
    visitor = kiosk_client(regency)
    assert visitor.get(f"/kiosk/track?code={tracking}").headers["Location"] == f"/izin/track?code={tracking}"
    assert at_kiosk(visitor, tracking, code).status_code == 200
    assert visitor.get("/kiosk/print/document.pdf").data.startswith(b"%PDF")


def test_kiosks_racing_with_one_code_print_once(issued):
    """Five kiosks (kiosk.print_attempts, so the throttle lets each one try) send the same right code at the
    same moment (a real threaded server, each request its own database session): one shows the letter,
    the others get the wrong-code message."""
    import threading

    import requests

    from .test_payments import form_token, serving

    RACERS = 5

    app, sri, url, tracking = issued
    _, code, _ = make_code(sri, url)
    with serving(app) as base:
        sessions = [requests.Session() for _ in range(RACERS)]
        for s in sessions:
            s.get(base + "/kiosk")
        tokens = [form_token(s, base + "/kiosk/print") for s in sessions]
        barrier, results = threading.Barrier(RACERS), [0] * RACERS

        def go(i):
            barrier.wait()
            results[i] = sessions[i].post(base + "/kiosk/print", data={
                "csrf_token": tokens[i], "tracking": tracking, "code": code}).status_code

        threads = [threading.Thread(target=go, args=(i,)) for i in range(RACERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted(results) == [200] + [400] * (RACERS - 1), results
