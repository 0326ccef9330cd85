"""monitoring (e-monitoring, simpelbang) through HTTP: a village's APBDes activity (village_finance's
apbdes.approved) and an agency's sub-kegiatan (planning.subactivity_funded, published through the core's
events) become projects; their people place them, report progress with photos; both show on the map data
with their photos; the public map hides the profile's internal kind; late and stalled projects are flagged
by the profile's rules; the dashboard and project pages stay within each viewer's reach."""
import io
import os
import re
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from egovkit.app import create_app

from .conftest import accounts, csrf_token
from .test_village_finance import YEAR, add, as_user, set_in_force, start
from .test_workflow import PASSWORD, SARONGAN, people

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
OPD = [("staf@dpupr.id", "opd_staff", "dpupr"), ("staf@diskominfo.id", "opd_staff", "diskominfo")]


@pytest.fixture
def regency(cli, make_instance):
    make_instance("banyuwangi")
    people(cli)
    accounts(cli, [{"email": email, "name": email.split("@")[0].title(), "role": role, "agency": agency}
                   for email, role, agency in OPD], PASSWORD)
    return create_app("instance", {"TESTING": True})


def funded(app, **payload):
    """planning's event, published as planning will publish it (planning is not this module's import)."""
    from egovkit.db import db
    from egovkit.services import events

    with app.app_context():
        events.publish("planning.subactivity_funded", **payload)
        db.session.commit()
    # delivered when the app context ends (the inprocess backend)


def project_id(app, origin):
    from egovkit.db import db
    from egovkit_modules.monitoring.models import Project

    with app.app_context():
        return db.session.scalars(select(Project.id).where(Project.origin == origin).order_by(Project.id)).all()


def place(client, pid, kind, lat, lon, **extra):
    url = f"/monitoring/projects/{pid}"
    return client.post(f"{url}/details", data={"csrf_token": csrf_token(client, url), "kind": kind, "lat": lat,
                                               "lon": lon, "contractor": extra.get("contractor", ""),
                                               "starts_on": extra.get("starts_on", ""),
                                               "ends_on": extra.get("ends_on", "")})


def progress(client, pid, percent, realised, stage=None, day=None):
    url = f"/monitoring/projects/{pid}"
    data = {"csrf_token": csrf_token(client, url), "day": (day or date.today()).isoformat(),
            "progress": str(percent), "realised": str(realised), "note": "Laporan lapangan"}
    if stage is not None:
        data |= {"stage": str(stage), "photo": (io.BytesIO(PNG), "foto.png"), "caption": f"Foto {stage}%"}
    return client.post(f"{url}/report", data=data, content_type="multipart/form-data")


def rows(data):
    return {r[data["fields"].index("name")]: dict(zip(data["fields"], r, strict=True)) for r in data["rows"]}


