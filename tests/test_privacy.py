"""Personal data (UU 27/2022 PDP): people are shown by position and name, never by sign-in email or NIK;
NIKs stay out of URLs; private files are never cached; imports tell the truth and clean up; the audit
trail forgets personal values after its retention; a citizen downloads what the kit holds about them."""
import io
import re

import pytest

from egovkit.app import create_app

from .test_auth import WOMAN
from .test_letters import CITIZEN, ask, citizen, decide, signed_in
from .test_smart_kampung import GOOD, write
from .test_workflow import people

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


@pytest.fixture
def village(cli, make_instance):
    make_instance("banyuwangi")
    people(cli)
    write("warga.csv", [GOOD, CITIZEN])
    cli("residents", "import", "warga.csv")
    return create_app("instance", {"TESTING": True})


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def issued_letter(app):
    """A citizen's domisili letter, verified by the operator and signed by the kepala desa."""
    sri = citizen(app)
    url = ask(sri, "domisili", since="2015-01-01", purpose="Melamar pekerjaan").headers["Location"]
    assert decide(signed_in(app, "op.sarongan@desa.id"), url, "verify").status_code == 302
    assert decide(signed_in(app, "kades.sarongan@desa.id"), url, "sign").status_code == 302
    return sri, url


def test_signers_are_shown_by_position_and_name_on_the_verify_page_pdf_and_timeline(village):
    sri, url = issued_letter(village)
    with village.app_context():
        from egovkit.db import db
        from egovkit.services.documents import Document

        doc = db.session.query(Document).filter_by(doc_type="smart_kampung.letter").one()
        code, issued_by = doc.code, doc.issued_by
    assert issued_by == "Kepala Desa Sarongan, kades.sarongan"

    public = village.test_client().get(f"/verify/{code}").get_data(as_text=True)
    assert "Kepala Desa Sarongan, kades.sarongan" in public
    assert not EMAIL.search(public) and WOMAN not in public

    text = pdf_text(sri.get(url + "/pdf").data)
    # the signature block: the signer's position, then their name (never their sign-in email)
    assert re.search(r"Kepala Desa Sarongan\s+kades\.sarongan", text), text[-600:]
    assert not EMAIL.search(text)
    # the letter's subject is identified by NIK in the letter's own body (that is what it certifies),
    # never as the label of anyone acting: only the paragraph "NIK: ..." and the masked fact carry it
    assert text.count(WOMAN) == 1 and re.search(r"NIK:\s+" + WOMAN, text)

    timeline = sri.get(url).get_data(as_text=True)
    history = timeline[timeline.index('class="timeline"'):]
    assert "Warga, Sri Wahyuni" in history and "Operator Desa Sarongan, op.sarongan" in history
    assert "Kepala Desa Sarongan, kades.sarongan" in history
    assert not EMAIL.search(history) and WOMAN not in history


def test_a_label_stored_before_the_rule_is_shown_as_the_person(village):
    sri, url = issued_letter(village)
    with village.app_context():
        from egovkit.db import db
        from egovkit.services import workflow

        step = db.session.query(workflow.Step).filter_by(transition="sign").one()
        step.actor = "kades.sarongan@desa.id"  # what earlier versions stored
        start = db.session.query(workflow.Step).filter_by(transition="start").one()
        start.actor, start.actor_id = WOMAN, None  # and a NIK whose account is gone
        db.session.commit()
    page = sri.get(url).get_data(as_text=True)
    history = page[page.index('class="timeline"'):]
    assert "Kepala Desa Sarongan, kades.sarongan" in history
    assert "kades.sarongan@desa.id" not in history and WOMAN not in history


