"""smart_kampung, first part: the population register. Import with rejects
and re-import as a no-op, search and family cards scoped to the operator's
desa, edits in the audit trail."""
import csv
import io
import re
import sqlite3
import time
from datetime import date
from pathlib import Path

import pytest

from egovkit.app import create_app

from .conftest import csrf_token, login
from .test_workflow import KANDANGAN, PASSWORD, SARONGAN, people

GOOD = {"nik": "3510011708900002", "nama": "Budi Santoso", "jenis_kelamin": "L", "tempat_lahir": "Banyuwangi",
        "tanggal_lahir": "17-08-1990", "agama": "Islam", "pendidikan": "SLTA", "pekerjaan": "Petani",
        "status_perkawinan": "Kawin", "hubungan_keluarga": "Kepala Keluarga", "no_kk": "3510010101200003",
        "alamat": "Dusun Krajan No. 5", "rt": "1", "rw": "2", "kode_desa": SARONGAN, "status": ""}


def write(path, rows, columns=None):
    columns = columns or list(GOOD)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture
def register(cli, make_instance):
    make_instance("banyuwangi")
    people(cli)
    return create_app("instance", {"TESTING": True})


def test_import_keeps_good_rows_reports_bad_ones_and_reimport_changes_nothing(register, cli):
    rows = [GOOD,
            dict(GOOD, nik="3510015708900003", nama="Sri Wahyuni", jenis_kelamin="P", hubungan_keluarga="Istri"),
            dict(GOOD, nik="3510011708900004", tanggal_lahir="18-08-1990"),  # NIK disagrees with the date
            dict(GOOD, nik="3510011708900005", agama="Jedi"),
            dict(GOOD, nik="3510011708900006", kode_desa="33.11.01.2001"),
            dict(GOOD, nik="3510011708900007", rt="RT satu"),
            dict(GOOD, nik="3510011708900008", rw="\u00b2")]  # a superscript two is not a number
    write("warga.csv", rows)
    out = cli("residents", "import", "warga.csv").output
    assert "7 rows: 2 written, 0 unchanged, 5 rejected" in out
    rejects = list(csv.reader(open("warga.rejects.csv", encoding="utf-8")))
    assert [r[0] for r in rejects[1:]] == ["4", "5", "6", "7", "8"]
    assert rejects[1][1].startswith("nik: the NIK says born 17-08-90")
    assert rejects[2][1].startswith("agama: 'Jedi' is not one of")
    assert "not a desa/kelurahan of this instance" in rejects[3][1]
    assert "7 rows: 0 written, 2 unchanged, 5 rejected" in cli("residents", "import", "warga.csv").output
    write("fixed.csv", [dict(GOOD, alamat="Dusun Krajan No. 7")])
    assert "1 rows: 1 written, 0 unchanged" in cli("residents", "import", "fixed.csv").output
    with register.app_context():  # the import stores dates exactly as the ORM does (it bypasses it for speed)
        from sqlalchemy import text

        from egovkit.db import db
        from egovkit_modules.smart_kampung.models import Resident

        stored = db.session.execute(text("SELECT birth_date, updated_at FROM smart_kampung_resident")).first()
        if db.engine.dialect.name == "sqlite":
            assert stored[0] == "1990-08-17"
            assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}", stored[1]), stored[1]
        else:
            assert stored[0] == date(1990, 8, 17) and stored[1].tzinfo is not None
        assert db.session.query(Resident).filter_by(nik=GOOD["nik"]).one().birth_date == date(1990, 8, 17)


def counters_match_the_rows(app) -> dict:
    """The dashboard's counter tables (kept by triggers) equal counts of the rows themselves; the counts."""
    from sqlalchemy import func, select

    from egovkit.db import db
    from egovkit_modules.smart_kampung.models import Family, FamilyCount, PopulationCount, PopulationTotal, Resident

    with app.app_context():
        rows = {(r.village_code, r.sex, r.birth_date.year): 0 for r in db.session.query(Resident)}
        for r in db.session.query(Resident).filter_by(status="alive"):
            rows[(r.village_code, r.sex, r.birth_date.year)] += 1
        counted = {(c.village_code, c.sex, c.birth_year): c.n for c in db.session.query(PopulationCount)}
        assert {k: n for k, n in counted.items() if n} == {k: n for k, n in rows.items() if n}
        assert all(n >= 0 for n in counted.values())
        totals = {}
        for (_, sex, year), n in counted.items():
            totals[(sex, year)] = totals.get((sex, year), 0) + n
        assert {(t.sex, t.birth_year): t.n for t in db.session.query(PopulationTotal) if t.n} == {
            k: n for k, n in totals.items() if n}
        families = dict(db.session.execute(
            select(Family.village_code, func.count()).group_by(Family.village_code)).all())
        assert {c.village_code: c.n for c in db.session.query(FamilyCount) if c.n} == families
        db.engine.dispose()
        return {k: n for k, n in rows.items() if n}


