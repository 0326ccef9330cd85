"""Moving a village in: its residents and families from OpenSID (a MySQL dump, or a zip of its tables' CSV
exports) and from a SIAK extract, through the CLI and the upload page, with the register's rejects, the codes
that did not map reported, and a re-import that changes nothing. Fixtures: tests/fixtures/{opensid,siak}/,
synthetic people written by scripts/moving_in_fixtures.py from the sources' published table layouts."""
import io
import re
import shutil
import time
from pathlib import Path

import pytest

from egovkit.app import create_app

from .conftest import csrf_token, login
from .test_workflow import PASSWORD, SARONGAN, people

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def register(cli, make_instance):
    make_instance("banyuwangi")
    people(cli)
    return create_app("instance", {"TESTING": True})


def _copy(tmp_path, name) -> Path:
    target = tmp_path / Path(name).name
    shutil.copy(FIXTURES / name, target)
    return target


def _residents(app) -> dict:
    with app.app_context():
        from egovkit.db import db
        from egovkit_modules.smart_kampung.models import Family, Resident

        rows = {r.nik: (r.name, r.sex, r.religion, r.education, r.marital_status, r.relation, r.status, r.rt,
                        r.village_code, r.family_id is not None) for r in db.session.query(Resident)}
        families = db.session.query(Family).count()
        db.engine.dispose()
        return {"residents": rows, "families": families}


def _expected():
    """The fixture's people as the register should hold them (the generator's own rows)."""
    import sys

    sys.path.insert(0, str(Path(__file__).parents[1] / "scripts"))
    from moving_in_fixtures import VILLAGE, register_rows

    return {r["nik"]: r for r in register_rows([VILLAGE], 12)}


def _history(app) -> dict:
    """The letter history held: source row -> (NIK, letter type, kind, number, date, signer)."""
    with app.app_context():
        from egovkit.db import db
        from egovkit_modules.smart_kampung.models import LetterHistory, Resident

        rows = {h.source_key: (nik, h.letter_type, h.kind, h.number, h.issued_on.isoformat(), h.signer)
                for h, nik in db.session.query(LetterHistory, Resident.nik).join(
                    Resident, Resident.id == LetterHistory.resident_id)}
        db.engine.dispose()
        return rows


def _letters_expected(signed: bool = True) -> dict:
    """The fixture's four letters of imported residents (scripts/moving_in_fixtures.py LETTERS) as kept: OpenSID's
    formats mapped to the kit's letter types by url_surat (domisili, sktm) or by name (usaha), else OpenSID's name
    kept; the signer as printed, which OpenSID before 2301 did not record."""
    import sys

    sys.path.insert(0, str(Path(__file__).parents[1] / "scripts"))
    from moving_in_fixtures import VILLAGE, register_rows

    nik = [r["nik"] for r in register_rows([VILLAGE], 12)]
    key = f"opensid:{VILLAGE}:log_surat."
    rows = {key + "1": (nik[0], "domisili", "Keterangan Domisili", "001", "2024-03-02", "Contoh Kepala Desa"),
            key + "2": (nik[1], "sktm", "Keterangan Kurang Mampu", "002", "2024-03-05", "Contoh Kepala Desa"),
            key + "3": (nik[0], "usaha", "Surat Keterangan Usaha", "003", "2024-04-01", "Contoh Sekretaris Desa"),
            key + "4": (nik[2], None, "Keterangan Jual Beli", "004", "2024-05-20", "Contoh Kepala Desa")}
    return rows if signed else {k: (*v[:5], None) for k, v in rows.items()}


