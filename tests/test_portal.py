"""The portal: the regency edits its home (welcome, services shown and their order, contacts, opening hours,
logo and banner checked by content), news articles drafted by an agency and approved by its head through the
core's workflow, each module's public pages on the home, and /sitemap.xml of public pages that all answer."""
import io
import re
import struct
import zlib
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest

from egovkit.app import create_app

from .conftest import csrf_token, login
from .test_letters import decide

PASSWORD = "sandi-kuat-sekali"


def png(width: int, height: int, pad: int = 0) -> bytes:
    """A real (tiny) PNG of the given size, padded with a comment chunk to weigh more."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\0" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + (chunk(b"tEXt", b"c\0" + b"x" * pad) if pad else b"") + chunk(b"IDAT", zlib.compress(rows, 9))
            + chunk(b"IEND", b""))


@pytest.fixture
def regency(cli, make_instance):
    make_instance("banyuwangi", "instance", "--demo")
    for email, role in (("staf@diskominfo.id", "opd_staff"), ("kepala@diskominfo.id", "opd_head")):
        cli("users", "create", "--email", email, "--name", email.split("@")[0], "--role", role, "--agency",
            "diskominfo", "--password-stdin", input=PASSWORD + "\n")
    return create_app("instance", {"TESTING": True})


def save_home(client, files=None, **fields):
    data = {"csrf_token": csrf_token(client, "/admin/portal"), **fields}
    for name, content in (files or {}).items():
        data[name] = (io.BytesIO(content), f"{name}.png")
    return client.post("/admin/portal", data=data, content_type="multipart/form-data")


def test_the_regency_edits_its_home(regency):
    public = regency.test_client()
    before = public.get("/").get_data(as_text=True)
    assert "Contact and opening hours" not in before and "Kontak" not in before  # nothing yet: the profile's
    assert "/wisata/destinasi" in before  # a module's other public pages are listed under its card
    staff = regency.test_client()
    assert login(staff, "staf@diskominfo.id", PASSWORD).status_code == 302
    assert staff.get("/admin/portal").status_code == 403
    admin = regency.test_client()
    login(admin)
    fields = {"welcome": "Selamat datang di layanan publik Banyuwangi.", "address": "Jl. Ahmad Yani No. 100",
              "phone": "(0333) 425001", "email": "layanan@banyuwangikab.go.id",
              "hours": "Senin-Kamis 07.30-15.30\nJumat 07.30-11.00", "show-tourism": "1", "order-tourism": "1",
              "show-announcements": "1", "order-announcements": "2", "show-news": "1", "order-news": "3"}
    refused = [({"logo": b"GIF89a not an image"}, "bukan berkas PNG / JPG"),
               ({"logo": b"\x89PNG\r\n\x1a\n" + b"\0" * 40}, "tidak dapat dibaca"),  # the magic, no image
               ({"logo": png(800, 100)}, "512"),
               ({"logo": png(64, 64, pad=9000)}, "lebih besar dari 8 KB"),
               ({"banner": png(500, 100)}, "600")]
    for files, message in refused:
        answer = save_home(admin, files, **fields)
        assert answer.status_code == 400, files
        assert message in answer.get_data(as_text=True)
    assert "Selamat datang di layanan" not in public.get("/").get_data(as_text=True)  # nothing half-saved
    saved = save_home(admin, {"logo": png(64, 64), "banner": png(1200, 300)}, **fields)
    assert saved.status_code == 302
    home = public.get("/").get_data(as_text=True)
    assert "Selamat datang di layanan publik Banyuwangi." in home
    assert "Jumat 07.30-11.00" in home and 'href="tel:(0333)425001"' in home
    assert 'width="1200" height="300"' in home
    cards = re.findall(r'<li class="card">\s*<h3><a href="([^"]+)"', home)
    assert cards[:3] == ["/wisata/", "/announcements/", "/berita/"]
    assert "/pengaduan/" not in cards  # not ticked: hidden
    logo = re.search(r'<img src="(/portal/logo/[^"]+)"', home).group(1)
    assert public.get(logo).status_code == 200 and public.get(logo).data == png(64, 64)
    assert public.get("/portal/logo/" + "a" * 24 + ".png").status_code == 404  # only the current one
    # A new logo replaces the old file; removing the banner goes back to none.
    again = save_home(admin, {"logo": png(32, 32)}, **fields, **{"remove-banner": "1"})
    assert again.status_code == 302
    home = public.get("/").get_data(as_text=True)
    assert public.get(logo).status_code == 404 and 'class="banner"' not in home


def test_a_news_article_is_drafted_submitted_and_approved_by_the_agencys_head(regency):
    staff = regency.test_client()
    assert login(staff, "staf@diskominfo.id", PASSWORD).status_code == 302
    made = staff.post("/berita/baru", data={"csrf_token": csrf_token(staff, "/berita/baru"),
                                            "title": "Jaringan internet desa", "summary": "Seratus desa terhubung.",
                                            "body": "Seratus desa kini terhubung internet.",
                                            "agency_code": "diskominfo", "action": "publish"})
    assert made.status_code == 302
    url = made.headers["Location"]
    public = regency.test_client()
    assert public.get(url).status_code == 404 and "Jaringan internet" not in public.get("/berita/").get_data(as_text=True)
    assert decide(staff, url, "submit").status_code == 302
    head = regency.test_client()
    assert login(head, "kepala@diskominfo.id", PASSWORD).status_code == 302
    assert "Jaringan internet desa" in head.get("/berita/draf").get_data(as_text=True)
    assert decide(head, url, "approve").status_code == 302
    assert "Jaringan internet desa" in public.get("/berita/").get_data(as_text=True)
    assert "Jaringan internet desa" in public.get("/").get_data(as_text=True)  # the home's latest news
    assert public.get(url).status_code == 200


def test_the_sitemap_lists_public_pages_that_answer(regency):
    public = regency.test_client()
    answer = public.get("/sitemap.xml")
    assert answer.status_code == 200 and answer.mimetype == "application/xml"
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    urls = [loc.text for loc in ElementTree.fromstring(answer.data).findall("s:url/s:loc", ns)]
    paths = [urlsplit(u).path for u in urls]
    assert {"/", "/wisata/", "/wisata/destinasi", "/berita/", "/announcements/", "/data"} <= set(paths)
    assert "/wisata/kelola" not in paths and "/berita/draf" not in paths  # staff pages are not listed
    for path in paths:
        assert public.get(path).status_code == 200, path
