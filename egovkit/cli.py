"""The `egovkit` command (also `python cli.py`)."""
from __future__ import annotations

import difflib
import getpass
import os
import secrets
import shutil
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import click
import yaml
from flask.cli import ScriptInfo

from . import __version__
from . import profile as profiles
from .auth import passwords
from .auth.passwords import EMAIL
from .instance import APPLIED_FILE, Instance, InstanceError, resolve_dir
from .modules import ModuleError, available, broken
from .wilayah import data as wilayah

EXIT_INVALID = 2


def _fail(message: str, code: int = 1) -> None:
    click.secho(message, err=True, fg="red")
    sys.exit(code)


def _load_profile(ref: str | Path) -> profiles.Profile:
    try:
        return profiles.load(ref)
    except profiles.ProfileError as exc:
        _fail(f"profile is not valid:\n{exc}", EXIT_INVALID)
    except ModuleError as exc:
        _fail(str(exc), EXIT_INVALID)


def _instance_first(args: list[str]) -> list[str]:
    """``--instance DIR`` moved to the front, so it is accepted after any command too
    (``egovkit audit verify --instance DIR``), not only where a command declares it."""
    head, tail = (args[:args.index("--")], args[args.index("--"):]) if "--" in args else (args, [])
    moved, rest, i = [], [], 0
    while i < len(head):
        if head[i] == "--instance" and i + 1 < len(head):
            moved += head[i:i + 2]
            i += 2
            continue
        (moved if head[i].startswith("--instance=") else rest).append(head[i])
        i += 1
    return moved + rest + tail


def _check_document_templates(folder: Path) -> None:
    """Exit 2 with file:line messages when a document template there does not parse or names unknown things."""
    from .services import documents

    problems = documents.check_templates(folder)
    if problems:
        _fail("document templates are not valid:\n" + "\n".join(f"  {p}" for p in problems), EXIT_INVALID)


def _profile_templates(prof) -> Path:
    """Document templates shipped beside the profile file (copied into the instance by init)."""
    from .services import documents

    return documents.template_folder(Path(prof.files[-1]).parent) if prof.files else Path("/nonexistent")


class EgovkitGroup(click.Group):
    """Own commands first; then the instance app's commands (``db``, module commands)."""

    def parse_args(self, ctx, args):
        return super().parse_args(ctx, _instance_first(list(args)))

    def _app_cli(self, ctx):
        info = ctx.obj if isinstance(ctx.obj, ScriptInfo) and ctx.obj.create_app else None
        if info is None:  # --help is eager: it can run before --instance has set the app up
            info = ctx.obj = _script_info(os.environ.get("EGOVKIT_INSTANCE"))
        if not Instance.at(info.data.get("instance")).exists():
            return None
        try:
            return info.load_app().cli
        except Exception as exc:  # a broken instance must not break --help
            click.secho(f"(instance commands unavailable: {exc})", err=True, fg="yellow")
            return None

    def get_command(self, ctx, name):
        command = super().get_command(ctx, name)
        if command is not None:
            return command
        app_cli = self._app_cli(ctx)
        if app_cli is None:
            inst = Instance.at(ctx.ensure_object(ScriptInfo).data.get("instance"))
            if not inst.exists() and not ctx.resilient_parsing:
                ctx.fail(f"no command {name!r} here; `db`, `users`, `audit`, `events` and module commands need "
                         f"an instance, and there is none at {inst.path} (use --instance DIR)")
            return None
        return app_cli.get_command(ctx, name)

    def list_commands(self, ctx):
        names = set(super().list_commands(ctx))
        app_cli = self._app_cli(ctx) if "--help" in sys.argv or "-h" in sys.argv else None
        if app_cli:
            names |= set(app_cli.list_commands(ctx))
        return sorted(names)


def _script_info(instance: str | None) -> ScriptInfo:
    def factory():
        from .app import create_app

        return create_app(info.data.get("instance"))

    info = ScriptInfo(create_app=factory, set_debug_flag=False, load_dotenv_defaults=False)
    info.data["instance"] = instance
    return info


def _set_instance(ctx, _param, value):
    # Runs while options are parsed, before the subcommand is looked up.
    ctx.obj = _script_info(value)
    from .services import audit

    audit.set_actor(f"cli:{getpass.getuser()}")
    return value


