"""The public verification page of issued documents."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from sqlalchemy import select

from ..services import documents
from ..db import db
from .forms import Form

bp = Blueprint("documents", __name__)


@bp.route(documents.VERIFY_PATH + "/<code>", methods=["GET", "POST"])
def verify(code: str):
    doc = db.session.scalar(select(documents.Document).where(documents.Document.code == code))
    if doc is None:
        abort(404)
    form = Form()  # CSRF only: the file comes from request.files
    result = None
    if form.validate_on_submit():
        upload = request.files.get("pdf")
        if upload is None or not upload.filename:
            result = "missing"
        else:
            result = "valid" if documents.check(doc, upload.read(10 * 1024 * 1024 + 1)) else "invalid"
    signature_ok = documents.intact(doc)
    return render_template("documents/verify.html", doc=doc, form=form, result=result, signature_ok=signature_ok), \
        (400 if result == "missing" else 200)
