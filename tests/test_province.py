"""Many regencies on one PostgreSQL server: a database per instance, nothing shared but the server;
init, upgrade and backup of one never touch another."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool

REGENCIES = {"banyuwangi": "35.10", "sukoharjo": "33.11", "sabang": "11.72"}


def fingerprint(url: str) -> str:
    """Every table's rows, hashed: equal before and after means untouched."""
    engine = create_engine(url, poolclass=NullPool)
    digest = hashlib.sha256()
    with engine.connect() as conn:
        for name in sorted(inspect(conn).get_table_names()):
            digest.update(name.encode())
            for row in sorted(repr(tuple(r)) for r in conn.execute(text(f'SELECT * FROM "{name}"'))):
                digest.update(row.encode())
    engine.dispose()
    return digest.hexdigest()


@pytest.fixture
def province(pg_server, cli, monkeypatch, tmp_path):
    if pg_server is None:
        pytest.skip("needs EGOVKIT_TEST_DATABASE_URL (a PostgreSQL server)")
    made = {}
    for profile in REGENCIES:
        url = pg_server.url_of(pg_server.create())
        monkeypatch.setenv("EGOVKIT_DATABASE_URL", url)
        cli("init", "--profile", profile, "--instance", tmp_path / profile)
        made[profile] = (tmp_path / profile, url)
    return made


def test_three_regencies_on_one_server_live_apart(province, cli, monkeypatch):
    for profile, (_path, url) in province.items():
        engine = create_engine(url, poolclass=NullPool)
        with engine.connect() as conn:
            regency = conn.execute(text("SELECT code FROM core_region WHERE level = 'regency'")).scalar()
            villages = conn.execute(text("SELECT count(*) FROM core_region WHERE level = 'village'")).scalar()
        engine.dispose()
        assert regency == REGENCIES[profile] and villages > 0

    # Upgrading one (a module switched on) leaves the other two exactly as they were.
    before = {p: fingerprint(url) for p, (_, url) in province.items()}
    path, url = province["sabang"]
    profile = yaml.safe_load((path / "profile.yaml").read_text())
    profile.setdefault("modules", {})["announcements"] = False
    (path / "profile.yaml").write_text(yaml.safe_dump(profile))
    monkeypatch.setenv("EGOVKIT_DATABASE_URL", url)
    cli("--instance", path, "upgrade")
    assert fingerprint(url) != before["sabang"]  # its module states changed
    for other in ("banyuwangi", "sukoharjo"):
        assert fingerprint(province[other][1]) == before[other]

    # Each backs up on its own: the archive holds its regency only.
    from egovkit.ops import backup as backups

    for name, (path, url) in province.items():
        monkeypatch.setenv("EGOVKIT_DATABASE_URL", url)
        cli("--instance", path, "backup")
        archive = next((path / "backups").glob("egovkit-*.tar.gz"))
        manifest = backups.read(archive)
        assert manifest.regency == REGENCIES[name]
        assert archive.name.startswith(f"egovkit-{REGENCIES[name]}-")


def test_an_instance_refuses_another_instances_database(province, cli, monkeypatch):
    path, _ = province["banyuwangi"]
    before = fingerprint(province["sukoharjo"][1])
    monkeypatch.setenv("EGOVKIT_DATABASE_URL", province["sukoharjo"][1])
    result = cli("--instance", path, "upgrade", expect=None)
    assert result.exit_code != 0 and "EGOVKIT_DATABASE_URL points at" in result.output
    assert fingerprint(province["sukoharjo"][1]) == before


def test_init_into_a_used_database_is_refused(province, cli, monkeypatch, tmp_path):
    monkeypatch.setenv("EGOVKIT_DATABASE_URL", province["sabang"][1])
    before = fingerprint(province["sabang"][1])
    out = cli("init", "--profile", "batang", "--instance", tmp_path / "batang", expect=1).output
    assert "already has egovkit tables" in out
    assert fingerprint(province["sabang"][1]) == before
    assert not Path(tmp_path / "batang").exists()
