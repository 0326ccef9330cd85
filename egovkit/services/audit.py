"""Append-only, hash-chained audit log.

Every create/update/delete of a mapped record made through the ORM, every
workflow decision, sign-in and bulk import becomes an entry. Each entry's
HMAC (keyed with the instance secret) covers its fields and the previous
entry's, so editing or deleting an entry breaks the chain at that point:
``egovkit audit verify`` names the first broken entry and prints the head
to keep elsewhere (a truncated tail is found by comparing heads). Entries are appended in the same transaction as the
change they describe; a one-row head table serialises writers.
"""
from __future__ import annotations

import contextvars
import hashlib
import hmac
import json
from datetime import datetime

from flask import current_app, has_request_context
from sqlalchemy import Integer, String, Text, event, insert, select, update
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Session, db
from ..models import as_utc, utcnow

GENESIS = "0" * 64
_actor: contextvars.ContextVar[tuple[int | None, str] | None] = contextvars.ContextVar("egovkit_audit_actor",
                                                                                      default=None)


class AuditEntry(db.Model):
    __tablename__ = "core_audit"
    __audit__ = False
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(40))
    module: Mapped[str] = mapped_column(String(64), index=True)
    record_type: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[str] = mapped_column(Text)  # JSON, hashed as stored
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(db.Model):
    __tablename__ = "core_audit_head"
    __audit__ = False
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


def set_actor(label: str | None, user_id: int | None = None) -> None:
    """Who acts outside a web request (e.g. 'cli:root', or a background job for a user); None resets."""
    _actor.set((user_id, label) if label else None)


def actor() -> tuple[int | None, str]:
    """(user id, label) of whoever acts now: the signed-in user, or the CLI/system actor."""
    return _who()


def _who() -> tuple[int | None, str]:
    if has_request_context():
        from flask_login import current_user

        if getattr(current_user, "is_authenticated", False):
            return current_user.id, current_user.login
        return None, "anonymous"
    return _actor.get() or (None, "system")


def _stamp(value: datetime) -> str:
    return as_utc(value).isoformat(timespec="microseconds")


def _key() -> bytes:
    # Keyed with the instance secret (a file outside the database): whoever can write the database
    # but not read the instance folder cannot recompute a chain after editing it.
    return hashlib.sha256(b"egovkit-audit:" + current_app.config["SECRET_KEY"].encode()).digest()


# ----------------------------------------------------------------- personal values
# Keys whose values are personal data (UU 27/2022 PDP): replaced by their digest once older than the
# profile's retention.audit_personal_years (`egovkit audit redact`). The chain does not depend on this
# list (it covers every value's digest), so it may grow without breaking old entries.
PERSONAL = frozenset({"nik", "kk_number", "no_kk", "phone", "email", "birth_date", "birth_place", "name",
                      "name_key", "address", "applicant_nik", "applicant_name", "applicant_nib", "holder",
                      "household", "child_name", "child_birth_date", "child_birth_place", "nama", "alamat"})
REDACTED = "redacted"  # a redacted value is stored as {"redacted": "<its digest>"}
V2 = "v2"  # entries whose hash covers the digest of each value (redactable); older ones cover the raw data


def value_digest(value) -> str:
    """The keyed digest of one value, which the chain covers instead of the value itself."""
    if isinstance(value, dict) and set(value) == {REDACTED}:
        return value[REDACTED]
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hmac.new(_key(), b"value:" + text.encode("utf-8"), hashlib.sha256).hexdigest()


def _digest_form(data: str) -> str:
    """The data as the chain covers it: each top-level value replaced by its digest, so a value can be
    redacted later (replaced by that same digest) and the entry still verifies."""
    try:
        values = json.loads(data)
    except ValueError:
        return data
    if not isinstance(values, dict):
        return json.dumps(value_digest(values))
    return json.dumps({k: value_digest(v) for k, v in values.items()}, sort_keys=True, separators=(",", ":"))


def entry_hash(seq, at, actor_id, actor, action, module, record_type, record_id, data, prev_hash,
               version: str = V2) -> str:
    covered = [seq, _stamp(at), actor_id, actor, action, module, record_type, record_id]
    if version == V2:
        covered += [V2, _digest_form(data), prev_hash]
    else:  # entries written before redaction existed hashed the data as stored
        covered += [data, prev_hash]
    payload = json.dumps(covered, ensure_ascii=False, separators=(",", ":"))
    return hmac.new(_key(), payload.encode("utf-8"), hashlib.sha256).hexdigest()


def _fields(entry) -> tuple:
    return (entry.seq, entry.at, entry.actor_id, entry.actor, entry.action, entry.module, entry.record_type,
            entry.record_id, entry.data, entry.prev_hash)


def hash_version(entry) -> str | None:
    """V2 or "v1" when the entry's content matches its hash, else None (edited)."""
    fields = _fields(entry)
    if hmac.compare_digest(entry_hash(*fields), entry.hash):
        return V2
    if REDACTED not in entry.data and hmac.compare_digest(entry_hash(*fields, version="v1"), entry.hash):
        return "v1"
    return None


