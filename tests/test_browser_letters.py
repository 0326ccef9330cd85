"""Official letters in a real browser (headless Chromium, Playwright), at 360x740 and 1366x768:
(a) a walk-in resident's SKTM at the counter: the operator searches the register, "Buat surat", files;
the kepala desa reads the letter as it will print, signs, and "Cetak" gives the PDF with the letterhead,
the signer's name, the amount in words and the verification link; (b) a citizen's birth letter for her
child, signed, after which the child is on the family card. No page scrolls sideways."""
import io

from .test_browser import browser, citizen_signs_up, server, shots  # noqa: F401 (fixtures)
from .test_workflow import PASSWORD

SIZES = ((360, 740), (1366, 768))


def person(browser, base, login, password=PASSWORD):  # noqa: F811
    """Signed in on a phone; a role with two-factor sign-in enrols its authenticator app first."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, accept_downloads=True)
    page = context.new_page()
    page.goto(base + "/login")
    page.fill("#login", login)
    page.fill("#password", password)
    page.click("main button[type=submit]")
    if "/login/enrol" in page.url:
        import pyotp

        page.fill("#code", pyotp.TOTP(page.inner_text("#totp-secret").replace(" ", "")).now())
        page.click("main button[type=submit]")
        page.click("text=Sudah saya simpan, lanjutkan")
    return page


def look(page, name):
    """Screenshots at both sizes; the page fits each width."""
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(shots() / f"{width}-{name}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
    page.set_viewport_size({"width": 360, "height": 740})


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())


def sign(base, kades, title):
    kades.goto(base + "/inbox")
    kades.click(f"text={title}")
    preview = kades.locator(".letter-preview")
    assert preview.is_visible()
    look(kades, f"letter-preview-{title.split()[-1].lower()}")
    text = preview.inner_text()
    kades.click("summary:has-text('Tandatangani dan terbitkan')")
    kades.click("text=Ya: Tandatangani dan terbitkan")
    assert "Selesai: Tandatangani dan terbitkan" in kades.inner_text("main")
    return text


def test_walk_in_sktm_at_the_counter(server, browser):  # noqa: F811
    operator = person(browser, server, "op.sarongan@desa.id")
    operator.goto(server + "/kampung/letters")
    operator.click("text=Buat surat untuk penduduk")
    operator.fill("#q", "Budi")
    operator.press("#q", "Enter")
    operator.click("main >> text=Budi Santoso")
    look(operator, "counter-resident")
    operator.click("main a.button:has-text('Buat surat')")
    operator.click("text=Surat Keterangan Tidak Mampu")
    operator.fill("#f-income", "1.500.000")
    operator.select_option("#f-purpose", "Sekolah")
    look(operator, "counter-sktm-form")
    operator.click("main button[type=submit]")
    operator.click("text=Sesuai data penduduk")
    assert "Selesai: Sesuai data penduduk" in operator.inner_text("main")

    kades = person(browser, server, "kades.sarongan@desa.id")
    preview = sign(server, kades, "Surat Keterangan Tidak Mampu")
    assert "Budi Santoso" in preview and "satu juta lima ratus ribu rupiah" in preview
    assert "kades.sarongan" in preview and "DRAF" in preview
    look(kades, "counter-sktm-signed")
    href = kades.get_attribute("main a.button:has-text('Cetak')", "href")
    assert href.endswith("/pdf?print=1")
    response = kades.request.get(server + href)
    assert response.headers["content-disposition"].startswith("inline")
    text = pdf_text(response.body())
    for expected in ("PEMERINTAH KABUPATEN BANYUWANGI", "DESA SARONGAN", "Budi Santoso", "kades.sarongan",
                     "Kepala Desa Sarongan", "satu juta lima ratus ribu rupiah", "/verify/"):
        assert expected in text, expected
    (shots() / "counter-sktm.pdf").write_bytes(response.body())

    operator.goto(server + "/kampung/letters/register")
    assert "Budi Santoso" in operator.inner_text("main")
    look(operator, "letter-register")


def test_citizen_birth_letter_puts_the_child_on_the_family_card(server, browser):  # noqa: F811
    operator = person(browser, server, "op.sarongan@desa.id")
    operator.goto(server + "/kampung/residents")
    operator.click("main >> text=Sri Wahyuni")
    operator.click("main a.button:has-text('Ubah')")
    operator.fill("#phone", "081234567890")
    operator.click("main button[type=submit]")

    sri = citizen_signs_up(browser, server, {"width": 360, "height": 740})

    sri.goto(server + "/kampung/letters")
    look(sri, "citizen-letters")
    sri.click("text=Surat Keterangan Kelahiran")
    sri.fill("#f-child_name", "Ayu Lestari")
    sri.fill("#f-child_birth_date", "2026-11-20")
    sri.fill("#f-child_birth_place", "Puskesmas Pesanggaran")
    sri.select_option("#f-child_sex", "P")
    sri.fill("#f-birth_order", "2")
    look(sri, "citizen-birth-form")
    sri.click("main button[type=submit]")
    letter_url = sri.url

    operator.goto(server + "/inbox")
    operator.click("text=Surat Keterangan Kelahiran")
    operator.click("text=Sesuai data penduduk")
    assert "Selesai: Sesuai data penduduk" in operator.inner_text("main")
    kades = person(browser, server, "kades.sarongan@desa.id")
    preview = sign(server, kades, "Surat Keterangan Kelahiran")
    assert "Ayu Lestari" in preview and "kades.sarongan" in preview

    sri.goto(letter_url)
    assert "Ayu Lestari" in sri.inner_text("main")  # added to the family card
    look(sri, "citizen-birth-signed")
    operator.goto(server + "/kampung/residents")
    operator.click("main >> text=Sri Wahyuni")
    operator.click("main a[href^='/kampung/families/']")
    assert "Ayu Lestari" in operator.inner_text("main")
    look(operator, "family-card-with-child")