def test_opensid_letter_history_through_the_cli_kept_on_the_residents_with_rejects_and_a_no_op_reimport(
        register, cli, tmp_path):
    """log_surat (OpenSID 2301+ in the dump, 2107-2212 in the CSV zip) into read-only letters on the residents'
    records; a letter whose resident did not import, or of a non-resident, is refused with the reason; a draft is
    counted and left out."""
    dump = _copy(tmp_path, "opensid/sarongan.sql")
    first = cli("residents", "import", "--from", "opensid", dump).output
    assert "log_surat 7" in first and "tweb_surat_format 4" in first
    assert "log_surat (draft or deleted in OpenSID): 1 rows" in first
    assert "6 letters (log_surat): 4 written, 0 unchanged, 2 rejected" in first
    rejects = (tmp_path / "sarongan.opensid-letters.rejects.csv").read_text(encoding="utf-8")
    refused = {line.split(",")[0]: line for line in rejects.splitlines()[1:]}
    assert len(refused) == 2
    assert "is not in the register of 35.10.01.2001 (the resident's row was not imported)" in rejects
    assert "log_surat.id=5" in next(v for v in refused.values() if "not imported" in v)
    assert "log_surat.id=6" in next(v for v in refused.values() if "not a resident" in v)
    assert _history(register) == _letters_expected()
    again = cli("residents", "import", "--from", "opensid", dump).output
    assert "6 letters (log_surat): 0 written, 4 unchanged, 2 rejected" in again
    assert _history(register) == _letters_expected()
    # an older OpenSID's export (no nama_pamong): the same letters, no signer recorded
    zipped = cli("residents", "import", "--from", "opensid", _copy(tmp_path, "opensid/sarongan-csv.zip")).output
    assert "6 letters (log_surat): 4 written, 0 unchanged, 2 rejected" in zipped
    assert _history(register) == _letters_expected(signed=False)


def test_opensid_dump_through_the_cli_maps_its_codes_reports_what_did_not_and_reimports_as_a_no_op(
        register, cli, tmp_path):
    dump = _copy(tmp_path, "opensid/sarongan.sql")
    first = cli("residents", "import", "--from", "opensid", dump).output
    assert "Importing sarongan.sql" in first  # the progress bar (on stderr)
    assert "opensid: village 35.10.01.2001" in first and "tweb_penduduk 55" in first
    assert "not mapped: tweb_penduduk.agama_id: 8 x1" in first
    assert "not mapped: tweb_penduduk.status_dasar: 4 (HILANG) x1" in first
    assert "55 rows: 53 written, 0 unchanged, 2 rejected" in first
    rejects = (tmp_path / "sarongan.opensid.rejects.csv").read_text(encoding="utf-8")
    assert "agama: '8' is not one of ISLAM" in rejects and "tweb_penduduk.id=54" in rejects
    assert "status: 'HILANG' is not one of" in rejects
    held = _residents(register)
    expected = _expected()
    assert set(held["residents"]) == set(expected) and held["families"] == 12
    for nik, row in expected.items():  # every code mapped back to what the register writes
        name, sex, religion, education, marital, relation, status, rt, village, in_family = held["residents"][nik]
        assert (name, sex, religion, education, marital, relation, status, rt, village, in_family) == (
            row["nama"], row["jenis_kelamin"], row["agama"], row["pendidikan"], row["status_perkawinan"],
            row["hubungan_keluarga"], "alive", row["rt"], SARONGAN, True), nik
    again = cli("residents", "import", "--from", "opensid", dump).output
    assert "55 rows: 0 written, 53 unchanged, 2 rejected" in again
    # the same tables as CSV exports in a zip read the same
    zipped = cli("residents", "import", "--from", "opensid", _copy(tmp_path, "opensid/sarongan-csv.zip")).output
    assert "55 rows: 0 written, 53 unchanged, 2 rejected" in zipped
    assert _residents(register) == held
    # another village's dump for --desa, and a file that is no dump, are refused by name
    other = cli("residents", "import", "--from", "opensid", "--desa", "35.10.01.2002", dump, expect=1).output
    assert "sarongan.sql is OpenSID of village 35.10.01.2001, not 35.10.01.2002" in other
    junk = tmp_path / "junk.sql"
    junk.write_text("hello world\n", encoding="utf-8")
    assert "not a MySQL dump" in cli("residents", "import", "--from", "opensid", junk, expect=1).output
    broken = tmp_path / "broken.sql"
    broken.write_text(dump.read_text(encoding="utf-8").replace("),(", "),(1,", 1), encoding="utf-8")
    assert "broken.sql:" in cli("residents", "import", "--from", "opensid", broken, expect=1).output
    assert _residents(register) == held  # nothing half-written


