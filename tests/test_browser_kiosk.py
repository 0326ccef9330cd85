"""Kiosk mode on a 1080x1920 touch screen in a real browser (headless Chromium driven by Playwright)
against a real server: big tiles, tracking a letter by typing its code on the on-screen pad, Sri's
one-time print code from her letter's page printing the letter once at the kiosk, and the idle reset
that leaves no session behind. The portal home is usable at that size too. Skipped where no Chromium is
installed, unless EGOVKIT_REQUIRE_BROWSER=1 (CI sets it)."""
import re
from pathlib import Path

import pytest

from .test_browser import browser, shots, sign_in  # noqa: F401  (fixture)
from .live import serving
from .test_browser import _require
from .test_identity import SRI_PASSWORD, WOMAN
from .test_letters import ask, citizen, decide, signed_in, village  # noqa: F401  (fixture)

IDLE = 10  # kiosk.idle_seconds for this test (each step below takes less on a busy machine)
SCREEN = {"width": 1080, "height": 1920}


@pytest.fixture
def kiosk_server(village, tmp_path):  # noqa: F811
    """Sri's domisili letter asked, verified and signed (through HTTP); then the real server, with a short
    idle time: (base URL, tracking code)."""
    _require()
    sri = citizen(village)
    url = ask(sri, "domisili", since="2015-01-01", purpose="Melamar pekerjaan").headers["Location"]
    tracking = re.search(r"<code>([A-Z0-9]{8})</code>", sri.get(url).get_data(as_text=True)).group(1)
    assert decide(signed_in(village, "op.sarongan@desa.id"), url, "verify").status_code == 302
    assert decide(signed_in(village, "kades.sarongan@desa.id"), url, "sign").status_code == 302
    with village.app_context():
        from egovkit.db import db

        db.engine.dispose()
    profile = Path("instance") / "profile.yaml"
    profile.write_text(profile.read_text(encoding="utf-8") + f"\nkiosk:\n  idle_seconds: {IDLE}\n",
                       encoding="utf-8")
    with serving("instance", tmp_path / "server.log") as base:
        yield base, url, tracking


def small_targets(page) -> list[str]:
    """Visible links, buttons and fields shorter than 48 px (CSS pixels) on the page (the skip link waits
    off screen until it has the keyboard focus)."""
    page.wait_for_load_state("load")  # after a click that navigates: measured once the stylesheet applies
    return page.evaluate("""() => Array.from(document.querySelectorAll('a, button, input, select, summary'))
        .filter(e => e.offsetParent !== null && e.type !== 'hidden' && e.getBoundingClientRect().right > 0)
        .filter(e => e.getBoundingClientRect().height < 48)
        .map(e => e.outerHTML.slice(0, 80) + ' ' + Math.round(e.getBoundingClientRect().height))""")


def type_on_pad(page, field, text):
    """Type with the on-screen keys that follow the field (no keyboard)."""
    for char in text:
        page.locator(f"{field} + .keypad .key", has_text=re.compile(f"^{re.escape(char)}$")).click()


