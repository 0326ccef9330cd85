"""Building and upgrading an instance's database (used by `init` and `upgrade`)."""
from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

import click
from flask import current_app
from sqlalchemy import MetaData, select

from . import db as dbm
from .db import db
from .models import Agency, ModuleState, Region, RoleAssignment, User
from .modules import available
from .wilayah import data as wilayah


def egovkit_tables() -> list[str]:
    """Tables egovkit made: the core's, and those of any module this installation knows."""
    known = {t for t in db.metadata.tables if t.startswith("core_")} | {"alembic_version_core"}
    prefixes = tuple(m.table_prefix for m in available().values())
    versions = {m.version_table for m in available().values()}
    return [t for t in dbm.table_names() if t in known or t in versions or t.startswith(prefixes)]


def drop_egovkit_tables() -> None:
    """Remove every table egovkit made (used to undo a failed init on an external database)."""
    db.session.remove()
    meta = MetaData()
    meta.reflect(bind=db.engine, only=egovkit_tables())
    meta.drop_all(bind=db.engine)


def migration_states() -> dict[str, str]:
    """For the core and each enabled module whose database differs from the code: 'behind' or 'ahead'."""
    out = {}
    for name in [dbm.CORE] + [m.name for m in current_app.extensions["egovkit"].modules]:
        current, heads = dbm.pending(name)
        if current != heads:
            known = dbm.known_revisions(name)
            out[name] = "ahead" if current - known else "behind"
    return out


def migrate_all(echo=click.echo) -> list[str]:
    """Bring the core and every enabled module to their newest revision; returns what moved."""
    states = migration_states()
    ahead = [n for n, state in states.items() if state == "ahead"]
    if ahead:
        raise click.ClickException(f"the database is newer than this kit for {', '.join(ahead)}: "
                                   "install the kit version that made it")
    for name in states:
        dbm.upgrade(name)
        echo(f"  migrated {name}")
    return list(states)


def load_regions(regency_code: str, edition: str | None = None) -> int:
    """Load the regency's regions of an edition (the default one) and record that edition."""
    from .services import codelists

    edition = edition or wilayah.default_edition()
    rows = [{"code": r.code, "name": r.name, "level": r.level, "kind": r.kind, "parent_code": r.parent_code}
            for r in wilayah.subtree(regency_code, edition)]
    rows[0]["parent_code"] = None
    db.session.execute(Region.__table__.insert(), rows)
    codelists.record(wilayah.LIST, edition, note="init")
    return len(rows)


def sync_agencies(agencies) -> tuple[int, int]:
    """Upsert the profile's agencies; ones no longer listed are deactivated, never deleted."""
    existing = {a.code: a for a in db.session.scalars(select(Agency))}
    changed = 0
    for agency in agencies:
        row = existing.pop(agency.code, None)
        if row is None:
            db.session.add(Agency(code=agency.code, name=agency.name, head_title=agency.head_title, active=True))
            changed += 1
        elif (row.name, row.head_title, row.active) != (agency.name, agency.head_title, True):
            row.name, row.head_title, row.active = agency.name, agency.head_title, True
            changed += 1
    for row in existing.values():
        if row.active:
            row.active = False
            changed += 1
    return changed, len(existing)


def sync_module_states() -> list[str]:
    """Record the enabled set; returns a line for each change."""
    enabled = {m.name: m for m in current_app.extensions["egovkit"].modules}
    states = {s.name: s for s in db.session.scalars(select(ModuleState))}
    changes = []
    for name, module in enabled.items():
        state = states.get(name)
        if state is None:
            db.session.add(ModuleState(name=name, version=module.version, enabled=True))
            changes.append(f"  enabled {name} {module.version}")
        elif not state.enabled or state.version != module.version:
            what = "re-enabled" if not state.enabled else f"updated {state.version} ->"
            state.enabled, state.version = True, module.version
            changes.append(f"  {what} {name} {module.version}")
    for name, state in states.items():
        if name not in enabled and state.enabled:
            state.enabled = False
            changes.append(f"  disabled {name} (its data is kept; enable it again to see it)")
    return changes


def create_admin(email: str, password: str, regency_code: str) -> User:
    from .auth.passwords import hash_password

    user = User(email=email.strip().lower(), name="Administrator", password_hash=hash_password(password), active=True)
    user.roles.append(RoleAssignment(role="admin", region_code=regency_code))
    db.session.add(user)
    return user


def seed_demo(echo=click.echo) -> None:
    for module in current_app.extensions["egovkit"].modules:
        seed = module.load("demo")
        if seed is not None:
            seed(current_app)
            echo(f"  demo data for {module.name}")


def backup(folder: Path, label: str = "egovkit") -> Path:
    """The database alone, copied into ``folder`` (init keeps a replaced database this way; whole
    instances are backed up by egovkit.ops.backup, whose database copy this uses)."""
    from .ops import backup as backups

    db.session.remove()
    db.engine.dispose()
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        try:
            dump, _counts = backups._dump_database(db.engine.url.render_as_string(hide_password=False), Path(tmp),
                                                   lambda _m: None)
        except backups.BackupError as exc:
            raise click.ClickException(f"{exc}; or pass --no-backup if you made a backup yourself") from None
        suffix = ".db" if dump.suffix == ".sqlite" else dump.suffix
        target = folder / f"{label}-{datetime.now():%Y%m%d-%H%M%S}{suffix}"
        dump.replace(target)
    return target