def _upload(client, path: Path, source: str):
    with path.open("rb") as handle:
        response = client.post("/kampung/import", data={
            "csrf_token": csrf_token(client, "/kampung/import"), "source": source,
            "file": (io.BytesIO(handle.read()), path.name)}, content_type="multipart/form-data")
    assert response.status_code == 302 and response.headers["Location"].startswith("/jobs/"), \
        response.get_data(as_text=True)
    job_url = response.headers["Location"]
    for _ in range(300):  # the job runs on a background thread; its page shows progress until it is done
        response = client.get(job_url)
        page = response.get_data(as_text=True)
        if response.status_code == 302 or "Selesai" in page.split("<h1>")[1]:
            break
        assert "<progress" in page
        time.sleep(0.05)
    assert response.status_code == 302, page
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_opensid_and_siak_through_the_upload_page_as_a_job_with_the_report(register, tmp_path):
    client = register.test_client()
    login(client, "op.sarongan@desa.id", PASSWORD)
    form = client.get("/kampung/import").get_data(as_text=True)
    assert 'value="opensid"' in form and 'value="siak"' in form
    page = _upload(client, _copy(tmp_path, "opensid/sarongan-csv.zip"), "opensid")
    assert "55 baris: 53 disimpan" in page and "tweb_penduduk.agama_id" in page and "4 (HILANG)" in page
    assert "bukan salah satu dari ISLAM" in page  # the refused row, in the page's language
    assert "6 surat: 4 disimpan, 0 tidak berubah, 2 ditolak" in page  # the letter history, OpenSID 2107-2212
    assert "bukan penduduk" in page and "log_surat.id=6" in page
    again = _upload(client, _copy(tmp_path, "opensid/sarongan.sql"), "opensid")
    assert "55 baris: 0 disimpan, 53 tidak berubah, 2 ditolak" in again and "log_surat" in again
    assert "6 surat: 4 disimpan, 0 tidak berubah, 2 ditolak" in again  # 2301+: the signers, recorded now
    refused = client.get(re.search(r"/kampung/import/[0-9]+/rejects\.csv\?of=letters", again).group())
    assert refused.status_code == 200 and "log_surat.id=5" in refused.get_data(as_text=True)
    assert _history(register) == _letters_expected()
    # the resident's page shows their past letters, read-only, to the operator within reach and to the citizen
    first = _expected()[_letters_expected()[f"opensid:{SARONGAN}:log_surat.1"][0]]
    with register.app_context():
        from egovkit.db import db
        from egovkit_modules.smart_kampung.models import Resident

        person = db.session.query(Resident).filter_by(nik=first["nik"]).one().id
        db.engine.dispose()
    shown = client.get(f"/kampung/residents/{person}").get_data(as_text=True)
    assert "Surat yang terbit sebelumnya (dari OpenSID)" in shown
    assert "Surat Keterangan Domisili" in shown and "Surat Keterangan Usaha" in shown and "003" in shown
    assert "Contoh Sekretaris Desa" in shown and "Keterangan Jual Beli" not in shown  # another resident's letter
    outsider = register.test_client()
    login(outsider, "op.kandangan@desa.id", PASSWORD)
    assert outsider.get(f"/kampung/residents/{person}").status_code == 404
    from .test_identity import record_phone, registered_citizen

    record_phone(register, first["nik"], "081233334444")
    own = registered_citizen(register, nik=first["nik"], phone="081233334444", name=first["nama"],
                             birth_date=first["tanggal_lahir"], sex=first["jenis_kelamin"])
    mine = own.get("/kampung/letters").get_data(as_text=True)
    assert "Surat Keterangan Domisili" in mine and "Contoh Kepala Desa" in mine and "004" not in mine
    # SIAK's extract: its spelling of names and addresses is the authority, so those rows change once
    siak = _upload(client, _copy(tmp_path, "siak/sarongan.csv"), "siak")
    assert "54 baris: 53 disimpan" in siak and "PDDK_AKH" in siak
    siak = _upload(client, _copy(tmp_path, "siak/sarongan.csv"), "siak")
    assert "54 baris: 0 disimpan, 53 tidak berubah, 1 ditolak" in siak
    # a wrong kind of file for the source is refused on the form
    wrong = client.post("/kampung/import", data={
        "csrf_token": csrf_token(client, "/kampung/import"), "source": "opensid",
        "file": (io.BytesIO(b"nik\n"), "warga.csv")}, content_type="multipart/form-data")
    assert wrong.status_code == 400 and ".sql" in wrong.get_data(as_text=True)
    # Kandangan's operator cannot move Sarongan's OpenSID into their village
    other = register.test_client()
    login(other, "op.kandangan@desa.id", PASSWORD)
    response = other.post("/kampung/import", data={
        "csrf_token": csrf_token(other, "/kampung/import"), "source": "opensid",
        "file": (io.BytesIO((FIXTURES / "opensid/sarongan.sql").read_bytes()), "sarongan.sql")},
        content_type="multipart/form-data")
    job_url = response.headers["Location"]
    for _ in range(300):
        page = other.get(job_url).get_data(as_text=True)
        if "bukan 35.10" in page or "not 35.10" in page:
            break
        time.sleep(0.05)
    assert "sarongan.sql adalah OpenSID desa 35.10.01.2001, bukan" in page


