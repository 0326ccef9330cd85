"""Backup and restore of a whole instance (egovkit.ops.backup), on SQLite and PostgreSQL."""
from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool

from egovkit.instance import Instance


def _url(path: Path) -> str:
    return os.environ.get("EGOVKIT_DATABASE_URL") or f"sqlite:///{path / 'egovkit.db'}"


def snapshot(path: Path) -> tuple[dict, dict]:
    """Every table's rows (sorted) and every kept file's SHA-256: what a round trip must not change."""
    engine = create_engine(_url(path), poolclass=NullPool)
    tables = {}
    with engine.connect() as conn:
        for name in inspect(conn).get_table_names():
            rows = conn.execute(text(f'SELECT * FROM "{name}"')).all()
            tables[name] = sorted(repr(tuple(r)) for r in rows)
    engine.dispose()
    files = {str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in path.rglob("*") if p.is_file() and p.relative_to(path).parts[0] not in ("backups", "logs")
             and p.name != "egovkit.db"}
    return tables, files


def wipe(path: Path) -> None:
    """The disk died: the folder and the database are gone."""
    shutil.rmtree(path)
    url = os.environ.get("EGOVKIT_DATABASE_URL")
    if url:
        engine = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        with engine.connect() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()


@pytest.fixture
def demo(make_instance):
    path = make_instance("banyuwangi", "instance", "--demo")
    uploads = path / "uploads"
    (uploads / "documents").mkdir(parents=True, exist_ok=True)
    (uploads / "documents" / "AbC123.pdf").write_bytes(b"%PDF-1.4 issued letter\n" + os.urandom(2048))
    (uploads / "permits").mkdir(exist_ok=True)
    (uploads / "permits" / "photo.jpg").write_bytes(os.urandom(50_000))
    return path


def test_backup_wipe_restore_loses_nothing(cli, demo, tmp_path):
    before = snapshot(demo)
    assert sum(len(rows) for rows in before[0].values()) > 1000  # demo data in many tables
    out = cli("--instance", demo, "backup", "--to", tmp_path / "safe").output
    archive = next((tmp_path / "safe").glob("egovkit-35.10-*.tar.gz"))
    assert oct(archive.stat().st_mode & 0o777) == "0o600"
    assert "Backup written" in out and "secret key" in out
    wipe(demo)
    out = cli("--instance", demo, "restore", archive).output
    assert "Restored" in out
    assert snapshot(demo) == before
    assert oct((demo / "secret_key").stat().st_mode & 0o777) == "0o600"
    # The restored instance serves: the kit reads its database and its secret key.
    cli("--instance", demo, "audit", "verify")


def test_backup_option_after_the_command_and_keep_prunes_older(cli, demo):
    for _ in range(3):
        cli("backup", "--instance", demo, "--keep", "2")
    kept = sorted((demo / "backups").glob("egovkit-35.10-*.tar.gz"))
    assert len(kept) == 2


def test_a_damaged_archive_is_refused_before_anything_changes(cli, demo, tmp_path):
    cli("--instance", demo, "backup", "--to", tmp_path)
    archive = next(tmp_path.glob("egovkit-*.tar.gz"))
    with tarfile.open(archive, "r:gz") as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar]
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(damaged, "w:gz") as tar:
        for member, data in members:
            if member.name == "files/profile.yaml":
                data = data.replace(b"Banyuwangi", b"Banyuwangx", 1)
            tar.addfile(member, io.BytesIO(data))
    before = snapshot(demo)
    out = cli("--instance", demo, "restore", "--yes", damaged, expect=1).output
    assert "files/profile.yaml is damaged" in out and "nothing was changed" in out
    assert snapshot(demo) == before
    assert not list(demo.parent.glob("instance.replaced-*"))


def _rewrite_manifest(archive: Path, target: Path, **changes) -> None:
    with tarfile.open(archive, "r:gz") as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar]
    with tarfile.open(target, "w:gz") as tar:
        for member, data in members:
            if member.name == "manifest.json":
                data = json.dumps(json.loads(data) | changes).encode()
                member.size = len(data)
            tar.addfile(member, io.BytesIO(data))


