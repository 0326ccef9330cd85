"""Versioned code lists: each list (regions, ...) held by edition, with its source and decree.

The kit bundles its editions in egovkit/data/codelists.yaml, a module its own in
the manifest its Module names (`codelists`); a regency can add a newer edition before the kit ships it by listing more manifests of the same shape in
EGOVKIT_CODELISTS (paths separated by os.pathsep; files are relative to their
manifest). An instance records which edition of each list it uses in
core_codelist_edition, one row per change, so the edition any record was made
under is the one in force at its creation time. Changes between two editions are
crosswalk files (old_code,new_code; a code split has several rows, a merge several
old codes with one new code), listed under the newer edition's `changes`.
"""
from __future__ import annotations

import csv
import gzip
import io
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

ENV = "EGOVKIT_CODELISTS"


@dataclass(frozen=True)
class Edition:
    list_name: str
    id: str
    title: str
    decree: str
    source: str
    licence: str
    valid_from: str | None
    valid_until: str | None
    file: str  # relative to egovkit/data, or to its manifest (base)
    changes: dict[str, str] = field(default_factory=dict)  # earlier edition id -> crosswalk file
    base: Path | None = None

    def read_bytes(self, name: str | None = None) -> bytes:
        name = name or self.file
        if self.base is None:
            return resources.files("egovkit").joinpath("data", name).read_bytes()
        return (self.base / name).read_bytes()

    def rows(self, name: str | None = None):
        """The edition's rows (a CSV, gzipped or not), header first."""
        blob = self.read_bytes(name)
        if blob[:2] == b"\x1f\x8b":
            blob = gzip.decompress(blob)
        return csv.reader(io.StringIO(blob.decode("utf-8-sig")))


@dataclass(frozen=True)
class CodeList:
    name: str
    title: str
    default: str
    editions: dict[str, Edition]


def _parse(doc: dict, base: Path | None) -> dict[str, CodeList]:
    out = {}
    for name, spec in (doc or {}).items():
        editions = {}
        for eid, e in spec.get("editions", {}).items():
            eid = str(eid)
            editions[eid] = Edition(
                list_name=name, id=eid, title=e.get("title", eid), decree=e.get("decree", ""),
                source=e.get("source", ""), licence=e.get("licence", ""),
                valid_from=_s(e.get("valid_from")), valid_until=_s(e.get("valid_until")),
                file=e["file"],
                changes={str(k): v for k, v in (e.get("changes") or {}).items()}, base=base)
        out[name] = CodeList(name, spec.get("title", name), str(spec.get("default", "")), editions)
    return out


def _s(value) -> str | None:
    return None if value is None else str(value)


@lru_cache(maxsize=8)
def _registry(extra: str) -> dict[str, CodeList]:
    text = resources.files("egovkit").joinpath("data/codelists.yaml").read_text(encoding="utf-8")
    lists = _parse(yaml.safe_load(text), None)
    for item in filter(None, extra.split(os.pathsep)):
        path = Path(item)
        for name, more in _parse(yaml.safe_load(path.read_text(encoding="utf-8")), path.parent).items():
            if name in lists:  # extra editions join the bundled ones; the bundled default stays
                merged = {**lists[name].editions, **more.editions}
                lists[name] = CodeList(name, lists[name].title, lists[name].default, merged)
            else:
                lists[name] = more
    return lists


def _module_manifests() -> tuple[Path, ...]:
    from ..modules import available

    return tuple(m.root / m.codelists for m in sorted(available().values(), key=lambda m: m.name) if m.codelists)


def registry() -> dict[str, CodeList]:
    """Every list: the core's, the modules' and the extra manifests'."""
    return _registry(os.pathsep.join([*(str(p) for p in _module_manifests()), os.environ.get(ENV, "")]))


def get(list_name: str) -> CodeList:
    if "." in list_name:  # a module's list (module.list): its manifest and any extra editions of it
        return registry()[list_name]
    lists = _registry(os.environ.get(ENV, ""))  # the core's lists need no module discovery (init stays fast)
    return lists[list_name] if list_name in lists else registry()[list_name]


def edition(list_name: str, edition_id: str | None = None) -> Edition:
    """An edition of a list (its default if none is named); KeyError names the known ones."""
    codelist = get(list_name)
    eid = edition_id or codelist.default
    if eid not in codelist.editions:
        raise KeyError(f"{list_name} has no edition {eid!r} (known: {', '.join(codelist.editions)})")
    return codelist.editions[eid]


def crosswalk(list_name: str, from_id: str, to_id: str) -> dict[str, list[str]]:
    """old code -> new codes from one edition to a later one, following the chain of `changes`."""
    if from_id == to_id:
        return {}
    target = edition(list_name, to_id)
    for earlier, name in target.changes.items():
        rows = target.rows(name)
        next(rows, None)  # header
        step: dict[str, list[str]] = {}
        for old, new in rows:
            step.setdefault(old, []).append(new)
        if earlier == from_id:
            return step
        try:
            before = crosswalk(list_name, from_id, earlier)
        except LookupError:
            continue
        out = {}
        for old, news in before.items():
            out[old] = [n2 for n in news for n2 in step.get(n, [n])]
        for old, news in step.items():
            out.setdefault(old, news)
        return out
    raise LookupError(f"no crosswalk of {list_name} from edition {from_id} to {to_id}")


# ---------------------------------------------------------------- the instance's editions
def instance_edition(list_name: str) -> str | None:
    """The edition this instance uses (None before any was recorded)."""
    from sqlalchemy.exc import DBAPIError

    from ..db import db
    from ..models import CodeListEdition

    try:
        return db.session.scalar(db.select(CodeListEdition.edition).where(CodeListEdition.list_name == list_name)
                                 .order_by(CodeListEdition.id.desc()).limit(1))
    except DBAPIError:  # a database not yet migrated to core_0020
        db.session.rollback()
        return None


def record_defaults() -> list[str]:
    """Record the default edition of every list (the core's, enabled modules') not yet recorded here."""
    from ..db import db
    from ..models import CodeListEdition

    from flask import current_app

    enabled = {m.name for m in current_app.extensions["egovkit"].modules}
    have = set(db.session.scalars(db.select(CodeListEdition.list_name).distinct()))
    added = []
    for name, codelist in registry().items():
        owner = name.split(".", 1)[0] if "." in name else None  # a module's lists are named module.list
        if name not in have and codelist.default and (owner is None or owner in enabled):
            record(name, codelist.default, note="default")
            added.append(f"{name} {codelist.default}")
    return added


def record(list_name: str, edition_id: str, note: str = "") -> None:
    """Record that this instance now uses an edition (the caller commits)."""
    from ..db import db
    from ..models import CodeListEdition

    edition(list_name, edition_id)  # must exist
    db.session.add(CodeListEdition(list_name=list_name, edition=edition_id, note=note[:200],
                                   applied_at=datetime.now(timezone.utc)))
