"""The Smart Kampung journey in a real browser (headless Chromium driven by
Playwright) against a real server: the operator records a resident's phone,
she registers, activates her account with the code sent there, and asks for a
domisili letter, the operator checks it, the kepala desa signs, the citizen
downloads the PDF and the public verification page accepts it, tracking
shows 'Selesai'. Skipped where no Chromium is installed, unless
EGOVKIT_REQUIRE_BROWSER=1 (CI sets it)."""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .test_auth import WOMAN
from .test_letters import CITIZEN
from .test_smart_kampung import GOOD, write
from .test_workflow import PASSWORD

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _require():
    problem = None
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problem = "playwright is not installed (pip install -e '.[test]')"
    if CHROMIUM is None:
        problem = "no chromium on PATH (apt-get install chromium)"
    if problem:
        if os.environ.get("EGOVKIT_REQUIRE_BROWSER") == "1":
            pytest.fail(problem)
        pytest.skip(problem)


def egovkit(*args, stdin=None):
    return subprocess.run([sys.executable, "-c", "from egovkit.cli import main; main()", *args], input=stdin,
                          capture_output=True, text=True, check=True)


@pytest.fixture
def server(cli, make_instance, tmp_path):
    _require()
    make_instance("banyuwangi")
    write("warga.csv", [GOOD, CITIZEN])
    cli("residents", "import", "warga.csv")
    for email, role, region in [("op.sarongan@desa.id", "operator_desa", "35.10.01.2001"),
                                ("kades.sarongan@desa.id", "kepala_desa", "35.10.01.2001")]:
        cli("users", "create", "--email", email, "--name", email.split("@")[0], "--role", role, "--region", region,
            "--password-stdin", input=PASSWORD + "\n")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen([sys.executable, "-c", "from egovkit.cli import main; main()", "serve", "--port",
                             str(port), "--workers", "1"], stdout=log, stderr=subprocess.STDOUT,
                            env=dict(os.environ, EGOVKIT_INSTANCE=str(Path("instance").absolute())))
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    yield base
    proc.terminate()
    proc.wait(10)
    log.close()


@pytest.fixture
def browser():
    _require()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield chromium
        chromium.close()