def test_siak_extract_through_the_cli(register, cli, tmp_path):
    out = cli("residents", "import", "--from", "siak", _copy(tmp_path, "siak/sarongan.csv")).output
    assert "siak: village (per row); read biodata_wni 54" in out and "not mapped: PDDK_AKH: 11 x1" in out
    assert "54 rows: 53 written, 0 unchanged, 1 rejected" in out
    held = _residents(register)["residents"]
    expected = _expected()
    assert set(held) == set(expected)
    assert all(held[n][2:6] == (r["agama"], r["pendidikan"], r["status_perkawinan"], r["hubungan_keluarga"])
               for n, r in expected.items())
    again = cli("residents", "import", "--from", "siak", tmp_path / "sarongan.csv").output
    assert "54 rows: 0 written, 54 unchanged" not in again and "0 written, 53 unchanged, 1 rejected" in again


def test_siak_extract_as_a_zip_of_its_two_tables_through_the_cli_and_the_upload_page(register, cli, tmp_path):
    """The extract Dukcapil hands out as BIODATA_WNI and DATA_KELUARGA (docs/moving-in.md): persons joined to their
    family card by NO_KK, the address, RT/RW and village taken from the family; the same rejects and codes report
    as the one-file extract, and it reads into the same register (importing one after the other changes nothing)."""
    extract = _copy(tmp_path, "siak/sarongan-siak.zip")
    out = cli("residents", "import", "--from", "siak", extract).output
    assert "read biodata_wni 54, data_keluarga 12" in out and "not mapped: PDDK_AKH: 11 x1" in out
    assert "54 rows: 53 written, 0 unchanged, 1 rejected" in out
    rejects = (tmp_path / "sarongan-siak.siak.rejects.csv").read_text(encoding="utf-8")
    assert "sarongan-siak.zip:BIODATA_WNI.csv:55" in rejects and "CONTOH PENDIDIKAN" in rejects
    held = _residents(register)
    expected = _expected()
    assert set(held["residents"]) == set(expected) and held["families"] == 12
    for nik, row in expected.items():  # RT and village came from DATA_KELUARGA: BIODATA_WNI has neither
        assert held["residents"][nik][7:] == (row["rt"], SARONGAN, True), nik
    with register.app_context():
        from egovkit.db import db
        from egovkit_modules.smart_kampung.models import Family

        addresses = {f.kk_number: (f.address, f.rt, f.rw) for f in db.session.query(Family)}
        db.engine.dispose()
    heads = {r["no_kk"]: r for r in expected.values() if r["no_kk"]}
    assert addresses == {kk: (r["alamat"].upper(), r["rt"], r["rw"]) for kk, r in heads.items()}
    # the one-file extract of the same people: nothing to change
    assert "54 rows: 0 written, 53 unchanged, 1 rejected" in cli(
        "residents", "import", "--from", "siak", _copy(tmp_path, "siak/sarongan.csv")).output

    client = register.test_client()
    login(client, "op.sarongan@desa.id", PASSWORD)
    page = _upload(client, _copy(tmp_path, "siak/sarongan-siak.zip"), "siak")
    assert "54 baris: 0 disimpan, 53 tidak berubah, 1 ditolak" in page and "PDDK_AKH" in page
    assert "data_keluarga" in page
    rejected = client.get(re.search(r"/kampung/import/[0-9]+/rejects\.csv", page).group())
    assert rejected.status_code == 200 and "BIODATA_WNI.csv:55" in rejected.get_data(as_text=True)
    assert _residents(register) == held
