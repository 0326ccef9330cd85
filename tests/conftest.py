"""Fixtures: every test gets a fresh working folder and a fresh database.

SQLite always; PostgreSQL when EGOVKIT_TEST_DATABASE_URL is set: each test
then gets a database of its own on that server (`t_<hex>`, dropped
afterwards); the URL's own database is only used to create and drop them.

`egovkit init` takes seconds (regions, agencies, demo data), so an
initialised instance is made once per test session for each bundled
profile, init options and EGOVKIT_* environment (admin password included),
and copied: `make_instance` (hence `app` and `client`) copies the cached
folder into the test's folder (SQLite database, profile, an empty uploads
folder of its own, the secret key that keys the database's audit chain,
instance.json naming the test's database) and, on PostgreSQL, recreates
the test's database from the cached template database (`CREATE DATABASE
t_<hex> TEMPLATE tmpl_<hex>`). The cache lives in session-scoped fixtures,
so under pytest-xdist each worker has its own. Tests of init itself use
`init_instance`, which always runs the real command; so does
`make_instance` when a copy could differ from what init would do (a
profile file, a non-empty target folder or database, a database URL the
fixtures did not make). tests/test_fixtures.py checks the copies.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from datetime import datetime, timezone
from pathlib import Path

import jinja2
import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from egovkit.cli import main

PG_URL = os.environ.get("EGOVKIT_TEST_DATABASE_URL")
ADMIN_PASSWORD = "correct horse battery staple"


MEMORY_DISK = Path("/dev/shm")  # Linux's RAM-backed folder
_memory_basetemp = pytest.StashKey[str]()


@pytest.hookimpl(tryfirst=True)  # before pytest's own tmp_path setup reads --basetemp
def pytest_configure(config):
    """Test folders in memory where the machine has a RAM disk and no --basetemp was given: every SQLite commit
    is an fsync and every test copies a 16 MB instance, which on a disk was a tenth of the suite's time."""
    if config.option.basetemp is None and MEMORY_DISK.is_dir() and os.access(MEMORY_DISK, os.W_OK):
        config.option.basetemp = tempfile.mkdtemp(prefix="egovkit-tests-", dir=MEMORY_DISK)
        config.stash[_memory_basetemp] = config.option.basetemp


def pytest_addoption(parser):
    parser.addoption("--skip-browser", action="store_true",
                     help="Leave out the tests that drive Chromium (CI runs them in the SQLite suite only: what they "
                          "check is the page in a browser, and the journeys under them run on both databases)")


def pytest_collection_modifyitems(config, items):
    if not config.getoption("--skip-browser"):
        return
    left = [item for item in items if "browser" in getattr(item, "fixturenames", ())]
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = [item for item in items if item not in left]


def pytest_runtest_setup(item):
    if "browser" not in item.fixturenames:  # the browser tests have run (they are consecutive files)
        from . import live

        live.stop_chromium()


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    """The RAM folder goes when every test passed; after a failure it is kept to look at (and said where)."""
    from . import live

    live.stop_chromium()
    folder = session.config.stash.get(_memory_basetemp, None)
    if folder and exitstatus == 0:
        shutil.rmtree(folder, ignore_errors=True)
    elif folder:
        print(f"\ntest folders kept in {folder}")


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


class SharedBytecode(jinja2.BytecodeCache):
    """One Jinja bytecode cache for every app the suite makes (hundreds, one or more per test): each app's
    environment would otherwise parse and compile every template it renders again (~0.2 s a test).
    Jinja keys each entry by template name and file and checks the source's checksum, so an edited
    template is compiled afresh."""

    def __init__(self):
        self.buckets: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.buckets:
            bucket.bytecode_from_string(self.buckets[bucket.key])

    def dump_bytecode(self, bucket):
        self.buckets[bucket.key] = bucket.bytecode_to_string()


@pytest.fixture(autouse=True, scope="session")
def shared_template_bytecode():
    import flask

    cache = SharedBytecode()
    create = flask.Flask.create_jinja_environment

    def create_jinja_environment(self):
        env = create(self)
        env.bytecode_cache = cache
        return env

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(flask.Flask, "create_jinja_environment", create_jinja_environment)
        yield


