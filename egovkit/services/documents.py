"""Documents: numbered, QR-verifiable PDFs for every module.

``issue()`` gives a document the next number from the profile's numbering
scheme, renders it to PDF (fpdf2, pure Python), stamps a QR code that leads
to the public page ``/verify/<code>``, stores the file, and keeps the PDF's
SHA-256 with an HMAC signature made with the instance's key. The public
page shows the document's key facts; a PDF uploaded there verifies only if
it is byte for byte the one issued.
"""
from __future__ import annotations

import hashlib
import hmac
import io
import json
import secrets
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Boolean, DateTime, Integer, String, Text, UniqueConstraint, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from . import people
from ..db import db
from ..models import as_utc, utcnow
from ..modules import DocumentType

VERIFY_PATH = "/verify"  # the public page a document's QR code leads to (egovkit/web/documents.py)

class Document(db.Model):
    __tablename__ = "core_document"
    __table_args__ = (UniqueConstraint("doc_type", "record_id"),)  # one document per record and type
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)  # public, in the QR code
    doc_type: Mapped[str] = mapped_column(String(80))
    number: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(200))
    module: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[str] = mapped_column(String(64))
    facts: Mapped[str] = mapped_column(Text)  # JSON: what the public verification page shows
    sha256: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    issued_by: Mapped[str] = mapped_column(String(120))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)

    @property
    def fact_items(self) -> list[tuple[str, str]]:
        return json.loads(self.facts)


class Sequence(db.Model):
    """The last number given per document type, scope and year."""

    __tablename__ = "core_doc_sequence"
    __table_args__ = (UniqueConstraint("doc_type", "scope", "year"),)
    __audit__ = False
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(80))
    scope: Mapped[str] = mapped_column(String(32))
    year: Mapped[int] = mapped_column(Integer)
    last: Mapped[int] = mapped_column(Integer)


def _key() -> bytes:
    return hashlib.sha256(b"egovkit-documents:" + current_app.config["SECRET_KEY"].encode()).digest()


def sign(doc: Document) -> str:
    """HMAC over everything the public verification page shows, so an edited row is detected."""
    issued = as_utc(doc.issued_at)
    payload = json.dumps([doc.code, doc.doc_type, doc.number, doc.title, doc.facts, doc.sha256,
                          issued.isoformat(timespec="seconds"), bool(doc.revoked)],
                         ensure_ascii=False, separators=(",", ":"))
    return hmac.new(_key(), payload.encode(), hashlib.sha256).hexdigest()


def next_number(doc_type: DocumentType, scope: str, when: datetime) -> str:
    """The next number for this type, scope (e.g. a village code) and year, in the caller's transaction."""
    profile = current_app.extensions["egovkit"].profile
    pattern = profile.schema.numbering.get(doc_type.name, doc_type.numbering)
    table = Sequence.__table__
    year = when.year
    for _attempt in range(3):
        bumped = db.session.execute(update(table).where(
            table.c.doc_type == doc_type.name, table.c.scope == scope, table.c.year == year)
            .values(last=table.c.last + 1))
        if bumped.rowcount == 1:
            break
        try:
            with db.session.begin_nested():
                db.session.execute(insert(table).values(doc_type=doc_type.name, scope=scope, year=year, last=1))
            break
        except IntegrityError:
            continue  # someone created the row meanwhile: bump it
    seq = db.session.scalar(select(table.c.last).where(
        table.c.doc_type == doc_type.name, table.c.scope == scope, table.c.year == year))
    return pattern.format(seq=seq, code=doc_type.code, regency=profile.regency.code, scope=scope, year=year,
                          month=when.month, roman=_ROMAN[when.month])


_ROMAN = ["", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]