def test_village_and_agency_projects_on_the_map_with_photos(regency):
    app = regency
    # a village: its APBDes set by Perdes; its development activity (bidang 2) becomes a project
    operator = as_user(app, "op.sarongan@desa.id")
    url = start(operator)
    for account, source, amount, kegiatan, text in [
            ("4.2.1.01", "DD", 1_000_000_000, "", ""), ("4.2.3.01", "ADD", 600_000_000, "", ""),
            ("5.1.2.01", "ADD", 200_000_000, "1.1.02", ""), ("5.2.7.02", "DD", 250_000_000, "4.2.01", ""),
            ("5.4.1.01", "DD", 150_000_000, "5.3.00", ""),
            ("5.3.5.03", "DD", 450_000_000, "2.3.10", "Rabat beton Dusun Krajan")]:
        assert add(operator, url, account, source, amount, kegiatan, text).status_code == 303
    set_in_force(as_user(app, "kades.sarongan@desa.id"), as_user(app, "camat.pesanggaran@kec.id"), url)
    village_ids = project_id(app, "village_finance")
    assert len(village_ids) == 1  # only the development activity; salaries and cash aid are no project

    # an agency: planning funds a sub-kegiatan (twice: the same funding, announced again)
    # (the payload planning publishes: docs/planning.md; an amendment comes as a new version and line)
    for version, amount in ((1, 900_000_000), (2, 950_000_000)):
        funded(app, renja_id=version, line_id=10 + version, version=version, kind="murni", year=YEAR,
               agency_code="dpupr", agency_name="Dinas PUPR", subactivity_code="1.03.10.2.01.0017",
               subactivity_name="Rehabilitasi jembatan Sarongan", indicator="Jembatan", target="1", unit="unit",
               amount=amount, village_code=SARONGAN, latitude=None, longitude=None, proposal_id=None)
    funded(app, renja_id=3, line_id=20, version=1, kind="murni", year=YEAR, agency_code="diskominfo",
           agency_name="Diskominfo", subactivity_code="2.21.02.2.01.0003", subactivity_name="Menara sandi kecamatan",
           indicator="Menara", target="1", unit="unit", amount=300_000_000, village_code=SARONGAN,
           latitude=-8.55, longitude=114.04, proposal_id=None)
    agency_ids = project_id(app, "planning")
    assert len(agency_ids) == 2

    dpupr, kominfo = as_user(app, "staf@dpupr.id"), as_user(app, "staf@diskominfo.id")
    assert place(dpupr, agency_ids[0], "jalan", "-8.5321", "114.0512", contractor="CV Karya Blambangan",
                 starts_on=f"{YEAR}-03-01", ends_on=f"{YEAR}-10-31").status_code == 303
    assert progress(dpupr, agency_ids[0], 0, 0, stage=0).status_code == 303
    assert progress(dpupr, agency_ids[0], 55, 400_000_000, stage=50).status_code == 303
    assert place(kominfo, agency_ids[1], "keamanan", "-8.55", "114.04").status_code == 303
    assert progress(kominfo, agency_ids[1], 10, 0, stage=0).status_code == 303
    assert place(operator, village_ids[0], "jalan", "-8.5402", "114.0633").status_code == 303
    assert progress(operator, village_ids[0], 100, 450_000_000, stage=100).status_code == 303
    refused = progress(operator, village_ids[0], 100, 500_000_000)  # more than the budget
    assert refused.status_code == 400 and "antara nol dan pagu" in refused.get_data(as_text=True)
    assert dpupr.get(f"/monitoring/projects/{village_ids[0]}").status_code == 404  # another's project
    assert place(operator, agency_ids[0], "jalan", "-8.5", "114.0").status_code == 403  # the OPD's to report

    # the public map: both projects, their photos, the figures; the security works are not there
    public = app.test_client()
    data = public.get(f"/monitoring/map.json?year={YEAR}").json
    assert data["fields"] == ["id", "lat", "lon", "state"]  # a regency's points: place and state, no names
    assert {r[0] for r in data["rows"]} == {village_ids[0], agency_ids[0]}
    shown = rows(public.get(f"/monitoring/map.json?year={YEAR}&area=35.10.01").json)  # a kecamatan's: names too
    assert set(shown) == {"Rabat beton Dusun Krajan", "Rehabilitasi jembatan Sarongan"}
    bridge, road = shown["Rehabilitasi jembatan Sarongan"], shown["Rabat beton Dusun Krajan"]
    assert (bridge["lat"], bridge["lon"], bridge["progress"], bridge["kind"]) == (-8.5321, 114.0512, 55, "jalan")
    about = public.get(f"/monitoring/projects/{bridge['id']}.json").json  # what its popup adds
    assert (about["budget"], about["realised"], about["agency"], about["region"], about["contractor"]) == \
        (950_000_000, 400_000_000, "Dinas Pekerjaan Umum dan Penataan Ruang", "Sarongan", "CV Karya Blambangan")
    # the point's colour: finished, or late / stalled / on time by the same rules as the project's flags
    assert road["state"] == 3 and bridge["state"] == (2 if "late" in about["flags"] else
                                                      1 if "stalled" in about["flags"] else 0)
    road = public.get(f"/monitoring/projects/{road['id']}.json").json
    assert (road["region"], road["progress"], road["realised"]) == ("Sarongan", 100, 450_000_000)
    assert [s for s, _ in about["photos"]] == [0, 50]
    assert [s for s, _ in road["photos"]] == [100]
    photo = public.get(data["photo_url"] + str(about["photos"][1][1]))
    assert photo.status_code == 200 and photo.data == PNG
    kominfo_map = kominfo.get(f"/monitoring/internal/map.json?year={YEAR}&area=35.10.01").json
    secret = rows(kominfo_map)["Menara sandi kecamatan"]
    assert public.get(f"/monitoring/projects/{secret['id']}.json").status_code == 404
    secret_photos = kominfo.get(f"/monitoring/internal/projects/{secret['id']}.json").json["photos"]
    assert public.get(data["photo_url"] + str(secret_photos[0][1])).status_code == 404
    for page in (f"/monitoring/?year={YEAR}&area=35.10.01", f"/monitoring/?year={YEAR}&area={SARONGAN}"):
        html = public.get(page).get_data(as_text=True)
        assert "Rehabilitasi jembatan Sarongan" in html and "Rabat beton Dusun Krajan" in html  # the table
        assert "Menara sandi" not in html
    assert public.get(f"/monitoring/map.json?year={YEAR}&area=35.10.02").json["rows"] == []

    # the camat's internal map and dashboard: every project of the kecamatan, the internal one too
    camat = as_user(app, "camat.pesanggaran@kec.id")
    assert len(camat.get(f"/monitoring/internal/map.json?year={YEAR}").json["rows"]) == 3
    board = camat.get(f"/monitoring/dashboard?year={YEAR}").get_data(as_text=True)
    assert "Dinas Pekerjaan Umum dan Penataan Ruang" in board and "Sarongan" in board
    assert as_user(app, "camat.siliragung@kec.id").get(
        f"/monitoring/internal/map.json?year={YEAR}").json["rows"] == []
    mine = dpupr.get(f"/monitoring/dashboard?year={YEAR}").get_data(as_text=True)
    assert "Dinas Pekerjaan Umum" in mine and "Dinas Komunikasi" not in mine

    # open data: per kecamatan, without the internal kind
    table = public.get("/data/monitoring/projects-per-kecamatan.csv").get_data(as_text=True)
    assert f"{YEAR},35.10.01,Pesanggaran,2," in table


