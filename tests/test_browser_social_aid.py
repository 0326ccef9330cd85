"""Social aid in a real browser (headless Chromium, Playwright), on a phone and a desktop: the desa operator
proposes Budi with the Musdesus minutes, Dinas Sosial staff verify, the head approves, the cashier records
the transfer after confirming; the disbursement list downloads as PDF; no page scrolls sideways."""
from .test_browser import browser, server, shots  # noqa: F401 (fixtures)
from .test_browser_letters import look, pdf_text, person
from .test_smart_kampung import GOOD
from .test_workflow import PASSWORD

STAFF = [("staf@dinsos.id", "opd_staff"), ("kasir@dinsos.id", "opd_staff"), ("kepala@dinsos.id", "opd_head")]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def decide(page, base, title, confirmed=False):
    page.goto(base + "/inbox")
    page.click("text=Budi Santoso")
    look(page, "aid-" + title.split(":")[0].split()[0].lower())
    if confirmed:  # asked once more before it is taken
        page.click(f"summary:has-text('{title}')")
        page.click(f"text=Ya: {title}")
    else:
        page.click(f"main button:has-text('{title}')")
    assert f"Selesai: {title}" in page.inner_text("main")


def test_bansos_journey_in_a_browser(server, browser, cli, tmp_path):  # noqa: F811
    for email, role in STAFF:
        cli("users", "create", "--email", email, "--name", email.split("@")[0].title(), "--role", role,
            "--agency", "dinsos", "--password-stdin", input=PASSWORD + "\n")
    deciles = tmp_path / "desil.csv"
    deciles.write_text(f"no_kk,nik,desil,tanggal_data\n{GOOD['no_kk']},,1,2026-09-30\n")
    assert "1 written" in cli("social-aid", "import-deciles", str(deciles)).output
    minutes = tmp_path / "musdesus.pdf"
    minutes.write_bytes(PDF)

    operator = person(browser, server, "op.sarongan@desa.id")
    operator.goto(server + "/bansos/propose")
    operator.select_option("#programme", "blt_dbhcht")
    operator.fill("#nik", GOOD["nik"])
    operator.set_input_files("#minutes", str(minutes))
    look(operator, "aid-propose")
    operator.click("main button[type=submit]")
    assert "Usulan dicatat" in operator.inner_text("main")
    assert "Desil DTSEN 1 (data 2026-09-30), paling tinggi 2." in operator.inner_text("main")
    look(operator, "aid-proposal")

    decide(person(browser, server, "staf@dinsos.id"), server, "Verifikasi: memenuhi syarat")
    decide(person(browser, server, "kepala@dinsos.id"), server, "Setujui penerima", confirmed=True)

    cashier = person(browser, server, "kasir@dinsos.id")
    cashier.goto(server + "/inbox")
    cashier.click("text=Budi Santoso")
    cashier.fill("#reference", "TRF-2026-0001")
    cashier.click("summary:has-text('Catat penyaluran')")
    look(cashier, "aid-pay-confirm")
    cashier.click("text=Ya: Catat penyaluran")
    assert "Pembayaran dicatat." in cashier.inner_text("main")
    assert "Tersalurkan" in cashier.inner_text("main")
    listing = cashier.context.request.get(server + cashier.get_attribute("#list-pdf", "href"))
    text = pdf_text(listing.body())
    assert "Budi Santoso" in text and "TRF-2026-0001" in text

    public = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
    public.goto(f"{server}/bansos/public?programme=blt_dbhcht&village={GOOD['kode_desa']}")
    assert "Bu** Sa*****" in public.inner_text("main")
    look(public, "aid-public")
