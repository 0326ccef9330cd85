"""The APBDes from Siskeudes' database export (a zip of its CSV tables) into the right desa and year, with a
report of what did not map, through the CLI and the upload page (a job), re-import as a no-op; and the export in
Siskeudes' layout, with the realisation, which reads back into an identical APBDes. Fixture:
tests/fixtures/siskeudes/, written by scripts/moving_in_fixtures.py from Siskeudes 2.0's table layout."""
import io
import os
import shutil
import time
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from egovkit.app import create_app

from .conftest import csrf_token, login
from .test_workflow import KANDANGAN, PASSWORD, SARONGAN, people

BUNDLE = Path(__file__).parent / "fixtures/siskeudes/sarongan-2026.zip"
DATABASE = BUNDLE.with_suffix(".mdb")  # the same tables in an Access file (scripts/jet4.py)


def needs_mdbtools():
    """The .mdb is read with mdbtools' mdb-export: skipped where it is not installed, unless
    EGOVKIT_REQUIRE_MDBTOOLS=1 (CI installs it and sets it)."""
    if shutil.which("mdb-export") is None:
        problem = "mdbtools is not installed (apt-get install mdbtools)"
        if os.environ.get("EGOVKIT_REQUIRE_MDBTOOLS") == "1":
            pytest.fail(problem)
        pytest.skip(problem)


@pytest.fixture
def village(cli, make_instance):
    make_instance("banyuwangi")
    people(cli)
    return create_app("instance", {"TESTING": True})


def signature(app, village, year):
    """The lines of the village's latest budget of the year, as a sorted list."""
    with app.app_context():
        from egovkit.db import db
        from egovkit_modules.village_finance.models import Budget, Line

        budget = db.session.scalars(select(Budget).where(Budget.village_code == village, Budget.year == year)
                                    .order_by(Budget.version.desc())).first()
        rows = [] if budget is None else sorted(
            (line.account, line.kegiatan or "", line.source, line.amount, line.description)
            for line in db.session.scalars(select(Line).where(Line.budget_id == budget.id)))
        db.engine.dispose()
        return rows


def wait(client, job_url):
    for _ in range(300):
        response = client.get(job_url)
        if response.status_code == 302:
            return client.get(response.headers["Location"]).get_data(as_text=True)
        page = response.get_data(as_text=True)
        if "Gagal" in page.split("<h1>")[1]:
            return page
        assert "<progress" in page
        time.sleep(0.05)
    raise AssertionError("the job did not finish")


def test_siskeudes_in_and_out_reads_back_into_an_identical_apbdes(village, cli, tmp_path):
    out = cli("apbdes", "import-siskeudes", BUNDLE, "--desa", SARONGAN).output
    assert "Importing sarongan-2026.zip" in out  # the progress bar (on stderr)
    assert "APBDes 2026 of 35.10.01.2001: posting 1, Perdes 2 Tahun 2025; 32 lines read, 32 imported (created)" in out
    assert "not mapped: 01.2001.00.00.00.4.3.1.01.XYZ: SumberDana: 'XYZ' is not a Siskeudes source" in out
    imported = signature(village, SARONGAN, 2026)
    assert len(imported) == 32
    assert ("4.2.1.01", "", "DD", 922_000_000, "") in imported  # DDS is the chart's DD, 4.2.1.01. its 4.2.1.01
    assert any(r[1] == "5.3.00" and r[2] == "DD" for r in imported)  # 05.03.00. after the village: BLT Dana Desa
    assert "(unchanged)" in cli("apbdes", "import-siskeudes", BUNDLE, "--desa", SARONGAN).output
    # the wrong year, or a file that is no export, changes nothing
    assert "has no APBDes for 2025" in cli("apbdes", "import-siskeudes", BUNDLE, "--desa", SARONGAN,
                                           "--tahun", "2025", expect=1).output
    junk = tmp_path / "junk.zip"
    with zipfile.ZipFile(junk, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert "no Ta_Anggaran rows" in cli("apbdes", "import-siskeudes", junk, "--desa", SARONGAN, expect=1).output
    assert signature(village, SARONGAN, 2026) == imported

    # the operator: the upload page runs it as a job; the same export again changes nothing
    operator = village.test_client()
    login(operator, "op.sarongan@desa.id", PASSWORD)
    url = f"/apbdes/{SARONGAN}/2026/siskeudes"
    response = operator.post(url, data={"csrf_token": csrf_token(operator, url),
                                        "file": (io.BytesIO(BUNDLE.read_bytes()), "siskeudes.zip")},
                             content_type="multipart/form-data")
    assert response.status_code == 302 and response.headers["Location"].startswith("/jobs/")
    page = wait(operator, response.headers["Location"])
    assert "tidak ada yang berubah" in page and "XYZ" in page
    wrong = operator.post(url, data={"csrf_token": csrf_token(operator, url),
                                     "file": (io.BytesIO(b"x"), "apbdes.csv")}, content_type="multipart/form-data")
    assert wrong.status_code == 400
    other = village.test_client()
    login(other, "op.kandangan@desa.id", PASSWORD)
    assert other.get(url).status_code == 404  # another village's budget is out of reach

    # out in Siskeudes' layout, and back in (into another desa): the same APBDes
    exported = operator.get(f"/apbdes/{SARONGAN}/2026/siskeudes.zip")
    assert exported.status_code == 200 and exported.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(exported.data)) as archive:
        names = set(archive.namelist())
        assert {"Ta_Anggaran.csv", "Ta_AnggaranRinci.csv", "Ta_Kegiatan.csv", "Ta_TBPRinci.csv",
                "Ta_SPPRinci.csv"} <= names
        head = archive.read("Ta_Anggaran.csv").decode().splitlines()[0]
        assert head.startswith("KdPosting,Tahun,KURincianSD,Kd_Rincian,RincianSD,Anggaran")
    again = tmp_path / "again.zip"
    again.write_bytes(exported.data)
    moved = cli("apbdes", "import-siskeudes", again, "--desa", KANDANGAN).output
    assert "32 lines read, 32 imported (created)" in moved and "not mapped" not in moved
    assert signature(village, KANDANGAN, 2026) == imported


