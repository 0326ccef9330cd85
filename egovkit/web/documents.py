"""The public verification page of issued documents."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from ..auth.views import safe_next
from ..modules import import_path
from ..services import documents, printcodes
from ..db import db
from . import kiosk
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
    panel = documents.verify_panel(doc) if signature_ok else None
    return render_template("documents/verify.html", doc=doc, form=form, result=result, signature_ok=signature_ok,
                           panel=panel), \
        (400 if result == "missing" else 200)


@bp.post("/documents/<code>/print-code")
@login_required
def print_code(code: str):
    """A one-time code to print this issued document at a kiosk (egovkit.services.printcodes), shown once
    on this page; for whoever may act on the document's case (its owner, or counter staff within reach)."""
    doc = db.session.scalar(select(documents.Document).where(documents.Document.code == code))
    if not printcodes.may_make(doc):
        abort(404)
    form = Form()
    if not form.validate_on_submit():
        abort(400)
    back = safe_next(request.form.get("next"))
    made = printcodes.make(doc)
    db.session.commit()
    if made is None:
        flash(_("Too many print codes for this letter in the last hour. Try again later."), "error")
        return redirect(back)
    # The page that sent the form names the record's tracking code; shown only if it is this record's.
    tracking_code = kiosk.normalise(request.form.get("tracking"))
    found = import_path(printcodes.tracked(doc.module).find)(tracking_code) if tracking_code else None
    tracking_code = tracking_code if found is not None and str(found) == doc.record_id else None
    return render_template("documents/print_code.html", doc=doc, code=made[0], expires=made[1], back=back,
                           tracking_code=tracking_code)
