"""Sign in (staff by email, citizens by NIK), sign out, citizen registration."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import or_, select
from wtforms import DateField, EmailField, PasswordField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp, ValidationError

from ..services import audit
from ..extensions import login_manager
from ..db import db
from ..models import RoleAssignment, User
from ..web.forms import Form
from . import passwords, throttle
from .nik import NikError, check_nik

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def _load_user(user_id: str):
    ident, _, epoch = user_id.partition(":")
    user = db.session.get(User, int(ident)) if ident.isdigit() else None
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


class RegisterForm(Form):
    nik = StringField("NIK", filters=[lambda v: v.strip() if v else v], validators=[
        DataRequired(), Regexp(r"\A[0-9]{16}\Z", message=_l("A NIK has exactly 16 digits."))])
    name = StringField("Full name", validators=[DataRequired(), Length(min=2, max=120)])
    birth_date = DateField("Date of birth", validators=[DataRequired()])
    sex = RadioField("Sex", choices=[SelectChoice("L", "Male"), SelectChoice("P", "Female")],
                     validators=[DataRequired()])
    phone = StringField("Mobile phone", validators=[Length(max=20)])
    email = EmailField("Email", validators=[Optional(), Length(max=254), Regexp(passwords.EMAIL)])
    password = PasswordField("Password", validators=[DataRequired()])
    confirm = PasswordField("Repeat password", validators=[EqualTo("password", message=_l("The passwords differ."))])

    def validate_nik(self, field):
        try:
            check_nik(field.data, self.birth_date.data, self.sex.data)
        except NikError as exc:
            raise ValidationError(nik_message(exc)) from None
        if db.session.scalar(select(User.id).where(User.nik == field.data)):
            raise ValidationError(_("This NIK already has an account. Sign in, or ask the village office to "
                                    "reset the password."))

    def validate_phone(self, field):
        field.data = (field.data or "").replace(" ", "").replace("-", "")
        if not field.data and not self.email.data:
            raise ValidationError(_("Give a mobile phone number or an email address."))
        if field.data and not re.match(r"^\+?[0-9]{8,15}$", field.data):
            raise ValidationError(_("A phone number has 8 to 15 digits, e.g. 081234567890."))

    def validate_email(self, field):
        if field.data and db.session.scalar(select(User.id).where(User.email == field.data.strip().lower())):
            raise ValidationError(_("This email already has an account."))

    def validate_password(self, field):
        problem = passwords.policy_error(field.data)
        if problem:
            raise ValidationError(_("Password: %(problem)s.", problem=problem))


@bp.route("/register", methods=["GET", "POST"])
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        user = User(nik=form.nik.data, name=form.name.data.strip(), phone=form.phone.data or None,
                    email=(form.email.data or "").strip().lower() or None,
                    password_hash=passwords.hash_password(form.password.data), active=True)
        user.roles.append(RoleAssignment(role="citizen"))
        db.session.add(user)
        db.session.commit()
        login_user(user)
        flash(_("Your account is ready."), "success")
        return redirect(url_for("core.home"))
    return render_template("register.html", form=form), (400 if form.errors else 200)


def init_app(app) -> None:
    from . import signin  # noqa: F401  (the second sign-in step's pages, on this blueprint)

    app.register_blueprint(bp)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    from . import cli

    app.cli.add_command(cli.users)