def redact(session, before: datetime) -> tuple[int, int]:
    """Replace the personal values (PERSONAL keys) of entries made before ``before`` by their digest,
    keeping which fields changed, who and when; the chain still verifies. Records its own entry.
    Returns (entries redacted, older entries kept as they are because their hash covers the raw data)."""
    redacted = legacy = 0
    last = 0
    while True:
        batch = session.scalars(select(AuditEntry).where(AuditEntry.at < before, AuditEntry.seq > last)
                                .order_by(AuditEntry.seq).limit(1000)).all()
        if not batch:
            break
        for entry in batch:
            last = entry.seq
            try:
                values = json.loads(entry.data)
            except ValueError:
                continue
            if not isinstance(values, dict):
                continue
            personal = [k for k, v in values.items() if k in PERSONAL and v is not None
                        and not (isinstance(v, dict) and set(v) == {REDACTED})]
            if not personal:
                continue
            version = hash_version(entry)
            if version != V2:
                legacy += version == "v1"
                continue  # a v1 entry cannot be redacted without breaking the chain; an edited one is left
            for key in personal:
                values[key] = {REDACTED: value_digest(values[key])}
            session.execute(update(AuditEntry).where(AuditEntry.seq == entry.seq)
                            .values(data=json.dumps(values, ensure_ascii=False, sort_keys=True, default=str)))
            redacted += 1
        session.commit()
    record("redact", "core", "core_audit", None, before=before.isoformat(), entries=redacted, kept_v1=legacy)
    session.commit()
    return redacted, legacy


def _append(connection, entries: list[dict]) -> None:
    """Chain and insert entries (dicts without seq/hash) on this connection's transaction."""
    if not entries:
        return
    head = AuditHead.__table__
    connection.execute(update(head).where(head.c.id == 1).values(seq=head.c.seq))  # takes the write lock
    seq, prev = connection.execute(select(head.c.seq, head.c.hash).where(head.c.id == 1)).one()
    rows = []
    for entry in entries:
        seq += 1
        row = dict(entry, seq=seq, prev_hash=prev)
        row["hash"] = prev = entry_hash(seq, row["at"], row["actor_id"], row["actor"], row["action"], row["module"],
                                        row["record_type"], row["record_id"], row["data"], prev)
        rows.append(row)
    connection.execute(insert(AuditEntry.__table__), rows)
    connection.execute(update(head).where(head.c.id == 1).values(seq=seq, hash=prev))


def _entry(action: str, module: str, record_type: str, record_id, data: dict) -> dict:
    actor_id, actor = _who()
    return {"at": utcnow(), "actor_id": actor_id, "actor": actor[:120], "action": action, "module": module,
            "record_type": record_type, "record_id": None if record_id is None else str(record_id),
            "data": json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)}


def record(action: str, module: str, record_type: str, record_id=None, **data) -> None:
    """Add an entry (a decision, a sign-in ...) to the current transaction."""
    db.session.info.setdefault("egovkit_audit", []).append(_entry(action, module, record_type, record_id, data))


# ----------------------------------------------------------------- automatic entries
def _module_of(table: str) -> str:
    from ..modules import available

    for name in sorted(available(), key=len, reverse=True):
        if table.startswith(name + "_"):
            return name
    return "core"


def _identity(obj) -> str | None:
    ident = db.inspect(obj).mapper.primary_key_from_instance(obj)
    return None if all(i is None for i in ident) else ",".join(str(i) for i in ident)


def _values(obj, changed_only: bool) -> dict:
    state = db.inspect(obj)
    redact = getattr(type(obj), "__audit_redact__", ("password_hash",))
    out = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        history = state.attrs[key].history
        if changed_only:
            if not history.has_changes():
                continue
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            out[key] = ["***", "***"] if key in redact else [old, new]
        else:
            value = getattr(obj, key)
            out[key] = "***" if key in redact and value is not None else value
    return out


@event.listens_for(Session, "after_flush")
def _after_flush(session, _flush_context):
    entries = session.info.pop("egovkit_audit", [])
    for action, objects in (("create", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for obj in objects:
            if not isinstance(obj, db.Model) or getattr(type(obj), "__audit__", True) is False:
                continue
            if action == "update" and not session.is_modified(obj, include_collections=False):
                continue
            table = obj.__table__.name
            data = _values(obj, changed_only=action == "update")
            if action == "update" and not data:
                continue
            entries.append(_entry(action, _module_of(table), table, _identity(obj), data))
    _append(session.connection(), entries)


@event.listens_for(Session, "before_commit")
def _before_commit(session):
    # entries from record() with nothing flushed after them
    if session.info.get("egovkit_audit"):
        session.flush()
        if session.info.get("egovkit_audit"):
            _append(session.connection(), session.info.pop("egovkit_audit"))


# ----------------------------------------------------------------- verification
def verify(session, on_progress=None) -> tuple[int, str | None]:
    """(entries checked, None) when the chain holds, else the first problem."""
    prev, expected_seq, checked = GENESIS, 1, 0
    stmt = select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=2000)
    for entry in session.scalars(stmt):
        if entry.seq != expected_seq:
            return checked, f"entry #{expected_seq}: missing (the next one is #{entry.seq}): deleted?"
        if entry.prev_hash != prev:
            return checked, f"entry #{entry.seq}: does not follow entry #{entry.seq - 1}: an entry was replaced"
        if hash_version(entry) is None:
            return checked, f"entry #{entry.seq}: its content does not match its hash: edited"
        prev, expected_seq, checked = entry.hash, expected_seq + 1, checked + 1
        if on_progress and checked % 2000 == 0:
            on_progress(checked)
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq, head.hash) != (checked, prev):
        return checked, f"entry #{checked + 1}: missing (the log ends at #{checked}, the head says #{head.seq}): deleted?"
    return checked, None
