"""A form sent twice makes one record: every create form carries a one-time token.

The page renders ``{{ once_field() }}`` inside the form; the view, once the
input is valid, calls ``replay()`` first (the same token seen before: the
first result is shown again) and ``record(url)`` in the transaction that
creates the record, with the address of what it made. Two racing posts of the
same form both pass ``replay()``, but the token is the table's primary key:
the database refuses the second commit, nothing of it is written, and the
core's conflict handler answers with the first one's result.

A client that leaves the token out (a script posting the form) gets no such
guarantee; the API has its own idempotent operations.
"""
from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from flask import flash, redirect, request
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import DateTime, ForeignKey, String, delete
from sqlalchemy.orm import Mapped, mapped_column

from ..db import db
from ..models import utcnow

FIELD = "once"
KEEP = timedelta(days=7)  # a form left open longer than this may be sent once more
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")


class FormUse(db.Model):
    """A create form that was sent: its token, who sent it and what it made."""

    __tablename__ = "core_form_use"
    __audit__ = False  # the record it made is audited
    token: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    url: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


def field() -> Markup:
    """The hidden input of a create form (a fresh token each time the page is shown)."""
    return Markup('<input type="hidden" name="%s" value="%s">') % (FIELD, secrets.token_urlsafe(24))


def _token() -> str | None:
    token = request.form.get(FIELD, "")
    return token if _TOKEN.match(token) else None


def _user_id() -> int | None:
    return current_user.id if current_user.is_authenticated else None


def replay():
    """A redirect to what this form made the first time it was sent, or None when it is new."""
    token = _token()
    if token is None:
        return None
    use = db.session.get(FormUse, token)
    if use is None:
        return None
    if use.user_id != _user_id():
        from .errors import render_error

        return render_error(409)
    flash(_("This form was already sent: here is what it made. Nothing was made twice."), "info")
    return redirect(use.url, 303)


def record(url: str) -> None:
    """Mark this form's token used, in the caller's transaction, with the address of what it made."""
    token = _token()
    if token is None:
        return
    db.session.execute(delete(FormUse).where(FormUse.created_at < utcnow() - KEEP))
    db.session.add(FormUse(token=token, user_id=_user_id(), url=url[:500]))


def init_app(app) -> None:
    app.jinja_env.globals["once_field"] = field