def test_restore_refuses_another_kit_version_or_regency_unless_told(cli, demo, tmp_path):
    cli("--instance", demo, "backup", "--to", tmp_path)
    archive = next(tmp_path.glob("egovkit-*.tar.gz"))
    older = tmp_path / "older.tar.gz"
    _rewrite_manifest(archive, older, kit_version="0.0.1")
    out = cli("--instance", demo, "restore", "--yes", older, expect=1).output
    assert "made by egovkit 0.0.1" in out and "--other-version" in out
    cli("--instance", demo, "restore", "--yes", "--other-version", older)

    other = tmp_path / "other.tar.gz"
    _rewrite_manifest(archive, other, regency="32.17")
    out = cli("--instance", demo, "restore", "--yes", other, expect=1).output
    assert "regency 32.17" in out and "serves 35.10" in out
    kept = list(demo.parent.glob("instance.replaced-*"))
    assert len(kept) == 1  # the forced version restore kept the folder it replaced


def test_restore_asks_before_replacing_an_instance(cli, demo, tmp_path):
    cli("--instance", demo, "backup", "--to", tmp_path)
    archive = next(tmp_path.glob("egovkit-*.tar.gz"))
    out = cli("--instance", demo, "restore", archive, input="n\n", expect=1).output
    assert "Replace the instance" in out
    assert not list(demo.parent.glob("instance.replaced-*"))


def test_sqlite_backup_is_not_restored_into_postgresql_or_back(cli, demo, tmp_path, monkeypatch):
    cli("--instance", demo, "backup", "--to", tmp_path)
    archive = next(tmp_path.glob("egovkit-*.tar.gz"))
    if os.environ.get("EGOVKIT_DATABASE_URL"):
        monkeypatch.delenv("EGOVKIT_DATABASE_URL")
        expected = "holds a postgresql database"
    else:
        monkeypatch.setenv("EGOVKIT_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
        expected = "holds a sqlite database"
    out = cli("--instance", tmp_path / "elsewhere", "restore", archive, expect=1).output
    assert expected in out


def test_upgrade_takes_a_full_backup_first(cli):
    from egovkit.ops import backup as backups

    Path("p.yaml").write_text("name: lean\nextends: banyuwangi\nmodules:\n  announcements: false\n")
    cli("init", "--profile", "p.yaml")
    path = Path("instance").absolute()
    profile = yaml.safe_load((path / "profile.yaml").read_text())
    profile["modules"]["announcements"] = {}
    (path / "profile.yaml").write_text(yaml.safe_dump(profile))
    out = cli("upgrade").output
    archive = next((path / "backups").glob("egovkit-35.10-*.tar.gz"))
    assert f"backup: {archive}" in out
    manifest = backups.read(archive)
    assert manifest.tables["core_user"] == 1 and "files/secret_key" in manifest.members
    assert not any(t.startswith("announcements_") for t in manifest.tables)  # taken before the migration


def test_instance_state_records_the_restored_database(cli, demo, tmp_path):
    cli("--instance", demo, "backup", "--to", tmp_path)
    archive = next(tmp_path.glob("egovkit-*.tar.gz"))
    wipe(demo)
    cli("--instance", demo, "restore", archive)
    assert Instance(demo).database_url() == _url(demo)


def test_instance_is_accepted_after_any_command(cli, make_instance, tmp_path, monkeypatch):
    path = make_instance("banyuwangi", str(tmp_path / "elsewhere"))
    monkeypatch.chdir(tmp_path / "elsewhere")  # no ./instance here
    assert "intact" in cli("audit", "verify", "--instance", path).output.lower()
    assert "intact" in cli("audit", "verify", f"--instance={path}").output.lower()
    assert "admin@localhost" in cli("users", "list", "--instance", path).output


def test_systemd_units_are_in_the_package_and_written_with_this_machines_paths(cli, tmp_path):
    out = cli("deploy-files").output
    for name in ("egovkit.service", "egovkit-worker.service", "egovkit-backup.timer", "egovkit-doctor.timer"):
        assert name in out
    cli("deploy-files", "--to", tmp_path / "units", "--venv", "/opt/eg/.venv", "--instance-dir", "/data/bwi",
        "--user", "kominfo")
    unit = (tmp_path / "units" / "egovkit-worker.service").read_text()
    assert "ExecStart=/opt/eg/.venv/bin/egovkit --instance /data/bwi worker" in unit and "User=kominfo" in unit
    backup = (tmp_path / "units" / "egovkit-backup.service").read_text()
    assert "backup --to /backup/egovkit --keep 14" in backup