@click.group(cls=EgovkitGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--instance", "instance", envvar="EGOVKIT_INSTANCE", metavar="DIR", callback=_set_instance,
              expose_value=False, is_eager=True, help="Instance folder (default ./instance, or $EGOVKIT_INSTANCE).")
@click.version_option(__version__, prog_name="egovkit")
def main():
    """egovkit: e-government in a box for Indonesian regencies and cities."""


def instance_option(f):
    def remember(ctx, _param, value):
        if value is not None:
            ctx.find_object(ScriptInfo).data["instance"] = value
        return value

    return click.option("--instance", "instance_dir", metavar="DIR", expose_value=False, callback=remember,
                        help="Instance folder (default ./instance, or $EGOVKIT_INSTANCE).")(f)


def _instance(ctx) -> Instance:
    return Instance.at(ctx.find_object(ScriptInfo).data.get("instance"))


def _app(ctx):
    inst = _instance(ctx)
    if not inst.exists():
        _fail(f"no egovkit instance at {inst.path}\n  create one with: egovkit init --profile banyuwangi")
    try:
        return ctx.find_object(ScriptInfo).load_app()
    except profiles.ProfileError as exc:
        _fail(f"the instance's profile is not valid:\n{exc}", EXIT_INVALID)
    except InstanceError as exc:
        _fail(str(exc))


# ------------------------------------------------------------------ init
def _logo_file(prof: profiles.Profile) -> Path | None:
    """The logo named by the profile, looked up beside the profile files (child first)."""
    if not prof.regency.logo:
        return None
    for folder in dict.fromkeys(p.parent for p in reversed(prof.files)):
        if (folder / prof.regency.logo).is_file():
            return folder / prof.regency.logo
    _fail(f"regency.logo: {prof.regency.logo} is not beside the profile ({prof.files[-1].parent})", EXIT_INVALID)


def _profile_text(prof: profiles.Profile) -> str:
    """The file to keep in the instance: a copy when every parent is bundled, else flattened."""
    bundled = profiles.bundled_dir().resolve()
    if all(p.resolve().parent == bundled for p in prof.files[:-1]):
        return prof.files[-1].read_text(encoding="utf-8")
    flat = {k: v for k, v in prof.raw.items() if k != "extends"}
    sources = ", ".join(str(p) for p in prof.files)
    return f"# Flattened by egovkit init from: {sources}\n" + yaml.safe_dump(flat, sort_keys=False, allow_unicode=True)


@main.command()
@click.option("--profile", "profile_ref", required=True, metavar="NAME|PATH", help="Bundled profile name or a YAML file.")
@instance_option
@click.option("--demo", is_flag=True, help="Seed synthetic demo data (marked as demo) for every enabled module.")
@click.option("--admin-email", default="admin@localhost", show_default=True, help="Administrator's sign-in email.")
@click.option("--force", is_flag=True, help="Replace an existing instance (the old folder is kept as a backup).")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option("--wilayah-edition", metavar="E", help="Region list edition (default: the newest; "
              "an earlier one only to rehearse `egovkit wilayah update`).")