def test_position_titles_follow_the_region_kind(village):
    from egovkit.services import people

    with village.app_context():
        from egovkit.db import db
        from egovkit.models import Region, RoleAssignment, User

        lurah = User(email="lurah@kel.id", name="Ani", password_hash="x")
        kelurahan = db.session.query(Region).filter_by(kind="kelurahan").first()
        lurah.roles.append(RoleAssignment(role="kepala_desa", region_code=kelurahan.code))
        camat = User(email="c@kec.id", name="Joko", password_hash="x")
        camat.roles.append(RoleAssignment(role="camat", region_code="35.10.01"))
        bupati = User(email="b@kab.id", name="Ipuk", password_hash="x")
        bupati.roles.append(RoleAssignment(role="bupati"))
        db.session.add_all([lurah, camat, bupati])
        db.session.flush()
        assert people.display(lurah) == f"Lurah {kelurahan.name}, Ani"
        assert people.display(camat) == "Camat Pesanggaran, Joko"
        assert people.display(bupati) == "Bupati, Ipuk"
        assert people.display(camat, "en") == "District head Pesanggaran, Joko"
        db.session.rollback()


# ----------------------------------------------------------------- NIKs stay out of URLs
SIXTEEN = re.compile(r"(?<!\d)\d{16}(?!\d)")
LINK = re.compile(r'(?:href|src|action|formaction)="([^"]+)"')


def crawl(client, start=("/",), limit=250):
    """Every same-site address reachable from ``start`` by links and redirects: (address, where found)."""
    from urllib.parse import urljoin, urlsplit

    seen, queue, found = set(), list(start), []
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        targets = []
        if response.headers.get("Location"):
            targets.append(response.headers["Location"])
        if response.mimetype == "text/html":
            targets += LINK.findall(response.get_data(as_text=True))
        for target in targets:
            target = target.replace("&amp;", "&")
            found.append((target, url))
            parts = urlsplit(urljoin("http://localhost" + url, target))
            if parts.netloc == "localhost" and not parts.path.startswith(("/static", "/logout", "/cases/")):
                queue.append(parts.path + ("?" + parts.query if parts.query else ""))
    return found


def test_no_link_or_redirect_carries_a_nik(village):
    sri, letter = issued_letter(village)
    operator = signed_in(village, "op.sarongan@desa.id")
    token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"',
                      operator.get("/kampung/residents").get_data(as_text=True)).group(1)
    by_nik = operator.post("/kampung/residents", data={"q": GOOD["nik"], "csrf_token": token})
    assert by_nik.status_code == 303 and not SIXTEEN.search(by_nik.headers["Location"])
    by_name = operator.post("/kampung/residents", data={"q": "budi", "csrf_token": token})
    assert by_name.headers["Location"].endswith("/kampung/residents")
    assert "Budi Santoso" in operator.get("/kampung/residents").get_data(as_text=True)  # the results, by GET
    found = operator.post("/kampung/rtlh/new", data={"action": "find", "nik": GOOD["nik"], "csrf_token": token})
    assert found.status_code == 303 and not SIXTEEN.search(found.headers["Location"])

    addresses = []
    for client in (operator, sri, signed_in(village, "kades.sarongan@desa.id"), village.test_client()):
        addresses += crawl(client, ("/", "/kampung/residents", letter, "/kampung/letters", "/kampung/rtlh"))
    assert len({a for a, _ in addresses}) > 40  # the crawl reached the register, residents and family cards
    assert any("/kampung/families/" in a for a, _ in addresses)
    leaks = [(a, where) for a, where in addresses if SIXTEEN.search(a)]
    assert leaks == []


def test_a_failed_statement_does_not_print_its_values(village):
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    with village.app_context():
        from egovkit.db import db

        with pytest.raises(DBAPIError) as failed:
            db.session.execute(text("SELECT nik FROM no_such_table WHERE nik = :nik"), {"nik": WOMAN})
        db.session.rollback()
    assert WOMAN not in str(failed.value) and "hidden" in str(failed.value)


