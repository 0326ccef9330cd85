"""complaints: a citizen files a complaint (anonymous, confidential or under their name), the verifying
agency verifies and routes it, the unit in charge follows it up and resolves it, the complainant rates it;
SLA overdue flags, scope per unit, the public tracking page without personal data, the LAPOR! exchange."""
import csv
import io
import re
from datetime import timedelta

import pytest

from egovkit.app import create_app

from .conftest import accounts, csrf_token, login
from .test_identity import messages
from .test_letters import citizen, decide
from .test_workflow import KANDANGAN, SARONGAN, people

PASSWORD = "sandi-kuat-sekali"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
STAFF = [("lapor@diskominfo.id", "opd_staff", "diskominfo"), ("staf@dpupr.id", "opd_staff", "dpupr"),
         ("staf@dinkes.id", "opd_staff", "dinkes")]


@pytest.fixture
def regency(cli, make_instance):
    make_instance("banyuwangi")
    people(cli)
    accounts(cli, [{"email": email, "name": email.split("@")[0], "role": role, "agency": agency}
                   for email, role, agency in STAFF], PASSWORD)
    return create_app("instance", {"TESTING": True, "EGOVKIT_PUBLIC_URL": "https://layanan.banyuwangikab.example"})


def staff(app, email, password=PASSWORD):
    client = app.test_client()
    assert login(client, email, password).status_code == 302
    return client


def file(client, **override):
    data = {"csrf_token": csrf_token(client, "/pengaduan/"), "category": "infrastruktur",
            "subject": "Jalan berlubang di depan SDN 1", "village_code": SARONGAN,
            "description": "Lubang besar di jalan desa membahayakan anak sekolah sejak sebulan.",
            "latitude": "-8.5921", "longitude": "114.0312", **override}
    return client.post("/pengaduan/", data=data, content_type="multipart/form-data")


def code_of(response) -> str:
    return re.search(r"code=([A-Z2-9]{8})", response.headers["Location"]).group(1)


def record(app, code):
    from egovkit.db import db
    from egovkit.services.workflow import Case
    from egovkit_modules.complaints.models import Complaint

    with app.app_context():
        item = db.session.query(Complaint).filter_by(tracking_code=code).one()
        case = db.session.get(Case, item.case_id)
        db.session.expunge_all()
        return item, case


