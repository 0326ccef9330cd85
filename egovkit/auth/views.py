"""Sign in (staff by email, citizens by NIK), sign out, citizen registration and activation, passwords."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import joinedload
from wtforms import DateField, EmailField, PasswordField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp, ValidationError

from ..services import audit, notifications
from ..extensions import login_manager
from ..db import db
from ..models import RoleAssignment, User
from ..web.forms import Form
from . import identity, passwords, throttle
from .nik import NikError, check_nik

bp = Blueprint("auth", __name__)


# The account of a session with its roles, in one query (nearly every page checks permissions), built once:
# a statement made per request costs more than the query (its options, its cache key).
_ACCOUNT = select(User).options(joinedload(User.roles)).where(User.id == bindparam("ident"))


@login_manager.user_loader
def _load_user(user_id: str):
    ident, _, epoch = user_id.partition(":")
    user = db.session.execute(_ACCOUNT, {"ident": int(ident)}).unique().scalar_one_or_none() \
        if ident.isdigit() else None
    if user is None or not user.active or str(user.session_epoch) != epoch:
        return None  # disabled, signed out elsewhere, or the password was reset since
    return user


def find_user(login: str) -> User | None:
    """The account for an email address or a NIK."""
    login = login.strip().lower()
    return db.session.scalar(select(User).where(or_(User.email == login, User.nik == login)))


def safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("core.home")


class LoginForm(Form):
    login = StringField("Email or NIK", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


@bp.route("/login", methods=["GET", "POST"])
def login():
    from . import signin

    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        identifier = form.login.data.strip().lower()
        ip = request.remote_addr or "-"
        user = find_user(identifier)
        attempt = throttle.for_password(identifier, ip, user)  # reserved before the password is checked
        if attempt is None:
            flash(_("Too many failed attempts. Wait %(minutes)s minutes and try again.",
                    minutes=throttle.settings().window_minutes), "error")
            return render_template("login.html", form=form), 429
        ok = passwords.verify(user.password_hash if user else None, form.password.data) and user.active
        if ok:
            attempt.give_back()
            return signin.password_accepted(user, request.args.get("next"))
        audit.record("login_failed", "core", "core_user", user.id if user else None, login=identifier, ip=ip)
        attempt.keep()
        flash(_("Wrong email/NIK or password."), "error")
        status = 400
    elif request.method == "POST":
        status = 400
    return render_template("login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    audit.record("logout", "core", "core_user", current_user.id)
    user = db.session.get(User, current_user.id)
    user.end_sessions()  # a copied session cookie stops working too
    db.session.commit()
    logout_user()
    return redirect(url_for("core.home"))


def nik_message(exc: NikError) -> str:
    """A NIK problem in the visitor's language."""
    messages = {
        "length": _("A NIK has exactly 16 digits."),
        "region": _("The first 6 digits of the NIK are not a district code in the Kemendagri list."),
        "date": _("Digits 7 to 12 of the NIK are not a valid date."),
        "future": _("Digits 7 to 12 of the NIK give a birth date in the future."),
        "serial": _("The last 4 digits of the NIK (the serial) start at 0001."),
        "birth": _("The NIK does not match the date of birth."),
        "sex": _("The NIK does not match the sex (for women, 40 is added to the day of birth)."),
    }
    return messages.get(exc.code, str(exc))


def _strip(value):
    return value.strip() if value else value


def _code_field() -> StringField:
    """A one-time code as typed (activation, password reset): six digits."""
    return StringField("Code", filters=[_strip], validators=[
        DataRequired(), Regexp(r"\A[0-9]{6}\Z", message=_l("The code has 6 digits."))])


class NewPassword(Form):
    """A new password typed twice, kept to the password policy (registration, reset, change)."""

    password = PasswordField("New password", validators=[DataRequired()])
    confirm = PasswordField("Repeat password", validators=[EqualTo("password", message=_l("The passwords differ."))])

    def validate_password(self, field):
        problem = passwords.policy_error(field.data)
        if problem:
            raise ValidationError(_("Password: %(problem)s.", problem=problem))


class RegisterForm(NewPassword):
    nik = StringField("NIK", filters=[_strip], validators=[
        DataRequired(), Regexp(r"\A[0-9]{16}\Z", message=_l("A NIK has exactly 16 digits."))])
    name = StringField("Full name", validators=[DataRequired(), Length(min=2, max=120)])
    birth_date = DateField("Date of birth", validators=[DataRequired()])
    sex = RadioField("Sex", choices=[SelectChoice("L", "Male"), SelectChoice("P", "Female")],
                     validators=[DataRequired()])
    phone = StringField("Mobile phone", validators=[Length(max=20)])
    email = EmailField("Email", validators=[Optional(), Length(max=254), Regexp(passwords.EMAIL)])

    def validate_nik(self, field):
        # Only what the number itself says is checked here: whether it has an account is never told.
        try:
            check_nik(field.data, self.birth_date.data, self.sex.data)
        except NikError as exc:
            raise ValidationError(nik_message(exc)) from None

    def validate_phone(self, field):
        field.data = (field.data or "").replace(" ", "").replace("-", "")
        if not field.data and not self.email.data:
            raise ValidationError(_("Give a mobile phone number or an email address."))
        if field.data and not re.match(r"^\+?[0-9]{8,15}$", field.data):
            raise ValidationError(_("A phone number has 8 to 15 digits, e.g. 081234567890."))