class PgServer:
    """Databases of their own for tests, on the server of EGOVKIT_TEST_DATABASE_URL."""

    def __init__(self, url: str):
        # Commits do not wait for the WAL to reach the disk (a test's database is thrown away; the server's
        # crash safety is unchanged): on a disk that wait was most of a small commit's time.
        self.url = make_url(url)
        if "options" not in self.url.query:
            self.url = self.url.update_query_dict({"options": "-csynchronous_commit=off"})
        self.engine = create_engine(self.url, isolation_level="AUTOCOMMIT")
        with self.engine.connect() as conn:
            version = int(conn.execute(text("SHOW server_version_num")).scalar())
        # WAL_LOG, PostgreSQL 15's default, not FILE_COPY: FILE_COPY forces checkpoints, which on a server
        # busy with other work took 0.7-1.6 s a database against ~0.1 s (bench/README.md, "CI times").
        self.strategy = " STRATEGY WAL_LOG" if version >= 150000 else ""
        self.force = " WITH (FORCE)" if version >= 130000 else ""  # also when a test left connections open
        self.made: set[str] = set()

    def url_of(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    def create(self, template: str = "template0", prefix: str = "t_") -> str:
        name = prefix + uuid.uuid4().hex[:12]
        with self.engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"{self.strategy}'))
        self.made.add(name)
        return name

    def recreate(self, name: str, template: str) -> None:
        """Replace the database ``name`` by a copy of ``template`` (same name, so the same URL)."""
        with self.engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}"{self.force}'))
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"{self.strategy}'))

    def is_empty(self, name: str) -> bool:
        engine = create_engine(self.url_of(name), poolclass=NullPool)
        try:
            with engine.connect() as conn:
                return not conn.execute(text(
                    "SELECT count(*) FROM information_schema.tables "
                    "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')")).scalar()
        finally:
            engine.dispose()

    def drop(self, name: str) -> None:
        with self.engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"{self.force}'))
        self.made.discard(name)

    def close(self) -> None:
        for name in sorted(self.made):
            self.drop(name)
        self.engine.dispose()


@pytest.fixture(scope="session")
def pg_server():
    """The PostgreSQL server the suite runs on, or None on SQLite."""
    if not PG_URL:
        yield None
        return
    server = PgServer(PG_URL)
    yield server
    server.close()


@pytest.fixture
def database_url(pg_server):
    """None for SQLite in the instance folder; the URL of a fresh, empty PostgreSQL database otherwise."""
    if pg_server is None:
        yield None
        return
    name = pg_server.create()
    yield pg_server.url_of(name)
    pg_server.drop(name)


@pytest.fixture(autouse=True)
def workdir(tmp_path, monkeypatch, database_url):
    """A clean current folder and environment for each test."""
    monkeypatch.chdir(tmp_path)
    # PROMETHEUS_MULTIPROC_DIR: `serve` sets it for its workers; a test of serve must not leave it to the next
    for var in ("EGOVKIT_INSTANCE", "EGOVKIT_DATABASE_URL", "EGOVKIT_ADMIN_PASSWORD", "PROMETHEUS_MULTIPROC_DIR"):
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
def init_instance(cli):
    """Run the real `egovkit init` of a profile and return the instance's folder (tests of init use this)."""

    def init(profile="banyuwangi", path="instance", *extra):
        cli("init", "--profile", profile, "--instance", path, *extra)
        return Path(path).absolute()

    return init


