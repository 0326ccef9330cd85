"""Fixtures: every test gets a fresh working folder and a fresh database.

SQLite always; PostgreSQL when EGOVKIT_TEST_DATABASE_URL is set (each test
gets its own schema in that database, dropped afterwards).
"""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from egovkit.cli import main

PG_URL = os.environ.get("EGOVKIT_TEST_DATABASE_URL")
ADMIN_PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashing():
    """Argon2id with its cheapest parameters in tests: the real cost (~0.2 s a hash or login, on purpose)
    was a third of the suite's time. test_auth checks the real parameters separately."""
    from argon2 import PasswordHasher, profiles

    from egovkit.auth import passwords

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_hasher", PasswordHasher.from_parameters(profiles.CHEAPEST))
        passwords._dummy.cache_clear()
        yield
    passwords._dummy.cache_clear()


@pytest.fixture
def database_url():
    """None for SQLite in the instance folder; a URL of a fresh PostgreSQL schema otherwise."""
    if not PG_URL:
        yield None
        return
    schema = "t_" + uuid.uuid4().hex[:12]
    engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with engine.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture(autouse=True)
def workdir(tmp_path, monkeypatch, database_url):
    """A clean current folder and environment for each test."""
    monkeypatch.chdir(tmp_path)
    for var in ("EGOVKIT_INSTANCE", "EGOVKIT_DATABASE_URL", "EGOVKIT_ADMIN_PASSWORD"):
        monkeypatch.delenv(var, raising=False)
    if database_url:
        monkeypatch.setenv("EGOVKIT_DATABASE_URL", database_url)
    monkeypatch.setenv("EGOVKIT_ADMIN_PASSWORD", ADMIN_PASSWORD)
    return tmp_path


@pytest.fixture
def cli():
    """Run the egovkit command in-process; returns click's Result."""
    runner = CliRunner()

    def run(*args, input=None, expect=0):
        result = runner.invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)
        if expect is not None:
            assert result.exit_code == expect, f"exit {result.exit_code}:\n{result.output}"
        return result

    return run


@pytest.fixture
def make_instance(cli):
    """Initialise an instance from a profile and return its folder."""

    def make(profile="banyuwangi", path="instance", *extra):
        cli("init", "--profile", profile, "--instance", path, *extra)
        return Path(path).absolute()

    return make


@pytest.fixture
def app(make_instance):
    from egovkit.app import create_app

    path = make_instance("banyuwangi", "instance", "--demo")
    application = create_app(path, {"TESTING": True})
    yield application
    with application.app_context():
        from egovkit.db import db

        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_token(client, url):
    """The CSRF token of the form on a page."""
    import re

    page = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page).group(1)


def login(client, email="admin@localhost", password=ADMIN_PASSWORD):
    """Sign in through the real form (email or NIK), CSRF token included, and through the second step
    (two-factor code or enrolment) where the account's role needs one (tests/twofactor.py)."""
    from .twofactor import second_step

    def password_step():
        return client.post("/login", data={"login": email, "password": password,
                                           "csrf_token": csrf_token(client, "/login")})

    return second_step(client, email, password_step(), password_step)


@pytest.fixture
def plugin(tmp_path, monkeypatch):
    """Install a throwaway third-party module package reachable through the entry point group."""
    import sys
    import textwrap

    from egovkit import modules

    made = []

    def install(package: str, name: str, files: dict[str, str]):
        site = tmp_path / "site"
        pkg = site / package
        pkg.mkdir(parents=True)
        for filename, source in files.items():
            (pkg / filename).write_text(textwrap.dedent(source))
        dist = site / f"{package}-1.0.dist-info"
        dist.mkdir()
        (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {package}\nVersion: 1.0\n")
        (dist / "entry_points.txt").write_text(f"[egovkit.modules]\n{name} = {package}:MODULE\n")
        monkeypatch.syspath_prepend(str(site))
        modules.available.cache_clear()
        made.append(package)

    yield install
    modules.available.cache_clear()
    for package in made:
        for loaded in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
            del sys.modules[loaded]