@click.pass_context
def init(ctx, profile_ref, demo, admin_email, force, yes, wilayah_edition):
    """Create an instance from a profile: database, regions, agencies, administrator."""
    path = _profile_path(profile_ref)
    prof = _load_profile(path)
    if wilayah_edition is not None:
        if wilayah_edition not in wilayah.editions():
            _fail(f"--wilayah-edition: no edition {wilayah_edition!r} (known: {', '.join(wilayah.editions())})",
                  EXIT_INVALID)
        if prof.regency.code not in wilayah.regencies(wilayah_edition):
            _fail(f"--wilayah-edition: {prof.regency.code} is not a regency in edition {wilayah_edition}",
                  EXIT_INVALID)
    elif prof.regency.code not in wilayah.regencies():
        _fail(f"regency.code {prof.regency.code} is not in the current region list "
              f"({wilayah.default_edition()}): use its new code", EXIT_INVALID)
    inst = _instance(ctx)
    external_db = bool(os.environ.get("EGOVKIT_DATABASE_URL"))
    if inst.path.exists() and not inst.path.is_dir():
        _fail(f"--instance: {inst.path} is a file, not a folder", EXIT_INVALID)
    occupied = inst.path.exists() and any(inst.path.iterdir())
    if occupied and not force:
        _fail(f"{inst.path} is not empty: an instance may already live there.\n"
              f"  To replace it, run again with --force (the old folder is kept as a backup).")
    if not EMAIL.match(admin_email) or len(admin_email) > 254:
        _fail(f"--admin-email: {admin_email!r} is not an email address", EXIT_INVALID)
    password = os.environ.get("EGOVKIT_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
    problem = passwords.policy_error(password)
    if problem:
        _fail(f"EGOVKIT_ADMIN_PASSWORD: {problem}", EXIT_INVALID)
    logo = _logo_file(prof)
    templates = _profile_templates(prof)
    _check_document_templates(templates)
    confirmed = yes
    if occupied and not yes:
        also = ", its database tables backed up and replaced" if external_db else ""
        click.confirm(f"Replace the instance at {inst.path} with a new {prof.name} instance "
                      f"(the old folder is kept{also})?", abort=True)
        confirmed = True

    inst.path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{inst.path.name}.init-", dir=inst.path.parent))
    app = None
    made_tables = False
    try:
        Instance(tmp).create_files(_profile_text(prof))
        if logo is not None:
            (tmp / prof.regency.logo).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(logo, tmp / prof.regency.logo)
        if templates.is_dir():
            from .services import documents

            shutil.copytree(templates, documents.template_folder(tmp), dirs_exist_ok=True)
        from .app import create_app
        from . import setup
        from .db import db

        app = create_app(tmp)
        with app.app_context():
            if external_db:
                leftover = setup.egovkit_tables()
                if leftover and not force:
                    raise click.ClickException(
                        f"the database at EGOVKIT_DATABASE_URL already has egovkit tables ({len(leftover)}); "
                        "use --force to replace them (a backup is taken first)")
                if leftover:
                    if not confirmed:
                        click.confirm(f"The database already has {len(leftover)} egovkit tables. Back them up, "
                                      f"then replace them with a new {prof.name} instance?", abort=True)
                    saved = setup.backup((inst.path if occupied else tmp) / "backups", "before-init")
                    click.echo(f"  the old database was saved to {saved.name} in "
                               f"{'the kept folder' if occupied else 'the new instance'}'s backups/")
                    setup.drop_egovkit_tables()
            made_tables = True
            click.echo(f"Creating {prof.regency.name} ({prof.regency.code}) from profile {prof.name}")
            setup.migrate_all()
            count = setup.load_regions(prof.regency.code, wilayah_edition)
            click.echo(f"  loaded {count} regions")
            from .services import codelists

            codelists.record_defaults()
            setup.sync_agencies(prof.agencies)
            click.echo(f"  loaded {len(prof.agencies)} agencies")
            setup.sync_module_states()
            setup.create_admin(admin_email, password, prof.regency.code)
            if demo:
                setup.seed_demo()
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
        (tmp / APPLIED_FILE).write_text(_resolved_yaml(prof), encoding="utf-8")
        Instance(tmp).write_state(kit_version=__version__, profile=prof.name, database=_database_label(),
                                  created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
        if occupied:
            kept = inst.path.with_name(f"{inst.path.name}.replaced-{datetime.now():%Y%m%d-%H%M%S}")
            inst.path.rename(kept)
            click.echo(f"  the old instance is kept at {kept}")
        elif inst.path.exists():
            inst.path.rmdir()
        tmp.rename(inst.path)
    except BaseException as exc:
        if app is not None and external_db and made_tables:
            with app.app_context():
                try:
                    setup.drop_egovkit_tables()
                except Exception as cleanup:  # report, but keep the first error
                    click.secho(f"could not remove the tables made so far: {cleanup}", err=True, fg="red")
        if app is not None:
            with app.app_context():
                db.engine.dispose()
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, (click.ClickException, click.Abort, SystemExit, KeyboardInterrupt)):
            raise
        _fail(f"init failed, nothing was created: {exc}")
    click.secho(f"Instance ready at {inst.path}", fg="green")
    if os.environ.get("EGOVKIT_ADMIN_PASSWORD"):
        click.echo(f"Administrator: {admin_email} (password from EGOVKIT_ADMIN_PASSWORD)")
    else:
        click.echo(f"Administrator: {admin_email}  password: {password}")
        click.echo("  (shown only this once: write it down, then change it after signing in)")
    hint = f" --instance {inst.path}" if inst.path != resolve_dir() else ""
    click.echo(f"Start it with: egovkit{hint} serve")


def _database_label() -> str:
    """What instance.json records of the database: 'sqlite', or the URL without its password."""
    from .instance import _label

    url = os.environ.get("EGOVKIT_DATABASE_URL")
    return _label(url) if url else "sqlite"


def _profile_path(ref: str) -> Path:
    try:
        return profiles.find(ref)
    except FileNotFoundError as exc:
        _fail(str(exc), EXIT_INVALID)


# ------------------------------------------------------------------ upgrade
@main.command()
@instance_option
@click.option("--no-backup", is_flag=True, help="Skip the automatic backup (only if you made one yourself).")
@click.option("--yes", "-y", is_flag=True, help="Apply a newer region list without asking.")
@click.pass_context
def upgrade(ctx, no_backup, yes):
    """Apply a changed profile or a new kit version to an instance (backup first)."""
    from . import setup
    from .db import db
    from .models import Region

    inst = _instance(ctx)
    app = _app(ctx)
    prof = app.extensions["egovkit"].profile
    from .services import documents

    _check_document_templates(documents.template_folder(inst.path))
    with app.app_context():
        recorded = inst.state().get("kit_version")
        if recorded and _version_key(recorded) > _version_key(__version__):
            _fail(f"this instance was made by egovkit {recorded}, newer than this kit ({__version__}); "
                  "install the newer kit instead of downgrading", EXIT_INVALID)
        try:
            regency = db.session.scalar(db.select(Region).where(Region.level == "regency"))
            states = setup.migration_states()
        except click.ClickException:
            raise
        except Exception as exc:
            _fail(f"cannot read the database ({_database_label()}): {exc.__class__.__name__}")
        if regency is not None and regency.code != prof.regency.code and not _recoded(regency.code,
                                                                                    prof.regency.code):
            _fail(f"the profile's regency.code is {prof.regency.code}, but this instance serves {regency.code}: "
                  "an instance serves one regency; make a new instance for another", EXIT_INVALID)
        ahead = [n for n, state in states.items() if state == "ahead"]
        if ahead:
            _fail(f"the database is newer than this kit for {', '.join(ahead)}: install the kit version that "
                  "made it", EXIT_INVALID)
        plan = list(states)
        click.echo(f"Upgrading {inst.path} (profile {prof.name}, egovkit {__version__})")
        applied = inst.path / APPLIED_FILE
        now_yaml = _resolved_yaml(prof)
        if applied.exists() and applied.read_text(encoding="utf-8") != now_yaml:
            click.echo("  profile changes since the last init/upgrade (after extends and defaults):")
            for line in difflib.unified_diff(applied.read_text(encoding="utf-8").splitlines(), now_yaml.splitlines(),
                                             "applied", "now", lineterm="", n=0):
                if not line.startswith(("---", "+++", "@@")):
                    click.echo(f"    {line}")
        click.echo("  migrations to apply: " + (", ".join(plan) if plan else "none"))
        backup_file = None
        if plan and not no_backup:
            backup_file = _backup_or_fail(inst, prof)
        try:
            setup.migrate_all()
            changes = setup.sync_module_states()
            changed, retired = setup.sync_agencies(prof.agencies)
            from .services import codelists

            changes += [f"  code list {line}: recorded" for line in codelists.record_defaults()]
            db.session.commit()
            from .services import events

            delivered = events.deliver_pending()
            from .admin import expire_files

            expire_files()
        except Exception as exc:
            db.session.rollback()
            if backup_file and db.engine.url.get_backend_name() == "sqlite":
                from .ops import backup as backups

                db.session.remove()
                db.engine.dispose()
                backups.restore_database(backup_file, db.engine.url.render_as_string(hide_password=False))
                _fail(f"upgrade failed: {exc}\n  the database was restored from {backup_file}")
            _fail(f"upgrade failed: {exc}" + (f"\n  a backup was taken first: {backup_file}" if backup_file else ""))
        for line in changes:
            click.echo(line)
        regions_moved = _upgrade_regions(inst, prof, yes, no_backup or backup_file is not None)
        if changed:
            click.echo(f"  agencies updated: {changed}" + (f" ({retired} no longer in the profile, kept inactive)"
                                                          if retired else ""))
        if delivered:
            click.echo(f"  delivered {delivered} waiting events to newly enabled or recovered handlers")
        applied.write_text(now_yaml, encoding="utf-8")
        inst.write_state(kit_version=__version__, profile=prof.name,
                         upgraded_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
        if not (plan or changes or changed or delivered or regions_moved):
            click.secho("Already up to date.", fg="green")
        else:
            click.secho("Upgrade complete.", fg="green")


def _recoded(db_code: str, profile_code: str) -> bool:
    """Whether a newer region edition gives this instance's regency the profile's code (e.g. 91.01 -> 93.01)."""
    from .services import codelists

    used = codelists.instance_edition(wilayah.LIST) or "pre-2022"
    try:
        walk = codelists.crosswalk(wilayah.LIST, used, wilayah.default_edition())
    except LookupError:
        return False
    return walk.get(db_code) == [profile_code]


def _upgrade_regions(inst, prof, yes: bool, backed_up: bool) -> bool:
    """The region step of `upgrade`: show what the kit's region edition changes; apply it when asked."""
    from .wilayah import update as regions_update

    try:
        plan = regions_update.plan()
    except LookupError as exc:
        click.echo(f"  regions: {exc.args[0] if exc.args else exc}")
        return False
    if plan.empty:
        return False
    if plan.blocked or not (yes or sys.stdin.isatty()):
        for line in plan.lines():
            click.echo("  " + line)
        click.secho(f"  regions stay on edition {plan.edition_from}: "
                    + ("records point to regions it would drop; " if plan.blocked else "")
                    + "apply with `egovkit wilayah update`" + (" --map OLD=NEW" if plan.blocked else ""),
                    fg="yellow")
        return False
    return _region_update(inst, prof, None, {}, yes, False,
                          None if backed_up else lambda: _backup_or_fail(inst, prof))


def _version_key(version: str) -> tuple:
    return tuple(int(p) if p.isdigit() else 0 for p in version.split("."))


# ------------------------------------------------------------------ serve
def _serve_checks(ctx, host, port) -> str:
    """What serve checks before it starts the server; the instance's folder."""
    from .db import db

    from . import setup

    app = _app(ctx)
    with app.app_context():
        try:
            states = setup.migration_states()
        except Exception as exc:
            _fail(f"cannot read the database ({_database_label()}): {exc.__class__.__name__}")
        if not states:
            from .admin import expire_files

            expire_files()  # personal data past its retention goes before anyone is served
        db.engine.dispose()  # no connection crosses the fork
    ahead = [n for n, state in states.items() if state == "ahead"]
    if ahead:
        _fail(f"the database is newer than this kit ({', '.join(ahead)}): install the kit version that made it")
    if states:
        _fail(f"the database is behind the code ({', '.join(states)}): run `egovkit upgrade` first")
    instance_path = str(_instance(ctx).path)
    from .admin import public_url_missing

    if public_url_missing(app, host):
        click.secho("warning: EGOVKIT_PUBLIC_URL is not set while serving on a non-loopback address: QR codes and "
                    "the tracking links in messages to citizens would carry whatever address a visitor used. "
                    "Set it to the public https:// address.", fg="yellow", err=True)
    click.echo(f"Serving {app.extensions['egovkit'].profile.regency.name} on http://{host}:{port}/")
    return instance_path


@main.command()
@instance_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64), help="Worker processes.")
@click.pass_context
def serve(ctx, host, port, workers):
    """Serve the instance with a production WSGI server."""
    from .server import metrics_folder

    if sys.platform != "win32":
        metrics_folder(str(_instance(ctx).path))  # before the app (and prometheus_client) is imported
    try:
        instance_path = _serve_checks(ctx, host, port)
    except BaseException:
        os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)  # nothing served: this process keeps its own counters
        raise
    from .server import run

    run(instance_path, host, port, workers)