def test_dashboard_counters_follow_imports_moves_deaths_and_deletions(register, cli):
    wife = dict(GOOD, nik="3510015708900003", nama="Sri Wahyuni", jenis_kelamin="P", hubungan_keluarga="Istri")
    child = dict(GOOD, nik="3510010101150004", nama="Ayu", tanggal_lahir="2015-01-01", hubungan_keluarga="Anak")
    write("warga.csv", [GOOD, wife, child])
    cli("residents", "import", "warga.csv")
    assert counters_match_the_rows(register) == {(SARONGAN, "L", 1990): 1, (SARONGAN, "P", 1990): 1,
                                                 (SARONGAN, "L", 2015): 1}
    # the family moves to another desa, the husband has died, the child moved away
    write("warga.csv", [dict(GOOD, status="MATI", kode_desa=KANDANGAN), dict(wife, kode_desa=KANDANGAN),
                        dict(child, kode_desa=KANDANGAN, status="PINDAH")])
    cli("residents", "import", "warga.csv")
    assert counters_match_the_rows(register) == {(KANDANGAN, "P", 1990): 1}
    write("warga.csv", [dict(GOOD, kode_desa=KANDANGAN), dict(wife, status=""), dict(child, kode_desa=KANDANGAN)])
    cli("residents", "import", "warga.csv")  # back alive (a correction), the wife back in Sarongan
    assert counters_match_the_rows(register) == {(KANDANGAN, "L", 1990): 1, (SARONGAN, "P", 1990): 1,
                                                 (KANDANGAN, "L", 2015): 1}
    with register.app_context():
        from egovkit.db import db
        from egovkit_modules.smart_kampung.models import Resident

        db.session.delete(db.session.query(Resident).filter_by(nik=child["nik"]).one())
        db.session.commit()
        db.engine.dispose()
    assert counters_match_the_rows(register) == {(KANDANGAN, "L", 1990): 1, (SARONGAN, "P", 1990): 1}


def test_import_in_small_statements_keeps_every_row_and_the_last_of_a_repeated_nik(register, tmp_path):
    """SQLite gets many rows per statement, as many as its variable limit allows: with a limit of 40 (two
    residents per statement) and batches of 7, every row still goes in once, a NIK repeated later in the
    file ends with the later row, the counters stay exact and re-importing changes nothing."""
    from sqlalchemy import event

    from egovkit.db import db
    from egovkit_modules.smart_kampung import importer
    from egovkit_modules.smart_kampung.models import Resident

    rows = [dict(GOOD, nik=f"35100117089{n:05d}", nama=f"Warga {n}") for n in range(2, 25)]
    rows.append(dict(rows[3], alamat="Dusun Baru", status="PINDAH"))  # the same person, later in the file
    write(tmp_path / "warga.csv", rows)

    def small_limit(dbapi_connection, *_):
        if hasattr(dbapi_connection, "setlimit"):  # sqlite3 only
            dbapi_connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 40)

    with register.app_context():
        event.listen(db.engine, "checkout", small_limit)
        first = importer.import_file(tmp_path / "warga.csv", batch_size=7)
        again = importer.import_file(tmp_path / "warga.csv", batch_size=7)
        moved = db.session.query(Resident).filter_by(nik=rows[3]["nik"]).one()
        assert (moved.address, moved.status) == ("Dusun Baru", "moved")
        assert db.session.query(Resident).count() == 23
        event.remove(db.engine, "checkout", small_limit)
        db.engine.dispose()
    assert (first.rows, first.written, first.rejected) == (24, 24, 0)  # 23 inserted, one of them updated
    assert (again.written, again.unchanged) == (2, 22)  # the repeated NIK is written back, then forth again
    assert counters_match_the_rows(register) == {(SARONGAN, "L", 1990): 22}


