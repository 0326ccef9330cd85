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
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Boolean, DateTime, Integer, String, Text, UniqueConstraint, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from . import people
from ..db import db
from ..models import as_utc, utcnow
from ..modules import DocumentType, import_path

VERIFY_PATH = "/verify"  # the public page a document's QR code leads to (egovkit/web/documents.py)
VERIFY_HOOK = "documents.verify"  # f(doc) -> Markup | None: what the issuing module adds to that page

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
    """The PDF core fonts speak Latin-1: keep Indonesian text, replace typographic marks (for PDFs drawn
    with the core fonts, e.g. village_finance's report; documents use the bundled Unicode font)."""
    table = {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-", "\u2026": "..."}
    return "".join(table.get(c, c) for c in text).encode("latin-1", "replace").decode("latin-1")


# ----------------------------------------------------------------- Indonesian words
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember")


def tanggal(value) -> str:
    """A date in Indonesian words: 1 Desember 2026 (a date, datetime or ISO string)."""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def rupiah(amount) -> str:
    """Rp 1.500.000"""
    return "Rp " + f"{int(amount):,}".replace(",", ".")


def terbilang(amount) -> str:
    """An amount of Rupiah in Indonesian words: satu juta lima ratus ribu rupiah."""
    from num2words import num2words

    return f"{num2words(int(amount), lang='id')} rupiah"


# ----------------------------------------------------------------- templates
FONT = "DejaVu"
TEMPLATES = "templates/documents"  # in the instance folder: overrides of the bundled templates
# Everything a document template may name; anything else is an error at profile validate/init/upgrade.
NAMES = frozenset({"letterhead", "title", "number", "paragraphs", "facts", "place", "date", "signer", "qr",
                   "verify_url", "issued_at", "draft", "doc_type", "loop", "range", "true", "false", "none",
                   "True", "False", "None"})
FILTERS = {"tanggal": tanggal, "rupiah": rupiah, "terbilang": terbilang}


def _bundled() -> Path:
    return Path(__file__).resolve().parent.parent / "data"


def _environment(folder: Path | None):
    from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    loaders = [FileSystemLoader(str(folder))] if folder is not None else []
    env = SandboxedEnvironment(loader=ChoiceLoader([*loaders, FileSystemLoader(str(_bundled() / "documents"))]),
                               autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(FILTERS)
    return env


def template_folder(instance_path: str | Path) -> Path:
    return Path(instance_path) / TEMPLATES


def _template(doc_type: str):
    env = _environment(template_folder(current_app.instance_path))
    return env.select_template([f"{doc_type}.html", "document.html"])


def check_templates(folder: Path) -> list[str]:
    """Problems of the document templates in ``folder`` as "file:line: message" (empty when fine): a
    template that does not parse, or names something documents do not give it."""
    from jinja2 import TemplateSyntaxError, nodes

    problems = []
    if not folder.is_dir():
        return problems
    known_types = _document_types()
    env = _environment(None)
    for path in sorted(folder.iterdir()):
        if path.suffix != ".html":
            continue
        where = f"{path}"
        stem = path.name[:-len(".html")]
        if stem != "document" and known_types is not None and stem not in known_types:
            problems.append(f"{where}:1: no document type {stem!r} (known: document, {', '.join(sorted(known_types))})")
        try:
            tree = env.parse(path.read_text(encoding="utf-8"), name=path.name, filename=str(path))
        except TemplateSyntaxError as exc:
            problems.append(f"{where}:{exc.lineno}: {exc.message}")
            continue
        except UnicodeDecodeError:
            problems.append(f"{where}:1: not UTF-8 text")
            continue
        assigned = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
        for node in tree.find_all(nodes.Name):
            if node.ctx == "load" and node.name not in NAMES and node.name not in assigned:
                problems.append(f"{where}:{node.lineno}: unknown name {node.name!r} (documents give: "
                                f"{', '.join(sorted(n for n in NAMES if n.islower() and n not in ('loop', 'range', 'true', 'false', 'none')))})")
        for node in tree.find_all(nodes.Filter):
            if node.name not in env.filters:
                problems.append(f"{where}:{node.lineno}: unknown filter {node.name!r}")
        for node in tree.find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)):
            problems.append(f"{where}:{node.lineno}: a document template stands alone (no extends, include "
                            "or import)")
    return problems