def test_an_anonymous_complaint_from_filing_to_rating(regency):
    public = regency.test_client()
    bad = file(public, subject="", village_code="99.99")
    assert bad.status_code == 400
    page = bad.get_data(as_text=True)
    assert page.count('class="error"') >= 2
    filed = file(public, photos=[(io.BytesIO(PNG), "lubang.png")])
    assert filed.status_code == 302
    code = code_of(filed)
    item, case = record(regency, code)
    assert item.reporter_id is None and item.mode == "anonymous" and case.owner_id is None
    assert case.state == "unverified" and case.agency_code == "diskominfo" and case.due_at is not None
    tracking = public.get(f"/pengaduan/lacak?code={code}").get_data(as_text=True)
    assert "Belum Terverifikasi" in tracking
    assert "Lubang besar" not in tracking and "photos" not in tracking  # the text and photos stay private
    assert public.get(f"/pengaduan/{item.id}/photos/0").status_code == 302  # sign in first

    lapor, dpupr, dinkes = staff(regency, "lapor@diskominfo.id"), staff(regency, "staf@dpupr.id"), \
        staff(regency, "staf@dinkes.id")
    url = f"/pengaduan/{item.id}"
    assert dpupr.get(url).status_code == 404  # not routed yet
    shown = lapor.get(url).get_data(as_text=True)
    assert "Lubang besar" in shown and "Anonim" in shown and "Warga tanpa akun" in shown  # the timeline
    photo = lapor.get(f"{url}/photos/0")
    assert photo.data == PNG and photo.headers["Cache-Control"] == "no-store, private"
    verified = lapor.post(f"{url}/verify", data={"csrf_token": csrf_token(lapor, url), "category": "infrastruktur"})
    assert verified.status_code == 303
    item, case = record(regency, code)
    assert case.state == "verified" and item.unit_agency == "dpupr" and case.agency_code == "dpupr"
    assert dinkes.get(url).status_code == 404 and "Jalan berlubang" not in dinkes.get("/inbox").get_data(as_text=True)
    assert "Jalan berlubang" in dpupr.get("/inbox").get_data(as_text=True)
    assert "Belum Ditindaklanjuti" in public.get(f"/pengaduan/lacak?code={code}").get_data(as_text=True)

    assert decide(dpupr, url, "follow_up").status_code == 302
    assert record(regency, code)[1].state == "in_progress"
    assert decide(dpupr, url, "finish", note="Jalan sudah ditambal pada 3 Desember.").status_code == 302
    assert record(regency, code)[1].state == "done"
    done = public.get(f"/pengaduan/lacak?code={code}").get_data(as_text=True)
    assert "Selesai" in done and 'name="rating"' in done
    rate_url = "/pengaduan/lacak/rate"
    token = csrf_token(public, f"/pengaduan/lacak?code={code}")
    assert public.post(rate_url, data={"csrf_token": token, "code": code, "rating": "9"}).status_code == 303
    assert record(regency, code)[0].rating is None  # out of range: refused
    assert public.post(rate_url, data={"csrf_token": token, "code": code, "rating": "4"}).status_code == 303
    assert record(regency, code)[0].rating == 4
    public.post(rate_url, data={"csrf_token": token, "code": code, "rating": "1"})
    assert record(regency, code)[0].rating == 4  # once
    assert 'name="rating"' not in public.get(f"/pengaduan/lacak?code={code}").get_data(as_text=True)


def test_a_complaint_can_be_archived_or_sent_back_as_not_ours(regency):
    public = regency.test_client()
    code = code_of(file(public))
    item, _case = record(regency, code)
    lapor, dpupr = staff(regency, "lapor@diskominfo.id"), staff(regency, "staf@dpupr.id")
    url = f"/pengaduan/{item.id}"
    lapor.post(f"{url}/verify", data={"csrf_token": csrf_token(lapor, url), "category": "infrastruktur"})
    assert decide(dpupr, url, "not_ours", note="Jalan provinsi, bukan kewenangan kabupaten.").status_code == 302
    item, case = record(regency, code)
    assert case.state == "unverified" and item.unit_agency == "diskominfo"
    assert dpupr.get(url).status_code == 404
    page = lapor.get(url).get_data(as_text=True)
    assert "Ya: Arsipkan" in page  # closing asks once more
    assert decide(lapor, url, "archive", note="Diteruskan ke pemerintah provinsi.").status_code == 302
    assert record(regency, code)[1].state == "archived"
    assert not messages(regency)  # anonymous: nobody to tell


