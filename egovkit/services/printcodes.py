"""One-time print codes: a citizen prints their issued letter at a kiosk.

Whoever may act on an issued document's case (its owner, or counter staff
within reach: permission ``documents.print_code``) makes a short numeric
code for it. At a kiosk, the record's tracking code plus that code show the
PDF once. Codes are stored as an HMAC keyed with the instance secret, expire
after ``kiosk.print_code_hours``, work once (a conditional UPDATE, so two
kiosks racing print it once), and a new code voids the older one. Wrong
codes are counted per tracking code in the sign-in throttle's table
(``kiosk.print_attempts`` per window), whether or not the tracking code
exists, so neither the answer nor the throttle tells which codes exist.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import DateTime, ForeignKey, Integer, String, func, select, update
from sqlalchemy.orm import Mapped, mapped_column

from ..db import db
from ..models import utcnow
from ..modules import import_path
from . import audit, documents, people

DIGITS = 6
CODES_PER_HOUR = 5  # codes made for one document per hour


class PrintCode(db.Model):
    __tablename__ = "core_print_code"
    __audit__ = False  # making, using and failing codes are audited as such
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("core_document.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


def _settings():
    return current_app.extensions["egovkit"].profile.schema.kiosk


def _digest(document_id: int, code: str) -> str:
    key = hashlib.sha256(b"egovkit-print-codes:" + current_app.config["SECRET_KEY"].encode()).digest()
    return hmac.new(key, f"{document_id}:{code}".encode(), hashlib.sha256).hexdigest()


def case_of(doc: documents.Document):
    """The workflow case about the document's record (None for documents without one, e.g. notices)."""
    from . import workflow

    module = current_app.extensions["egovkit"].modules_by_name.get(doc.module)
    kind = next((d for d in module.documents if d.name == doc.doc_type), None) if module else None
    if kind is None:
        return None
    return db.session.scalar(select(workflow.Case).where(
        workflow.Case.module == doc.module, workflow.Case.workflow == (kind.workflow or kind.name),
        workflow.Case.record_id == doc.record_id))


def may_make(doc: documents.Document | None, user=None) -> bool:
    """Whether the user may make a print code for this document: issued, not revoked, and its case within
    the reach of the user's roles holding ``documents.print_code`` (a citizen: their own case)."""
    from ..auth import scope

    if doc is None or doc.revoked or not tracked(doc.module):
        return False
    case = case_of(doc)
    return case is not None and scope.can("documents.print_code", case, user)


def tracked(module_name: str):
    """The module's Tracking declaration when its documents can be printed by tracking code, else None."""
    module = current_app.extensions["egovkit"].modules_by_name.get(module_name)
    tracking = module.tracking if module else None
    return tracking if tracking is not None and tracking.document else None


def make(doc: documents.Document) -> tuple[str, datetime] | None:
    """A new code for the document (an older live one dies) and its expiry; None past the hourly limit.
    The caller has checked ``may_make`` and commits."""
    now = utcnow()
    recent = db.session.scalar(select(func.count()).select_from(PrintCode).where(
        PrintCode.document_id == doc.id, PrintCode.created_at > now - timedelta(hours=1)))
    if recent >= CODES_PER_HOUR:
        return None
    db.session.execute(update(PrintCode).where(PrintCode.document_id == doc.id, PrintCode.used_at.is_(None))
                       .values(used_at=now))
    code = f"{secrets.randbelow(10 ** DIGITS):0{DIGITS}d}"
    expires = now + timedelta(hours=_settings().print_code_hours)
    db.session.add(PrintCode(document_id=doc.id, code_hash=_digest(doc.id, code), created_by=people.acting()[0],
                             created_at=now, expires_at=expires))
    audit.record("print_code_made", "core", "core_document", doc.id, number=doc.number)
    return code, expires


def document_for(tracking_code: str) -> documents.Document | None:
    """The issued, unrevoked document of the record with this tracking code, in any module that declares it."""
    for module in current_app.extensions["egovkit"].modules:
        tracking = module.tracking
        if tracking is None or not tracking.document:
            continue
        record_id = import_path(tracking.find)(tracking_code)
        if record_id is None:
            continue
        doc = db.session.scalar(select(documents.Document).where(
            documents.Document.doc_type == tracking.document, documents.Document.record_id == str(record_id)))
        if doc is not None and not doc.revoked:
            return doc
    return None


def redeem(tracking_code: str, code: str) -> documents.Document | None:
    """The document if ``code`` is its live print code (then used up, audited); None otherwise. The caller
    has reserved the attempt (``reserve``) and commits."""
    doc = document_for(tracking_code)
    digest = _digest(doc.id if doc else 0, code)
    if doc is None:
        audit.record("print_code_failed", "core", "core_document", None)
        return None
    now = utcnow()
    live = db.session.scalar(select(PrintCode).where(
        PrintCode.document_id == doc.id, PrintCode.used_at.is_(None), PrintCode.expires_at > now)
        .order_by(PrintCode.id.desc()).limit(1))
    if live is None or not hmac.compare_digest(live.code_hash, digest):
        audit.record("print_code_failed", "core", "core_document", doc.id)
        return None
    used = db.session.execute(update(PrintCode).where(PrintCode.id == live.id, PrintCode.used_at.is_(None))
                              .values(used_at=now)).rowcount
    if used != 1:  # another kiosk used it a moment ago
        return None
    audit.record("document_printed", "core", "core_document", doc.id, number=doc.number, via="kiosk")
    return doc


def reserve(tracking_code: str):
    """Take one attempt for this tracking code (existing or not) from the throttle; None: wait."""
    from ..auth import throttle

    return throttle.for_one_time_code("print", tracking_code, _settings().print_attempts)
