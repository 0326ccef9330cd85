"""Error pages in the visitor's language (the API's JSON error shape under /api/)."""
from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("The request could not be understood. Check what you entered and try again.")),
        403: (_("Not allowed"), _("Your account may not open this page.")),
        404: (_("Page not found"), _("The page you asked for does not exist or was moved.")),
        405: (_("Not allowed"), _("This page cannot be used that way.")),
        409: (_("Already saved"), _("Someone saved the same thing at the same moment, so this was not saved "
                                    "twice. Reload the page to see what is there now.")),
        413: (_("File too large"), _("The file is larger than this service accepts.")),
        429: (_("Too many requests"), _("Please wait a moment and try again.")),
        500: (_("Something went wrong"), _("The error was recorded. Please try again later.")),
    }


def render_error(code: int, detail: str | None = None):
    if request.path.startswith("/api/"):
        from ..api import error_response

        return error_response(code, detail=detail or "")
    title, text = _messages().get(code, (_("Error"), ""))
    return render_template("error.html", code=code, title=title, text=detail or text), code


def init_app(app) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(_exc):
        return render_error(400, _("The form expired or was sent from elsewhere. Go back, reload the page and "
                                   "send it again."))

    @app.errorhandler(HTTPException)
    def _http(exc):
        return render_error(exc.code or 500)

    @app.errorhandler(IntegrityError)
    def _conflict(exc):
        # Two requests racing for the same unique value (a NIK, a reversal, a form sent twice): the check
        # before the write saw nothing, the database refused the second. Nothing was written.
        from ..db import db

        db.session.rollback()
        from . import once

        first = once.replay()  # the same form sent twice: show what the first one made
        if first is not None:
            return first
        app.logger.info("refused a duplicate on %s %s: %s", request.method, request.path,
                        str(exc.orig).splitlines()[0][:200])
        if request.path.startswith("/api/"):
            from ..api import error_response

            return error_response(409, detail="A request racing this one saved the same unique value first; "
                                              "nothing of this one was saved.")
        return render_error(409)

    @app.errorhandler(Exception)
    def _unexpected(exc):
        if app.testing:
            raise exc  # let the test show the traceback
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(500)