def test_confidential_identity_is_hidden_from_the_unit_and_a_desa_sees_only_its_own(regency):
    sri = citizen(regency)
    filed = file(sri, category="pelayanan_desa", mode="confidential", subject="Pungutan surat pengantar",
                 description="Petugas meminta uang untuk surat pengantar yang seharusnya gratis.")
    assert filed.status_code == 302
    code = code_of(filed)
    item, case = record(regency, code)
    assert item.reporter_id is not None and item.mode == "confidential" and case.owner_id is None
    from egovkit.db import db
    from egovkit.models import User
    from egovkit.services.workflow import Step

    with regency.app_context():
        name = db.session.get(User, item.reporter_id).name
        assert db.session.query(Step).filter_by(case_id=case.id).one().actor_id is None  # not on the timeline
    assert any(code in m["body"] for m in messages(regency))  # she is told, with its tracking code
    lapor = staff(regency, "lapor@diskominfo.id")
    url = f"/pengaduan/{item.id}"
    assert name not in lapor.get(url).get_data(as_text=True)
    lapor.post(f"{url}/verify", data={"csrf_token": csrf_token(lapor, url), "category": "pelayanan_desa"})
    item, case = record(regency, code)
    assert item.unit_region == SARONGAN and case.region_code == SARONGAN and case.agency_code is None
    assert any(code in m["body"] and "diverifikasi" in m["body"] for m in messages(regency))  # told of each step
    sarongan = staff(regency, "op.sarongan@desa.id")
    kandangan = staff(regency, "op.kandangan@desa.id")
    page = sarongan.get(url).get_data(as_text=True)
    assert "Pungutan surat pengantar" in page and name not in page and "Dirahasiakan" in page
    assert "Pungutan surat pengantar" in sarongan.get("/pengaduan/daftar").get_data(as_text=True)
    assert kandangan.get(url).status_code == 404
    assert "Pungutan surat pengantar" not in kandangan.get("/pengaduan/daftar").get_data(as_text=True)
    assert "Pungutan surat pengantar" in sri.get("/pengaduan/daftar").get_data(as_text=True)  # her own
    assert sri.get(url).status_code == 200
    # under her name, the unit sees who she is
    named = code_of(file(sri, subject="Lampu jalan mati"))
    named_item, _ = record(regency, named)
    assert name in lapor.get(f"/pengaduan/{named_item.id}").get_data(as_text=True)
    assert KANDANGAN != SARONGAN