def test_the_export_carries_the_realisation(cli, make_instance, tmp_path):
    make_instance("banyuwangi", "instance", "--demo")
    app = create_app("instance", {"TESTING": True})
    with app.app_context():
        from egovkit.db import db
        from egovkit_modules.village_finance.models import Budget, Line

        budget = db.session.scalars(select(Budget).where(Budget.village_code == SARONGAN,
                                                         Budget.in_force.is_(True))).first()
        year = budget.year
        lines = db.session.scalars(select(Line).where(Line.budget_id == budget.id)).all()
        received = sum(line.realised for line in lines if line.account.startswith(("4", "6.1")))
        spent = sum(line.realised for line in lines if not line.account.startswith(("4", "6.1")))
        db.engine.dispose()
    assert received > 0 and spent > 0
    out = tmp_path / "out.zip"
    cli("apbdes", "export-siskeudes", "--desa", SARONGAN, "--tahun", year, "--out", out)
    import csv

    with zipfile.ZipFile(out) as archive:
        tbp = list(csv.DictReader(io.StringIO(archive.read("Ta_TBPRinci.csv").decode())))
        spp = list(csv.DictReader(io.StringIO(archive.read("Ta_SPPRinci.csv").decode())))
    assert sum(int(r["Nilai"]) for r in tbp) == received
    assert sum(int(r["Nilai"]) for r in spp) == spent
    assert all(r["Kd_Desa"] == "01.2001." for r in tbp + spp)


def test_the_siskeudes_database_itself_through_the_cli_and_the_upload_page(village, cli, tmp_path, monkeypatch):
    """The Access file Siskeudes keeps (.mdb/.mde) reads as its CSV export does: the same APBDes, the same row
    that did not map, a re-import that changes nothing; an unreadable file or a server without mdbtools is
    refused by name, changing nothing."""
    needs_mdbtools()
    out = cli("apbdes", "import-siskeudes", DATABASE, "--desa", SARONGAN).output
    assert "APBDes 2026 of 35.10.01.2001: posting 1, Perdes 2 Tahun 2025; 32 lines read, 32 imported (created)" in out
    assert "not mapped: 01.2001.00.00.00.4.3.1.01.XYZ: SumberDana: 'XYZ' is not a Siskeudes source" in out
    assert "read ref_sumber 8, ta_anggaran 33, ta_anggaranlog 1, ta_anggaranrinci 32, ta_kegiatan" in out
    from_database = signature(village, SARONGAN, 2026)
    cli("apbdes", "import-siskeudes", BUNDLE, "--desa", KANDANGAN)
    assert from_database == signature(village, KANDANGAN, 2026) and len(from_database) == 32  # amounts to the rupiah
    assert "32 lines read, 0 imported (unchanged)" in cli("apbdes", "import-siskeudes", DATABASE, "--desa",
                                                        SARONGAN).output
    broken = tmp_path / "DataAPBDES.mde"
    broken.write_bytes(DATABASE.read_bytes()[:12288])  # the catalog's page is there, the tables' pages are not
    refused = cli("apbdes", "import-siskeudes", broken, "--desa", SARONGAN, expect=1).output
    assert "DataAPBDES.mde: no Ta_Anggaran rows" in refused or "DataAPBDES.mde: not a readable Access" in refused
    monkeypatch.setenv("PATH", str(tmp_path))  # a server without mdbtools
    assert "DataAPBDES.mde is an Access database: reading it needs mdbtools" in cli(
        "apbdes", "import-siskeudes", broken, "--desa", SARONGAN, expect=1).output
    monkeypatch.undo()
    assert signature(village, SARONGAN, 2026) == from_database

    operator = village.test_client()
    login(operator, "op.sarongan@desa.id", PASSWORD)
    url = f"/apbdes/{SARONGAN}/2026/siskeudes"
    assert ".mdb" in operator.get(url).get_data(as_text=True)
    response = operator.post(url, data={"csrf_token": csrf_token(operator, url),
                                        "file": (io.BytesIO(DATABASE.read_bytes()), "DataAPBDES.mdb")},
                             content_type="multipart/form-data")
    assert response.status_code == 302 and response.headers["Location"].startswith("/jobs/")
    page = wait(operator, response.headers["Location"])
    assert "tidak ada yang berubah" in page and "XYZ" in page and "ta_anggaranrinci" in page
    assert signature(village, SARONGAN, 2026) == from_database