def test_late_and_stalled_by_the_profiles_rules(regency):
    app = regency
    dpupr = as_user(app, "staf@dpupr.id")
    today = date.today()
    made = []
    for name, starts, ends in [("Jalan Tegaldlimo", today - timedelta(days=100), today + timedelta(days=100)),
                               ("Drainase Muncar", today - timedelta(days=60), today + timedelta(days=60)),
                               ("Gedung Genteng", today - timedelta(days=10), today + timedelta(days=200))]:
        response = dpupr.post("/monitoring/new", data={
            "csrf_token": csrf_token(dpupr, "/monitoring/new"), "name": name, "year": str(today.year),
            "agency_code": "dpupr", "region_code": "35.10.04", "kind": "jalan", "budget": "Rp 1.000.000.000",
            "starts_on": starts.isoformat(), "ends_on": ends.isoformat(), "lat": "-8,55", "lon": "114,33"})
        assert response.status_code == 303, response.get_data(as_text=True)
        made.append(int(response.headers["Location"].rsplit("/", 1)[1]))

    def flagged(flag):
        html = dpupr.get(f"/monitoring/projects?year={today.year}&flag={flag}").get_data(as_text=True)
        return {n for n in ("Jalan Tegaldlimo", "Drainase Muncar", "Gedung Genteng") if n in html}

    # half way, no progress: 50 points behind (> 20) is late; 60 days or more without a report (> 45) stalled
    assert flagged("late") == {"Jalan Tegaldlimo", "Drainase Muncar"}
    assert flagged("stalled") == {"Jalan Tegaldlimo", "Drainase Muncar"}
    assert progress(dpupr, made[0], 35, 100_000_000).status_code == 303  # 15 points behind: on time, reported
    assert flagged("late") == {"Drainase Muncar"} and flagged("stalled") == {"Drainase Muncar"}
    board = dpupr.get(f"/monitoring/dashboard?year={today.year}").get_data(as_text=True)
    cells = re.search(r"Dinas Pekerjaan Umum dan Penataan Ruang</a></td>(.*?)</tr>", board, re.S).group(1)
    assert [c for c in re.findall(r"<td>([^<]*)</td>", cells)] == [
        "3", "Rp 3.000.000.000", "Rp 100.000.000", "3.3%", "11.7%", "1", "1"]

    # bad input: named in Indonesian, nothing written
    response = dpupr.post("/monitoring/new", data={
        "csrf_token": csrf_token(dpupr, "/monitoring/new"), "name": "Titik di laut", "year": str(today.year),
        "agency_code": "dpupr", "region_code": "", "kind": "jalan", "budget": "5000000",
        "lat": "52.1", "lon": "4.3"})
    assert response.status_code == 400 and "di luar Indonesia" in response.get_data(as_text=True)
    from egovkit.db import db
    from egovkit_modules.monitoring.models import Project
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Project).where(Project.origin == "form")) == 3
    assert as_user(app, "op.sarongan@desa.id").get(f"/monitoring/projects/{made[0]}").status_code == 404