from .ops.cli import register as _register_ops  # noqa: E402  (backup, restore)

_register_ops(main, instance_option, _instance, _app)


# ------------------------------------------------------------------ profile
@main.group("profile")
def profile_group():
    """List, show, validate, create and compare profiles."""


@profile_group.command("list")
def profile_list():
    """Bundled profiles (and ./profiles when present)."""
    seen = {}
    for folder in (Path("profiles"), profiles.bundled_dir()):
        for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
            seen.setdefault(path.stem, path)
    for name, path in sorted(seen.items()):
        try:
            prof = profiles.load(path)
            parent = prof.schema.extends
            click.echo(f"{name:<16} {prof.regency.code}  {prof.regency.name}"
                       + (f"  (extends {parent})" if parent else ""))
        except profiles.ProfileError as exc:
            click.echo(f"{name:<16} INVALID: {exc.problems[0]}")


def _resolved_yaml(prof: profiles.Profile) -> str:
    data = prof.schema.model_dump(mode="json", exclude={"modules", "extends"})
    data["modules"] = {name: settings.model_dump(mode="json") for name, settings in prof.modules.items()}
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


@profile_group.command("show")
@click.argument("ref")
def profile_show(ref):
    """The profile as the kit sees it: after extends, with defaults filled in."""
    prof = _load_profile(_profile_path(ref))
    click.echo(f"# {prof.name}: " + " <- ".join(str(p) for p in reversed(prof.files)))
    click.echo(_resolved_yaml(prof), nl=False)


