"""An instance: the folder that holds one regency's profile, secret key,
SQLite database (unless EGOVKIT_DATABASE_URL points elsewhere), uploads
and backups."""
from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DIR = "instance"
PROFILE_FILE = "profile.yaml"
SECRET_FILE = "secret_key"
STATE_FILE = "instance.json"
DB_FILE = "egovkit.db"
APPLIED_FILE = "applied-profile.yaml"  # the resolved profile as of the last init/upgrade
MIN_SECRET_LENGTH = 32  # init writes 64 hex characters


def resolve_dir(path: str | os.PathLike | None = None) -> Path:
    return Path(path or os.environ.get("EGOVKIT_INSTANCE") or DEFAULT_DIR).absolute()


class InstanceError(Exception):
    """An instance folder that cannot be used as it is."""


@dataclass
class Instance:
    path: Path

    @classmethod
    def at(cls, path: str | os.PathLike | None = None) -> "Instance":
        return cls(resolve_dir(path))

    @property
    def profile_path(self) -> Path:
        return self.path / PROFILE_FILE

    @property
    def uploads(self) -> Path:
        return self.path / "uploads"

    @property
    def backups(self) -> Path:
        return self.path / "backups"

    def exists(self) -> bool:
        return self.profile_path.exists()

    def database_url(self) -> str:
        url = os.environ.get("EGOVKIT_DATABASE_URL")
        recorded = self.state().get("database", "sqlite")
        if url:
            if self.state() and recorded != _label(url):
                where = "its own SQLite file" if recorded == "sqlite" else recorded
                raise InstanceError(f"EGOVKIT_DATABASE_URL points at {_label(url)}, but the instance at {self.path} "
                                    f"uses {where}: unset it or point it at the instance's database")
            return url
        if recorded != "sqlite":
            raise InstanceError(f"the database of the instance at {self.path} is {recorded}: "
                                "set EGOVKIT_DATABASE_URL to its URL (with the password)")
        return f"sqlite:///{self.path / DB_FILE}"

    def secret_key(self) -> str:
        """The instance's secret (sessions, CSRF, document signatures); refused when missing or too short."""
        path = self.path / SECRET_FILE
        try:
            key = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or "not UTF-8 text"
            raise InstanceError(f"cannot read the secret key {path}: {reason}") from None
        if len(key) < MIN_SECRET_LENGTH:
            raise InstanceError(
                f"the secret key {path} is {'empty' if not key else 'too short'}: it needs at least "
                f"{MIN_SECRET_LENGTH} random characters. Restore it from a backup, or write a new one with\n"
                f"  python3 -c 'import secrets; print(secrets.token_hex(32))' > {path}\n"
                "(a new key signs everyone out, and documents issued under the old key no longer verify)")
        return key

    def state(self) -> dict:
        try:
            return json.loads((self.path / STATE_FILE).read_text())
        except FileNotFoundError:
            return {}

    def write_state(self, **values) -> None:
        state = self.state() | values
        tmp = self.path / (STATE_FILE + ".tmp")
        tmp.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n")
        tmp.replace(self.path / STATE_FILE)

    def create_files(self, profile_text: str) -> None:
        """Lay out a new instance folder (the caller makes it atomic)."""
        self.path.mkdir(parents=True, exist_ok=True)
        self.uploads.mkdir(exist_ok=True)
        self.backups.mkdir(exist_ok=True)
        self.profile_path.write_text(profile_text, encoding="utf-8")
        secret = self.path / SECRET_FILE
        secret.write_text(secrets.token_hex(32) + "\n")
        secret.chmod(0o600)


def _label(url: str) -> str:
    """A database URL as recorded in instance.json: without its password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
