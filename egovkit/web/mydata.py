""""Data saya": a signed-in person downloads everything the kit holds about them (UU 27/2022 PDP, the
data subject's right of access and portability).

One generic walk, no module code: the person's account and role assignments; every row of an enabled
module's (or the core's) table whose scope owner column is this user (letters, permits, tax objects,
cases ...); every row whose ``nik`` column is this user's NIK (their resident record, taxpayer record);
the steps of their cases; and the PDFs of the documents issued for those rows. A ZIP with ``data.json``
and ``documents/<code>.pdf``, served ``no-store``. Secrets (``__audit_redact__`` columns, the password
hash) are left out.
"""
from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime

from flask import Blueprint, Response, render_template
from flask_login import current_user, login_required
from sqlalchemy import select

from ..db import db
from ..models import User, as_utc, utcnow
from ..services import audit, documents, uploads

bp = Blueprint("mydata", __name__)
SKIP = {"password_hash", "session_epoch"}


def _value(value):
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _row(obj) -> dict:
    mapper = db.inspect(obj).mapper
    hidden = set(getattr(type(obj), "__audit_redact__", ())) | SKIP
    return {a.key: _value(getattr(obj, a.key)) for a in mapper.column_attrs if a.key not in hidden}


def _models():
    """Mapped classes of the core and the enabled modules (disabled modules' tables are not mapped)."""
    for mapper in db.Model.registry.mappers:
        yield mapper.class_


def collect(user: User) -> dict:
    """Everything held about ``user``: {"account": ..., "records": {table: [rows]}, "documents": [...]}."""
    from sqlalchemy import or_

    from ..services.workflow import Step

    records: dict[str, list[dict]] = {}
    found: dict[str, set[str]] = {}
    for model in sorted(_models(), key=lambda m: m.__tablename__):
        table = model.__tablename__
        if model is User or table.startswith("core_audit"):
            continue
        clauses = []
        scope = getattr(model, "__scope__", None)
        if scope is not None and scope.owner:
            clauses.append(getattr(model, scope.owner) == user.id)
        if user.nik and "nik" in model.__table__.c and model.__table__.c.nik.type.python_type is str:
            clauses.append(model.__table__.c.nik == user.nik)
        if not clauses:
            continue
        rows = db.session.scalars(select(model).where(or_(*clauses))).all()
        if rows:
            records[table] = [_row(r) for r in rows]
            found[table] = {str(r["id"]) for r in records[table] if "id" in r}
    if "core_case" in found:
        steps = db.session.scalars(select(Step).where(Step.case_id.in_([int(i) for i in found["core_case"]]))
                                   .order_by(Step.case_id, Step.at, Step.id)).all()
        # who acted is shown as everywhere else: position and name, never a sign-in email or NIK
        records["core_case_step"] = [dict(_row(s), actor=s.who) for s in steps]
    docs = []
    for doc in db.session.scalars(select(documents.Document)):
        if doc.record_id in found.get(doc.doc_type.replace(".", "_"), ()):
            docs.append(doc)
    account = _row(user)
    account["roles"] = [{"role": r.role, "region_code": r.region_code, "agency_code": r.agency_code}
                        for r in user.roles]
    return {"exported_at": utcnow().isoformat(timespec="seconds"), "account": account, "records": records,
            "documents": [{k: v for k, v in _row(d).items() if k != "signature"} for d in docs]}


def _documents(data: dict):
    for doc in data["documents"]:
        path = documents.storage(doc["code"])
        if path.is_file() and not doc["revoked"]:
            yield doc["code"], path.read_bytes()


@bp.get("/me/data")
@login_required
def page():
    data = collect(current_user)
    counts = {table: len(rows) for table, rows in data["records"].items()}
    return render_template("me/data.html", counts=counts, documents=len(data["documents"]))


@bp.get("/me/data.zip")
@login_required
def download():
    data = collect(current_user)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2, default=str))
        for code, pdf in _documents(data):
            archive.writestr(f"documents/{code}.pdf", pdf)
    audit.record("export_own_data", "core", "core_user", current_user.id,
                 tables=sorted(data["records"]), documents=len(data["documents"]))
    db.session.commit()
    return Response(buffer.getvalue(), mimetype="application/zip", headers={
        "Content-Disposition": 'attachment; filename="data-saya.zip"',
        "Cache-Control": uploads.PRIVATE, "Pragma": "no-cache"})
