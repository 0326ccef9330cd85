"""Database: one Flask-SQLAlchemy ``db``; Alembic history per module.

The core and every module keep their own Alembic history in their own
version table (``alembic_version_core``, ``alembic_version_<module>``), so
modules are added, upgraded and switched off independently. Module authors
use Flask-Migrate's commands with ``-x module=NAME``, e.g.
``egovkit db -x module=announcements migrate -m "add pinned flag"``.
"""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import Migrate
import flask_sqlalchemy.session
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event, inspect
from sqlalchemy.engine import Engine

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
CORE = "core"
MIGRATIONS = Path(__file__).parent / "migrations"

class Session(flask_sqlalchemy.session.Session):
    """The session of egovkit's ``db``: its flushes are written to the audit log (egovkit.services.audit)."""


db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING), session_options={"class_": Session})
migrate = Migrate(directory=str(MIGRATIONS), render_as_batch=True, compare_type=True)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_conn, _record):
    if type(dbapi_conn).__module__.startswith("sqlite3"):
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
        cur.execute("PRAGMA busy_timeout=10000")
        cur.close()


def target(name: str) -> tuple[Path, str, str]:
    """(versions folder, version table, table prefix) of the core or a module."""
    if name == CORE:
        return MIGRATIONS / "versions", "alembic_version_core", "core_"
    from .modules import available

    module = available().get(name)
    if module is None:
        import click

        raise click.UsageError(f"unknown module {name!r}; modules: core, {', '.join(sorted(available()))}")
    return module.migrations_dir, module.version_table, module.table_prefix


@migrate.configure
def _configure(config):
    args = dict(x.split("=", 1) for x in (getattr(config.cmd_opts, "x", None) or []) if "=" in x)
    name = args.get("module", CORE)
    versions, version_table, prefix = target(name)
    config.set_main_option("path_separator", "os")  # folders may contain spaces
    config.set_main_option("version_locations", str(versions))
    config.attributes.update(module=name, version_table=version_table, prefix=prefix)
    return config


def _config(name: str):
    return current_app.extensions["migrate"].migrate.get_config(x_arg=[f"module={name}"])


def pending(name: str) -> tuple[set[str], set[str]]:
    """(current revisions, head revisions) of the core or a module."""
    config = _config(name)
    if not target(name)[0].is_dir():  # a module without tables has no migrations
        return set(), set()
    script = ScriptDirectory.from_config(config)
    heads = set(script.get_heads())
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"version_table": config.attributes["version_table"]})
        current = set(ctx.get_current_heads())
    return current, heads


def known_revisions(name: str) -> set[str]:
    """Every revision id in the code's history of the core or a module."""
    if not target(name)[0].is_dir():
        return set()
    return {rev.revision for rev in ScriptDirectory.from_config(_config(name)).walk_revisions()}


def upgrade(name: str) -> None:
    """Migrate the core or one module to its newest revision."""
    command.upgrade(_config(name), "heads")


def table_names() -> list[str]:
    return inspect(db.engine).get_table_names()