def _document_types() -> set[str] | None:
    try:
        from ..modules import available

        return {d.name for m in available().values() for d in m.documents}
    except Exception:  # outside a full install: skip the type-name check
        return None


# ----------------------------------------------------------------- letterhead and signer
def letterhead(region_code: str | None = None, agency_code: str | None = None, *, web: bool = False) -> dict:
    """The kop surat of the issuing unit: PEMERINTAH KABUPATEN X, then the agency, or the district and
    village; the office's address from the profile's ``offices``; the regency's logo when it has one."""
    from ..models import Agency, Region

    profile = current_app.extensions["egovkit"].profile
    lines = [f"PEMERINTAH {profile.regency.name.upper()}"]
    office = None
    place = profile.regency.capital or profile.regency.name
    if agency_code:
        agency = db.session.get(Agency, agency_code)
        if agency is not None:
            lines.append(agency.name.upper())
        office = profile.schema.offices.get(agency_code)
    elif region_code and region_code != profile.regency.code:
        chain = []
        region = db.session.get(Region, region_code)
        while region is not None and region.level in ("district", "village"):
            chain.insert(0, region)
            region = db.session.get(Region, region.parent_code) if region.parent_code else None
        lines += [f"{r.kind} {r.name}".upper() for r in chain]
        if chain:
            place = chain[-1].name
        office = profile.schema.offices.get(region_code)
    else:
        office = profile.schema.offices.get(profile.regency.code)
    address = None
    if office is not None:
        parts = [office.address + (f" {office.postcode}" if office.postcode else "")]
        if office.phone:
            parts.append(f"Telp. {office.phone}")
        if office.email:
            parts.append(office.email)
        address = ", ".join(parts)
        place = office.place or place
    logo = None
    if profile.regency.logo:
        path = Path(current_app.instance_path) / profile.regency.logo
        if web:
            from flask import url_for

            logo = url_for("web.logo")
        elif path.exists() and path.suffix.lower() in (".png", ".jpg", ".jpeg"):
            logo = str(path)
    return {"lines": lines, "address": address, "logo": logo, "place": place}


def signer_of(user) -> dict:
    """Position, name and NIP (where the official has one) of whoever signs: never their email or NIK."""
    if user is None or not getattr(user, "is_authenticated", True):
        return {"position": "", "name": "-", "nip": None}
    return {"position": people.position(user) or "", "name": user.name, "nip": getattr(user, "nip", None)}


def _acting_user():
    from flask import has_request_context

    if has_request_context():
        from flask_login import current_user

        if getattr(current_user, "is_authenticated", False):
            return current_user
    from . import audit
    from ..models import User

    actor_id, _label = audit.actor()
    return db.session.get(User, actor_id) if actor_id is not None else None


def _context(doc_type: str, *, title, number, paragraphs, facts, head, signer, when: datetime, verify_url, qr,
             draft) -> dict:
    profile = current_app.extensions["egovkit"].profile
    local = when.astimezone(ZoneInfo(profile.timezone))
    return {"letterhead": head, "title": title, "number": number, "paragraphs": list(paragraphs),
            "facts": [(str(k), str(v)) for k, v in facts], "place": head.get("place") or "",
            "date": local.date(), "signer": signer, "qr": qr, "verify_url": verify_url,
            "issued_at": f"{local:%d-%m-%Y %H:%M} ({profile.timezone})", "draft": draft, "doc_type": doc_type}


def html(template_for: str, **context) -> str:
    """The document as the HTML its template makes (the PDF is laid out from it; pages show it as a draft)."""
    return _template(template_for).render(**context)


def preview(doc_type: DocumentType | str, *, title: str, paragraphs: list[str], facts=(), region_code=None,
            agency_code=None, signer=None):
    """The document as it will print, for the signer to read before signing: no number, no QR, "DRAF"."""
    from markupsafe import Markup

    name = doc_type if isinstance(doc_type, str) else doc_type.name
    head = letterhead(region_code, agency_code, web=True)
    return Markup(html(name, **_context(name, title=title, number=None, paragraphs=paragraphs, facts=facts,
                                        head=head, signer=signer_of(signer or _acting_user()), when=utcnow(),
                                        verify_url="", qr=None, draft=True)))