def test_the_map_data_is_kept_until_a_project_changes_however_it_changes(regency, monkeypatch):
    """The map data and the dashboard are kept by the core's aggregate cache; a commit that changes a project
    or a photo forgets them at once, whether a form, a report or an event handler made it."""
    app = regency
    camat = as_user(app, "camat.pesanggaran@kec.id")
    dpupr = as_user(app, "staf@dpupr.id")

    def points():
        return {r[0]: r[3] for r in camat.get(f"/monitoring/internal/map.json?year={YEAR}").json["rows"]}

    assert points() == {}
    funded(app, renja_id=1, line_id=1, version=1, kind="murni", year=YEAR, agency_code="dpupr",
           agency_name="Dinas PUPR", subactivity_code="1.03.10.2.01.0017", subactivity_name="Jembatan Sarongan",
           indicator="Jembatan", target="1", unit="unit", amount=900_000_000, village_code=SARONGAN,
           latitude=-8.53, longitude=114.05, proposal_id=None)  # an event handler's commit, not a view's
    (pid,) = project_id(app, "planning")
    assert points() == {pid: 0}
    from egovkit.web import cache

    computed = []
    real = cache.memo
    monkeypatch.setattr(cache, "memo", lambda key, ttl, compute: real(key, ttl, lambda: computed.append(key)
                                                                      or compute()))
    assert points() == {pid: 0} and computed == []  # kept: nothing changed
    assert progress(dpupr, pid, 100, 900_000_000, stage=100).status_code == 303
    assert points() == {pid: 3} and len(computed) == 1  # finished, at once
    board = camat.get(f"/monitoring/dashboard?year={YEAR}").get_data(as_text=True)
    assert "Rp 900.000.000" in board


@pytest.mark.skipif(not os.environ.get("EGOVKIT_TEST_REDIS_URL"), reason="needs EGOVKIT_TEST_REDIS_URL")
def test_with_redis_a_change_in_one_process_is_seen_by_another_at_once(cli, make_instance, monkeypatch):
    monkeypatch.setenv("EGOVKIT_REDIS_URL", os.environ["EGOVKIT_TEST_REDIS_URL"])
    path = make_instance("banyuwangi", f"i{uuid.uuid4().hex[:8]}")  # a key prefix of its own
    for email, role, region in (("camat.pesanggaran@kec.id", "camat", "35.10.01"),
                                ("op.sarongan@desa.id", "operator_desa", SARONGAN)):
        cli("--instance", path, "users", "create", "--email", email, "--name", email.split("@")[0], "--role", role,
            "--region", region, "--password-stdin", input=PASSWORD + "\n")
    a, b = create_app(path, {"TESTING": True}), create_app(path, {"TESTING": True})  # two server processes
    camat_a, camat_b = as_user(a, "camat.pesanggaran@kec.id"), as_user(b, "camat.pesanggaran@kec.id")
    url = f"/monitoring/internal/map.json?year={YEAR}"
    assert camat_a.get(url).json["rows"] == camat_b.get(url).json["rows"] == []  # kept in Redis by both
    operator = as_user(a, "op.sarongan@desa.id")
    response = operator.post("/monitoring/new", data={
        "csrf_token": csrf_token(operator, "/monitoring/new"), "name": "Sumur bor Sarongan", "year": str(YEAR),
        "region_code": SARONGAN, "kind": "air", "budget": "150000000", "lat": "-8.53", "lon": "114.05"})
    assert response.status_code == 303, response.get_data(as_text=True)
    assert len(camat_b.get(url).json["rows"]) == 1  # the other process forgot its copy at once


