"""permits: a restaurant applies online, the one-stop office checks the file, the
health agency verifies, the head of the one-stop office approves; the permit PDF
verifies by its QR page; each agency sees only its own queue."""
import io
import re
from pathlib import Path

import pytest

from egovkit.app import create_app

from .conftest import accounts, csrf_token, login
from .test_letters import citizen, decide

PASSWORD = "sandi-kuat-sekali"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
STAFF = [("fo@dpmptsp.id", "opd_staff", "dpmptsp"), ("kepala@dpmptsp.id", "opd_head", "dpmptsp"),
         ("staf@dinkes.id", "opd_staff", "dinkes"), ("staf@bapenda.id", "opd_staff", "bapenda")]


@pytest.fixture
def regency(cli, make_instance):
    make_instance("banyuwangi")
    accounts(cli, [{"email": email, "name": email.split("@")[0], "role": role, "agency": agency}
                   for email, role, agency in STAFF], PASSWORD)
    return create_app("instance", {"TESTING": True, "EGOVKIT_PUBLIC_URL": "https://layanan.banyuwangikab.example"})


def staff(app, email):
    client = app.test_client()
    assert login(client, email, PASSWORD).status_code == 302
    return client


def apply(client, **override):
    url = "/izin/apply?type=restoran"
    data = {"csrf_token": csrf_token(client, url), "type": "restoran", "business": "Warung Osing Bu Sri",
            "address": "Jl. Raya Jember 12, Banyuwangi", "seats": "40", "business_address": "Jl. Raya Jember 12",
            "lab_test": (io.BytesIO(PDF), "uji.pdf"), "photo": (io.BytesIO(PNG), "dapur.png"), **override}
    return client.post(url, data=data, content_type="multipart/form-data")


def due(app, url):
    from egovkit.db import db
    from egovkit.services.workflow import Case
    from egovkit_modules.permits.models import Permit

    with app.app_context():
        return db.session.get(Case, db.session.get(Permit, int(url.rsplit("/", 1)[1])).case_id).deadline


def queue(client) -> str:
    return client.get("/inbox").get_data(as_text=True)