def test_kiosk_on_a_1080x1920_touch_screen(kiosk_server, browser):  # noqa: F811
    base, letter_url, tracking = kiosk_server
    # Sri makes a one-time print code on her letter's page (at home, on her phone).
    sri = sign_in(browser, base, WOMAN, SRI_PASSWORD)
    sri.goto(base + letter_url)
    sri.click("text=Kode untuk mencetak di anjungan")
    code = sri.inner_text("#print-code").strip()
    assert re.fullmatch(r"\d{6}", code) and tracking in sri.inner_text("main")
    sri.screenshot(path=str(shots() / "390-print-code.png"), full_page=True)

    screen = browser.new_context(viewport=SCREEN, has_touch=True)
    kiosk = screen.new_page()
    kiosk.goto(base + "/?kiosk")  # the IT staff's one-time switch
    kiosk.goto(base + "/kiosk")
    kiosk.screenshot(path=str(shots() / "1080-kiosk-start.png"))
    tiles = kiosk.locator("a.tile")
    assert tiles.count() >= 4
    assert all(tiles.nth(i).bounding_box()["height"] >= 48 for i in range(tiles.count()))
    assert not small_targets(kiosk), small_targets(kiosk)
    assert kiosk.locator("a[href^='/login'], a[href^='/register']").count() == 0
    for href in [tiles.nth(i).get_attribute("href") for i in range(tiles.count())]:  # every tile's page
        assert kiosk.goto(base + href).status == 200, href
        assert not small_targets(kiosk), (href, small_targets(kiosk))
        assert kiosk.locator("a[href^='/login'], a[href^='/register']").count() == 0, href
        assert kiosk.evaluate("document.documentElement.scrollWidth") <= SCREEN["width"], href
        kiosk.screenshot(path=str(shots() / f"1080-kiosk-tile-{href.strip('/').replace('/', '_')}.png"))
    kiosk.goto(base + "/kiosk")

    # Track the letter: the code typed on the pad, no keyboard.
    kiosk.click("a.tile:has-text('Lacak permohonan')")
    assert not small_targets(kiosk), small_targets(kiosk)
    type_on_pad(kiosk, "#code", tracking)
    assert kiosk.input_value("#code") == tracking
    kiosk.screenshot(path=str(shots() / "1080-kiosk-track-pad.png"))
    kiosk.click("main form button[type=submit]")
    assert "/kampung/track" in kiosk.url and "Selesai" in kiosk.inner_text("main")
    assert not small_targets(kiosk), small_targets(kiosk)
    kiosk.screenshot(path=str(shots() / "1080-kiosk-tracked.png"))

    # At the kiosk: tracking code + print code on the pads, and the letter is served for printing, once.
    kiosk.click("text=Kembali ke awal")
    kiosk.click("a.tile:has-text('Cetak surat saya')")
    assert not small_targets(kiosk), small_targets(kiosk)
    type_on_pad(kiosk, "#tracking", tracking)
    type_on_pad(kiosk, "#print-code", code)
    kiosk.screenshot(path=str(shots() / "1080-kiosk-print-pad.png"))
    with kiosk.expect_response(lambda r: r.url.endswith("/kiosk/print/document.pdf")) as served:
        kiosk.click("main form button[type=submit]")
    pdf = served.value
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["cache-control"].startswith("no-store")
    kiosk.wait_for_timeout(500)  # the browser's PDF viewer shows it in the page's frame
    assert kiosk.evaluate("fetch('/kiosk/print/document.pdf').then(r => r.status)") == 404  # served once
    kiosk.screenshot(path=str(shots() / "1080-kiosk-printing.png"))
    kiosk.click("text=Selesai")
    kiosk.click("a.tile:has-text('Cetak surat saya')")
    type_on_pad(kiosk, "#tracking", tracking)
    type_on_pad(kiosk, "#print-code", code)
    kiosk.click("main form button[type=submit]")
    assert "salah, sudah dipakai, atau kedaluwarsa" in kiosk.inner_text("main")  # the code works once
    kiosk.screenshot(path=str(shots() / "1080-kiosk-print-used.png"))

    # Idle reset: a half-typed code, then nobody touches the screen.
    assert any(c["name"] == "session" for c in screen.cookies())  # the form's CSRF token made one
    type_on_pad(kiosk, "#tracking", tracking[:3])
    kiosk.wait_for_url(re.compile(r"/kiosk\?idle=1$"), timeout=(IDLE + 5) * 1000)
    assert kiosk.locator("a.tile").count() >= 4 and kiosk.locator("input").count() == 0
    assert [c["name"] for c in screen.cookies()] == ["egovkit_kiosk"]  # no session, nothing else
    screen.close()


def test_the_portal_home_at_1080x1920_and_a_kiosk_without_javascript(kiosk_server, browser):  # noqa: F811
    base, _url, tracking = kiosk_server
    # Without JavaScript the kiosk still works: the fields take the system keyboard, and the refresh in
    # <noscript> brings the screen back to the start.
    plain = browser.new_context(viewport=SCREEN, has_touch=True, java_script_enabled=False).new_page()
    plain.goto(base + "/kiosk/track?kiosk")
    assert plain.locator(".keypad").count() == 0
    plain.fill("#code", tracking)
    plain.click("main form button[type=submit]")
    assert "Selesai" in plain.inner_text("main")
    plain.wait_for_url(re.compile(r"/kiosk\?idle=1$"), timeout=(IDLE + 5) * 1000)


    page = browser.new_context(viewport=SCREEN, has_touch=True).new_page()
    page.goto(base + "/")
    page.screenshot(path=str(shots() / "1080-home.png"))
    assert not small_targets(page), small_targets(page)
    cards = page.locator("ul.cards li.card")
    assert all(cards.nth(i).bounding_box()["height"] >= 48 for i in range(cards.count()))
    assert page.evaluate("document.documentElement.scrollWidth") <= SCREEN["width"]
