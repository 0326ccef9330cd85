"""`egovkit backup` and `egovkit restore` (registered on the main command group by egovkit.cli)."""
from __future__ import annotations

import os
from pathlib import Path

import click

from ..instance import DB_FILE, Instance, InstanceError
from . import backup as backups


def backup_command(inst: Instance, to: str | None, keep: int | None) -> Path:
    if not inst.exists():
        raise click.ClickException(f"no egovkit instance at {inst.path}")
    try:
        url = inst.database_url()
    except InstanceError as exc:
        raise click.ClickException(str(exc)) from None
    regency = backups._regency_of(inst)
    if regency is None:
        raise click.ClickException(f"{inst.path} has no applied profile ({backups.APPLIED_FILE}): run "
                                   "`egovkit upgrade` once, then back up")
    folder = Path(to).absolute() if to else inst.backups
    click.echo(f"Backing up {inst.path} (regency {regency}) to {folder}")
    try:
        archive = backups.create(inst, url, regency, inst.state().get("profile", "?"), folder, echo=click.echo)
    except backups.BackupError as exc:
        raise click.ClickException(f"backup failed, nothing was written: {exc}") from None
    click.secho(f"Backup written: {archive} ({archive.stat().st_size / 1e6:,.1f} MB)", fg="green")
    if folder.is_relative_to(inst.path):
        click.echo("  it is inside the instance folder: copy it to another disk or machine as well "
                   "(--to DIR), or a dead disk takes both")
    click.echo("  it holds the instance's secret key: keep it as safe as the server itself")
    if keep is not None:
        for old in backups.prune(folder, regency, keep):
            click.echo(f"  removed an older backup: {old.name}")
    return archive


def restore_command(inst: Instance, archive: str, yes: bool, other_version: bool, other_regency: bool) -> None:
    path = Path(archive)
    if not path.is_file():
        raise click.UsageError(f"FILE: {archive} is not a file")
    url = os.environ.get("EGOVKIT_DATABASE_URL") or f"sqlite:///{inst.path / DB_FILE}"
    occupied = inst.path.exists() and any(inst.path.iterdir())
    if occupied and not yes:
        click.confirm(f"Replace the instance at {inst.path} with the backup {path.name}? (the current folder "
                      "is kept beside it" + (", the database at EGOVKIT_DATABASE_URL is overwritten"
                                             if os.environ.get("EGOVKIT_DATABASE_URL") else "") + ")", abort=True)
    try:
        done = backups.restore(path, inst, url, other_version=other_version, other_regency=other_regency,
                               echo=click.echo)
    except backups.BackupError as exc:
        raise click.ClickException(f"restore refused, nothing was changed: {exc}") from None
    m = done.manifest
    click.secho(f"Restored {inst.path}: regency {m.regency}, profile {m.profile}, backed up {m.created_at} "
                f"by egovkit {m.kit_version}; {len(m.tables)} tables, {sum(m.tables.values()):,} rows, "
                f"{len(m.members) - 1} files checked", fg="green")
    if done.replaced:
        click.echo(f"  the folder it replaced is kept at {done.replaced}")
    if done.extra_tables:
        click.echo(f"  tables in the database the backup did not have (left as they are): "
                   f"{', '.join(done.extra_tables)}")
    click.echo("  next: `egovkit upgrade` (if this kit is newer than the backup), then `egovkit serve`")


MARKS = {"ok": ("ok", "green"), "info": ("info", "cyan"), "warning": ("WARN", "yellow"), "error": ("FAIL", "red")}


def doctor_command(inst: Instance, load_app, folders: tuple[str, ...], as_json: bool, verify: bool) -> int:
    import json

    from . import doctor

    if not inst.exists():
        findings = [doctor.Finding("instance", "error", f"no egovkit instance at {inst.path}",
                                   "egovkit init --profile NAME, or --instance DIR")]
    else:
        from flask_babel import force_locale

        app = load_app()
        with app.app_context(), force_locale("en"):  # the command speaks English, like the others
            findings = doctor.run([Path(f).absolute() for f in folders] or None, verify_backup=verify)
    if as_json:
        click.echo(json.dumps([f.as_dict() for f in findings], indent=2, ensure_ascii=False))
    else:
        for f in findings:
            mark, colour = MARKS[f.severity]
            click.echo(click.style(f"[{mark:>4}] ", fg=colour) + f"{f.check}: {f.message}")
            if f.fix and f.severity != "ok":
                click.echo(f"       fix: {f.fix}")
    return doctor.exit_status(findings)