# ----------------------------------------------------------------- PDF layout
def _blocks(markup: str) -> list[dict]:
    """The template's HTML as a flat list of blocks: {tag, cls, section, text (with **bold**), src, rows}."""
    from html.parser import HTMLParser

    blocks: list[dict] = []

    class Parser(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.sections: list[str] = []
            self.stack: list[str] = []
            self.current: dict | None = None
            self.row: list | None = None
            self.cell: list | None = None

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            cls = attrs.get("class") or ""
            if tag == "div":
                self.sections.append(cls)
            elif tag in ("p", "h1", "h2", "h3"):
                self.current = {"tag": tag, "cls": cls, "section": self.section, "text": ""}
            elif tag == "br" and self.current is not None:
                self.current["text"] += "\n"
            elif tag in ("b", "strong") and self.current is not None:
                self.current["text"] += _BOLD
            elif tag == "hr":
                blocks.append({"tag": "hr", "cls": cls, "section": self.section})
            elif tag == "img" and attrs.get("src"):
                blocks.append({"tag": "img", "cls": cls, "section": self.section, "src": attrs["src"]})
            elif tag == "table":
                blocks.append({"tag": "table", "cls": cls, "section": self.section, "rows": []})
            elif tag == "tr" and blocks and blocks[-1]["tag"] == "table":
                self.row = []
                blocks[-1]["rows"].append(self.row)
            elif tag in ("td", "th") and self.row is not None:
                self.cell = []
                self.row.append(self.cell)

        def handle_endtag(self, tag):
            if tag == "div" and self.sections:
                self.sections.pop()
            elif tag in ("p", "h1", "h2", "h3") and self.current is not None:
                self.current["text"] = self.current["text"].strip()
                blocks.append(self.current)
                self.current = None
            elif tag in ("b", "strong") and self.current is not None:
                self.current["text"] += _BOLD
            elif tag in ("td", "th"):
                self.cell = None
            elif tag == "tr":
                self.row = None

        def handle_data(self, data):
            data = data.replace(_BOLD, "")
            if self.current is not None:
                self.current["text"] += " ".join(data.split()) if data.strip() else (" " if data else "")
            elif self.cell is not None:
                self.cell.append(" ".join(data.split()))

        @property
        def section(self):
            return self.sections[-1] if self.sections else ""

    Parser().feed(markup)
    return blocks


_BOLD = "\x00"  # where <b> opens or closes in a block's text


def _markdown(text: str) -> tuple[str, bool]:
    """(text, markdown) for fpdf: bold from <b> only; markers typed in the data (**, __, --, ~~) stay text."""
    if _BOLD not in text:
        return text, False
    import re

    escaped = re.sub(r"(\*\*|__|--|~~)", r"\\\1", text.replace("\\", "\\\\"))
    return escaped.replace(_BOLD, "**"), True


def _image(src: str):
    if src.startswith("data:image/png;base64,"):
        import base64

        return io.BytesIO(base64.b64decode(src.split(",", 1)[1]))
    return src


def layout(markup: str, *, title: str, when: datetime):
    """Lay out a document's HTML on A4 with the bundled Unicode font (any name prints)."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_creator("egovkit")
    pdf.set_title(title)
    pdf.set_creation_date(when)
    fonts = _bundled() / "fonts"
    pdf.add_font(FONT, "", str(fonts / "DejaVuSerif.ttf"))
    pdf.add_font(FONT, "B", str(fonts / "DejaVuSerif-Bold.ttf"))
    pdf.set_margins(20, 12, 20)
    pdf.set_auto_page_break(True, 15)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    blocks = _blocks(markup)
    head_top = pdf.get_y()
    for block in blocks:
        tag, cls, section = block["tag"], block["cls"], block["section"]
        if section == "letterhead":
            if tag == "img":
                pdf.image(_image(block["src"]), x=pdf.l_margin, y=head_top, h=24)
                continue
            size, style = {"kop": (13, "B"), "kop-main": (15, "B"), "kop-address": (9, "")}.get(cls, (11, ""))
            pdf.set_font(FONT, style, size)
            line = block["text"].replace(_BOLD, "")
            while size > 9 and pdf.get_string_width(line) > width - 46 - 2 * pdf.c_margin:  # long: smaller, one line
                size -= 0.5
                pdf.set_font(FONT, style, size)
            pdf.set_x(pdf.l_margin + 22)
            pdf.multi_cell(width - 44, size * 0.45, block["text"].replace(_BOLD, ""), align="C", new_x="LMARGIN",
                           new_y="NEXT")
            continue
        if tag == "hr":
            y = max(pdf.get_y() + 2, head_top + 26 if blocks[0]["section"] == "letterhead" else 0)
            pdf.set_line_width(0.8)
            pdf.line(pdf.l_margin, y, pdf.w - pdf.r_margin, y)
            pdf.set_line_width(0.2)
            pdf.line(pdf.l_margin, y + 1.2, pdf.w - pdf.r_margin, y + 1.2)
            pdf.set_y(y + 5)
        elif section == "signature":
            if tag == "p":
                x = pdf.l_margin + width * 0.55
                if cls == "space":
                    pdf.ln(18)
                    continue
                pdf.set_font(FONT, "B" if cls == "signer-name" else "", 11)
                pdf.set_x(x)
                text, md = _markdown(block["text"] or " ")
                pdf.multi_cell(width * 0.45, 5.5, text, align="C", markdown=md, new_x="LMARGIN", new_y="NEXT")
                if cls == "signer-name":  # underline the name, as on a signed letter
                    w = min(pdf.get_string_width(block["text"].replace(_BOLD, "")), width * 0.45)
                    pdf.line(x + (width * 0.45 - w) / 2, pdf.get_y() - 0.8, x + (width * 0.45 + w) / 2,
                             pdf.get_y() - 0.8)
        elif section == "qr":
            if tag == "img":
                if pdf.get_y() > pdf.h - 60:
                    pdf.add_page()
                top = max(pdf.get_y() + 6, pdf.h - 55)
                pdf.image(_image(block["src"]), x=pdf.l_margin, y=top, w=32)
                pdf.set_y(top)
                block["x"] = pdf.l_margin + 36
            else:
                if pdf.get_y() < pdf.h - 55:
                    pdf.set_y(max(pdf.get_y() + 6, pdf.h - 55))
                pdf.set_font(FONT, "", 8)
                pdf.set_x(pdf.l_margin + 36)
                pdf.multi_cell(width - 36, 4, block["text"].replace(_BOLD, ""), align="L", new_x="LMARGIN",
                               new_y="NEXT")
        elif tag in ("h1", "h2", "h3"):
            pdf.ln(2)
            pdf.set_font(FONT, "B", {"h1": 13, "h2": 12, "h3": 11}[tag])
            text, md = _markdown(block["text"])
            pdf.multi_cell(0, 6.5, text, align="C", markdown=md, new_x="LMARGIN", new_y="NEXT")
        elif tag == "p":
            if cls == "number":
                pdf.set_font(FONT, "", 11)
                pdf.multi_cell(0, 5.5, block["text"].replace(_BOLD, ""), align="C", new_x="LMARGIN", new_y="NEXT")
                pdf.ln(5)
            else:
                pdf.set_font(FONT, "", 11)
                text, md = _markdown(block["text"].replace("Rp ", "Rp\u00a0"))  # an amount stays on one line
                pdf.multi_cell(0, 6, text, align="J", markdown=md, new_x="LMARGIN", new_y="NEXT")
                pdf.ln(2)
        elif tag == "table":
            pdf.set_font(FONT, "", 11)
            for row in block["rows"]:
                cells = [" ".join(c) for c in row]
                if not cells:
                    continue
                y = pdf.get_y()
                pdf.set_x(pdf.l_margin + 8)
                pdf.multi_cell(50, 6, cells[0], new_x="RIGHT", new_y="TOP")
                pdf.multi_cell(width - 58, 6, ": " + " ".join(cells[1:]), new_x="LMARGIN", new_y="NEXT")
                pdf.set_y(max(pdf.get_y(), y + 6))
            pdf.ln(3)
        elif tag == "img":
            pdf.image(_image(block["src"]), w=30)
    return bytes(pdf.output())


def table_pdf(title: str, header, rows, widths, *, subtitle: str | None = None, facts=(), progress=None) -> bytes:
    """A landscape A4 table (a register book) in the bundled Unicode font, the header on every page; ``facts``
    (label, value) above it; ``progress(n)`` every 500 rows for a background job."""
    from fpdf import FPDF

    profile = current_app.extensions["egovkit"].profile
    pdf = FPDF(orientation="L", format="A4")
    pdf.set_creator("egovkit")
    pdf.set_title(title)
    fonts = _bundled() / "fonts"
    pdf.add_font(FONT, "", str(fonts / "DejaVuSerif.ttf"))
    pdf.add_font(FONT, "B", str(fonts / "DejaVuSerif-Bold.ttf"))
    pdf.set_margins(12, 12, 12)
    pdf.add_page()
    pdf.set_font(FONT, "B", 12)
    pdf.cell(0, 7, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9)
    pdf.cell(0, 5, subtitle or f"PEMERINTAH {profile.regency.name.upper()}", align="C", new_x="LMARGIN",
             new_y="NEXT")
    pdf.ln(2)
    for label, value in facts:
        pdf.cell(45, 5, str(label))
        pdf.cell(0, 5, f": {value}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font(FONT, "", 8)
    with pdf.table(col_widths=widths, text_align="LEFT", line_height=4.5, repeat_headings=1) as table:
        table.row([str(h) for h in header])
        for i, row in enumerate(rows):
            table.row([str(c) for c in row])
            if progress is not None and i % 500 == 0:
                progress(i)
    return bytes(pdf.output())


def _qr(verify_url: str) -> str:
    import base64

    import segno  # imported when a PDF is made: fpdf alone takes a fifth of every CLI command's start-up

    out = io.BytesIO()
    segno.make(verify_url, error="m").save(out, kind="png", scale=4, border=2)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def render(doc_type: str, title: str, number: str, paragraphs: list[str], facts: list[tuple[str, str]],
           verify_url: str, issued_at: datetime, *, head: dict | None = None, signer: dict | None = None) -> bytes:
    """The document's PDF, from its template (the instance's override or the bundled one)."""
    head = head or letterhead()
    context = _context(doc_type, title=title, number=number, paragraphs=paragraphs, facts=facts, head=head,
                       signer=signer or signer_of(None), when=issued_at, verify_url=verify_url,
                       qr=_qr(verify_url), draft=False)
    return layout(html(doc_type, **context), title=title, when=issued_at)


def storage(code: str) -> Path:
    folder = Path(current_app.instance_path) / "uploads" / "documents"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{code}.pdf"


def issue(doc_type: DocumentType, *, module: str, record_id, title: str, paragraphs: list[str],
          facts: list[tuple[str, str]], scope: str | None = None, code: str | None = None,
          region_code: str | None = None, agency_code: str | None = None, shown: list | None = None,
          signer=None) -> Document:
    """Number, render, store and sign a document (in the caller's transaction); ``code`` overrides the
    type's classification code in the number (e.g. one per kind of letter). The letterhead is the issuing
    unit's: ``agency_code`` (an agency), else ``region_code`` (a district or village), else the regency.
    ``facts`` are what the public verification page shows; ``shown`` what the PDF lists under the body
    (default: the facts). The signer is ``signer`` or whoever acts now (position, name, NIP)."""
    now = utcnow()
    head = letterhead(region_code, agency_code)
    who = signer_of(signer or _acting_user())
    if code is not None:
        doc_type = DocumentType(doc_type.name, code, doc_type.numbering)
    number = next_number(doc_type, scope or current_app.extensions["egovkit"].profile.regency.code, now)
    code = secrets.token_urlsafe(9)[:12]
    verify_url = public_url(f"{VERIFY_PATH}/{code}")
    pdf = render(doc_type.name, title, number, paragraphs, facts if shown is None else shown, verify_url, now,
                 head=head, signer=who)
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


def verify_panel(doc: Document):
    """What the module that issued ``doc`` shows on its public verification page, below the facts (its hook
    ``documents.verify``; e.g. a statement's validity and the acknowledgement of whoever it is for), or None."""
    module = current_app.extensions["egovkit"].modules_by_name.get(doc.module)
    target = module.hooks.get(VERIFY_HOOK) if module is not None else None
    return import_path(target)(doc) if target else None
