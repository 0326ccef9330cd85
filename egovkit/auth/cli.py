"""`egovkit users ...`: accounts and their scoped roles."""
from __future__ import annotations

import csv
import secrets
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from ..db import db
from ..models import Agency, Region, RoleAssignment, User
from . import passwords
from .nik import NikError, parse_nik

users = AppGroup("users", help="Accounts: create, list, activate, disable, enable, reset passwords and two-factor sign-in.")

_LEVEL_FOR_SCOPE = {"district": "district", "village": "village"}


def user_by_login(login: str) -> User:
    """The account with this email or NIK, or a clear CLI error (the users and tokens commands)."""
    from .views import find_user

    user = find_user(login)
    if user is None:
        raise click.ClickException(f"no account with email or NIK {login!r}")
    return user


def _assignment(role: str, region: str | None, agency: str | None) -> RoleAssignment:
    """A role assignment checked against the profile's roles and this instance's regions and agencies."""
    profile = current_app.extensions["egovkit"].profile
    definition = profile.roles.get(role)
    if definition is None:
        raise click.BadParameter(f"unknown role {role!r}; roles: {', '.join(profile.roles)}", param_hint="--role")
    scope = definition.scope
    if scope in _LEVEL_FOR_SCOPE:
        if not region:
            raise click.BadParameter(f"role {role} is tied to one {scope}: give its code", param_hint="--region")
        found = db.session.get(Region, region)
        if found is None or found.level != _LEVEL_FOR_SCOPE[scope]:
            raise click.BadParameter(f"{region} is not a {scope} of this instance", param_hint="--region")
    elif region:
        raise click.BadParameter(f"role {role} has {scope} scope: it takes no --region", param_hint="--region")
    if scope == "agency":
        if not agency or db.session.get(Agency, agency) is None:
            codes = ", ".join(db.session.scalars(select(Agency.code).order_by(Agency.code)))
            raise click.BadParameter(f"role {role} is tied to one agency; known: {codes}", param_hint="--agency")
    elif agency:
        raise click.BadParameter(f"role {role} has {scope} scope: it takes no --agency", param_hint="--agency")
    region_code = profile.regency.code if scope == "regency" else region
    return RoleAssignment(role=role, region_code=region_code, agency_code=agency)


def _new_password(from_stdin: bool) -> tuple[str, bool]:
    """(password, generated?)"""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\n")
        problem = passwords.policy_error(password)
        if problem:
            raise click.BadParameter(f"password: {problem}", param_hint="--password-stdin")
        return password, False
    return secrets.token_urlsafe(12), True