# ----------------------------------------------------------------- private files are never cached
def test_a_letter_pdf_is_never_cached_and_modules_serve_private_files_one_way(village):
    from pathlib import Path

    sri, url = issued_letter(village)
    pdf = sri.get(url + "/pdf")
    assert pdf.status_code == 200 and pdf.headers["Cache-Control"] == "no-store, private"
    assert "ETag" not in pdf.headers
    # every module serves files through egovkit.services.uploads: send_private for access-controlled ones,
    # send_public for what anyone may see (a published announcement's PDF, a public map's photo)
    import egovkit_modules

    direct = sorted(str(p.relative_to(Path(egovkit_modules.__file__).parent))
                    for p in Path(egovkit_modules.__file__).parent.rglob("*.py") if "send_file(" in p.read_text())
    assert direct == []


# ----------------------------------------------------------------- imports tell the truth and clean up
def many(n, start=100):
    """n good rows with distinct NIKs (same family)."""
    return [dict(GOOD, nik=f"351001170890{i:04d}", nama=f"Warga {i}") for i in range(start, start + n)]


@pytest.fixture
def small_batches(cli):
    from pathlib import Path

    Path("p.yaml").write_text("name: kecil\nextends: banyuwangi\nmodules:\n  smart_kampung: {import_batch: 100}\n")
    cli("init", "--profile", "p.yaml")
    people(cli)
    return create_app("instance", {"TESTING": True})


def latin1_tail(path, rows):
    """A UTF-8 file of ``rows`` whose last line has a Latin-1 byte, far past the first read buffer."""
    from pathlib import Path

    write(path, rows)
    with Path(path).open("ab") as handle:
        handle.write(",".join(dict(GOOD, nik="3510011708909999", nama="Jos\xe9").values()).encode("latin-1") + b"\n")


def audit_actions(app):
    with app.app_context():
        from egovkit.db import db
        from egovkit.services.audit import AuditEntry

        entries = db.session.query(AuditEntry).filter_by(module="smart_kampung").order_by(AuditEntry.seq).all()
        out = [(e.action, e.data) for e in entries if e.action.startswith("import")]
        db.engine.dispose()
        return out


def test_an_import_that_fails_half_way_says_what_it_saved_and_audits_each_batch(small_batches, cli):
    import json

    latin1_tail("warga.csv", many(250))
    out = cli("residents", "import", "warga.csv", expect=1).output
    assert "not UTF-8 text near byte" in out
    saved = int(re.search(r"Saved before it stopped: (\d+) row", out).group(1))
    assert saved in (100, 200)  # whole batches, never a part of one
    with small_batches.app_context():
        from egovkit_modules.smart_kampung import importer

        assert importer.count() == saved
    actions = audit_actions(small_batches)
    batches = [json.loads(d) for a, d in actions if a == "import_batch"]
    assert len(batches) == saved // 100 and sum(b["written"] for b in batches) == saved
    assert batches[0]["lines"] == [2, 101]
    failed = [json.loads(d) for a, d in actions if a == "import_failed"]
    assert len(failed) == 1 and failed[0]["written"] == saved and failed[0]["reason"] == "not_utf8"
    assert "audit log intact" in cli("audit", "verify").output


def test_a_latin1_file_is_refused_as_not_utf8_and_nothing_is_saved(small_batches, cli):
    from pathlib import Path

    Path("latin1.csv").write_bytes(",".join(GOOD).encode() + b"\n" + ",".join(
        dict(GOOD, nama="Jos\xe9").values()).encode("latin-1") + b"\n")
    out = cli("residents", "import", "latin1.csv", expect=1).output
    assert "latin1.csv: not UTF-8 text near byte" in out and "Saved before" not in out
    operator = signed_in(small_batches, "op.sarongan@desa.id")
    from .test_smart_kampung import upload

    job_url, response = upload_bytes(operator, Path("latin1.csv").read_bytes())
    page = response.get_data(as_text=True)
    assert "bukan teks UTF-8" in page and "Tidak ada yang disimpan." in page
    assert upload  # the same helper shape as test_smart_kampung's
    assert not list(Path(small_batches.instance_path).glob("uploads/scratch/smart_kampung-imports/*"))