def test_the_counters_migration_counts_the_residents_already_there_and_goes_back(register, cli):
    write("warga.csv", [GOOD, dict(GOOD, nik="3510015708900003", jenis_kelamin="P", status="MATI")])
    cli("residents", "import", "warga.csv")
    from alembic import command
    from sqlalchemy import inspect

    from egovkit import db as dbm
    from egovkit.db import db

    with register.app_context():
        command.downgrade(dbm._config("smart_kampung"), "smart_kampung_0005")
        assert "smart_kampung_population_total" not in inspect(db.engine).get_table_names()
        command.downgrade(dbm._config("smart_kampung"), "smart_kampung_0004")
        assert "smart_kampung_population" not in inspect(db.engine).get_table_names()
        dbm.upgrade("smart_kampung")
        db.engine.dispose()
    assert counters_match_the_rows(register) == {(SARONGAN, "L", 1990): 1}


def test_rows_with_too_few_or_too_many_values_are_refused_and_blank_lines_skipped(register, cli):
    write("warga.csv", [GOOD])
    good_line = Path("warga.csv").read_text(encoding="utf-8").splitlines()[1]
    with open("warga.csv", "a", encoding="utf-8") as handle:
        handle.write("\n")  # a blank line is not a row
        handle.write(good_line.replace("3510011708900002", "3510011708900013") + ",extra,values\n")
        handle.write("3510011708900014,Ani\n")  # the missing values are empty
    out = cli("residents", "import", "warga.csv").output
    assert "3 rows: 1 written, 0 unchanged, 2 rejected" in out
    rejects = list(csv.reader(open("warga.rejects.csv", encoding="utf-8")))
    assert rejects[1][:2] == ["4", "2 value(s) more than the header has columns"]
    assert rejects[2][:2] == ["5", "kode_desa: '' is not a desa/kelurahan of this instance"]
    assert rejects[2][2:5] == ["3510011708900014", "Ani", ""]


def test_a_family_card_number_is_checked_on_every_row_that_differs(register, cli):
    rows = [GOOD, dict(GOOD, nik="3510015708900003", jenis_kelamin="P"),  # same KK, checked once
            dict(GOOD, nik="3510011708900004", no_kk="3510010101200000"),  # serial 0000
            dict(GOOD, nik="3510011708900005", no_kk="3510010101200000"),
            dict(GOOD, nik="3510011708900006", no_kk="3599010101200003")]  # no such district
    write("warga.csv", rows)
    assert "5 rows: 2 written, 0 unchanged, 3 rejected" in cli("residents", "import", "warga.csv").output
    reasons = [r[1] for r in csv.reader(open("warga.rejects.csv", encoding="utf-8"))][1:]
    assert reasons == ["no_kk: digits 13-16 (serial) start at 0001"] * 2 + [
        "no_kk: digits 1-6 (359901) are not a district code (35.99.01) in the Kemendagri list"]


def test_a_file_without_the_needed_columns_is_refused_whole(register, cli):
    write("bad.csv", [GOOD], columns=["nik", "nama"])
    assert "missing column(s) jenis_kelamin" in cli("residents", "import", "bad.csv", expect=1).output
    Path("latin1.csv").write_bytes(",".join(GOOD).encode() + b"\n" + "Jos\xe9".encode("latin-1"))
    assert "not UTF-8" in cli("residents", "import", "latin1.csv", expect=1).output


def search(client, q):
    """The residents search: POSTed (a NIK never goes in a URL); a name's results come by redirect."""
    response = client.post("/kampung/residents", data={"q": q, "csrf_token": csrf_token(client, "/kampung/residents")})
    if response.status_code == 303 and response.headers["Location"] == "/kampung/residents":
        return client.get("/kampung/residents")
    return response