class AccountError(ValueError):
    """A field of a new account that cannot be used: ``field`` (the option or column) and why."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


class AccountExists(AccountError):
    """The email or NIK belongs to an account already."""


def new_account(*, email=None, nik=None, name=None, phone=None, nip=None, role=None, region=None,
                agency=None, password: str) -> User:
    """An account with one role, checked as `users create` and `users import` check it; not yet added."""
    if not email and not nik:
        raise AccountError("email", "give an email or a NIK")
    if not (name or "").strip():
        raise AccountError("name", "a name is needed")
    if email and (not passwords.EMAIL.match(email) or len(email) > 254):
        raise AccountError("email", f"{email!r} is not an email address")
    nik = nik.strip() if nik else None
    if nik:
        try:
            parse_nik(nik)
        except NikError as exc:
            raise AccountError("nik", str(exc)) from None
    try:
        nip = _nip(nip) if nip else None
    except click.BadParameter as exc:
        raise AccountError("nip", exc.message) from None
    email = email.strip().lower() if email else None
    for column, value, field in ((User.email, email, "email"), (User.nik, nik, "nik")):
        if value and db.session.scalar(select(User.id).where(column == value)):
            raise AccountExists(field, f"an account with {value} exists already")
    if not role:
        raise AccountError("role", "a role is needed")
    try:
        assignment = _assignment(role, region or None, agency or None)
    except click.BadParameter as exc:
        raise AccountError((exc.param_hint or "--role").lstrip("-"), exc.message) from None
    user = User(email=email, nik=nik, name=name.strip(), phone=phone or None, nip=nip, active=True,
                password_hash=passwords.hash_password(password))
    user.roles.append(assignment)
    return user


@users.command("create")
@click.option("--email", help="Sign-in email (staff).")
@click.option("--nik", help="NIK (citizens sign in with it).")
@click.option("--name", required=True)
@click.option("--phone")
@click.option("--nip", help="Civil servant number (NIP, 18 digits), printed under the name on documents this "
                            "person signs.")
@click.option("--role", required=True, help="A role of the profile, e.g. operator_desa.")
@click.option("--region", help="Village or district code, for roles tied to one.")
@click.option("--agency", help="Agency (OPD) code, for agency roles.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create(email, nik, name, phone, nip, role, region, agency, password_stdin):
    """Create an account with one role (add more with `users grant`)."""
    if not email and not nik:
        raise click.UsageError("give --email or --nik")
    password, generated = _new_password(password_stdin)
    try:
        user = new_account(email=email, nik=nik, name=name, phone=phone, nip=nip, role=role, region=region,
                           agency=agency, password=password)
    except AccountExists as exc:
        raise click.ClickException(str(exc)) from None
    except AccountError as exc:
        raise click.BadParameter(str(exc), param_hint=f"--{exc.field}") from None
    db.session.add(user)
    db.session.commit()
    click.echo(f"created {user.login} ({_describe(user.roles[0])})")
    if generated:
        click.echo(f"password: {password}  (shown once)")


IMPORT_COLUMNS = ("name", "role")  # required; email or nik, and phone, nip, region, agency as the role needs
IMPORT_KNOWN = ("email", "nik", "name", "phone", "nip", "role", "region", "agency")


@users.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--password-stdin", is_flag=True,
              help="One password, read from standard input, for every account (a training instance); "
                   "otherwise each account gets its own, printed once.")
def import_accounts(file, password_stdin):
    """Create many accounts from a CSV file: columns email, nik, name, phone, nip, role, region, agency
    (a header line; name, role and an email or NIK on every line). All or none: when a line is wrong,
    nothing is created and FILE.rejects.csv names each wrong line and field."""
    from ..services import csvimport

    shared = _new_password(True)[0] if password_stdin else None
    seen: dict[str, int] = {}
    made: list[tuple[User, str]] = []

    with file.open(encoding="utf-8-sig", newline="") as handle:
        header = [h.strip().lower() for h in next(csv.reader(handle), [])]
    unknown = [h for h in header if h not in IMPORT_KNOWN]
    if unknown:
        raise click.ClickException(f"{file}:1: unknown column(s) {', '.join(unknown)}; "
                                   f"known: {', '.join(IMPORT_KNOWN)}")

    def parse(row: dict, line: int):
        for key in ("email", "nik"):
            value = (row.get(key) or "").lower()
            if value and value in seen:
                raise csvimport.RowError("duplicate", "%(value)s is on line %(first)s too", field=key,
                                         value=value, first=seen[value])
            if value:
                seen[value] = line
        password = shared or secrets.token_urlsafe(12)
        try:
            user = new_account(**{k: row.get(k) for k in IMPORT_KNOWN}, password=password)
        except AccountError as exc:
            raise csvimport.RowError("invalid", "%(problem)s", field=exc.field, problem=str(exc)) from None
        made.append((user, password))
        return user

    def write(batch):
        db.session.add_all(batch)
        return len(batch), 0

    try:
        summary = csvimport.run(file, columns=IMPORT_COLUMNS, parse=parse, write=write,
                                audit_as=("core", "user"), atomic=True)
    except csvimport.RowError as exc:
        raise click.ClickException(f"{file}: {exc}") from None
    if summary.rejected:
        raise click.ClickException(f"{summary.rejected} of {summary.rows} line(s) cannot be used, so no account "
                                   f"was created: see {summary.rejects_file}")
    for user, password in made:
        line = f"created {user.login} ({_describe(user.roles[0])})"
        click.echo(line if shared else f"{line}  password: {password}  (shown once)")
    click.echo(f"{summary.written} account(s) created")


def _nip(value: str) -> str:
    nip = value.replace(" ", "")
    if not (nip.isascii() and nip.isdigit() and len(nip) == 18):
        raise click.BadParameter(f"{value!r}: a NIP has 18 digits", param_hint="NIP")
    return nip


@users.command("set-nip")
@click.argument("login")
@click.argument("nip")
def set_nip(login, nip):
    """Set (or with "-" clear) the NIP printed under an official's name on the documents they sign."""
    user = user_by_login(login)
    user.nip = None if nip == "-" else _nip(nip)
    db.session.commit()  # audited: the audit trail records old and new values
    click.echo(f"{user.login}: NIP {user.nip or 'cleared'}")


