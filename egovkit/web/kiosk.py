"""Kiosk mode for public touch screens (anjungan): big tiles, an on-screen pad, idle reset, self-print.

``/kiosk`` (or any page with ``?kiosk``) puts this browser in kiosk mode with a
cookie, so it survives the idle reset that empties the session; ``/kiosk/off``
takes it out. In kiosk mode every page is laid out for a finger, shows no
sign-in links, is never cached, and goes back to the start page after
``kiosk.idle_seconds`` without a touch (static/kiosk.js; without JavaScript a
``<meta http-equiv="refresh">`` does it). The start page signs out and clears
the session. The services come from what modules declare: their public menu
entries, and ``Module.tracking`` for tracking by code and self-print with a
one-time code (egovkit.services.printcodes). See docs/kiosk.md.
"""
from __future__ import annotations

import re
from datetime import timedelta

from flask import (Blueprint, abort, current_app, g, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_login import logout_user
from wtforms import StringField
from wtforms.validators import ValidationError

from ..models import utcnow
from ..modules import import_path
from ..services import documents, printcodes
from ..services.workflow import TRACKING_ALPHABET
from .forms import Form

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk")

COOKIE = "egovkit_kiosk"
COOKIE_DAYS = 3650  # a kiosk screen stays one until IT staff open /kiosk/off
GRANT_SECONDS = 120  # how long after a right print code the PDF may be fetched (once)
TRACKING = re.compile("^[" + TRACKING_ALPHABET + "]{8}$")


def active() -> bool:
    """Whether this browser is in kiosk mode (its cookie, or ``?kiosk`` on this request)."""
    return bool(g.get("kiosk_on")) or request.cookies.get(COOKIE) == "1"


def _settings():
    return current_app.extensions["egovkit"].profile.schema.kiosk


def normalise(code: str | None) -> str:
    """A tracking code as people type or read it: spaces and dashes dropped, upper case."""
    return re.sub(r"[\s-]+", "", code or "").upper()[:32]


def init_app(app) -> None:
    app.register_blueprint(bp)

    @app.before_request
    def _switch_on():
        if "kiosk" in request.args:
            g.kiosk_on = True

    @app.after_request
    def _kiosk_response(response):
        if g.get("kiosk_on") and request.cookies.get(COOKIE) != "1" and request.endpoint != "kiosk.off":
            response.set_cookie(COOKIE, "1", max_age=COOKIE_DAYS * 86400, httponly=True, samesite="Lax",
                                secure=app.config.get("SESSION_COOKIE_SECURE", False))
        if active() and request.endpoint != "static":
            # The next visitor must not get this one's page back from the cache (Back, bfcache).
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.context_processor
    def _kiosk_context():
        if not active():
            return {"kiosk": None}
        return {"kiosk": {"idle": _settings().idle_seconds, "start": url_for("kiosk.start"),
                          "reset": url_for("kiosk.start", idle=1), "alphabet": TRACKING_ALPHABET}}

    app.jinja_env.globals["print_code_allowed"] = printcodes.may_make


# ----------------------------------------------------------------- tiles
def _modules():
    return current_app.extensions["egovkit"].modules


def _tiles(locale: str) -> list[dict]:
    """The start page's services: track by code and self-print (when a module declares tracking), then
    the public menu entries of the enabled modules (their own tracking pages are covered by the first)."""
    tracking = [m.tracking for m in _modules() if m.tracking is not None]
    own_tracking = {t.endpoint for t in tracking}
    tiles = {}
    if tracking:
        tiles["kiosk.track"] = {"url": url_for("kiosk.track"), "title": _("Track a request"),
                                "hint": _("Type the tracking code on your receipt")}
    if any(t.document for t in tracking):
        tiles["kiosk.print"] = {"url": url_for("kiosk.print_letter"), "title": _("Print my letter"),
                                "hint": _("With the tracking code and a one-time print code")}
    for module in _modules():
        for item in module.nav:
            if item.public and item.permission is None and item.endpoint not in own_tracking:
                title = item.title.get(locale) or item.title.get("en") or next(iter(item.title.values()))
                tiles[item.endpoint] = {"url": url_for(item.endpoint), "title": title,
                                        "hint": module.t("description", locale)}
    wanted = _settings().services
    return [tiles[e] for e in wanted if e in tiles] if wanted else list(tiles.values())


# ----------------------------------------------------------------- pages
@bp.get("")
def start():
    """The start page, where the idle timer leads: it signs out and forgets the session."""
    from flask_babel import get_locale

    g.kiosk_on = True
    logout_user()
    session.clear()
    response = current_app.make_response(render_template(
        "kiosk/start.html", tiles=_tiles(str(get_locale()))))
    if "remember_token" in request.cookies:
        response.delete_cookie("remember_token")
    if request.args.get("idle") and "lang" in request.cookies:  # the next visitor starts in the profile's language
        response.delete_cookie("lang")
    return response


@bp.get("/off")
def off():
    """Take this browser out of kiosk mode (for IT staff; linked from nowhere)."""
    response = redirect(url_for("core.home"))
    response.delete_cookie(COOKIE)
    return response


@bp.get("/track")
def track():
    """Track any request by its code: the module that knows the code shows it on its own public page."""
    g.kiosk_on = True
    raw = request.args.get("code")
    code = normalise(raw)
    if code:
        for module in _modules():
            tracking = module.tracking
            if tracking is not None and import_path(tracking.find)(code) is not None:
                return redirect(url_for(tracking.endpoint, code=code))
    return render_template("kiosk/track.html", code=code, missing=bool(code)), (404 if code else 200)


def _tracking_field(field):
    field.data = normalise(field.data)
    if not field.data:
        raise ValidationError(_("Tracking code: enter the code on your receipt."))
    if not TRACKING.match(field.data):
        raise ValidationError(_("Tracking code: 8 letters and digits, as on your receipt."))


class PrintForm(Form):
    tracking = StringField("Tracking code")
    code = StringField("Print code")

    def validate_tracking(self, field):
        _tracking_field(field)

    def validate_code(self, field):
        field.data = re.sub(r"\s+", "", field.data or "")
        if not re.fullmatch(r"[0-9]{%d}" % printcodes.DIGITS, field.data):
            raise ValidationError(_("Print code: the %(n)s digits you were given.", n=printcodes.DIGITS))


@bp.route("/print", methods=["GET", "POST"])
def print_letter():
    """Tracking code + one-time print code: the issued letter, on screen to print, once."""
    g.kiosk_on = True
    if not any(m.tracking is not None and m.tracking.document for m in _modules()):
        abort(404)
    form = PrintForm()
    error, status = None, 200 if request.method == "GET" else 400
    if form.validate_on_submit():
        attempt = printcodes.reserve(form.tracking.data)
        if attempt is None:
            from ..auth import throttle

            error, status = _("Too many wrong codes for this tracking code. Wait %(minutes)s minutes and try "
                              "again.", minutes=throttle.settings().window_minutes), 429
        else:
            doc = printcodes.redeem(form.tracking.data, form.code.data)
            from ..db import db

            db.session.commit()  # the use, or the failure, and their audit entries
            if doc is not None:
                attempt.give_back()
                session["kiosk_print"] = {"doc": doc.id, "until": (utcnow() + timedelta(
                    seconds=GRANT_SECONDS)).timestamp()}
                return render_template("kiosk/printing.html", doc=doc)
            attempt.keep()
            error = _("The tracking code or the print code is wrong, used already or expired. Check both "
                      "and try again, or ask at the counter for a new print code.")
    return render_template("kiosk/print.html", form=form, error=error), status


@bp.get("/print/document.pdf")
def printed_document():
    """The PDF a right print code opened, once, inline and never stored by the browser."""
    from ..db import db
    from ..services import uploads

    grant = session.pop("kiosk_print", None)
    if not grant or grant.get("until", 0) < utcnow().timestamp():
        abort(404)
    doc = db.session.get(documents.Document, grant.get("doc"))
    if doc is None or doc.revoked:
        abort(404)
    try:
        response = uploads.send_private(documents.storage(doc.code), mimetype="application/pdf",
                                        download_name=f"surat-{doc.code}.pdf", as_attachment=False)
    except FileNotFoundError:
        abort(404)
    # Shown in the kiosk page's frame (its idle timer then clears it), not as a page of its own.
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'self'"
    return response