def _locale() -> str:
    return str(get_locale() or "id")


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Registration answers the same whatever the NIK and email: a pending account is made (or a pending one
    replaced) and a code sent to the register's phone; an active account is left alone and its owner told."""
    form = RegisterForm()
    if form.validate_on_submit():
        password_hash = passwords.hash_password(form.password.data)  # for every NIK: the same work, same time
        email = (form.email.data or "").strip().lower() or None
        user = db.session.scalar(select(User).where(User.nik == form.nik.data))
        if email and db.session.scalar(select(User.id).where(User.email == email,
                                                             User.id != (user.id if user else None))):
            email = None  # somebody else's address: not taken over, and not told
        if user is not None and not user.pending:
            phone = identity.register_phone(user.nik)
            if phone:
                notifications.send(identity.phone_channel(), phone, "identity.already_registered",
                                   locale=user.locale)
            audit.record("register_existing", "core", "core_user", user.id)
        else:
            if user is None:
                user = User(nik=form.nik.data, active=True)
                user.roles.append(RoleAssignment(role="citizen"))
                db.session.add(user)
            else:
                user.end_sessions()  # a claim replaces the previous one: its sessions and code end
            user.name, user.phone, user.email = form.name.data.strip(), form.phone.data or None, email
            user.password_hash, user.pending, user.locale = password_hash, True, _locale()
            db.session.flush()
            identity.send_code(user, "activate")
        db.session.commit()
        return redirect(url_for("auth.activate", sent=1))
    return render_template("register.html", form=form), (400 if form.errors else 200)


class ActivateForm(Form):
    nik = StringField("NIK", filters=[_strip], validators=[DataRequired(), Length(max=16)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    code = _code_field()


@bp.route("/activate", methods=["GET", "POST"])
def activate():
    """A pending account is activated with the NIK, its password and the code sent to the register's phone.
    The password comes first, so nobody else can spend the code's attempts."""
    from . import signin

    form = ActivateForm()
    status = 200
    if form.validate_on_submit():
        ip = request.remote_addr or "-"
        user = db.session.scalar(select(User).where(User.nik == form.nik.data))
        attempt = throttle.for_password(form.nik.data, ip, user)  # the same reserved limit as sign-in
        if attempt is None:
            flash(_("Too many failed attempts. Wait %(minutes)s minutes and try again.",
                    minutes=throttle.settings().window_minutes), "error")
            return render_template("activate.html", form=form, sent=None), 429
        ok = passwords.verify(user.password_hash if user else None, form.password.data) and user.active
        if ok:
            attempt.give_back()  # a right password; wrong codes are limited by the code itself
        else:
            attempt.keep()
        if ok and not user.pending:
            return redirect(url_for("auth.login"))  # nothing to activate: signing in is the sign-in form's job
        if ok and identity.check_code(user, "activate", form.code.data):
            identity.activate(user, "code")
            response = signin.password_accepted(user, url_for("core.home"))  # fresh session, audited sign-in
            flash(_("Your account is active."), "success")
            return response
        db.session.commit()  # the wrong attempt counts
        flash(_("The NIK, the password or the code is wrong, or the code has expired."), "error")
        status = 400
    elif request.method == "POST":
        status = 400
    return render_template("activate.html", form=form, sent=request.args.get("sent")), status


class ForgotForm(Form):
    login = StringField("NIK", filters=[_strip], validators=[DataRequired(), Length(max=254)])


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    """Sends a reset code to the register's phone of an active citizen account; answers the same for any NIK
    or email, known or not, and creates nothing for an unknown one."""
    form = ForgotForm()
    if form.validate_on_submit():
        user = find_user(form.login.data)
        identity.check_code(None, "reset", "000000")  # the same hashing work as for a known account
        if user is not None and user.active and not user.pending:
            identity.send_code(user, "reset")
            db.session.commit()
        return redirect(url_for("auth.reset_password", sent=1))
    return render_template("forgot.html", form=form), (400 if form.errors else 200)


class ResetForm(NewPassword):
    login = StringField("NIK", filters=[_strip], validators=[DataRequired(), Length(max=254)])
    code = _code_field()


@bp.route("/password/reset", methods=["GET", "POST"])
def reset_password():
    """A new password with a reset code (sent to the phone, or given by the village office)."""
    form = ResetForm()
    status = 200
    if form.validate_on_submit():
        user = find_user(form.login.data)
        usable = user is not None and user.active and not user.pending
        if identity.check_code(user if usable else None, "reset", form.code.data):
            identity.set_password(user, form.password.data, "code")
            db.session.commit()
            flash(_("Your password has been changed. Sign in with the new one."), "success")
            return redirect(url_for("auth.login"))
        passwords.hash_password(form.password.data)  # a failure costs what a success costs
        db.session.commit()  # the wrong attempt counts
        flash(_("The code is wrong or has expired. Ask for a new one."), "error")
        status = 400
    elif request.method == "POST":
        status = 400
    return render_template("reset.html", form=form, sent=request.args.get("sent")), status


class ChangePasswordForm(NewPassword):
    old = PasswordField("Current password", validators=[DataRequired(), Length(max=200)])


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Signed in: the current password and a new one; every other session ends, this one goes on."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = db.session.get(User, current_user.id)
        if passwords.verify(user.password_hash, form.old.data):
            identity.set_password(user, form.password.data, "change")
            db.session.commit()
            login_user(user)  # this session carries the new epoch; the others are gone
            flash(_("Your password has been changed. Other devices are signed out."), "success")
            return redirect(url_for("core.home"))
        form.old.errors.append(_("The current password is wrong."))
    return render_template("password.html", form=form), (400 if form.errors else 200)


def init_app(app) -> None:
    from . import signin  # noqa: F401  (the second sign-in step's pages, on this blueprint)

    app.register_blueprint(bp)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    from . import cli

    app.cli.add_command(cli.users)
