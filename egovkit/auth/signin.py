"""The end of a sign-in: the second step (a TOTP code, or enrolment) for the roles that need one, and the
start of a fresh session (new session contents, new CSRF token: a session planted before sign-in is not the
one after it)."""
from __future__ import annotations

import time

from flask import flash, g, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user
from sqlalchemy.exc import IntegrityError
from wtforms import StringField
from wtforms.validators import DataRequired, Length, ValidationError

from ..db import db
from ..models import User
from ..services import audit
from ..web.forms import Form
from . import throttle, twofactor
from .views import bp, safe_next

PENDING = "egovkit_2fa"  # session key: the account whose password was right, waiting for its code
SHOW_RECOVERY = "egovkit_recovery"
PENDING_SECONDS = 600  # time to open (or install) the authenticator app


def _fresh_session() -> None:
    """Rotate the session: drop everything it carried, including the CSRF token (a new one is made)."""
    session.clear()
    g.pop("csrf_token", None)


def password_accepted(user: User, next_url: str | None):
    """After a right password: sign in, or ask for the second step."""
    if not twofactor.required(user):
        return complete(user, next_url)
    _fresh_session()
    session[PENDING] = {"u": user.id, "e": user.session_epoch, "t": int(time.time()), "n": next_url}
    target = "auth.login_code" if twofactor.enrolled(user) else "auth.login_enrol"
    return redirect(url_for(target))


def complete(user: User, next_url: str | None, recovery: bool = False, **details):
    """Sign the account in with a fresh session; its browser becomes trusted for throttling."""
    audit.record("login", "core", "core_user", user.id, login=user.login, ip=request.remote_addr or "-", **details)
    db.session.commit()
    _fresh_session()
    login_user(user)
    if recovery:
        session[SHOW_RECOVERY] = True
        response = redirect(url_for("auth.recovery_codes", next=safe_next(next_url)))
    else:
        response = redirect(safe_next(next_url))
    throttle.remember_device(response, user)
    return response


def _pending() -> tuple[User | None, dict]:
    state = session.get(PENDING)
    if not isinstance(state, dict) or time.time() - state.get("t", 0) > PENDING_SECONDS:
        return None, {}
    user = db.session.get(User, state.get("u"))
    if user is None or not user.active or user.session_epoch != state.get("e"):
        return None, {}
    return user, state


class CodeForm(Form):
    code = StringField("Code", validators=[DataRequired(), Length(max=20)])

    def validate_code(self, field):
        if len(twofactor.normalise(field.data)) not in (6, 10):
            raise ValidationError(_("Code: enter the 6 digits the authenticator app shows, or a recovery code."))


def _start_over():
    session.pop(PENDING, None)
    flash(_("Sign in again: the sign-in was not finished in time."), "error")
    return redirect(url_for("auth.login"))


def _too_many(template: str, **context):
    flash(_("Too many wrong codes. Wait %(minutes)s minutes and try again.",
            minutes=throttle.settings().window_minutes), "error")
    return render_template(template, **context), 429


@bp.route("/login/code", methods=["GET", "POST"])
def login_code():
    user, state = _pending()
    if user is None:
        return _start_over()
    if not twofactor.enrolled(user):
        return redirect(url_for("auth.login_enrol"))
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        attempt = throttle.for_code(user.id)
        if attempt is None:
            return _too_many("login_code.html", form=form)
        method = twofactor.check(user, form.code.data)
        if method:
            attempt.give_back()
            return complete(user, state.get("n"), second_factor=method)
        audit.record("login_code_failed", "core", "core_user", user.id, login=user.login,
                     ip=request.remote_addr or "-")
        attempt.keep()
        form.code.errors.append(_("Code: wrong, expired or already used. Enter the code the app shows now."))
        status = 400
    elif request.method == "POST":
        status = 400
    return render_template("login_code.html", form=form), status


@bp.route("/login/enrol", methods=["GET", "POST"])
def login_enrol():
    user, state = _pending()
    if user is None:
        return _start_over()
    if twofactor.enrolled(user):
        return redirect(url_for("auth.login_code"))
    secret = twofactor.decrypt(state["s"]) if state.get("s") else None
    if secret is None:  # the candidate secret rides in the session, encrypted, until a code confirms it
        secret = twofactor.new_secret()
        session[PENDING] = dict(state, s=twofactor.encrypt(secret))
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        attempt = throttle.for_code(user.id)
        if attempt is None:
            return _too_many("login_enrol.html", **_enrol_page(form, secret, user))
        step = twofactor.matching_step(secret, form.code.data)
        if step is not None:
            attempt.give_back()
            twofactor.enrol(user, secret, step)
            audit.record("2fa_enrolled", "core", "core_user", user.id, login=user.login)
            try:
                db.session.flush()
            except IntegrityError:  # enrolled meanwhile in another tab: sign in with its code
                db.session.rollback()
                return redirect(url_for("auth.login_code"))
            return complete(user, state.get("n"), recovery=True, second_factor="enrolment")
        attempt.keep()
        form.code.errors.append(_("Code: it does not match. Scan the QR code again and enter the code the app "
                                  "shows now."))
        status = 400
    elif request.method == "POST":
        status = 400
    return render_template("login_enrol.html", **_enrol_page(form, secret, user)), status


def _enrol_page(form, secret: str, user: User) -> dict:
    grouped = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
    return {"form": form, "secret": grouped, "qr": twofactor.qr_svg(secret, user)}


@bp.get("/login/recovery-codes")
@login_required
def recovery_codes():
    """Shown once, right after enrolment: the codes are made now and only their hashes kept."""
    next_url = safe_next(request.args.get("next"))
    if not session.pop(SHOW_RECOVERY, False):
        return redirect(next_url)
    user = db.session.get(User, current_user.id)
    codes = twofactor.new_recovery_codes(user)
    audit.record("2fa_recovery_codes", "core", "core_user", user.id, login=user.login, count=len(codes))
    db.session.commit()
    response = make_response(render_template("login_recovery.html", codes=codes, next_url=next_url))
    response.headers["Cache-Control"] = "no-store"
    return response