def upload_bytes(client, data: bytes):
    import time

    from .conftest import csrf_token

    response = client.post("/kampung/import", data={
        "csrf_token": csrf_token(client, "/kampung/import"),
        "file": (io.BytesIO(data), "warga.csv")}, content_type="multipart/form-data")
    job_url = response.headers["Location"]
    for _ in range(400):
        response = client.get(job_url)
        if response.status_code == 302 or "Selesai" in response.get_data(as_text=True).split("<h1>")[1]:
            break
        time.sleep(0.05)
    return job_url, response


def test_a_job_that_fails_half_way_tells_the_operator_what_was_saved(small_batches):
    from pathlib import Path

    latin1_tail("warga.csv", many(250))
    operator = signed_in(small_batches, "op.sarongan@desa.id")
    _, response = upload_bytes(operator, Path("warga.csv").read_bytes())
    page = response.get_data(as_text=True)
    assert "bukan teks UTF-8" in page
    saved = int(re.search(r"Tersimpan sebelum berhenti: (\d+) baris", page).group(1))
    assert saved in (100, 200)
    assert not list(Path(small_batches.instance_path).glob("uploads/scratch/smart_kampung-imports/*"))


def test_a_dead_job_is_ended_its_upload_removed_and_old_rejects_expire(small_batches, cli):
    import json
    import os
    import time
    from datetime import timedelta
    from pathlib import Path

    operator = signed_in(small_batches, "op.sarongan@desa.id")
    _, response = upload_bytes(operator, open_csv([GOOD, dict(GOOD, nik="3510011708900004", agama="Jedi")]))
    assert response.status_code == 302  # done, one row refused
    folder = Path(small_batches.instance_path) / "uploads" / "scratch" / "smart_kampung-imports"
    (rejects,) = folder.glob("*.rejects.csv")
    with small_batches.app_context():
        from egovkit.db import db
        from egovkit.models import User, utcnow
        from egovkit.services.jobs import FILES, Job

        owner = db.session.query(User).filter_by(email="op.sarongan@desa.id").one()
        orphan = folder / "0123456789abcdef01234567.csv"
        orphan.write_text("nik\n")
        dead = Job(kind="smart_kampung.import", target="egovkit_modules.smart_kampung.views:import_job",
                   owner_id=owner.id, state="running", params=json.dumps({FILES: [str(orphan)]}),
                   result=json.dumps({"saved": 100}), updated_at=utcnow() - timedelta(hours=1))
        db.session.add(dead)
        db.session.commit()
        dead_id = dead.id
        db.engine.dispose()
    out = cli("files", "expire").output
    assert "0 file(s) older than 7 days removed; 1 interrupted job(s) ended" in out
    assert not orphan.exists() and rejects.exists()
    page = operator.get(f"/jobs/{dead_id}").get_data(as_text=True)
    assert "terputus" in page and "Tersimpan sebelum berhenti: 100 baris" in page
    old = time.time() - 8 * 86400
    os.utime(rejects, (old, old))
    assert "1 file(s) older than 7 days removed" in cli("files", "expire").output
    assert not rejects.exists()


def open_csv(rows):
    buffer = io.StringIO()
    import csv

    writer = csv.DictWriter(buffer, fieldnames=list(GOOD))
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def test_a_rejects_file_defuses_formulas(small_batches):
    operator = signed_in(small_batches, "op.sarongan@desa.id")
    evil = dict(GOOD, nik="3510011708900004", agama="Jedi", nama="=HYPERLINK(\"http://x\")", alamat="@SUM(A1)")
    _, response = upload_bytes(operator, open_csv([evil]))
    rejects = operator.get(response.headers["Location"] + "/rejects.csv")
    text = rejects.get_data(as_text=True)
    assert rejects.headers["Cache-Control"] == "no-store, private"
    assert "'=HYPERLINK" in text and "'@SUM(A1)" in text and ",=HYPERLINK" not in text


