"""Documents: numbered PDFs whose QR page verifies the exact file."""
import io
import re
from pathlib import Path

from .conftest import csrf_token, login


def publish(client, title="Jadwal posyandu"):
    """The administrator publishes a notice at once; its PDF is issued in that transaction."""
    login(client)
    response = client.post("/announcements/new", data={"title": title, "body": "Kamis pagi.", "agency_code": "",
                                                       "action": "publish",
                                                       "csrf_token": csrf_token(client, "/announcements/new")})
    return int(response.headers["Location"].rsplit("/", 1)[1])


def issue(client, record):
    response = client.get(f"/announcements/{record}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return response.data


def document(app, record=1):
    from egovkit.db import db
    from egovkit.services.documents import Document

    with app.app_context():
        doc = db.session.query(Document).filter_by(module="announcements", record_id=str(record)).one()
        return doc.code, doc.number


def verify(client, code, data):
    return client.post(f"/verify/{code}", data={"csrf_token": csrf_token(client, f"/verify/{code}"),
                                                "pdf": (io.BytesIO(data), "surat.pdf")},
                       content_type="multipart/form-data").get_data(as_text=True)


def test_pdf_is_numbered_and_verifies_via_its_qr_page(client, app):
    record = publish(client)
    pdf = issue(client, record)
    assert pdf.startswith(b"%PDF")
    assert issue(client, record) == pdf  # issued once, then the same file
    from pypdf import PdfReader

    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "PEMERINTAH KABUPATEN BANYUWANGI" in text and "JADWAL POSYANDU" in text  # letterhead, title
    code, number = document(app, record)
    assert re.fullmatch(r"001/PENG/35\.10/20\d\d", number)
    page = client.get(f"/verify/{code}").get_data(as_text=True)
    assert number in page and "Jadwal posyandu" in page
    assert "Asli: berkas ini adalah dokumen yang diterbitkan." in verify(client, code, pdf)
    changed = bytearray(pdf)
    changed[len(changed) // 2] ^= 0x01
    assert "TIDAK asli" in verify(client, code, bytes(changed))


def test_numbers_follow_the_sequence_and_demo_notices_have_no_pdf(client, app):
    first, second = publish(client, "Satu"), publish(client, "Dua")
    assert document(app, first)[1].startswith("001/PENG/35.10/")
    assert document(app, second)[1].startswith("002/PENG/35.10/")
    assert client.get("/announcements/1/pdf").status_code == 404  # demo notice: never issued


def test_deleting_a_notice_revokes_its_document(client, app):
    record = publish(client)
    code, _ = document(app, record)
    pdf = issue(client, record)
    client.post(f"/announcements/{record}/delete", data={"csrf_token": csrf_token(client, "/")})
    page = verify(client, code, pdf)
    assert "telah dicabut" in page and "TIDAK asli" in page


def test_an_altered_record_is_flagged(client, app):
    from egovkit.db import db
    from egovkit.services.documents import Document

    record = publish(client)
    pdf = issue(client, record)
    code, _ = document(app, record)
    forged = bytearray(pdf)
    forged[-20] ^= 0x01
    import hashlib

    with app.app_context():
        doc = db.session.query(Document).filter_by(code=code).one()
        doc.sha256 = hashlib.sha256(bytes(forged)).hexdigest()  # someone edits the database to match a forgery
        db.session.commit()
    page = verify(client, code, bytes(forged))
    assert "TIDAK asli" in page and "Catatan dokumen ini telah diubah" in page
    with app.app_context():
        doc = db.session.query(Document).filter_by(code=code).one()
        doc.sha256 = hashlib.sha256(pdf).hexdigest()
        doc.title = "Surat palsu"  # the facts shown on the page are signed too
        db.session.commit()
        db.engine.dispose()
    assert "Catatan dokumen ini telah diubah" in client.get(f"/verify/{code}").get_data(as_text=True)


def test_unknown_document_is_404(client):
    assert client.get("/verify/nope").status_code == 404


def test_numbering_patterns_are_checked(cli):
    Path("p.yaml").write_text("name: nums\nextends: banyuwangi\nnumbering:\n  announcements.notice: \"{sq}/{year}\"\n"
                              "  announcements.notise: \"{seq}\"\n")
    out = cli("profile", "validate", "p.yaml", expect=2).output
    assert "p.yaml:4: numbering.announcements.notice: not a valid pattern (KeyError: 'sq')" in out
    assert "p.yaml:5: numbering.announcements.notise: unknown document type" in out
