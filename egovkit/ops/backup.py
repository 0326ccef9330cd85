"""Backup and restore of a whole instance: database, files, profile and secret key.

A backup is one archive, ``egovkit-<regency>-<stamp>.tar.gz``, written
beside its final name and renamed when complete (a crash leaves no
half-written backup under that name). Its first member is ``manifest.json``:
the kit version, regency, profile and database kind, the row count of every
table, and the size and SHA-256 of every other member. Then:

  database.sqlite   SQLite: a consistent copy made by SQLite's online backup API
  database.pgdump   PostgreSQL: pg_dump's custom format, taken in the same snapshot as the row counts
  files/...         the instance folder (profile, secret key, instance.json, uploads and issued
                    documents), without backups/, logs/ and the SQLite database file itself

The archive holds the secret key (sessions, document signatures, the audit
chain's keys): it is written with mode 0600 and must be kept like the
instance itself.

``restore`` checks every member against the manifest before it touches
anything, refuses an archive of another kit version or another regency
unless told, restores into a staging folder (PostgreSQL: pg_restore in one
transaction) and only then swaps it in; the folder it replaces is kept
beside it. Finally the row counts are compared with the manifest.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from .. import __version__
from ..instance import APPLIED_FILE, DB_FILE, Instance, _label

MANIFEST = "manifest.json"
FORMAT = 1
SKIPPED_DIRS = ("backups", "logs")  # backups are not backed up into themselves; logs are not data
SQLITE_FILES = (DB_FILE, DB_FILE + "-wal", DB_FILE + "-shm", DB_FILE + "-journal")
CHUNK = 1 << 20


class BackupError(Exception):
    """Why a backup or restore cannot be done (nothing was changed)."""


@dataclass
class Manifest:
    kit_version: str
    regency: str
    profile: str
    database: str  # "sqlite" | "postgresql"
    created_at: str
    tables: dict[str, int]
    members: dict[str, dict] = field(default_factory=dict)  # name -> {"size": n, "sha256": hex}
    format: int = FORMAT

    def dumps(self) -> bytes:
        return json.dumps(self.__dict__, indent=2, sort_keys=True).encode()

    @classmethod
    def loads(cls, data: bytes) -> "Manifest":
        try:
            raw = json.loads(data)
            if raw.get("format") != FORMAT:
                raise BackupError(f"backup format {raw.get('format')!r} is not one this kit reads ({FORMAT})")
            return cls(**raw)
        except (ValueError, TypeError) as exc:
            raise BackupError(f"{MANIFEST} is not a valid manifest: {exc}") from None


def _kind(url: str) -> str:
    return make_url(url).get_backend_name()


def _engine(url: str):
    return create_engine(url, poolclass=NullPool)


def _libpq(url: str) -> tuple[str, dict]:
    """A URL for the PostgreSQL client tools, and their environment (the password never on a command line)."""
    parsed = make_url(url)
    env = dict(os.environ, PGPASSWORD=parsed.password or "")
    return parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed: install the PostgreSQL client tools (Debian: "
                          "apt-get install postgresql-client) of the server's major version or newer")
    return path


def _count_rows(conn) -> dict[str, int]:
    names = inspect(conn).get_table_names()
    return {name: conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar() for name in sorted(names)}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _instance_files(root: Path) -> list[tuple[str, Path]]:
    """(archive name, path) of every file to keep, in a stable order."""
    found = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if rel.parts[0] in SKIPPED_DIRS or (len(rel.parts) == 1 and rel.name in SQLITE_FILES):
            continue
        if path.is_file() and not path.is_symlink():
            found.append((str(PurePosixPath("files", *rel.parts)), path))
    return found


def _regency_of(inst: Instance) -> str | None:
    """The regency an existing instance serves, from the profile recorded at its last init/upgrade."""
    import yaml

    try:
        applied = yaml.safe_load((inst.path / APPLIED_FILE).read_text(encoding="utf-8")) or {}
        return str(applied["regency"]["code"])
    except (OSError, KeyError, TypeError, yaml.YAMLError):
        return None


def _dump_database(url: str, work: Path, echo) -> tuple[Path, dict[str, int]]:
    """The database copied into ``work``, and its row counts as of that copy."""
    kind = _kind(url)
    if kind == "sqlite":
        target = work / "database.sqlite"
        src, dst = sqlite3.connect(make_url(url).database), sqlite3.connect(target)
        try:
            with dst:
                src.backup(dst, pages=4096)
        finally:
            src.close()
            dst.close()
        engine = _engine(f"sqlite:///{target}")
        with engine.connect() as conn:
            counts = _count_rows(conn)
        engine.dispose()
        return target, counts
    if kind == "postgresql":
        target = work / "database.pgdump"
        plain, env = _libpq(url)
        pg_dump = _tool("pg_dump")
        engine = _engine(url)
        with engine.connect() as conn:
            # One snapshot for the dump and the counts: the manifest describes exactly what was dumped.
            conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar()
            counts = _count_rows(conn)
            echo(f"  database: {len(counts)} tables, {sum(counts.values()):,} rows; pg_dump ...")
            result = subprocess.run([pg_dump, "--format=custom", "--no-owner", "--no-privileges",
                                     f"--snapshot={snapshot}", "--file", str(target), plain],
                                    capture_output=True, text=True, env=env)
            conn.rollback()
        engine.dispose()
        if result.returncode != 0:
            raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
        return target, counts
    raise BackupError(f"no backup for a {kind} database")


def create(inst: Instance, url: str, regency: str, profile: str, folder: Path, echo=lambda _m: None) -> Path:
    """Write a backup archive of the instance into ``folder`` and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    final = folder / f"egovkit-{regency}-{stamp}.tar.gz"
    n = 1
    while final.exists():  # two backups in one second keep both
        n += 1
        final = folder / f"egovkit-{regency}-{stamp}-{n}.tar.gz"
    with tempfile.TemporaryDirectory(prefix=".egovkit-backup-", dir=folder) as tmp:
        work = Path(tmp)
        dump, counts = _dump_database(url, work, echo)
        echo(f"  database: {len(counts)} tables, {sum(counts.values()):,} rows")
        members = [(dump.name, dump), *_instance_files(inst.path)]
        manifest = Manifest(kit_version=__version__, regency=regency, profile=profile, database=_kind(url),
                            created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"), tables=counts)
        for name, path in members:
            manifest.members[name] = {"size": path.stat().st_size, "sha256": _sha256(path)}
        total = sum(m["size"] for m in manifest.members.values())
        echo(f"  files: {len(members) - 1}, {total / 1e6:,.1f} MB in all; writing the archive ...")
        part = work / "archive.part"
        with tarfile.open(part, "w:gz", compresslevel=6) as tar:
            data = manifest.dumps()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(datetime.now().timestamp()), 0o600
            tar.addfile(info, io.BytesIO(data))
            for name, path in members:
                info = tar.gettarinfo(str(path), arcname=name)
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                with open(path, "rb") as fh:
                    tar.addfile(info, fh)
        for name, path in members:  # a file changed while it was archived would not restore as listed
            if path.stat().st_size != manifest.members[name]["size"]:
                raise BackupError(f"{name} changed while it was backed up: run the backup again")
        part.chmod(0o600)
        part.replace(final)
    return final


def prune(folder: Path, regency: str, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` backups of this regency in ``folder``; returns the deleted."""
    found = sorted(folder.glob(f"egovkit-{regency}-*.tar.gz"), key=lambda p: p.stat().st_mtime_ns)
    old = found[:-keep] if keep > 0 else found
    for path in old:
        path.unlink()
    return old


def _safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and name == str(path)


def read(archive: Path) -> Manifest:
    """The archive's manifest, after checking every member against it (sizes, SHA-256, nothing extra)."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            first = tar.next()
            if first is None or first.name != MANIFEST:
                raise BackupError(f"{archive} is not an egovkit backup (no {MANIFEST} first)")
            manifest = Manifest.loads(tar.extractfile(first).read())
            seen = set()
            for member in tar:
                if member is first:
                    continue
                if not member.isfile() or not _safe_name(member.name) or member.name not in manifest.members:
                    raise BackupError(f"{archive}: unexpected member {member.name!r}")
                digest = hashlib.sha256()
                fh = tar.extractfile(member)
                while chunk := fh.read(CHUNK):
                    digest.update(chunk)
                expected = manifest.members[member.name]
                if digest.hexdigest() != expected["sha256"] or member.size != expected["size"]:
                    raise BackupError(f"{archive}: {member.name} is damaged (its checksum differs from the manifest)")
                seen.add(member.name)
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(f"cannot read {archive}: {exc}") from None
    missing = set(manifest.members) - seen
    if missing:
        raise BackupError(f"{archive} is incomplete: {', '.join(sorted(missing))} missing")
    return manifest


@dataclass
class Restored:
    manifest: Manifest
    replaced: Path | None  # the folder the restore replaced, kept
    extra_tables: list[str]


def restore(archive: Path, inst: Instance, url: str, *, other_version: bool = False,
            other_regency: bool = False, echo=lambda _m: None) -> Restored:
    """Put the instance back as the archive holds it (see the module's docstring)."""
    echo(f"  checking {archive.name} ...")
    manifest = read(archive)
    if manifest.kit_version != __version__ and not other_version:
        raise BackupError(f"the backup was made by egovkit {manifest.kit_version}, this is {__version__}: install "
                          "that version to restore it (then upgrade), or pass --other-version")
    if manifest.database != _kind(url):
        raise BackupError(f"the backup holds a {manifest.database} database, but this instance's database is "
                          f"{_kind(url)}: restore it where EGOVKIT_DATABASE_URL points to a {manifest.database} "
                          "database")
    current = _regency_of(inst) if inst.exists() else None
    if current and current != manifest.regency and not other_regency:
        raise BackupError(f"the backup is of regency {manifest.regency}, the instance at {inst.path} serves "
                          f"{current}: restore into another folder, or pass --other-regency")
    inst.path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{inst.path.name}.restoring-", dir=inst.path.parent))
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                if member.name == MANIFEST:
                    continue
                target = staging / (DB_FILE if member.name == "database.sqlite" else member.name)
                if member.name.startswith("files/"):
                    target = staging / PurePosixPath(member.name).relative_to("files")
                target.parent.mkdir(parents=True, exist_ok=True)
                with tar.extractfile(member) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst, CHUNK)
                target.chmod(0o600 if target.name == "secret_key" else 0o644)
        for sub in SKIPPED_DIRS + ("uploads",):
            (staging / sub).mkdir(exist_ok=True)
        if manifest.database == "postgresql":
            echo("  database: pg_restore (one transaction) ...")
            _pg_restore(staging / "database.pgdump", url)
            (staging / "database.pgdump").unlink()
        state = Instance(staging).state()
        if state:
            Instance(staging).write_state(database=_label(url) if manifest.database != "sqlite" else "sqlite")
        restored_url = f"sqlite:///{staging / DB_FILE}" if manifest.database == "sqlite" else url
        counts, extra = _compare(manifest, restored_url)
        if counts:
            raise BackupError("restored row counts differ from the backup's manifest: " + ", ".join(
                f"{t} {n} != {manifest.tables[t]}" for t, n in counts.items()))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    replaced = None
    if inst.path.exists():
        replaced = inst.path.with_name(f"{inst.path.name}.replaced-{datetime.now():%Y%m%d-%H%M%S}")
        inst.path.rename(replaced)
    staging.rename(inst.path)
    if replaced is not None:  # the old folder's backups stay with the instance
        old_backups = replaced / "backups"
        if old_backups.is_dir():
            for path in old_backups.iterdir():
                if not (inst.path / "backups" / path.name).exists():
                    shutil.move(str(path), inst.path / "backups" / path.name)
    return Restored(manifest, replaced, extra)


def _pg_restore(dump: Path, url: str) -> None:
    plain, env = _libpq(url)
    result = subprocess.run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
                             "--single-transaction", "--exit-on-error", "--dbname", plain, str(dump)],
                            capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed (the database is unchanged): {result.stderr.strip()[-2000:]}")


def _compare(manifest: Manifest, url: str) -> tuple[dict[str, int], list[str]]:
    """(tables whose row count differs from the manifest, tables the backup did not have)."""
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            counts = _count_rows(conn)
    finally:
        engine.dispose()
    differ = {t: counts.get(t, 0) for t, n in manifest.tables.items() if counts.get(t, 0) != n}
    return differ, sorted(set(counts) - set(manifest.tables))


def restore_database(archive: Path, url: str) -> None:
    """Only the database from a backup (upgrade puts it back this way when a migration fails)."""
    manifest = read(archive)
    with tarfile.open(archive, "r:gz") as tar, tempfile.TemporaryDirectory() as tmp:
        name = "database.sqlite" if manifest.database == "sqlite" else "database.pgdump"
        path = Path(tmp) / name
        with tar.extractfile(name) as src, open(path, "wb") as dst:
            shutil.copyfileobj(src, dst, CHUNK)
        if manifest.database == "sqlite":
            src, dst = sqlite3.connect(path), sqlite3.connect(make_url(url).database)
            try:
                with dst:
                    src.backup(dst)
            finally:
                src.close()
                dst.close()
        else:
            _pg_restore(path, url)

