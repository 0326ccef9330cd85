"""The regent's dashboard and the SPBE assessment in a real browser (headless Chromium), on a phone and a
desk: the bupati opens the dashboard and drills down to a kecamatan; Diskominfo's staff open the year's
assessment and an indicator the kit pre-fills; no page scrolls sideways."""
import time
import urllib.request

from .test_browser import browser, server  # noqa: F401 (fixtures)
from .test_browser_letters import look, person
from .test_workflow import PASSWORD


def up(base: str, seconds: float = 120) -> None:
    """Wait for a server still starting on a busy machine (serving() gives it 15 s)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=5)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_regent_dashboard_and_spbe_in_a_browser(server, browser, cli):  # noqa: F811
    up(server)
    for email, role, flag, where in (("bupati@banyuwangikab.id", "bupati", None, None),
                                     ("kominfo@banyuwangikab.id", "opd_staff", "--agency", "diskominfo")):
        cli("users", "create", "--email", email, "--name", email.split("@")[0].title(), "--role", role,
            *((flag, where) if flag else ()), "--password-stdin", input=PASSWORD + "\n")

    bupati = person(browser, server, "bupati@banyuwangikab.id")
    bupati.goto(server + "/dasbor")
    assert "Penduduk" in bupati.inner_text("main") and "Per kecamatan" in bupati.inner_text("main")
    look(bupati, "regent-dashboard")
    bupati.click("main a:has-text('Pesanggaran')")
    assert "Per desa" in bupati.inner_text("main") and "Pesanggaran" in bupati.inner_text(".trail")
    look(bupati, "regent-dashboard-kecamatan")

    staff = person(browser, server, "kominfo@banyuwangikab.id")
    staff.goto(server + "/spbe/")
    staff.fill("#year", "2026")
    staff.click("main button[type=submit]")
    assert "Evaluasi SPBE 2026" in staff.inner_text("main")
    look(staff, "spbe-year")
    staff.click("main a:has-text('Layanan Data Terbuka')")
    assert "Bukti sistem menyarankan tingkat 4" in staff.inner_text("main")
    staff.check("input[name=level][value='4']")
    staff.click("main button[type=submit]")
    assert "Indikator 43 tersimpan." in staff.inner_text("main")
    look(staff, "spbe-indicator")
    staff.goto(server + "/spbe/2026/1")  # an internal policy: the assessor's, and the page says why
    assert "penilai yang mengisinya" in staff.inner_text("main") and "Perbup" in staff.inner_text("main")
    look(staff, "spbe-indicator-assessor")