def deploy_files() -> dict[str, str]:
    """The systemd unit files bundled in the package (egovkit/data/deploy)."""
    folder = Path(__file__).resolve().parent.parent / "data" / "deploy"
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.iterdir()) if p.is_file()}


def register(main, instance_option, instance_of, app_of) -> None:
    from .province import province

    main.add_command(province)

    @main.command("deploy-files")
    @click.option("--to", "to", metavar="DIR", help="Write them into DIR (e.g. /etc/systemd/system) instead of "
                                                  "listing them.")
    @click.option("--venv", default="/srv/egovkit/.venv", show_default=True, help="The kit's virtualenv.")
    @click.option("--instance-dir", default="/srv/egovkit/instance", show_default=True, help="The instance.")
    @click.option("--user", default="egovkit", show_default=True, help="The system user that runs the kit.")
    def deploy_cmd(to, venv, instance_dir, user):
        """systemd units for the web server, the worker, nightly backups and hourly readiness checks."""
        files = deploy_files()
        if not to:
            for name, text in files.items():
                click.echo(f"{name}: {text.splitlines()[0].lstrip('# ')}")
            click.echo("write them with --to DIR (paths adjusted by --venv, --instance-dir, --user)")
            return
        folder = Path(to)
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            text = (text.replace("/srv/egovkit/.venv", venv).replace("/srv/egovkit/instance", instance_dir)
                    .replace("User=egovkit", f"User={user}").replace("Group=egovkit", f"Group={user}"))
            target = folder / name
            if target.exists() and target.read_text(encoding="utf-8") != text:
                click.echo(f"  kept {target} (it differs: compare by hand)")
                continue
            target.write_text(text, encoding="utf-8")
            click.echo(f"  wrote {target}")
        click.echo("then: systemctl daemon-reload && systemctl enable --now egovkit egovkit-worker "
                   "egovkit-backup.timer egovkit-doctor.timer (environment in /etc/egovkit/egovkit.env)")

    @main.command("worker")
    @instance_option
    @click.option("--threads", default=2, show_default=True, type=click.IntRange(1, 32),
                  help="Jobs run at once by this worker.")
    @click.pass_context
    def worker_cmd(ctx, threads):
        """Run background jobs from the queue (EGOVKIT_JOB_QUEUE=huey), relay events, deliver messages."""
        from . import worker

        if not worker.configured():
            raise click.UsageError("set EGOVKIT_JOB_QUEUE=huey (and EGOVKIT_REDIS_URL for Redis) for the web "
                                   "processes and this worker alike; without it jobs run inside `serve`")
        app = app_of(ctx)
        where = os.environ.get("EGOVKIT_REDIS_URL") and "Redis" or f"{Path(app.instance_path) / 'run' / 'queue.db'}"
        click.echo(f"Worker for {app.extensions['egovkit'].profile.regency.name}: {threads} threads, queue in "
                   f"{where}; Ctrl+C stops it after the running jobs")
        worker.run_worker(app, threads)

    @main.command("doctor")
    @instance_option
    @click.option("--backups", "folders", multiple=True, metavar="DIR",
                  help="Where backups are kept (default: the instance's backups/); repeatable.")
    @click.option("--json", "as_json", is_flag=True, help="Findings as JSON.")
    @click.option("--no-verify", is_flag=True, help="Do not read the newest backup through to check it.")
    @click.pass_context
    def doctor_cmd(ctx, folders, as_json, no_verify):
        """Check the machine and the instance; exit 0 (fine), 1 (warnings) or 2 (problems)."""
        ctx.exit(doctor_command(instance_of(ctx), lambda: app_of(ctx), folders, as_json, not no_verify))

    @main.command("backup")
    @instance_option
    @click.option("--to", "to", metavar="DIR", help="Folder for the archive (default: the instance's backups/).")
    @click.option("--keep", type=click.IntRange(1, 10_000), metavar="N",
                  help="Then delete all but the newest N backups of this regency in that folder.")
    @click.pass_context
    def backup_cmd(ctx, to, keep):
        """Back up the whole instance (database, files, profile, secret key) into one archive."""
        backup_command(instance_of(ctx), to, keep)

    @main.command("restore")
    @instance_option
    @click.argument("archive", metavar="FILE")
    @click.option("--yes", "-y", is_flag=True, help="Do not ask before replacing an existing instance.")
    @click.option("--other-version", is_flag=True, help="Restore a backup made by another egovkit version.")
    @click.option("--other-regency", is_flag=True, help="Replace an instance of another regency.")
    @click.pass_context
    def restore_cmd(ctx, archive, yes, other_version, other_regency):
        """Restore an instance from a backup archive (checked against its manifest first)."""
        restore_command(instance_of(ctx), archive, yes, other_version, other_regency)
