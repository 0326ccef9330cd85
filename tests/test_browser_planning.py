"""Musrenbang to Renja in a real browser (headless Chromium, Playwright), on a phone and a desktop: the desa
operator records the meeting's proposal with a photo, the camat forwards it with its rank, Bappeda assigns it
to the road agency and a sub-kegiatan, accepts it into the RKPD after confirming and sets the agency's
ceiling; the agency puts it in its Renja as a line, submits it, TAPD makes it final; the proposer's tracking
page says where it went; no page scrolls sideways."""
from datetime import datetime
from zoneinfo import ZoneInfo

from .test_browser import browser, server, shots  # noqa: F401 (fixtures)
from .test_browser_letters import look, person
from .test_workflow import PASSWORD

YEAR = datetime.now(ZoneInfo("Asia/Jakarta")).year + 1
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82")


def decide(page, title, confirmed=False):
    if confirmed:  # asked once more before it is taken
        page.click(f"summary:has-text('{title}')")
        page.click(f"text=Ya: {title}")
    else:
        page.click(f"main button:has-text('{title}')")
    assert f"Selesai: {title}" in page.inner_text("main")


def test_musrenbang_to_renja_in_a_browser(server, browser, cli, tmp_path):  # noqa: F811
    for email, role, flag, where in [("camat.pesanggaran@kec.id", "camat", "--region", "35.10.01"),
                                     ("staf@bappeda.id", "opd_staff", "--agency", "bappeda"),
                                     ("staf@dpupr.id", "opd_staff", "--agency", "dpupr")]:
        cli("users", "create", "--email", email, "--name", email.split("@")[0].title(), "--role", role, flag, where,
            "--password-stdin", input=PASSWORD + "\n")
    cli("users", "create", "--email", "tapd@pemkab.id", "--name", "Sekda", "--role", "tapd", "--password-stdin",
        input=PASSWORD + "\n")
    photo = tmp_path / "jalan.png"
    photo.write_bytes(PNG)

    desa = person(browser, server, "op.sarongan@desa.id")
    desa.goto(server + "/perencanaan/usulan/baru")
    desa.fill("#title", "Pengaspalan jalan Dusun Krajan")
    desa.fill("#problem", "Jalan tanah licin dan berlubang saat hujan, anak sekolah sering jatuh.")
    desa.fill("#latitude", "-8.5872")
    desa.fill("#longitude", "114.0112")
    desa.fill("#estimate", "450.000.000")
    desa.select_option("#year", str(YEAR))
    desa.set_input_files("#photos", str(photo))
    look(desa, "plan-propose")
    desa.click("main button[type=submit]")
    assert "Usulan dicatat" in desa.inner_text("main")
    code = desa.inner_text("main strong")
    look(desa, "plan-proposal")
    proposal = desa.url

    camat = person(browser, server, "camat.pesanggaran@kec.id")
    camat.goto(proposal)
    camat.fill("#rank", "2")
    camat.click("main button:has-text('Teruskan ke Bappeda')")
    assert "Diteruskan ke Bappeda dengan peringkat 2." in camat.inner_text("main")

    bappeda = person(browser, server, "staf@bappeda.id")
    bappeda.goto(server + "/perencanaan/usulan")
    look(bappeda, "plan-proposals")
    bappeda.click(f"text={code}")
    bappeda.select_option("#agency_code", "dpupr")
    bappeda.fill("#subactivity_code", "1.03.10.2.01.0032")
    bappeda.click("main button:has-text('Tetapkan')")
    assert "Ditetapkan ke Dinas Pekerjaan Umum" in bappeda.inner_text("main")
    look(bappeda, "plan-assigned")
    decide(bappeda, "Terima ke RKPD", confirmed=True)
    bappeda.goto(f"{server}/perencanaan/renja?year={YEAR}")
    bappeda.select_option("#agency_code", "dpupr")
    bappeda.fill("#amount", "500.000.000")
    bappeda.click("main button:has-text('Simpan pagu')")
    assert "Pagu disimpan." in bappeda.inner_text("main")

    opd = person(browser, server, "staf@dpupr.id")
    opd.goto(f"{server}/perencanaan/renja?year={YEAR}")
    opd.click("main button:has-text('Buka Renja')")
    assert "Pengaspalan jalan Dusun Krajan" in opd.inner_text("main")
    opd.fill(".proposal-line input[name=target]", "1,2")
    opd.fill(".proposal-line input[name=unit]", "Km")
    opd.fill(".proposal-line input[name=indicator]", "Panjang jalan yang dibangun")
    opd.click("main button:has-text('Tambahkan sebagai baris')")
    assert "Baris ditambahkan: 1.03.10.2.01.0032 Pembangunan Jalan." in opd.inner_text("main")
    look(opd, "plan-renja")
    renja = opd.url
    decide(opd, "Ajukan ke TAPD")
    tapd = person(browser, server, "tapd@pemkab.id")
    tapd.goto(renja)
    decide(tapd, "Tetapkan final", confirmed=True)
    look(tapd, "plan-renja-final")
    exported = tapd.context.request.get(server + tapd.get_attribute("#export-csv", "href"))
    assert "1.03.10.2.01.0032,Pembangunan Jalan,Panjang jalan yang dibangun,\"1,2\",Km,450000000" in exported.text()
    tapd.goto(f"{server}/perencanaan/dasbor?year={YEAR}")
    assert "Pesanggaran" in tapd.inner_text("main")
    look(tapd, "plan-dashboard")

    public = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
    public.goto(f"{server}/perencanaan/lacak?code={code}")
    text = public.inner_text("main")
    assert "Masuk RKPD" in text and "Dinas Pekerjaan Umum" in text and str(YEAR) in text
    look(public, "plan-track")