def shots() -> Path:
    """Where screenshots are kept: EGOVKIT_SCREENSHOT_DIR (CI keeps it as an artefact) or the test's folder."""
    folder = Path(os.environ.get("EGOVKIT_SCREENSHOT_DIR") or "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def sign_in(browser, base, login, password=PASSWORD):
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()  # a cheap phone
    page.goto(base + "/login")
    page.fill("#login", login)
    page.fill("#password", password)
    page.click("main button[type=submit]")
    if "/login/enrol" in page.url:  # a role with two-factor sign-in, at its first sign-in: set up the app
        import pyotp

        assert page.locator("main svg").count() == 1  # the QR code, drawn in the page
        page.fill("#code", pyotp.TOTP(page.inner_text("#totp-secret").replace(" ", "")).now())
        page.click("main button[type=submit]")
        assert page.locator(".recovery-codes li").count() == 10
        page.click("text=Sudah saya simpan, lanjutkan")
    return page


def test_letter_journey_in_a_browser(server, browser, tmp_path):
    # The operator records Sri's mobile number in the register: her activation code goes there.
    operator = sign_in(browser, server, "op.sarongan@desa.id")
    operator.goto(server + "/kampung/residents?q=Sri")
    operator.click("main >> text=Sri Wahyuni")
    operator.click("main a.button")
    operator.fill("#phone", "081234567890")
    operator.click("main button[type=submit]")
    assert "081234567890" in operator.inner_text("main")

    sri = browser.new_context(viewport={"width": 390, "height": 844}, accept_downloads=True).new_page()
    sri.goto(server + "/register")
    sri.fill("#nik", WOMAN)
    sri.fill("[name=name]", "Sri Wahyuni")
    sri.fill("[name=birth_date]", "1990-08-17")
    sri.check("input[name=sex][value=P]")
    sri.fill("[name=phone]", "081234567890")
    sri.fill("[name=password]", "kata-sandi-panjang")
    sri.fill("[name=confirm]", "kata-sandi-panjang")
    sri.click("main button[type=submit]")
    sent = (Path("instance") / "logs" / "notifications.log").read_text(encoding="utf-8").splitlines()[-1]
    sri.fill("#nik", WOMAN)
    sri.fill("#password", "kata-sandi-panjang")
    sri.fill("#code", re.search(r"\b(\d{6})\b", json.loads(sent)["body"]).group(1))
    sri.click("main button[type=submit]")
    assert "Sri Wahyuni" in sri.text_content("header")  # in the folded menu on a phone

    sri.goto(server + "/kampung/letters")
    sri.click("text=Surat Keterangan Domisili")
    sri.fill("#f-since", "2015-01-01")
    sri.fill("#f-purpose", "Melamar pekerjaan")
    sri.click("main button[type=submit]")
    code = re.search(r"[A-Z0-9]{8}", sri.inner_text("main code")).group(0)
    letter_url = sri.url

    operator.goto(server + "/inbox")
    operator.click("text=Surat Keterangan Domisili")
    operator.click("text=Sesuai data penduduk")
    assert "Selesai: Sesuai data penduduk" in operator.inner_text("main")

    kades = sign_in(browser, server, "kades.sarongan@desa.id")
    kades.goto(server + "/inbox")
    kades.click("text=Surat Keterangan Domisili")
    kades.click("summary:has-text('Tandatangani dan terbitkan')")  # an irreversible decision asks once more
    kades.screenshot(path=str(shots() / "390-letter-confirm-signing.png"), full_page=True)
    kades.click("text=Ya: Tandatangani dan terbitkan")
    assert "Selesai: Tandatangani dan terbitkan" in kades.inner_text("main")
    kades.screenshot(path=str(shots() / "390-letter-signed.png"), full_page=True)

    visitor = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()  # a kiosk screen
    visitor.goto(server + "/kampung/track")
    visitor.fill("#code", code.lower())
    visitor.click("main button[type=submit]")
    assert "Selesai" in visitor.inner_text("main")

    sri.goto(letter_url)
    with sri.expect_download() as download:
        sri.click("text=Unduh surat (PDF)")
    pdf = tmp_path / "surat.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")

    assert "audit log intact" in egovkit("audit", "verify").stdout  # every step above is in the trail

    from egovkit.app import create_app
    from egovkit.db import db
    from egovkit.services.documents import Document

    app = create_app("instance")
    with app.app_context():
        doc_code = db.session.query(Document).filter_by(doc_type="smart_kampung.letter").one().code
        db.engine.dispose()
    visitor.goto(f"{server}/verify/{doc_code}")
    visitor.set_input_files("input[name=pdf]", str(pdf))
    visitor.click("main form button[type=submit]")
    assert "Asli" in visitor.inner_text("main")


MORE_PAGES = ["/wilayah/35.10.01", "/kampung/import", "/kampung/letters/new", "/kampung/rtlh/new", "/login",
              "/kampung/residents/new", "/kampung/families/new", "/kampung/arrivals", "/kampung/mutations",
              "/kampung/books"]


def test_no_page_scrolls_sideways_on_a_phone_or_a_desk(server, browser):
    """At 360x740 and 1366x768 every page fits its width (tables scroll inside their own box) and the
    phone's header folds its menu behind one "Menu" button that opens without JavaScript."""
    for width, height in ((360, 740), (1366, 768)):
        context = browser.new_context(viewport={"width": width, "height": height}, java_script_enabled=False)
        page = context.new_page()
        page.goto(server + "/login")
        page.fill("#login", "op.sarongan@desa.id")
        page.fill("#password", PASSWORD)
        page.click("main button[type=submit]")
        menu = [a.get_attribute("href") for a in page.query_selector_all("nav.menu.desk a")]
        assert "/kampung/residents" in menu
        page.goto(server + "/kampung/residents")
        resident = page.get_attribute("main table a[href^='/kampung/residents/']", "href")
        wide = []
        for path in [*menu, *MORE_PAGES, resident]:  # every page the operator's menu offers, and more
            response = page.goto(server + path)
            assert response.status == 200, path
            if page.evaluate("document.documentElement.scrollWidth") > width:
                wide.append(path)
            name = path.strip("/").replace("/", "_") or "home"
            page.screenshot(path=str(shots() / f"{width}-{name}.png"))
        assert not wide, f"pages wider than {width} px: {wide}"
        header = page.locator("header.top")
        if width == 360:
            assert header.bounding_box()["height"] < height * 0.25  # the menu is folded
            assert not page.locator(".phone-menu nav a").first.is_visible()
            page.click(".phone-menu summary")
            assert page.locator(".phone-menu nav a", has_text="Penduduk").is_visible()
        else:
            assert not page.locator(".phone-menu").is_visible()
            assert page.locator("nav.menu.desk a", has_text="Penduduk").is_visible()
        context.close()