def test_sla_in_working_days_and_overdue_flags(regency):
    from egovkit.db import db
    from egovkit.models import as_utc, utcnow
    from egovkit.services import workdays
    from egovkit.services.workflow import Case

    public = regency.test_client()
    code = code_of(file(public))
    item, case = record(regency, code)
    with regency.app_context():
        profile = regency.extensions["egovkit"].profile
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(profile.timezone)
        filed_day = as_utc(case.created_at).astimezone(zone).date()
        expected = workdays.add_working_days(filed_day, 3, frozenset(profile.schema.holidays))
        assert as_utc(case.due_at).astimezone(zone).date() == expected
    lapor = staff(regency, "lapor@diskominfo.id")
    assert "terlambat" not in lapor.get("/pengaduan/daftar").get_data(as_text=True)
    with regency.app_context():  # the three working days have passed
        db.session.get(Case, case.id).due_at = utcnow() - timedelta(hours=1)
        db.session.commit()
    assert "terlambat" in lapor.get("/pengaduan/daftar").get_data(as_text=True)
    assert "terlambat" in public.get(f"/pengaduan/lacak?code={code}").get_data(as_text=True)
    figures = lapor.get("/pengaduan/angka.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(figures.lstrip("\ufeff"))))
    assert [(r["received"], r["overdue"]) for r in rows] == [("1", "1")]
    url = f"/pengaduan/{item.id}"
    lapor.post(f"{url}/verify", data={"csrf_token": csrf_token(lapor, url), "category": "infrastruktur"})
    item, case = record(regency, code)
    with regency.app_context():
        assert as_utc(case.due_at) > utcnow() and not case.overdue  # the unit's 5 working days start now
    assert staff(regency, "staf@dpupr.id").get("/pengaduan/angka").status_code == 200


def test_anonymous_filing_is_rate_limited(regency):
    public = regency.test_client()
    for _ in range(5):
        assert file(public).status_code == 302
    assert file(public).status_code == 429
    sri = citizen(regency)
    assert file(sri).status_code == 302  # signed in: not limited


def test_export_and_import_round_trip_with_lapor(regency):
    public = regency.test_client()
    first, second = code_of(file(public)), code_of(file(public, subject="Saluran tersumbat"))
    lapor = staff(regency, "lapor@diskominfo.id")
    dpupr = staff(regency, "staf@dpupr.id")
    assert dpupr.get("/pengaduan/tukar/export.csv").status_code == 403
    third = code_of(file(public, subject="Dicatat di LAPOR!"))
    third_id = record(regency, third)[0].id
    page = f"/pengaduan/{third_id}"
    assert dpupr.post(f"{page}/lapor", data={"csrf_token": csrf_token(lapor, page),
                                             "lapor_number": "X123"}).status_code in (400, 403)
    assert lapor.post(f"{page}/lapor", data={"csrf_token": csrf_token(lapor, page),
                                             "lapor_number": "bad number!"}).status_code == 303
    assert record(regency, third)[0].lapor_number is None
    lapor.post(f"{page}/lapor", data={"csrf_token": csrf_token(lapor, page), "lapor_number": "2611112222"})
    assert record(regency, third)[0].lapor_number == "2611112222"
    exported = lapor.get("/pengaduan/tukar/export.csv")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    from egovkit_modules.complaints.exchange import COLUMNS

    text = exported.get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == COLUMNS and {r["tracking_code"] for r in rows} == {first, second, third}
    rows = [r for r in rows if r["tracking_code"] != third]
    assert rows[0]["status"] == "Belum Terverifikasi" and rows[0]["lapor_number"] == ""
    for row in rows:
        row["lapor_number"] = "LAP-" + row["tracking_code"]
    rows.append({**rows[0], "tracking_code": "", "lapor_number": "2612345678", "subject": "Dari LAPOR!",
                 "filed_on": "2026-11-20"})

    def upload(table):
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(table)
        return lapor.post("/pengaduan/tukar/import", data={
            "csrf_token": csrf_token(lapor, "/pengaduan/tukar"),
            "file": (io.BytesIO(out.getvalue().encode()), "lapor.csv")}, content_type="multipart/form-data")

    broken = [dict(r) for r in rows]
    broken[2]["category"] = "tidak_ada"
    refused = upload(broken)
    assert refused.status_code == 400
    assert "Baris 4, kolom category" in refused.get_data(as_text=True)
    assert record(regency, first)[0].lapor_number is None  # nothing half-written
    assert upload(rows).status_code == 303
    assert record(regency, first)[0].lapor_number == "LAP-" + first
    again = lapor.get("/pengaduan/tukar/export.csv").get_data(as_text=True).lstrip("\ufeff")
    back = {r["lapor_number"]: r for r in csv.DictReader(io.StringIO(again))}
    assert set(back) == {"LAP-" + first, "LAP-" + second, "2612345678", "2611112222"}
    assert back["2612345678"]["source"] == "lapor" and back["2612345678"]["filed_on"] == "2026-11-20"
    assert back["2612345678"]["status"] == "Belum Terverifikasi"
    assert upload(rows).status_code == 303  # the same file again changes nothing
    assert len(list(csv.DictReader(io.StringIO(
        lapor.get("/pengaduan/tukar/export.csv").get_data(as_text=True).lstrip("\ufeff"))))) == 4


def test_an_anonymous_complaint_by_a_signed_in_citizen_keeps_no_link_to_her_account(regency):
    from egovkit.db import db
    from egovkit.services.audit import AuditEntry
    from egovkit.services.workflow import Step

    sri = citizen(regency)
    code = code_of(file(sri, mode="anonymous", subject="Dilaporkan tanpa nama"))
    item, case = record(regency, code)
    assert item.reporter_id is None and case.owner_id is None
    with regency.app_context():
        entries = db.session.query(AuditEntry).filter(
            ((AuditEntry.record_type == "complaints_complaint") & (AuditEntry.record_id == str(item.id)))
            | ((AuditEntry.record_type == "core_case") & (AuditEntry.record_id == str(case.id)))).all()
        assert entries and all(e.actor_id is None and e.actor == "anonymous" for e in entries)
        assert db.session.query(Step).filter_by(case_id=case.id).one().actor_id is None
    assert "Dilaporkan tanpa nama" not in sri.get("/pengaduan/daftar").get_data(as_text=True)
    assert sri.get(f"/pengaduan/{item.id}").status_code == 404
    assert not any(code in m["body"] for m in messages(regency))  # nobody to tell
