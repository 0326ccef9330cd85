"""Documents: numbered PDFs whose QR page verifies the exact file."""
import io
import re
from pathlib import Path

from .conftest import csrf_token


def issue(client, record=1):
    response = client.get(f"/announcements/{record}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return response.data


def document(app, record=1):
    from egovkit.db import db
    from egovkit.documents import Document

    with app.app_context():
        doc = db.session.query(Document).filter_by(module="announcements", record_id=str(record)).one()
        return doc.code, doc.number


def verify(client, code, data):
    return client.post(f"/verify/{code}", data={"csrf_token": csrf_token(client, f"/verify/{code}"),
                                                "pdf": (io.BytesIO(data), "surat.pdf")},
                       content_type="multipart/form-data").get_data(as_text=True)


def test_pdf_is_numbered_and_verifies_via_its_qr_page(client, app):
    pdf = issue(client)
    assert pdf.startswith(b"%PDF")
    assert issue(client) == pdf  # issued once, then the same file
    code, number = document(app)
    assert re.fullmatch(r"001/PENG/dpmd/20\d\d", number)  # numbered per publishing agency
    page = client.get(f"/verify/{code}").get_data(as_text=True)
    assert number in page and "[DEMO] Pelayanan surat keterangan" in page
    assert "Asli: berkas ini adalah dokumen yang diterbitkan." in verify(client, code, pdf)
    changed = bytearray(pdf)
    changed[len(changed) // 2] ^= 0x01
    assert "TIDAK asli" in verify(client, code, bytes(changed))


def test_numbers_follow_the_sequence_per_scope(client, app, cli):
    for title in ("Satu", "Dua"):
        cli("announcements", "publish", "--title", title, "--body", "Isi.")
    issue(client, 4)
    issue(client, 5)
    assert document(app, 4)[0] != document(app, 5)[0]
    assert document(app, 4)[1].startswith("001/PENG/35.10/") and document(app, 5)[1].startswith("002/PENG/35.10/")


def test_an_altered_record_is_flagged(client, app):
    from egovkit.db import db
    from egovkit.documents import Document

    pdf = issue(client)
    code, _ = document(app)
    forged = bytearray(pdf)
    forged[-20] ^= 0x01
    import hashlib

    with app.app_context():
        doc = db.session.query(Document).filter_by(code=code).one()
        doc.sha256 = hashlib.sha256(bytes(forged)).hexdigest()  # someone edits the database to match a forgery
        db.session.commit()
    page = verify(client, code, bytes(forged))
    assert "TIDAK asli" in page and "Catatan dokumen ini telah diubah" in page


def test_unknown_document_is_404(client):
    assert client.get("/verify/nope").status_code == 404


def test_numbering_patterns_are_checked(cli):
    Path("p.yaml").write_text("name: nums\nextends: banyuwangi\nnumbering:\n  announcements.notice: \"{sq}/{year}\"\n"
                              "  announcements.notise: \"{seq}\"\n")
    out = cli("profile", "validate", "p.yaml", expect=2).output
    assert "p.yaml:4: numbering.announcements.notice: not a valid pattern (KeyError: 'sq')" in out
    assert "p.yaml:5: numbering.announcements.notise: unknown document type" in out
