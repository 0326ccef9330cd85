"""The public face in a real browser (headless Chromium, Playwright), on a phone (360 px) and a desk: the
administrator edits the home (welcome, opening hours, contacts, logo, banner), a visitor sees it, opens the
event calendar and an event; screenshots of each; no page scrolls sideways."""
import struct
import zlib

import pytest

from .live import serving
from .test_browser import _require, browser  # noqa: F401 (fixtures)
from .test_browser_letters import look, person
from .conftest import ADMIN_PASSWORD


def banner_png(width=1200, height=300) -> bytes:
    """A colour gradient banner, well under the banner's byte cap once compressed."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\0" + b"".join(bytes((11 + x * 8 // width * 25, 110 - y * 4 // height * 20, 79))
                                     for x in range(width)) for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


@pytest.fixture
def public_server(make_instance, tmp_path):
    _require()
    make_instance("banyuwangi", "instance", "--demo")
    with serving("instance", tmp_path / "server.log") as base:
        yield base


def test_edited_home_and_event_calendar_in_a_browser(public_server, browser, tmp_path):  # noqa: F811
    base = public_server
    banner, logo = tmp_path / "banner.png", tmp_path / "logo.png"
    banner.write_bytes(banner_png())
    logo.write_bytes(banner_png(48, 48))
    assert len(banner.read_bytes()) < 16 * 1024
    admin = person(browser, base, "admin@localhost", ADMIN_PASSWORD)
    admin.goto(base + "/admin/portal")
    admin.fill("#welcome", "Selamat datang di Mal Pelayanan Publik Banyuwangi: satu pintu untuk semua layanan.")
    admin.fill("#address", "Jl. Ahmad Yani No. 100, Banyuwangi")
    admin.fill("#phone", "(0333) 425001")
    admin.fill("#hours", "Senin-Kamis 07.30-15.30\nJumat 07.30-11.00")
    admin.fill("#order-tourism", "1")
    admin.fill("#order-announcements", "2")
    admin.set_input_files("#logo", str(logo))
    admin.set_input_files("#banner", str(banner))
    look(admin, "portal-edit")
    admin.click("main button[type=submit]")
    assert "Beranda disimpan." in admin.inner_text("main")

    visitor = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
    visitor.goto(base + "/")
    main = visitor.inner_text("main")
    assert "Mal Pelayanan Publik Banyuwangi" in main and "Jumat 07.30-11.00" in main
    assert visitor.locator(".hero .banner").is_visible() and visitor.locator("header .logo").count()
    assert visitor.locator(".cards .card h3").first.inner_text() == "Wisata"  # placed first by the regency
    assert visitor.evaluate("document.querySelector('.hero .banner').naturalWidth") == 1200
    look(visitor, "portal-home")
    visitor.click(".card .pages a:has-text('Destinasi wisata')")  # a module's second page, from its card
    assert "Kawah Ijen" in visitor.inner_text("main")
    look(visitor, "tourism-destinations")
    visitor.goto(base + "/wisata/")
    assert "Banyuwangi Ethno Carnival" in visitor.inner_text("main")
    look(visitor, "tourism-calendar")
    visitor.click("text=Festival Gandrung Sewu")
    assert "Pantai Marina Boom" in visitor.inner_text("main")
    look(visitor, "tourism-event")
    feed = visitor.context.request.get(base + "/wisata/kalender.ics?lang=en")
    assert feed.ok and b"Thousand Gandrung Dancers Festival" in feed.body()
    visitor.goto(base + "/lang/en?next=/wisata/")
    assert "Thousand Gandrung Dancers Festival" in visitor.inner_text("main")
    look(visitor, "tourism-calendar-en")
    admin.goto(base + "/wisata/laporan")  # the year report, per organiser and venue
    assert "Dinas Kebudayaan dan Pariwisata" in admin.inner_text("main")
    look(admin, "tourism-report")