def test_operators_see_only_their_own_desa(register, cli):
    write("warga.csv", [GOOD, dict(GOOD, nik="3510011708900009", nama="Budi Kandangan", kode_desa=KANDANGAN,
                                   no_kk="3510010101200004")])
    cli("residents", "import", "warga.csv")
    own = register.test_client()
    login(own, "op.sarongan@desa.id", PASSWORD)
    page = search(own, "budi").get_data(as_text=True)
    assert "BUDI SANTOSO" in page.upper() and "Budi Kandangan" not in page
    other = register.test_client()
    login(other, "op.kandangan@desa.id", PASSWORD)
    ids = {}
    with register.app_context():
        from egovkit.db import db
        from egovkit_modules.smart_kampung.models import Resident

        ids = {r.nik: (r.id, r.family_id) for r in db.session.query(Resident)}
    sarongan_id, family_id = ids[GOOD["nik"]]
    assert other.get(f"/kampung/residents/{sarongan_id}").status_code == 404
    assert other.get(f"/kampung/families/{family_id}").status_code == 404
    assert own.get(f"/kampung/families/{family_id}").status_code == 200
    found = search(other, GOOD["nik"])
    assert found.status_code == 200 and not re.search(r"/kampung/residents/\d", found.get_data(as_text=True))
    assert search(own, GOOD["nik"]).headers["Location"] == f"/kampung/residents/{sarongan_id}"
    camat = register.test_client()
    login(camat, "camat.pesanggaran@kec.id", PASSWORD)
    assert camat.get(f"/kampung/residents/{sarongan_id}").status_code == 200
    assert camat.get(f"/kampung/residents/{sarongan_id}/edit").status_code == 403  # camat reads, operator edits
    assert register.test_client().get("/kampung/residents").status_code == 302


def test_operator_edits_and_the_audit_keeps_old_and_new(register, cli):
    write("warga.csv", [GOOD])
    cli("residents", "import", "warga.csv")
    client = register.test_client()
    login(client, "op.sarongan@desa.id", PASSWORD)
    page = client.get("/kampung/residents?q=3510011708900002").get_data(as_text=True)
    url = re.search(r'href="/kampung/residents/(\d+)"', page).group(1)
    response = client.post(f"/kampung/residents/{url}/edit", data={
        "name": "Budi Santoso", "address": "Dusun Krajan No. 9", "rt": "3", "rw": "2", "occupation": "Wiraswasta",
        "education": "SLTA", "marital_status": "KAWIN", "csrf_token": csrf_token(client, f"/kampung/residents/{url}/edit")})
    assert response.status_code == 302
    audit = cli("audit", "list", "--module", "smart_kampung").output
    assert "update" in audit and "smart_kampung_resident" in audit
    assert "audit log intact" in cli("audit", "verify").output


