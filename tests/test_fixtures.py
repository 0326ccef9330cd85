"""The suite's own fixtures: a cached instance is what `egovkit init` makes, and private to its test."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from egovkit.app import create_app
from egovkit.db import db
from egovkit.instance import _label

from .conftest import ADMIN_PASSWORD, login


def use_database(pg_server, monkeypatch) -> None:
    """On PostgreSQL, point EGOVKIT_DATABASE_URL at another empty database of the fixtures (each instance
    has its own database there, as in production); on SQLite each instance folder holds its own."""
    if pg_server is not None:
        name = pg_server.create()
        monkeypatch.setenv("EGOVKIT_DATABASE_URL", pg_server.url_of(name))


def contents(path: Path) -> dict[str, int]:
    """Rows per table of the instance's database (the instance's own URL: the environment's)."""
    engine = create_engine(os.environ.get("EGOVKIT_DATABASE_URL") or f"sqlite:///{path / 'egovkit.db'}")
    try:
        with engine.connect() as conn:
            return {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar()
                    for t in inspect(conn).get_table_names()}
    finally:
        engine.dispose()


def files_of(path: Path) -> list[str]:
    return sorted(p.relative_to(path).as_posix() for p in path.rglob("*"))


def signs_in(path: Path, password: str) -> bool:
    app = create_app(path, {"TESTING": True})
    try:
        return login(app.test_client(), password=password).status_code == 302
    finally:
        with app.app_context():
            db.engine.dispose()


def test_a_cached_instance_is_a_fresh_init_of_its_own(cli, make_instance, init_instance, instance_cache,
                                                     pg_server, monkeypatch):
    first = make_instance("banyuwangi", "first", "--demo")
    first_database = os.environ.get("EGOVKIT_DATABASE_URL")
    inits = instance_cache.inits
    rows = contents(first)
    uploads = files_of(first / "uploads")  # what init made (the demo's site photos of monitoring)
    (first / "uploads" / "scan.png").write_bytes(b"changed")  # the first test changes its instance...
    (first / "profile.yaml").write_text((first / "profile.yaml").read_text().replace("per_page: 10", "per_page: 3"))
    cli("--instance", first, "users", "create", "--email", "op@desa.id", "--name", "Op", "--role", "admin",
        "--password-stdin", input=ADMIN_PASSWORD + "\n")

    use_database(pg_server, monkeypatch)
    second = make_instance("banyuwangi", "second", "--demo")  # ...the next gets the instance as init made it
    assert instance_cache.inits == inits, "the second instance was not copied from the cache"
    files = files_of(second)
    assert contents(second) == rows
    assert files_of(second / "uploads") == uploads and "scan.png" not in uploads
    assert (second / "profile.yaml").read_text() == (Path(__file__).parent.parent / "profiles/banyuwangi.yaml").read_text()
    assert "op@desa.id" not in cli("--instance", second, "users", "list").output
    with pytest.MonkeyPatch.context() as patch:
        if first_database:
            patch.setenv("EGOVKIT_DATABASE_URL", first_database)
        assert "op@desa.id" in cli("--instance", first, "users", "list").output
    expected = _label(os.environ["EGOVKIT_DATABASE_URL"]) if pg_server else "sqlite"
    assert json.loads((second / "instance.json").read_text())["database"] == expected
    assert oct((second / "secret_key").stat().st_mode & 0o777) == "0o600"
    # the copied secret key still keys the copied audit chain; the admin signs in with EGOVKIT_ADMIN_PASSWORD
    assert "audit log intact" in cli("--instance", second, "audit", "verify").output
    assert signs_in(second, ADMIN_PASSWORD)

    use_database(pg_server, monkeypatch)
    fresh = init_instance("banyuwangi", "fresh", "--demo")  # the real init, beside the copies
    assert instance_cache.inits == inits
    assert contents(fresh) == rows
    assert files_of(fresh) == files
    for name in ("profile.yaml", "applied-profile.yaml"):
        assert (fresh / name).read_text() == (second / name).read_text()
    assert json.loads((fresh / "instance.json").read_text()).keys() == \
        json.loads((second / "instance.json").read_text()).keys()


def test_the_cache_follows_the_admin_password_and_init_options(make_instance, instance_cache, monkeypatch):
    monkeypatch.setenv("EGOVKIT_ADMIN_PASSWORD", "another long password")
    inits = instance_cache.inits
    path = make_instance("banyuwangi", "instance", "--admin-email", "it@banyuwangikab.go.id")
    assert instance_cache.inits == inits + 1  # nothing cached for this password and email yet
    assert signs_in(path, "another long password") is False  # the email differs...
    app = create_app(path, {"TESTING": True})
    try:
        assert login(app.test_client(), "it@banyuwangikab.go.id", "another long password").status_code == 302
        assert login(app.test_client(), "it@banyuwangikab.go.id", ADMIN_PASSWORD).status_code != 302
    finally:
        with app.app_context():
            db.engine.dispose()
