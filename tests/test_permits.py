"""permits: a restaurant applies online, the one-stop office checks the file, the
health agency verifies, the head of the one-stop office approves; the permit PDF
verifies by its QR page; each agency sees only its own queue."""
import io
import re
from pathlib import Path

import pytest

from egovkit.app import create_app

from .conftest import csrf_token, login
from .test_letters import citizen, decide

PASSWORD = "sandi-kuat-sekali"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
STAFF = [("fo@dpmptsp.id", "opd_staff", "dpmptsp"), ("kepala@dpmptsp.id", "opd_head", "dpmptsp"),
         ("staf@dinkes.id", "opd_staff", "dinkes"), ("staf@bapenda.id", "opd_staff", "bapenda")]


@pytest.fixture
def regency(cli):
    cli("init", "--profile", "banyuwangi")
    for email, role, agency in STAFF:
        cli("users", "create", "--email", email, "--name", email.split("@")[0], "--role", role, "--agency", agency,
            "--password-stdin", input=PASSWORD + "\n")
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
    assert decide(front, url, "return", note="Foto dapur kurang jelas").status_code == 302
    assert "Dikembalikan untuk dilengkapi" in sri.get(url).get_data(as_text=True)
    assert decide(sri, url, "resubmit").status_code == 302
    assert decide(front, url, "accept").status_code == 302

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
    assert wrong.status_code == 400
    bad_number = apply(sri, seats="empat puluh")
    assert bad_number.status_code == 400 and "Hanya angka" in bad_number.get_data(as_text=True)
    with regency.app_context():
        from egovkit.db import db
        from egovkit_modules.permits.models import Permit

        assert db.session.query(Permit).count() == 0
    assert not any(Path("instance", "uploads").glob("permits/**/*.png"))


def test_a_permit_type_naming_an_unknown_agency_is_a_profile_error(cli):
    Path("p.yaml").write_text("name: no-health-office\nextends: banyuwangi\nmodules:\n  permits:\n    types:\n"
                              "      sip:\n        title: {id: SIP, en: SIP}\n        agency: dinas-tidak-ada\n"
                              "        template: [Izin]\n")
    result = cli("profile", "validate", "p.yaml", expect=None)
    assert result.exit_code != 0
    assert "modules.permits.types.sip.agency" in result.output and "unknown agency 'dinas-tidak-ada'" in result.output