# ----------------------------------------------------------------- the audit trail forgets personal values
def test_audit_redaction_keeps_what_changed_and_the_chain(village, cli):
    import json

    operator = signed_in(village, "op.sarongan@desa.id")
    with village.app_context():
        from egovkit.db import db
        from egovkit_modules.smart_kampung.models import Resident

        budi = db.session.query(Resident).filter_by(nik=GOOD["nik"]).one().id
        db.engine.dispose()
    url = f"/kampung/residents/{budi}/edit"
    from .conftest import csrf_token

    assert operator.post(url, data={"name": "Budi Santosa", "address": "Dusun Krajan No. 9", "rt": "3", "rw": "2",
                                    "occupation": "Wiraswasta", "education": "SLTA", "marital_status": "KAWIN",
                                    "csrf_token": csrf_token(operator, url)}).status_code == 302
    assert "0 entries before" in cli("audit", "redact").output  # nothing is 5 years old yet
    out = cli("audit", "redact", "--before", "2999-01-01").output
    assert re.search(r"[1-9]\d* entries before 2999-01-01 redacted", out)
    with village.app_context():
        from egovkit.services.audit import AuditEntry

        edit = db.session.query(AuditEntry).filter_by(action="update", record_type="smart_kampung_resident").one()
        data = json.loads(edit.data)
        assert set(data) >= {"name", "address", "rt", "occupation"}  # what changed is kept
        assert set(data["name"]) == {"redacted"} and data["rt"] == ["001", "003"]  # values of others too
        everything = " ".join(e.data for e in db.session.query(AuditEntry))
        assert "Budi Santosa" not in everything and GOOD["nik"] not in everything and WOMAN not in everything
        assert db.session.query(AuditEntry).filter_by(action="redact").count() == 2
        db.engine.dispose()
    assert "audit log intact" in cli("audit", "verify").output
    # an entry edited after redaction is still found
    with village.app_context():
        edit = db.session.query(AuditEntry).filter_by(action="update", record_type="smart_kampung_resident").one()
        edit.data = edit.data.replace('"003"', '"004"')
        db.session.commit()
        db.engine.dispose()
    assert "edited" in cli("audit", "verify", expect=1).output


# ----------------------------------------------------------------- "Data saya"
def test_a_citizen_downloads_everything_held_about_them(village):
    import json
    import zipfile

    sri, url = issued_letter(village)
    page = sri.get("/me/data")
    assert page.status_code == 200 and "Data saya" in page.get_data(as_text=True)
    response = sri.get("/me/data.zip")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store, private"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    data = json.loads(archive.read("data.json"))
    assert data["account"]["nik"] == WOMAN and data["account"]["name"] == "Sri Wahyuni"
    assert "password_hash" not in data["account"] and data["account"]["roles"][0]["role"] == "citizen"
    records = data["records"]
    assert [r["nik"] for r in records["smart_kampung_resident"]] == [WOMAN]  # her own record, nobody else's
    assert len(records["smart_kampung_letter"]) == 1 and len(records["core_case"]) == 1
    actors = [s["actor"] for s in records["core_case_step"]]
    assert actors[-1] == "Kepala Desa Sarongan, kades.sarongan" and not any(EMAIL.search(a) for a in actors)
    (doc,) = data["documents"]
    assert archive.read(f"documents/{doc['code']}.pdf").startswith(b"%PDF")
    assert GOOD["nik"] not in json.dumps(data)  # Budi, in the same family, is not hers to download
    with village.app_context():
        from egovkit.db import db
        from egovkit.services.audit import AuditEntry

        assert db.session.query(AuditEntry).filter_by(action="export_own_data").count() == 1
        db.engine.dispose()
    staff = signed_in(village, "op.sarongan@desa.id")
    other = json.loads(zipfile.ZipFile(io.BytesIO(staff.get("/me/data.zip").data)).read("data.json"))
    assert other["account"]["email"] == "op.sarongan@desa.id" and "smart_kampung_resident" not in other["records"]
    assert village.test_client().get("/me/data.zip").status_code == 302  # sign in first