@users.command("grant")
@click.argument("login")
@click.option("--role", required=True)
@click.option("--region")
@click.option("--agency")
def grant(login, role, region, agency):
    """Give an account another role."""
    user = user_by_login(login)
    assignment = _assignment(role, region, agency)
    if any((a.role, a.region_code, a.agency_code) == (assignment.role, assignment.region_code, assignment.agency_code)
           for a in user.roles):
        click.echo(f"{user.login} already holds {_describe(assignment)}")
        return
    user.roles.append(assignment)
    db.session.commit()
    click.echo(f"{user.login}: granted {_describe(assignment)}")


@users.command("revoke")
@click.argument("login")
@click.option("--role", required=True)
def revoke(login, role):
    """Take a role (every assignment of it) from an account."""
    user = user_by_login(login)
    gone = [a for a in user.roles if a.role == role]
    if not gone:
        raise click.ClickException(f"{user.login} does not hold {role}")
    for assignment in gone:
        db.session.delete(assignment)  # an explicit delete, so the audit trail records it
    db.session.commit()
    click.echo(f"{user.login}: revoked {role}")


def _describe(a: RoleAssignment) -> str:
    where = a.agency_code or a.region_code or ""
    return f"{a.role}@{where}" if where else a.role


@users.command("list")
@click.option("--role", help="Only accounts holding this role.")
def list_users(role):
    """Accounts with their roles."""
    stmt = select(User).order_by(User.id)
    if role:
        stmt = stmt.where(User.roles.any(RoleAssignment.role == role))
    for user in db.session.scalars(stmt):
        state = ("" if user.active else "  [disabled]") + ("  [pending]" if user.pending else "")
        click.echo(f"{user.id:>5}  {user.login:<32} {user.name:<28} "
                   f"{', '.join(_describe(a) for a in user.roles)}{state}")


def _set_active(login: str, active: bool) -> None:
    user = user_by_login(login)
    user.active = active
    if not active:
        user.end_sessions()
    db.session.commit()
    click.echo(f"{user.login}: {'enabled' if active else 'disabled'}")


@users.command("disable")
@click.argument("login")
def disable(login):
    """Stop an account from signing in (its records stay)."""
    _set_active(login, False)


@users.command("enable")
@click.argument("login")
def enable(login):
    """Let a disabled account sign in again."""
    _set_active(login, True)


@users.command("reset-password")
@click.argument("login")
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input.")
def reset_password(login, password_stdin):
    """Set a new password (printed once unless read from standard input)."""
    user = user_by_login(login)
    password, generated = _new_password(password_stdin)
    user.password_hash = passwords.hash_password(password)
    user.end_sessions()
    db.session.commit()
    click.echo(f"{user.login}: password reset")
    if generated:
        click.echo(f"password: {password}  (shown once)")


@users.command("reset-2fa")
@click.argument("login")
def reset_2fa(login):
    """Forget an account's authenticator and recovery codes (a lost phone): it enrols again at its next
    sign-in. Sessions already open stay open; `users reset-password` or `users disable` end them."""
    from ..services import audit
    from . import twofactor

    user = user_by_login(login)
    had = twofactor.reset(user)
    audit.record("2fa_reset", "core", "core_user", user.id, login=user.login, had_secret=had)
    db.session.commit()
    click.echo(f"{user.login}: two-factor sign-in reset" if had
               else f"{user.login}: had no two-factor sign-in (recovery codes, if any, removed)")


@users.command("activate")
@click.argument("login")
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input.")
def activate(login, password_stdin):
    """Activate a pending citizen account, once you have seen the person's KTP. The password chosen at
    registration is replaced (whoever registered may not be that person): give the new one to them."""
    from . import identity

    user = user_by_login(login)
    if not user.pending:
        raise click.ClickException(f"{user.login} is not pending")
    password, generated = _new_password(password_stdin)
    identity.activate(user, "cli")
    identity.set_password(user, password, "cli")
    db.session.commit()
    click.echo(f"{user.login}: activated")
    if generated:
        click.echo(f"password: {password}  (shown once)")