def test_the_outlines_of_every_bundled_regency_cover_its_kecamatan(regency):
    """The offline map's outlines: each bundled profile's regency has one outline per kecamatan of the kit's
    region list; the map page names them as the instance does."""
    import yaml

    from egovkit.wilayah import data
    from egovkit_modules.monitoring import outlines

    import egovkit_profiles

    for profile in sorted(Path(egovkit_profiles.__path__[0]).glob("*.yaml")):
        code = (yaml.safe_load(profile.read_text()).get("regency") or {}).get("code")
        if code is None:
            continue  # a profile extending another keeps its regency
        found = outlines.collection(code)
        assert found is not None, profile.name
        assert {f["id"] for f in found["features"]} == {r.code for r in data.subtree(code) if r.level == "district"}
        for feature in found["features"]:
            for polygon in feature["geometry"]["coordinates"]:
                assert all(-11.5 <= lat <= 6.5 and 94.5 <= lon <= 141.5 for lon, lat in polygon[0])
    public = regency.test_client()
    shapes = public.get("/monitoring/outlines.geojson")
    assert shapes.status_code == 200 and shapes.mimetype == "application/geo+json"
    named = {f["id"]: f["properties"]["name"] for f in shapes.json["features"]}
    assert len(named) == 25 and named["35.10.01"] == "Pesanggaran" and named["35.10.16"] == "Banyuwangi"
    # a point known to lie in Pesanggaran (the bridge of the first test) is inside its outline, not Siliragung's
    pesanggaran, siliragung = (next(f for f in shapes.json["features"] if f["id"] == c) for c in ("35.10.01", "35.10.22"))
    assert outlines.contains(pesanggaran, -8.5321, 114.0512) and not outlines.contains(siliragung, -8.5321, 114.0512)
    assert 'data-outlines="/monitoring/outlines.geojson"' in public.get("/monitoring/").get_data(as_text=True)


def test_the_public_map_leaves_out_the_fields_the_profile_marks_internal(regency):
    """internal_fields: the contractor, budget, money spent and photos of every project stay off the public
    table, popups and photo addresses; staff within reach still see them."""
    import yaml

    app = regency
    path = Path("instance", "profile.yaml")
    profile = yaml.safe_load(path.read_text())
    profile["modules"]["monitoring"]["internal_fields"] = ["contractor", "budget", "realised", "photos"]
    path.write_text(yaml.safe_dump(profile, allow_unicode=True))
    app = create_app("instance", {"TESTING": True})
    dpupr = as_user(app, "staf@dpupr.id")
    made = dpupr.post("/monitoring/new", data={
        "csrf_token": csrf_token(dpupr, "/monitoring/new"), "name": "Jembatan gantung Sumberagung",
        "year": str(YEAR), "agency_code": "dpupr", "region_code": "35.10.01", "kind": "jalan",
        "budget": "Rp 777.000.000", "contractor": "CV Rahasia Konstruksi", "lat": "-8.55", "lon": "114.02"})
    assert made.status_code == 303, made.get_data(as_text=True)
    pid = int(made.headers["Location"].rsplit("/", 1)[1])
    assert progress(dpupr, pid, 50, 300_000_000, stage=50).status_code == 303

    public = app.test_client()
    about = public.get(f"/monitoring/projects/{pid}.json").json
    assert about["name"] == "Jembatan gantung Sumberagung" and about["progress"] == 50
    assert not {"budget", "realised", "contractor", "photos"} & set(about)
    page = public.get(f"/monitoring/?year={YEAR}&area=35.10.01").get_data(as_text=True)
    assert "Jembatan gantung Sumberagung" in page
    table = re.search(r'<table class="list projects">.*?</table>', page, re.S).group(0)
    assert "Jembatan gantung Sumberagung" in table and "50%" in table
    assert "CV Rahasia Konstruksi" not in page and "777.000.000" not in page and "Anggaran" not in table
    assert "Keuangan" not in page.split('<table class="list projects">')[0]  # nor the share spent per desa
    inside = dpupr.get(f"/monitoring/internal/projects/{pid}.json").json
    assert (inside["budget"], inside["contractor"]) == (777_000_000, "CV Rahasia Konstruksi")
    photo = inside["photos"][0][1]
    assert public.get(f"/monitoring/photos/{photo}").status_code == 404
    assert dpupr.get(f"/monitoring/photos/{photo}").status_code == 200
