"""Uploaded files, kept on local disk in the instance folder (one way for every module).

Files are checked by content, not by name: only the kinds a caller allows,
up to a size, stored under a random name so nothing a visitor chose ends up
in a path. Every access-controlled file (an upload, a letter's PDF, a
rejects file) is served by ``send_private``: never kept by a browser or a
proxy cache, since the next person at a shared village computer must not
find it in the cache."""
from __future__ import annotations

import secrets
from pathlib import Path
from typing import NamedTuple

from flask import Response, current_app, send_file
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

KINDS = {  # kind -> (magic bytes at the start, file extension)
    "jpg": (b"\xff\xd8\xff", ".jpg"),
    "png": (b"\x89PNG\r\n\x1a\n", ".png"),
    "pdf": (b"%PDF-", ".pdf"),
}


class UploadError(ValueError):
    """Why a file was refused (shown to the person who sent it)."""


def folder(*parts: str) -> Path:
    path = Path(current_app.instance_path, "uploads", *parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


SCRATCH = "scratch"


def scratch(name: str) -> Path:
    """A folder for files kept only for a while (an uploaded import and its rejects): ``expire`` removes
    what is older than the profile's ``retention.import_files_days``."""
    return folder(SCRATCH, name)


def expire(days: int) -> list[Path]:
    """Remove scratch files older than ``days``; the removed paths."""
    import time

    root = Path(current_app.instance_path, "uploads", SCRATCH)
    cutoff = time.time() - days * 86400
    removed = []
    if root.is_dir():
        for item in sorted(root.rglob("*")):
            if item.is_file() and item.stat().st_mtime < cutoff:
                item.unlink(missing_ok=True)
                removed.append(item)
    return removed


def save(storage, *where: str, kinds: tuple[str, ...] = ("jpg", "png"), max_bytes: int = 5 * 1024 * 1024) -> str:
    """Check and store an uploaded file (werkzeug FileStorage); returns its stored name."""
    data = storage.read(max_bytes + 1)
    if not data:
        raise UploadError(_("The file is empty."))
    if len(data) > max_bytes:
        raise UploadError(_("The file is larger than %(n)s MB.", n=max_bytes // (1024 * 1024)))
    kind = next((k for k in kinds if data.startswith(KINDS[k][0])), None)
    if kind is None:
        raise UploadError(_("The file is not a %(kinds)s file.", kinds=" / ".join(k.upper() for k in kinds)))
    name = secrets.token_hex(12) + KINDS[kind][1]
    (folder(*where) / name).write_bytes(data)
    return name


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG or JPEG read from its header, or None when the file is not a whole image
    header (a renamed file, a truncated upload): a check of content beyond the first bytes."""
    if data.startswith(KINDS["png"][0]):
        if len(data) >= 24 and data[12:16] == b"IHDR":
            width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
            return (width, height) if width and height else None
        return None
    if not data.startswith(b"\xff\xd8"):
        return None
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # markers without a length
            at += 2
            continue
        length = int.from_bytes(data[at + 2:at + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # start of frame
            if at + 9 > len(data):
                return None
            height, width = int.from_bytes(data[at + 5:at + 7], "big"), int.from_bytes(data[at + 7:at + 9], "big")
            return (width, height) if width and height else None
        if length < 2:
            return None
        at += 2 + length
    return None


def path(name: str, *where: str) -> Path:
    """The stored file, refusing any name that is not one ``save`` could have made."""
    if not (len(name) == 28 and name[:24].isalnum() and name[24:] in {k[1] for k in KINDS.values()}):
        raise FileNotFoundError(name)
    return folder(*where) / name


PRIVATE = "no-store, private"


def send_private(file_path: Path, **kwargs) -> Response:
    """Serve an access-controlled file with ``Cache-Control: no-store, private`` (FileNotFoundError if
    it is gone). Takes ``send_file``'s arguments (mimetype, as_attachment, download_name)."""
    if not Path(file_path).is_file():
        raise FileNotFoundError(file_path)
    response = send_file(file_path, max_age=0, conditional=False, etag=False, **kwargs)
    response.headers["Cache-Control"] = PRIVATE
    response.headers["Pragma"] = "no-cache"
    return response


def send_public(file_path: Path, max_age: int = 3600, **kwargs) -> Response:
    """Serve a file anyone may see (a published announcement's PDF, a public map's site photo), cacheable
    for ``max_age`` seconds (FileNotFoundError if it is gone). Takes ``send_file``'s other arguments."""
    if not Path(file_path).is_file():
        raise FileNotFoundError(file_path)
    return send_file(file_path, max_age=max_age, **kwargs)


# ----------------------------------------------------------------- files of a rejected form, kept
# A form refused for another field (a missing address) is shown again with the files already chosen kept:
# each is checked and stored in the scratch folder ``held``, and the page carries a signed token for it
# (hidden input ``held-<field>``) instead of asking to choose it again. A token names the stored file, the
# field and the person it was made for, and expires after HELD_MAX_AGE seconds; `egovkit files expire`
# removes the files with the other scratch files.
HELD = "held"
HELD_MAX_AGE = 3600


class Kept(NamedTuple):
    token: str
    filename: str  # as the person chose it, for the page only (never a path)


class HeldFile(FileStorage):
    """A kept file, read back like a fresh upload (``save`` takes it)."""

    kept: Kept
    held_path: Path


def _serializer():
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(current_app.secret_key, salt="egovkit.uploads.held")


def _person() -> int | None:
    from flask_login import current_user

    return current_user.id if current_user.is_authenticated else None


def hold(storage, field: str, *, kinds: tuple[str, ...] = ("jpg", "png"), max_bytes: int = 5 * 1024 * 1024) -> Kept:
    """Keep a file chosen in a form that is shown again; raises UploadError when the file itself is refused."""
    if isinstance(storage, HeldFile):
        return storage.kept
    if hasattr(storage.stream, "seek"):
        storage.stream.seek(0)  # a file already read by a save that was then undone
    name = save(storage, SCRATCH, HELD, kinds=kinds, max_bytes=max_bytes)
    filename = Path(str(storage.filename or "")).name[:100] or name
    return Kept(_serializer().dumps([name, filename, field, _person()]), filename)


def held(form, field: str) -> list[HeldFile]:
    """The files kept for ``field`` from the form shown before (valid tokens of this person only)."""
    import io

    from itsdangerous import BadData

    out = []
    for token in form.getlist(f"held-{field}")[:20]:
        try:
            name, filename, where, person = _serializer().loads(token, max_age=HELD_MAX_AGE)
            stored = path(name, SCRATCH, HELD)
        except (BadData, FileNotFoundError, ValueError, TypeError):
            continue
        if where != field or person != _person() or not stored.is_file():
            continue
        kept = HeldFile(stream=io.BytesIO(stored.read_bytes()), filename=filename)
        kept.kept, kept.held_path = Kept(token, filename), stored
        out.append(kept)
    return out


def chosen(files, form, field: str) -> list[FileStorage]:
    """The files for ``field``: those chosen now, else those kept from the form shown before."""
    fresh = [f for f in files.getlist(field) if f and f.filename]
    return fresh or held(form, field)


def release(storages) -> None:
    """Remove the kept copies once what they were kept for is saved."""
    for storage in storages:
        if isinstance(storage, HeldFile):
            storage.held_path.unlink(missing_ok=True)


def private_bytes(data: bytes, mimetype: str, name: str) -> Response:
    """A file made for this request (a register book, a disbursement list) as a download that is never
    cached: ``Cache-Control: no-store, private``, like ``send_private``."""
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = PRIVATE
    response.headers["Pragma"] = "no-cache"
    return response
