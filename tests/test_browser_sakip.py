"""e-SAKIP in a real browser (headless Chromium), on a phone and a desktop: Diskominfo's demo Renstra, a
quarter's realisation entered with its evidence, verified by the evaluator; the scorecard shows the
achievement; no page scrolls sideways."""
from .live import serving
from .test_browser import _require, browser  # noqa: F401 (fixtures)
from .test_browser_letters import look, person
from .test_workflow import PASSWORD

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"



def test_scorecard_in_a_browser(browser, cli, make_instance, tmp_path):  # noqa: F811
    _require()
    make_instance("banyuwangi", "instance", "--demo")
    cli("users", "create", "--email", "staf@kominfo.id", "--name", "Staf Kominfo", "--role", "opd_staff",
        "--agency", "diskominfo", "--password-stdin", input=PASSWORD + "\n")
    cli("users", "create", "--email", "evaluator@inspektorat.id", "--name", "Evaluator", "--role", "evaluator",
        "--password-stdin", input=PASSWORD + "\n")
    evidence = tmp_path / "bukti.pdf"
    evidence.write_bytes(PDF)
    with serving("instance", tmp_path / "server.log") as base:
        staff = person(browser, base, "staf@kominfo.id")
        staff.goto(base + "/sakip/")
        staff.click(".card:has-text('Dinas Komunikasi') >> text=Rencana")
        look(staff, "sakip-plan")
        staff.click("text=Persentase layanan publik yang daring")
        year = staff.input_value("#year")
        staff.select_option("#quarter", "1")
        staff.fill("#value", "72,5")
        staff.set_input_files("#evidence", str(evidence))
        staff.click("#realise ~ form button[type=submit]")
        assert "Realisasi dicatat" in staff.inner_text("main")
        evaluator = person(browser, base, "evaluator@inspektorat.id")
        evaluator.goto(base + "/inbox")
        evaluator.click("text=IKU-1 Persentase layanan publik yang daring")
        evaluator.click("summary:has-text('Verifikasi realisasi')")  # a final decision: asked once more
        evaluator.click("text=Ya: Verifikasi realisasi")
        assert "Terverifikasi" in evaluator.inner_text("main")
        evaluator.goto(base + f"/sakip/?year={year}")
        evaluator.click(".card:has-text('Dinas Komunikasi') >> text=Kartu kinerja")
        main = evaluator.inner_text("main")
        assert "Kartu kinerja" in main and "72,5" in main
        look(evaluator, "sakip-scorecard")
