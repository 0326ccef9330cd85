"""e-monitoring in a real browser (headless Chromium, Playwright) at 360 px and desk size: the public regency
map draws the demo projects as points over the regency's kecamatan outlines with a scale (no tiles
configured, nothing fetched from outside), a point's popup shows its figures, a kecamatan's leads to its own
map; without JavaScript the same page lists the projects as a table; Dinas PUPR staff register a project by
form, report its progress with a photo, see the photo in its point's popup and the project on the dashboard."""
import pytest

from .live import serving
from .test_browser import _require, browser, shots  # noqa: F401 (fixtures)
from .test_browser_letters import look, person
from .test_workflow import PASSWORD

PNG_PATH = "site.png"


@pytest.fixture
def server(cli, make_instance, tmp_path):
    _require()
    make_instance("banyuwangi", "instance", "--demo")
    cli("users", "create", "--email", "staf@dpupr.id", "--name", "Staf PUPR", "--role", "opd_staff", "--agency",
        "dpupr", "--password-stdin", input=PASSWORD + "\n")
    with serving("instance", tmp_path / "server.log") as base:
        yield base


def test_the_map_offline_with_photos_and_a_project_reported_by_its_agency(server, browser, tmp_path):  # noqa: F811
    from egovkit_modules.monitoring.demo import png

    public = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
    public.goto(server + "/monitoring/")
    public.wait_for_selector("#project-map[data-points]")
    assert int(public.get_attribute("#project-map", "data-points")) > 20
    assert public.locator(".leaflet-control-scale").is_visible()
    assert public.locator(".map-note").is_visible()  # says there are no tiles: points over the outlines
    assert public.locator(".leaflet-tile").count() == 0  # nothing fetched from outside
    assert public.get_attribute("#project-map", "data-outlines-drawn") == "25"  # Banyuwangi's 25 kecamatan
    assert public.locator("path.kecamatan-outline").count() == 25
    assert "Sarana keamanan" not in public.inner_text("main")  # the internal kind stays off the public map
    look(public, "monitoring-map")
    public.locator("path.project-point").first.click(force=True)
    popup = public.locator(".leaflet-popup-content")
    popup.wait_for()
    public.wait_for_selector(".leaflet-popup-content :text('Anggaran')")
    assert "Kemajuan fisik" in popup.inner_text()
    look(public, "monitoring-popup")
    public.goto(server + "/monitoring/?area=35.10.18")  # Wongsorejo: its outline drawn bolder, its points
    public.wait_for_selector("#project-map[data-points]")
    public.keyboard.press("Escape")
    outline = public.locator("path.kecamatan-outline[stroke-width='2.5']")
    assert outline.count() == 1
    spot = public.evaluate("""() => {  // a spot of the map where the kecamatan itself (no point) is on top
      const map = document.getElementById("project-map").getBoundingClientRect();
      for (let y = map.top + 10; y < map.bottom; y += 12) {
        for (let x = map.left + 60; x < map.right; x += 12) {
          const hit = document.elementFromPoint(x, y);
          if (hit && hit.matches("path.kecamatan-outline[stroke-width='2.5']")) { return [x, y]; }
        }
      }
      return null;
    }""")
    assert spot is not None
    public.mouse.click(*spot)
    link = public.locator(".leaflet-popup-content a")
    link.wait_for()
    assert "Peta kecamatan ini" in link.inner_text()

    plain = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False).new_page()
    plain.goto(server + "/monitoring/?area=35.10.16")
    assert not plain.locator("#project-map").is_visible()
    assert plain.locator("table.projects tbody tr").count() >= 1 and "[DEMO]" in plain.inner_text("table.projects")
    look(plain, "monitoring-no-script")

    staff = person(browser, server, "staf@dpupr.id")
    staff.goto(server + "/monitoring/new")
    staff.fill("#name", "Pelebaran jalan Genteng-Kalibaru")
    staff.select_option("#region_code", "35.10.09")
    staff.fill("#budget", "1.250.000.000")
    staff.select_option("#kind", "jalan")
    staff.fill("#contractor", "PT Ijen Konstruksi")
    staff.fill("#lat", "-8.3601")
    staff.fill("#lon", "114.1502")
    look(staff, "monitoring-new")
    staff.click("main form button[type=submit]")
    assert "Proyek didaftarkan." in staff.inner_text("main")
    photo = tmp_path / PNG_PATH
    photo.write_bytes(png((120, 110, 90), 160, 120))
    staff.fill("#progress", "30")
    staff.fill("#realised", "300000000")
    staff.set_input_files("#photo", str(photo))
    staff.select_option("#stage", "0")
    staff.click("main form button:has-text('Catat kemajuan')")
    assert "Kemajuan dicatat." in staff.inner_text("main")
    assert staff.locator(".stage-photos img").count() == 1
    look(staff, "monitoring-project")
    new_id = staff.url.rstrip("/").rsplit("/", 1)[1]
    staff.goto(server + "/monitoring/dashboard")
    assert "Dinas Pekerjaan Umum dan Penataan Ruang" in staff.inner_text("main")
    look(staff, "monitoring-dashboard")
    staff.goto(server + "/monitoring/internal?area=35.10.09")
    staff.wait_for_selector("#project-map[data-points]")
    assert "Pelebaran jalan Genteng-Kalibaru" in staff.inner_text("table.projects")
    staff.locator(f"path.project-point[data-id='{new_id}']").click(force=True)
    staff.wait_for_selector(".leaflet-popup-content .map-photos img")  # its photo at 0%, from its details
    assert "Pelebaran jalan Genteng-Kalibaru" in staff.inner_text(".leaflet-popup-content")
    look(staff, "monitoring-internal")