@profile_group.command("validate")
@click.argument("path", type=click.Path(dir_okay=False))
def profile_validate(path):
    """Check a profile file; exit status 2 and file:line messages when it is not valid."""
    prof = _load_profile(Path(path))
    _check_document_templates(_profile_templates(prof))
    click.secho(f"OK: {prof.name} ({prof.regency.code} {prof.regency.name}), "
                f"modules: {', '.join(prof.modules) or 'none'}", fg="green")


@profile_group.command("diff")
@click.argument("a")
@click.argument("b")
def profile_diff(a, b):
    """Differences between two profiles, after extends."""
    left, right = _load_profile(_profile_path(a)), _load_profile(_profile_path(b))
    lines = difflib.unified_diff(_resolved_yaml(left).splitlines(), _resolved_yaml(right).splitlines(),
                                 fromfile=left.name, tofile=right.name, lineterm="")
    out = "\n".join(lines)
    click.echo(out if out else "The profiles are the same.")


from .ops.plan import command as _plan_command  # noqa: E402

profile_group.add_command(_plan_command(lambda path: _load_profile(path), lambda ref: _profile_path(ref)))


@profile_group.command("new")
@click.argument("name")
@click.option("--from", "base", required=True, help="Profile to copy (extends).")
@click.option("--regency", "code", required=True, help="Kemendagri code of the regency or city, e.g. 32.17.")
@click.option("--capital", help="Seat of government (ibu kota).")
@click.option("--output", type=click.Path(dir_okay=False), help="File to write (default profiles/NAME.yaml).")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def profile_new(name, base, code, capital, output, force):
    """Start a profile for another regency from an existing one."""
    import re

    if not re.match(profiles.PROFILE_NAME, name):
        _fail(f"NAME: {name!r} must be lowercase letters, digits and dashes", EXIT_INVALID)
    code = code.strip()
    if code not in wilayah.regencies():
        hint = ""
        if re.match(r"^\d{4}$", code):
            hint = f" (did you mean {code[:2]}.{code[2:]}?)"
        _fail(f"--regency: {code} is not a regency or city code in the Kemendagri list{hint}", EXIT_INVALID)
    base_path = _profile_path(base)
    _load_profile(base_path)
    target = Path(output) if output else Path("profiles") / f"{name}.yaml"
    if target.resolve().parent == profiles.bundled_dir().resolve() and target.exists():
        _fail(f"{name} is a bundled profile: use it as it is (egovkit init --profile {name}) "
              "or choose another name", EXIT_INVALID)
    if target.exists() and not force:
        _fail(f"{target} already exists (use --force to overwrite)")
    if target.resolve() == base_path.resolve() or name == base:
        _fail("NAME: a profile cannot extend itself; choose another name", EXIT_INVALID)
    bundled = base_path.resolve().parent == profiles.bundled_dir().resolve()
    extends = base if bundled and not base.endswith((".yaml", ".yml")) else \
        os.path.relpath(base_path.resolve(), target.resolve().parent)
    region = wilayah.regencies()[code]
    full_name = wilayah.display_name(region)
    data = {"name": name, "extends": extends,
            "regency": {"code": code, "name": full_name} | ({"capital": capital} if capital else {}),
            "timezone": wilayah.timezone_for(code)}
    header = f"# {full_name}: made with `egovkit profile new {name} --from {base} --regency {code}`.\n"
    if not capital:
        header += "# Add the seat of government under regency: as `capital: ...`.\n"
    target.parent.mkdir(parents=True, exist_ok=True)
    draft = target.with_name(f".{target.name}.new")
    draft.write_text(header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    try:
        prof = profiles.load(draft)
    except profiles.ProfileError as exc:
        draft.unlink()
        _fail(f"the new profile would not be valid, nothing was written:\n{exc}", EXIT_INVALID)
    draft.replace(target)
    click.secho(f"Wrote {target}: {prof.regency.name} ({code}), extends {extends}", fg="green")
    click.echo(f"Next: egovkit init --profile {target} --instance ./{name}")


@profile_group.command("describe")
@click.argument("module", required=False)
@click.option("--markdown", is_flag=True, help="The whole reference as Markdown (docs/profile-reference.md).")
def profile_describe(module, markdown):
    """Every setting with its type, default and meaning."""
    mods = available()
    if markdown:
        click.echo(profiles.describe_markdown(mods), nl=False)
        return
    if module and module not in mods:
        _fail(f"unknown module {module!r}{profiles._did_you_mean(module, mods)}", EXIT_INVALID)
    model, prefix = (mods[module].settings, f"modules.{module}.") if module else (profiles.ProfileSchema, "")
    rows = profiles.describe(model)
    if not rows:
        click.echo(f"{module} has no settings: `{module}: {{}}` switches it on.")
    for key, kind, default, text in rows:
        click.echo(f"{prefix}{key}  ({kind}, default {default})\n    {text}")


# ------------------------------------------------------------------ wilayah
@main.group("wilayah")
def wilayah_group():
    """Regions: the editions of the Kemendagri list and moving an instance to another."""


@wilayah_group.command("editions")
@instance_option
@click.pass_context
def wilayah_editions(ctx):
    """The editions of the region list (with an instance, which one it uses)."""
    from .services import codelists

    used = None
    inst = _instance(ctx)
    if inst.exists():
        with _app(ctx).app_context():
            used = codelists.instance_edition(wilayah.LIST)
    for eid, ed in codelists.get(wilayah.LIST).editions.items():
        marks = [m for m, on in (("default", eid == wilayah.default_edition()), ("this instance", eid == used)) if on]
        click.echo(f"{eid}{' (' + ', '.join(marks) + ')' if marks else ''}: {ed.title}\n"
                   f"    decree: {ed.decree}\n    valid: {ed.valid_from or '?'} - {ed.valid_until or 'now'}\n"
                   f"    source: {ed.source} ({ed.licence})")


def _parse_maps(values) -> dict[str, str]:
    out = {}
    for value in values:
        old, sep, new = value.partition("=")
        if not sep or not old.strip() or not new.strip():
            _fail(f"--map {value}: expected OLD=NEW region codes", EXIT_INVALID)
        out[old.strip()] = new.strip()
    return out


def _region_update(inst, prof, edition, maps, yes, dry_run, backup_first, echo=click.echo) -> bool:
    """Show what moving this instance to a region edition changes, ask, apply; True when applied."""
    from .db import db
    from .wilayah import update as regions_update

    try:
        plan = regions_update.plan(edition, maps)
    except (KeyError, LookupError) as exc:
        _fail(f"wilayah update: {exc.args[0] if exc.args else exc}", EXIT_INVALID)
    if plan.empty:
        echo(f"  regions: already on edition {plan.edition_to}")
        return False
    for line in plan.lines():
        echo("  " + line)
    removed = set(plan.moved) | set(plan.split) | set(plan.retired) | set(plan.outside) | \
        {o for new, olds in plan.merged.items() for o in olds if o != new}
    for key in sorted(set(prof.schema.offices) & removed):
        where = plan.successor.get(key) or plan.moved.get(key)
        echo(f"  profile: offices.{key} names a code this update removes"
             + (f": rename it to {where}" if where else ""))
    counts = {k: len(getattr(plan, k)) for k in ("renamed", "reparented", "moved", "split", "merged", "new",
                                                  "retired", "outside")}
    echo("  summary: " + ", ".join(f"{k} {v}" for k, v in counts.items() if v))
    if plan.blocked and not dry_run:
        _fail("wilayah update refused: records point to regions it would drop (nothing was changed)",
              EXIT_INVALID)
    if dry_run:
        echo("  (dry run: nothing was changed" + ("; as it stands the update would be refused)"
                                                  if plan.blocked else ")"))
        return False
    if not yes and not click.confirm(f"Apply these region changes to {inst.path}?", default=False):
        echo("  regions not changed")
        return False
    if backup_first:
        backup_first()
    from .services import audit

    try:
        regions_update.apply(plan)
        audit.record("wilayah.update", "core", "regions", plan.edition_to, edition_from=plan.edition_from,
                     regency_from=plan.regency_from, regency_to=plan.regency_to, **counts)
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        _fail(f"wilayah update failed, nothing was changed: {exc.__class__.__name__}: {exc}")
    if plan.regency_from != plan.regency_to:
        _rewrite_regency_code(inst, prof, plan.regency_from, plan.regency_to, echo)
    echo(f"  regions now on edition {plan.edition_to} (restart `egovkit serve` so its pages show them)")
    return True


def _rewrite_regency_code(inst, prof, old, new, echo) -> None:
    import re

    text = inst.profile_path.read_text(encoding="utf-8")
    pattern = re.compile(r"^(\s+code:\s*)([\"']?)" + re.escape(old) + r"\2(\s*(#.*)?)$", re.MULTILINE)
    if prof.regency.code == old and len(pattern.findall(text)) == 1:
        inst.profile_path.write_text(pattern.sub(lambda m: f"{m.group(1)}{m.group(2)}{new}{m.group(2)}{m.group(3)}",
                                                 text), encoding="utf-8")
        echo(f"  {inst.profile_path}: regency.code {old} -> {new}")
    elif prof.regency.code != new:
        echo(f"  set regency.code to {new} in the profile (it is {prof.regency.code})")


@wilayah_group.command("update")
@instance_option
@click.option("--edition", "edition", metavar="E", help="Edition to move to (default: the kit's default).")
@click.option("--map", "maps", multiple=True, metavar="OLD=NEW",
              help="Where records of a split or retired region go (repeatable).")
@click.option("--dry-run", is_flag=True, help="Only show what would change.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option("--no-backup", is_flag=True, help="Skip the automatic backup (only if you made one yourself).")
@click.pass_context
def wilayah_update(ctx, edition, maps, dry_run, yes, no_backup):
    """Show what another edition of the region list changes here, then apply it keeping every record."""
    inst = _instance(ctx)
    app = _app(ctx)
    prof = app.extensions["egovkit"].profile
    with app.app_context():
        click.echo(f"Regions of {inst.path} (profile {prof.name})")
        _region_update(inst, prof, edition, _parse_maps(maps), yes, dry_run,
                       None if no_backup else lambda: _backup_or_fail(inst, prof))


def _backup_or_fail(inst, prof):
    from .db import db
    from .ops import backup as backups

    db.session.remove()
    db.engine.dispose()  # the archive copies the SQLite file: no connection of ours stays open
    try:
        backup_file = backups.create(inst, str(db.engine.url.render_as_string(hide_password=False)),
                                     prof.regency.code, prof.name, inst.backups)
    except backups.BackupError as exc:
        _fail(f"stopped before changing anything: the backup failed: {exc}\n"
              "  (pass --no-backup only if you made a backup yourself)")
    click.echo(f"  backup: {backup_file}")
    return backup_file


# ------------------------------------------------------------------ modules
@main.group("modules")
def modules_group():
    """Modules available to this installation."""


@modules_group.command("list")
@instance_option
@click.pass_context
def modules_list(ctx):
    """Available modules; with an instance, which are enabled there."""
    inst = _instance(ctx)
    enabled = set()
    if inst.exists():
        enabled = set(_load_profile(inst.profile_path).modules)
    click.echo(f"{'module':<16} {'version':<8} {'enabled':<8} {'requires':<20} title")
    for name, module in sorted(available().items()):
        mark = ("yes" if name in enabled else "no") if inst.exists() else "-"
        click.echo(f"{name:<16} {module.version:<8} {mark:<8} {', '.join(module.requires) or '-':<20} "
                   f"{module.t('title', 'en')}")
    for name, reason in sorted(broken().items()):
        click.secho(f"{name:<16} BROKEN: {reason}", fg="red")