def latin1(text: str) -> str:
    """The PDF core fonts speak Latin-1: keep Indonesian text, replace typographic marks."""
    table = {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-", "\u2026": "..."}
    return "".join(table.get(c, c) for c in text).encode("latin-1", "replace").decode("latin-1")


def render(title: str, number: str, paragraphs: list[str], facts: list[tuple[str, str]], verify_url: str,
           issued_at: datetime) -> bytes:
    import segno  # imported when a PDF is made: fpdf alone takes a fifth of every CLI command's start-up
    from fpdf import FPDF

    profile = current_app.extensions["egovkit"].profile
    pdf = FPDF(format="A4")
    pdf.set_creator("egovkit")
    pdf.set_title(latin1(title))
    pdf.set_creation_date(issued_at)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 8, latin1(profile.regency.name.upper()), align="C", new_x="LMARGIN", new_y="NEXT")
    if profile.regency.tagline:
        pdf.set_font("Helvetica", "", 10)
        pdf.cell(0, 6, latin1(profile.regency.tagline), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.line(15, pdf.get_y() + 2, 195, pdf.get_y() + 2)
    pdf.ln(8)
    pdf.set_font("Helvetica", "B", 13)
    pdf.multi_cell(0, 7, latin1(title), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(0, 6, latin1(f"Nomor: {number}"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("Helvetica", "", 11)
    for paragraph in paragraphs:
        pdf.multi_cell(0, 6, latin1(paragraph), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    if facts:
        pdf.ln(4)
        for label, value in facts:
            pdf.set_font("Helvetica", "B", 10)
            pdf.cell(50, 6, latin1(label))
            pdf.set_font("Helvetica", "", 10)
            pdf.multi_cell(0, 6, latin1(str(value)), new_x="LMARGIN", new_y="NEXT")
    qr = io.BytesIO()
    segno.make(verify_url, error="m").save(qr, kind="png", scale=4, border=2)
    qr.seek(0)
    y = max(pdf.get_y() + 10, 220)
    pdf.image(qr, x=155, y=y, w=40)
    pdf.set_xy(15, y + 5)
    pdf.set_font("Helvetica", "", 8)
    tz = ZoneInfo(profile.timezone)
    pdf.multi_cell(130, 4, align="L", text=latin1(
        f"Diterbitkan {issued_at.astimezone(tz):%d-%m-%Y %H:%M} ({profile.timezone}). Pindai kode QR atau buka "
        f"{verify_url} untuk memeriksa keaslian dokumen ini."))
    return bytes(pdf.output())


def storage(code: str) -> Path:
    folder = Path(current_app.instance_path) / "uploads" / "documents"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{code}.pdf"


def issue(doc_type: DocumentType, *, module: str, record_id, title: str, paragraphs: list[str],
          facts: list[tuple[str, str]], scope: str | None = None, code: str | None = None) -> Document:
    """Number, render, store and sign a document (in the caller's transaction); ``code`` overrides the
    type's classification code in the number (e.g. one per kind of letter)."""
    now = utcnow()
    if code is not None:
        doc_type = DocumentType(doc_type.name, code, doc_type.numbering)
    number = next_number(doc_type, scope or current_app.extensions["egovkit"].profile.regency.code, now)
    code = secrets.token_urlsafe(9)[:12]
    verify_url = public_url(f"{VERIFY_PATH}/{code}")
    pdf = render(title, number, paragraphs, facts, verify_url, now)
    digest = hashlib.sha256(pdf).hexdigest()
    storage(code).write_bytes(pdf)
    doc = Document(code=code, doc_type=doc_type.name, number=number, title=title[:200], module=module,
                   record_id=str(record_id), facts=json.dumps([["Nomor", number], *facts], ensure_ascii=False),
                   sha256=digest, issued_at=now.replace(microsecond=0), issued_by=people.acting()[1], revoked=False)
    doc.signature = sign(doc)
    db.session.add(doc)
    return doc


def public_url(path: str) -> str:
    """An absolute address for citizens: EGOVKIT_PUBLIC_URL, else the address of the signed-in person's own
    request (documents are issued only in decisions made by signed-in staff, never by an anonymous GET)."""
    public = current_app.config.get("EGOVKIT_PUBLIC_URL")
    if public:
        return public.rstrip("/") + path
    from flask import has_request_context, request

    if not has_request_context():
        raise RuntimeError("set EGOVKIT_PUBLIC_URL: documents issued outside a web request need the public "
                           "address for their QR code")
    return request.host_url.rstrip("/") + path


def revoke(doc: Document) -> None:
    doc.revoked = True
    doc.signature = sign(doc)


def check(doc: Document, pdf: bytes) -> bool:
    """Whether ``pdf`` is exactly the document issued (and its record was not altered)."""
    digest = hashlib.sha256(pdf).hexdigest()
    return hmac.compare_digest(digest, doc.sha256) and intact(doc) and not doc.revoked


def intact(doc: Document) -> bool:
    """Whether the stored record is as it was signed."""
    return hmac.compare_digest(sign(doc), doc.signature)