def test_a_restaurant_permit_from_application_to_verified_pdf(regency, cli):
    sri = citizen(regency)
    response = apply(sri)
    assert response.status_code == 302, response.get_data(as_text=True)
    url = response.headers["Location"]
    code = re.search(r"Kode lacak: ([A-Z2-9]{8})|<strong>([A-Z2-9]{8})</strong>",
                     sri.get(url).get_data(as_text=True))
    tracking = code.group(1) or code.group(2)
    public = regency.test_client()
    assert "Diajukan" in public.get(f"/izin/track?code={tracking}").get_data(as_text=True)

    front, head = staff(regency, "fo@dpmptsp.id"), staff(regency, "kepala@dpmptsp.id")
    dinkes, bapenda = staff(regency, "staf@dinkes.id"), staff(regency, "staf@bapenda.id")
    assert "Warung Osing Bu Sri" in queue(front) and "Warung Osing Bu Sri" not in queue(dinkes)
    assert front.get(f"{url}/files/photo").data == PNG
    assert due(regency, url) is None  # the SLA runs from a complete file
    assert decide(front, url, "return", note="Foto dapur kurang jelas").status_code == 302
    returned = sri.get(url).get_data(as_text=True)
    assert "Dikembalikan untuk dilengkapi" in returned and "Lengkapi permohonan" in returned
    assert "Ajukan kembali" not in returned  # sent again from the completion page, not unchanged from the panel
    edit = f"{url}/edit"
    assert front.get(edit).status_code == 404  # only the applicant completes it
    sharper = PNG + b"sharper"
    response = sri.post(edit, content_type="multipart/form-data", data={
        "csrf_token": csrf_token(sri, edit), "business": "Warung Osing Bu Sri", "address": "Jl. Raya Jember 12",
        "seats": "44", "business_address": "Jl. Raya Jember 12", "photo": (io.BytesIO(sharper), "dapur2.png")})
    assert response.status_code == 302
    assert front.get(f"{url}/files/photo").data == sharper and front.get(f"{url}/files/lab_test").data == PDF
    assert len([p for p in Path("instance", "uploads", "permits").rglob("*") if p.is_file()]) == 2  # old photo gone
    assert "Diajukan" in sri.get(url).get_data(as_text=True)
    assert decide(front, url, "accept").status_code == 302
    assert due(regency, url) is not None

    # the health agency's queue now; not the front office's, never the revenue agency's
    assert "Warung Osing Bu Sri" in queue(dinkes) and "Warung Osing Bu Sri" not in queue(front)
    assert bapenda.get(url).status_code == 404 and bapenda.get(f"{url}/files/lab_test").status_code == 404
    assert decide(dinkes, url, "verify").status_code == 302
    assert 'formaction="/cases/' not in front.get(url).get_data(as_text=True)  # the staff do not decide
    assert decide(head, url, "approve").status_code == 302

    page = sri.get(url).get_data(as_text=True)
    assert "Izin terbit" in page
    pdf = sri.get(f"{url}/pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    doc_code = re.search(r'href="/verify/([^"]+)"', page).group(1)
    checked = public.post(f"/verify/{doc_code}", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(public, f"/verify/{doc_code}"), "pdf": (io.BytesIO(pdf.data), "izin.pdf")})
    assert "Asli" in checked.get_data(as_text=True)
    assert "Izin terbit" in public.get(f"/izin/track?code={tracking}").get_data(as_text=True)
    assert "Warung Osing Bu Sri" not in public.get(f"/izin/track?code={tracking}").get_data(as_text=True)
    listed = cli("events", "list").output
    assert listed.count("permit.issued") == 1


def test_an_incomplete_application_is_refused_and_nothing_is_kept(regency):
    sri = citizen(regency)
    missing = apply(sri, photo=(io.BytesIO(b""), ""))
    assert missing.status_code == 400 and "wajib diisi" in missing.get_data(as_text=True)
    wrong = apply(sri, photo=(io.BytesIO(b"<html>bukan gambar</html>"), "dapur.png"))
    assert wrong.status_code == 400 and "bukan berkas JPG / PNG" in wrong.get_data(as_text=True)
    bad_number = apply(sri, seats="empat puluh")
    assert bad_number.status_code == 400 and "Hanya angka" in bad_number.get_data(as_text=True)
    with regency.app_context():
        from egovkit.db import db
        from egovkit_modules.permits.models import Permit

        assert db.session.query(Permit).count() == 0
    assert not [p for p in Path("instance", "uploads").glob("permits/**/*") if p.is_file()]


def test_a_permit_type_naming_an_unknown_agency_is_a_profile_error(cli):
    Path("p.yaml").write_text("name: no-health-office\nextends: banyuwangi\nmodules:\n  permits:\n    types:\n"
                              "      sip:\n        title: {id: SIP, en: SIP}\n        agency: dinas-tidak-ada\n"
                              "        template: [Izin]\n")
    result = cli("profile", "validate", "p.yaml", expect=None)
    assert result.exit_code != 0
    assert "modules.permits.types.sip.agency" in result.output and "unknown agency 'dinas-tidak-ada'" in result.output


def issued_permit(regency):
    sri = citizen(regency)
    url = apply(sri).headers["Location"]
    front, head = staff(regency, "fo@dpmptsp.id"), staff(regency, "kepala@dpmptsp.id")
    decide(front, url, "accept")
    decide(staff(regency, "staf@dinkes.id"), url, "verify")
    assert decide(head, url, "approve").status_code == 302
    return sri, head, url


def permit_row(regency, url):
    from egovkit.db import db
    from egovkit_modules.permits.models import Permit

    with regency.app_context():
        item = db.session.get(Permit, int(url.rsplit("/", 1)[1]))
        db.session.expunge(item)
        return item


def test_revoking_a_permit_stops_its_pdf_verifying(regency, cli):
    sri, head, url = issued_permit(regency)
    front = staff(regency, "fo@dpmptsp.id")
    assert "Cabut izin" not in front.get(url).get_data(as_text=True)  # the head revokes, not the staff
    assert front.post(f"{url}/revoke", data={"csrf_token": csrf_token(front, url),
                                             "reason": "Melanggar ketentuan higiene"}).status_code == 403
    short = head.post(f"{url}/revoke", data={"csrf_token": csrf_token(head, url), "reason": "x"})
    assert short.status_code == 303 and permit_row(regency, url).ended is None
    head.post(f"{url}/revoke", data={"csrf_token": csrf_token(head, url), "reason": "Melanggar ketentuan higiene"})
    assert permit_row(regency, url).ended == "revoked"
    page = sri.get(url).get_data(as_text=True)
    assert "Dicabut pada" in page and "Melanggar ketentuan higiene" in page
    doc_code = re.search(r'href="/verify/([^"]+)"', page).group(1)
    assert "dicabut" in regency.test_client().get(f"/verify/{doc_code}").get_data(as_text=True).lower()
    assert cli("events", "list").output.count("permit.revoked") == 1


def test_expiry_and_renewal(regency, cli):
    from datetime import date, timedelta

    from egovkit.db import db
    from egovkit_modules.permits.models import Permit

    sri, head, url = issued_permit(regency)
    first = permit_row(regency, url)
    assert first.valid_until.year == first.issued_on.year + 3  # restaurant hygiene: 36 months
    assert "Ajukan perpanjangan" not in sri.get(url).get_data(as_text=True)  # not yet: 60 days before expiry
    assert sri.get(f"/izin/apply?renews={first.id}").status_code == 409
    with regency.app_context():
        db.session.get(Permit, first.id).valid_until = date.today() + timedelta(days=30)
        db.session.commit()
    page = sri.get(url).get_data(as_text=True)
    assert "Ajukan perpanjangan izin ini" in page
    form = sri.get(f"/izin/apply?renews={first.id}").get_data(as_text=True)
    assert 'value="Warung Osing Bu Sri"' in form
    renewal = apply(sri, renews=str(first.id))
    assert renewal.status_code == 302
    again = renewal.headers["Location"]
    assert sri.get(f"/izin/apply?renews={first.id}").status_code == 409  # one renewal at a time
    decide(staff(regency, "fo@dpmptsp.id"), again, "accept")
    decide(staff(regency, "staf@dinkes.id"), again, "object", note="Uji laboratorium kedaluwarsa")
    decide(head, again, "refuse", note="Sesuai rekomendasi")
    assert "Ajukan perpanjangan izin ini" in sri.get(url).get_data(as_text=True)  # a refused renewal frees it
    again = apply(sri, renews=str(first.id)).headers["Location"]
    decide(staff(regency, "fo@dpmptsp.id"), again, "accept")
    decide(staff(regency, "staf@dinkes.id"), again, "verify")
    decide(head, again, "approve")
    old, new = permit_row(regency, url), permit_row(regency, again)
    assert old.ended == "renewed" and new.valid_until.year == old.valid_until.year + 3
    with regency.app_context():
        db.session.get(Permit, new.id).valid_until = date.today() - timedelta(days=1)
        db.session.commit()
    assert "1 permit(s) expired" in cli("permits", "expire").output
    assert "0 permit(s) expired" in cli("permits", "expire").output  # once
    assert permit_row(regency, again).ended == "expired"
    assert cli("events", "list").output.count("permit.expired") == 1


def test_api_lists_applications_within_reach_and_tracks_publicly(regency, cli):
    from .test_api import bearer, token

    sri, head, url = issued_permit(regency)
    api = regency.test_client()
    dinkes = bearer(token(cli, "staf@dinkes.id", "permits:read"))
    bapenda = bearer(token(cli, "staf@bapenda.id", "permits:read"))
    front = bearer(token(cli, "fo@dpmptsp.id", "permits:read"))
    mine = api.get("/api/v1/permits/applications", headers=dinkes).json
    assert [(p["business"], p["state"]) for p in mine["items"]] == [("Warung Osing Bu Sri", "issued")]
    assert api.get("/api/v1/permits/applications", headers=bapenda).json["total"] == 0
    permit_id = mine["items"][0]["id"]
    assert api.get(f"/api/v1/permits/applications/{permit_id}", headers=bapenda).status_code == 404
    assert api.get(f"/api/v1/permits/applications/{permit_id}", headers=front).json["fields"]["seats"] == "40"
    code = mine["items"][0]["tracking_code"]
    tracked = api.get(f"/api/v1/permits/track/{code.lower()}").json
    assert tracked["state"] == "issued" and "business" not in tracked
    assert api.get("/api/v1/permits/track/ZZZZZZZZ").status_code == 404


def test_the_agency_advises_the_head_decides_and_nobody_decides_their_own(regency, cli):
    sri = citizen(regency)
    url = apply(sri).headers["Location"]
    front, head, dinkes = staff(regency, "fo@dpmptsp.id"), staff(regency, "kepala@dpmptsp.id"), \
        staff(regency, "staf@dinkes.id")
    decide(front, url, "accept")
    assert "/refuse" not in dinkes.get(url).get_data(as_text=True)  # the agency advises, it does not refuse
    assert decide(dinkes, url, "object", note="Dapur tidak memenuhi syarat").status_code == 302
    assert "Warung Osing Bu Sri" in queue(head) and "Warung Osing Bu Sri" not in queue(dinkes)
    assert "/approve" not in head.get(url).get_data(as_text=True)
    assert decide(head, url, "refuse", note="Sesuai rekomendasi Dinas Kesehatan").status_code == 302
    assert "Ditolak" in sri.get(url).get_data(as_text=True)

    cli("users", "grant", "kepala@dpmptsp.id", "--role", "citizen")
    own = apply(head)
    assert own.status_code == 302
    mine = own.headers["Location"]
    decide(front, mine, "accept")
    decide(dinkes, mine, "verify")
    decide(head, mine, "approve")
    assert "Anda tidak dapat memutuskan permohonan Anda sendiri" in head.get(mine).get_data(as_text=True)
    assert "Menunggu keputusan" in head.get(mine).get_data(as_text=True)

    admin = regency.test_client()
    login(admin, "admin@localhost", "correct horse battery staple")
    assert admin.get(url).status_code == 404  # the IT administrator does not handle applications


def test_a_delegate_named_in_the_profile_sees_and_decides(cli):
    Path("p.yaml").write_text(
        "name: delegated-permits\nextends: banyuwangi\nroles:\n  kabid_perizinan:\n    scope: agency\n"
        "    title: {id: Kepala Bidang Perizinan, en: Head of licensing}\nworkflows:\n  permits.application:\n"
        "    transitions:\n      approve: {roles: [kabid_perizinan]}\n      refuse: {roles: [kabid_perizinan]}\n")
    cli("init", "--profile", "p.yaml")
    accounts(cli, [{"email": email, "name": email.split("@")[0], "role": role, "agency": agency}
                   for email, role, agency in STAFF + [("kabid@dpmptsp.id", "kabid_perizinan", "dpmptsp")]], PASSWORD)
    app = create_app("instance", {"TESTING": True, "EGOVKIT_PUBLIC_URL": "https://layanan.example"})
    sri = citizen(app)
    url = apply(sri).headers["Location"]
    decide(staff(app, "fo@dpmptsp.id"), url, "accept")
    decide(staff(app, "staf@dinkes.id"), url, "verify")
    kabid = staff(app, "kabid@dpmptsp.id")
    assert kabid.get(f"{url}/files/lab_test").data == PDF
    assert decide(kabid, url, "approve").status_code == 302
    assert "Izin terbit" in sri.get(url).get_data(as_text=True)
    fee = billboard(app, sri)  # a type with a fee: the delegate of approve bills it (bill takes approve's roles)
    assert "/bill" not in staff(app, "kepala@dpmptsp.id").get(fee).get_data(as_text=True)
    assert decide(kabid, fee, "bill").status_code == 302
    assert "Menunggu pembayaran retribusi" in sri.get(fee).get_data(as_text=True)
    shown = cli("workflows", "show", "permits.application").output
    bill = next(line for line in shown.splitlines() if line.strip().startswith("bill "))
    assert "kabid_perizinan" in bill and "only when has fee" in bill
    pay_line = next(line for line in shown.splitlines() if line.strip().startswith("pay "))
    assert "decided on the module's own page" in pay_line
    admin = app.test_client()
    login(admin)
    page = admin.get("/admin/workflows").get_data(as_text=True)
    assert "hanya untuk sebagian perkara" in page and "di halaman modulnya sendiri" in page


def test_templates_are_checked_with_the_profile_and_optional_fields_print_as_a_dash(cli):
    Path("p.yaml").write_text(
        "name: research-permits\nextends: banyuwangi\nmodules:\n  permits:\n    types:\n      riset:\n"
        "        title: {id: Izin Penelitian, en: Research permit}\n        agency: bappeda\n"
        "        fields:\n          - {name: topic, label: {id: Judul, en: Topic}}\n"
        "          - {name: note, label: {id: Catatan, en: Note}, required: false}\n"
        "        template: ['Penelitian {topic} oleh {applicant}; catatan: {note}.']\n")
    assert cli("profile", "validate", "p.yaml").exit_code == 0
    Path("q.yaml").write_text(Path("p.yaml").read_text().replace("research-permits", "typo-permits")
                              .replace("{note}", "{notes}"))
    result = cli("profile", "validate", "q.yaml", expect=None)
    assert result.exit_code != 0 and "unknown field(s) notes" in result.output


def billboard(regency, sri, **extra):
    url = "/izin/apply?type=reklame"
    response = sri.post(url, content_type="multipart/form-data", data={**extra,
        "csrf_token": csrf_token(sri, url), "type": "reklame", "business": "Toko Sri Rejeki",
        "address": "Jl. Ahmad Yani 5, Banyuwangi", "location": "Simpang Lima", "size_m2": "8", "kind": "Baliho",
        "design": (io.BytesIO(PDF), "desain.pdf"), "site_photo": (io.BytesIO(PNG), "lokasi.png")})
    assert response.status_code == 302, response.get_data(as_text=True)
    url = response.headers["Location"]
    decide(staff(regency, "fo@dpmptsp.id"), url, "accept")
    decide(staff(regency, "staf@bapenda.id"), url, "verify")
    return url


def pay(client, url, **override):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    today = datetime.now(ZoneInfo("Asia/Jakarta")).date()  # the regency's day, as the page counts it
    data = {"csrf_token": csrf_token(client, url), "reference": "BJ-2026-000123", "paid_on": today.isoformat(),
            "amount": "250000", **override}
    return client.post(f"{url}/payment", data=data)


def test_a_fee_is_billed_on_approval_and_the_permit_issued_once_paid(regency, cli):
    sri = citizen(regency)
    url = billboard(regency, sri)
    front, head = staff(regency, "fo@dpmptsp.id"), staff(regency, "kepala@dpmptsp.id")
    page = head.get(url).get_data(as_text=True)
    assert "Setujui dan terbitkan tagihan retribusi" in page and "/approve" not in page
    assert decide(head, url, "bill").status_code == 302

    item = permit_row(regency, url)
    assert re.fullmatch(r"35109\d{11}", item.billing_code) and item.bill_due is not None
    mine = sri.get(url).get_data(as_text=True)
    assert "Menunggu pembayaran retribusi" in mine and item.billing_code in mine and "bank persepsi" in mine
    assert "Catat pembayaran" not in mine and sri.get(f"{url}/pdf").status_code == 404
    assert pay(sri, url).status_code == 302 and permit_row(regency, url).paid_on is None  # not the applicant's
    case_id = permit_row(regency, url).case_id
    assert "/cancel" not in front.get(url).get_data(as_text=True)  # not offered before the last day to pay
    front.post(f"/cases/{case_id}/cancel", data={"csrf_token": csrf_token(front, url), "note": "Belum dibayar"})
    assert "Menunggu pembayaran retribusi" in head.get(url).get_data(as_text=True)

    wrong = pay(front, url, amount="200000")
    assert wrong.status_code == 400 and "hanya lunas" in wrong.get_data(as_text=True)
    assert pay(front, url, paid_on="2099-01-01").status_code == 400
    assert permit_row(regency, url).paid_on is None
    assert front.post(f"/cases/{case_id}/pay", data={"csrf_token": csrf_token(front, url)}).status_code == 404
    assert pay(front, url).status_code == 302
    page = sri.get(url).get_data(as_text=True)
    assert "Izin terbit" in page and "BJ-2026-000123" in page
    assert sri.get(f"{url}/pdf").data.startswith(b"%PDF")
    assert cli("events", "list").output.count("permit.issued") == 1

    # a renewal billed, then the permit it renews revoked: paying the renewal does not issue it
    from datetime import date, timedelta

    from egovkit.db import db
    from egovkit_modules.permits.models import Permit

    with regency.app_context():
        db.session.get(Permit, item.id).valid_until = date.today() + timedelta(days=30)
        db.session.commit()
        db.engine.dispose()
    renewal = billboard(regency, sri, renews=str(item.id))
    decide(head, renewal, "bill")
    assert head.post(f"{url}/revoke", data={"csrf_token": csrf_token(head, url),
                                            "reason": "Reklame tidak sesuai izin"}).status_code == 303
    assert pay(front, renewal, reference="BJ-2026-000999").status_code == 302
    assert permit_row(regency, renewal).paid_on is None
    assert "Menunggu pembayaran retribusi" in front.get(renewal).get_data(as_text=True)

    # a second bill: the same receipt cannot pay it; past its due date the front office cancels it
    other = billboard(regency, sri)
    decide(head, other, "bill")
    assert pay(front, other).status_code == 400
    assert pay(front, other, reference=" bj-2026-000123").status_code == 400  # the same receipt, written otherwise
    assert pay(head, other).status_code == 302 and permit_row(regency, other).paid_on is None  # billed it: not
    with regency.app_context():
        db.session.get(Permit, int(other.rsplit("/", 1)[1])).bill_due = date.today() - timedelta(days=2)
        db.session.commit()
        db.engine.dispose()
    assert decide(front, other, "cancel", note="Tidak dibayar sampai batas waktu").status_code == 302
    assert "Dibatalkan: retribusi tidak dibayar" in sri.get(other).get_data(as_text=True)
    assert cli("events", "list").output.count("permit.issued") == 1