class InstanceCache:
    """Instances made by `egovkit init` once per session, keyed by what init's result depends on."""

    def __init__(self, root: Path, pg: PgServer | None):
        self.root = root
        self.pg = pg
        self.made: dict[tuple, tuple[Path, str | None]] = {}
        self.inits = 0  # how many real inits the cache ran (tests of the fixture read it)

    def key(self, profile: str, extra: tuple) -> tuple | None:
        """None when a copy might not be what init would make here."""
        from egovkit import modules
        from egovkit import profile as profiles

        bundled = profiles.bundled_dir() / f"{profile}.yaml"
        if (profile.endswith((".yaml", ".yml")) or "/" in profile or "\\" in profile
                or (Path("profiles") / f"{profile}.yaml").exists() or not bundled.is_file() or "--force" in extra):
            return None
        env = tuple(sorted((k, v) for k, v in os.environ.items()
                           if k.startswith("EGOVKIT_") and k not in ("EGOVKIT_DATABASE_URL", "EGOVKIT_INSTANCE")))
        return profile, tuple(extra), env, tuple(sorted(modules.available())), bool(self.pg)

    def target_database(self) -> str | None:
        """The test's database when the copy can replace it: one the fixtures made, still empty."""
        url = os.environ.get("EGOVKIT_DATABASE_URL")
        name = make_url(url).database if url else None
        if name in self.pg.made and make_url(url).set(database=name) == self.pg.url.set(database=name) \
                and self.pg.is_empty(name):
            return name
        return None

    def template(self, key: tuple, profile: str, extra: tuple) -> tuple[Path, str | None] | None:
        if key in self.made:
            return self.made[key]
        folder = self.root / f"{len(self.made)}-{profile}"
        template = self.pg.create(prefix="tmpl_") if self.pg else None
        with pytest.MonkeyPatch.context() as patch:
            if template:
                patch.setenv("EGOVKIT_DATABASE_URL", self.pg.url_of(template))
            result = CliRunner().invoke(main, ["init", "--profile", profile, "--instance", str(folder), *extra])
        self.inits += 1
        if result.exit_code != 0:  # the caller's real init then shows why
            if template:
                self.pg.drop(template)
            return None
        self.made[key] = folder, template
        return self.made[key]

    def copy(self, profile: str, path: str, extra: tuple) -> Path | None:
        """The instance copied into ``path``, or None when the caller must run the real init."""
        from egovkit.instance import Instance, _label

        dest = Path(path).absolute()
        key = self.key(profile, extra)
        if key is None or (dest.exists() and (not dest.is_dir() or any(dest.iterdir()))):
            return None
        database = self.target_database() if self.pg else None
        if self.pg and database is None:
            return None
        made = self.template(key, profile, extra)
        if made is None:
            return None
        folder, template = made
        dest.parent.mkdir(parents=True, exist_ok=True)
        # The secret key is copied with the database it belongs to: it keys the audit chain's HMAC.
        shutil.copytree(folder, dest, dirs_exist_ok=True)  # keeps the modes: secret_key stays 0600
        url = os.environ.get("EGOVKIT_DATABASE_URL")
        Instance(dest).write_state(database=_label(url) if url else "sqlite",
                                   created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
        if template:
            self.pg.recreate(database, template)
        return dest


@pytest.fixture(scope="session")
def instance_cache(tmp_path_factory, pg_server):
    """Per session, so per pytest-xdist worker: each worker has its own folders and template databases."""
    return InstanceCache(tmp_path_factory.mktemp("instances"), pg_server)


@pytest.fixture
def make_instance(instance_cache, init_instance):
    """An instance of a profile in ``path``, as `egovkit init --profile PROFILE *extra` makes it; returns its folder.

    A copy of the session's cached instance when it can be one; else the real init."""

    def make(profile="banyuwangi", path="instance", *extra):
        return instance_cache.copy(profile, path, extra) or init_instance(profile, path, *extra)

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


def accounts(cli, rows, password):
    """Create staff accounts in one `egovkit users import` (one app start, not one per account): ``rows`` of
    dicts with the import's columns (email, name, role, region, agency, ...), all with ``password``."""
    import csv

    columns = ["email", "nik", "name", "phone", "nip", "role", "region", "agency"]
    with open(".accounts.csv", "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, columns)
        writer.writeheader()
        writer.writerows(rows)
    return cli("users", "import", ".accounts.csv", "--password-stdin", input=password + "\n")


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