def upload(client, rows, columns=None):
    """Upload a CSV on the import page and follow the background job to its end; the last response."""
    data = io.StringIO()
    writer = csv.DictWriter(data, fieldnames=columns or list(GOOD), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    response = client.post("/kampung/import", data={
        "csrf_token": csrf_token(client, "/kampung/import"),
        "file": (io.BytesIO(data.getvalue().encode()), "warga.csv")}, content_type="multipart/form-data")
    assert response.status_code == 302 and response.headers["Location"].startswith("/jobs/")
    job_url = response.headers["Location"]
    for _ in range(300):  # the job runs on a background thread: its page refreshes until it is done
        response = client.get(job_url)
        page = response.get_data(as_text=True)
        if response.status_code == 302 or "Selesai" in page.split("<h1>")[1]:
            break
        assert '<meta http-equiv="refresh"' in page and "<progress" in page
        time.sleep(0.05)
    return job_url, response


def test_operator_uploads_a_csv_for_their_own_desa_only(register):
    client = register.test_client()
    login(client, "op.sarongan@desa.id", PASSWORD)
    job_url, response = upload(client, [GOOD, dict(GOOD, nik="3510011708900010", kode_desa=KANDANGAN)])
    assert response.status_code == 302
    result = client.get(response.headers["Location"])
    page = result.get_data(as_text=True)
    assert result.status_code == 200 and "2 baris: 1 disimpan" in page
    # the refused row, its line and field, and why: in Bahasa Indonesia, the UI's default language
    assert f"<td>3</td><td>kode_desa: {KANDANGAN} bukan desa yang sedang diimpor (35.10.01.2001)</td>" in page
    assert "is not the village being imported" not in page
    rejects = client.get(response.headers["Location"] + "/rejects.csv")
    assert rejects.status_code == 200 and rejects.get_data(as_text=True).count("\n") == 2  # header + the row
    assert rejects.get_data(as_text=True).startswith("baris,alasan,nik,")
    other = register.test_client()
    login(other, "op.kandangan@desa.id", PASSWORD)
    assert other.get(job_url).status_code == 404  # a job and its rejects are its owner's alone
    assert other.get(response.headers["Location"] + "/rejects.csv").status_code == 404
    kept = [p.name for p in Path(register.instance_path).glob("uploads/scratch/smart_kampung-imports/*.csv")]
    assert len(kept) == 1 and kept[0].endswith(".rejects.csv")  # the upload itself is gone
    # nor may Kandangan's operator take Sarongan's resident (or family) over by uploading the NIK
    _, response = upload(other, [dict(GOOD, kode_desa=KANDANGAN, nama="Bukan Budi"),
                                 dict(GOOD, nik="3510011708900013", kode_desa=KANDANGAN)])
    page = other.get(response.headers["Location"]).get_data(as_text=True)
    assert f"NIK {GOOD['nik']} terdaftar di desa lain (35.10.01.2001)" in page
    assert f"KK {GOOD['no_kk']} terdaftar di desa lain (35.10.01.2001)" in page
    with register.app_context():
        from egovkit.db import db
        from egovkit_modules.smart_kampung.models import Resident

        kept = db.session.query(Resident).filter_by(nik=GOOD["nik"]).one()
        assert (kept.village_code, kept.name) == (SARONGAN, GOOD["nama"])


def test_refused_rows_are_explained_in_the_language_of_the_page(register):
    client = register.test_client()
    login(client, "op.sarongan@desa.id", PASSWORD)
    bad_nik = dict(GOOD, nik="3510011808900011")  # the NIK says born on the 18th, the row the 17th
    _, response = upload(client, [bad_nik, dict(GOOD, nik="3510011708900012", agama="Jedi")])
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<td>2</td><td>nik: menurut NIK lahir 18-08-90, menurut data lahir 17-08-90</td>" in page
    assert "<td>3</td><td>agama: &#39;Jedi&#39; bukan salah satu dari ISLAM, KRISTEN" in page
    client.get("/lang/en")
    _, response = upload(client, [bad_nik, dict(GOOD, nik="3510011708900010", kode_desa=KANDANGAN)])
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<td>2</td><td>nik: the NIK says born 18-08-90, the record says 17-08-90</td>" in page
    assert f"<td>3</td><td>kode_desa: {KANDANGAN} is not the village being imported (35.10.01.2001)</td>" in page
    rejects = client.get(response.headers["Location"] + "/rejects.csv").get_data(as_text=True)
    assert rejects.startswith("line,reason,nik,") and "is not the village being imported" in rejects


def test_a_file_that_cannot_be_read_fails_the_job_with_its_reason(register):
    client = register.test_client()
    login(client, "op.sarongan@desa.id", PASSWORD)
    _, response = upload(client, [GOOD], columns=["nik", "nama"])
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "kolom jenis_kelamin" in page and "tidak ada" in page
    assert '<meta http-equiv="refresh"' not in page


def test_a_job_page_shows_progress_and_says_when_its_process_died(register):
    from datetime import timedelta

    from egovkit.db import db
    from egovkit.services.jobs import Job
    from egovkit.models import User, utcnow

    client = register.test_client()
    login(client, "op.sarongan@desa.id", PASSWORD)
    with register.app_context():
        owner = db.session.query(User).filter_by(email="op.sarongan@desa.id").one()
        running = Job(kind="smart_kampung.import", target="x:y", owner_id=owner.id, state="running", done=250,
                      total=1000)
        dead = Job(kind="smart_kampung.import", target="x:y", owner_id=owner.id, state="running", done=1, total=9,
                   updated_at=utcnow() - timedelta(hours=1))
        db.session.add_all([running, dead])
        db.session.commit()
        ids = running.id, dead.id
        db.engine.dispose()
    page = client.get(f"/jobs/{ids[0]}").get_data(as_text=True)
    assert '<progress id="job-progress" max="100" value="25">' in page and '<meta http-equiv="refresh"' in page
    page = client.get(f"/jobs/{ids[1]}").get_data(as_text=True)
    assert "terputus" in page and '<meta http-equiv="refresh"' not in page


def test_demo_residents_are_believable(make_instance):
    path = make_instance("banyuwangi", "instance", "--demo")
    app = create_app(path)
    with app.app_context():
        from datetime import date

        from sqlalchemy import func, select

        from egovkit.auth.nik import check_nik
        from egovkit.db import db
        from egovkit_modules.smart_kampung.models import Family, Resident

        residents = db.session.scalars(select(Resident)).all()
        families = db.session.scalar(select(func.count()).select_from(Family))
        assert families == 3 * 217
        assert 2.5 <= len(residents) / families <= 5
        for r in residents:
            check_nik(r.nik, r.birth_date, r.sex)
        heads = [r for r in residents if r.relation == "KEPALA KELUARGA"]
        assert len(heads) == families and all((date(2026, 11, 24) - h.birth_date).days > 18 * 365 for h in heads)
        db.engine.dispose()
