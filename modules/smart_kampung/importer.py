"""Residents from CSV (columns in docs/residents-csv.md): checked row by row,
upserted by NIK in batches, so re-importing a file changes nothing."""
from __future__ import annotations

import functools
import itertools
import operator
import sqlite3
from datetime import date, datetime
from pathlib import Path
from typing import Callable, NamedTuple

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from egovkit.services import audit
from egovkit.auth.nik import NikError, check_kk, check_nik
from egovkit.services.csvimport import RowError, Summary, run
from egovkit.db import db
from egovkit.i18n import N_
from egovkit.models import Region, utcnow

from . import codes
from .models import Family, Resident

COLUMNS = ("nik", "nama", "jenis_kelamin", "tempat_lahir", "tanggal_lahir", "agama", "pendidikan", "pekerjaan",
           "status_perkawinan", "hubungan_keluarga", "no_kk", "alamat", "rt", "rw", "kode_desa", "status")
_RESIDENT_FIELDS = ("name", "name_key", "sex", "birth_place", "birth_date", "religion", "education", "occupation",
                    "marital_status", "relation", "village_code", "address", "rt", "rw", "status")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)  # the common case, far faster than strptime
    except ValueError:
        pass
    for pattern in ("%d-%m-%Y", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise RowError("not_a_date", N_("%(value)r is not a date (YYYY-MM-DD or DD-MM-YYYY)"), field="tanggal_lahir",
                   value=text)


def _choice(row: dict, column: str, allowed, known: dict) -> str:
    """The value in its canonical form; ``known`` remembers accepted spellings (a column has few)."""
    raw = row[column]
    value = known.get(raw)
    if value is not None:
        return value
    value = " ".join(raw.upper().split())
    if value not in allowed:
        raise RowError("not_allowed", N_("%(value)r is not one of %(allowed)s"), field=column, value=raw,
                       allowed=", ".join(allowed))
    if len(known) < 1000:  # a hostile file cannot make it grow without end
        known[raw] = value
    return value


def _required(row: dict, column: str, limit: int) -> str:
    value = " ".join(row[column].split())
    if not value:
        raise RowError("empty", N_("empty"), field=column)
    if len(value) > limit:
        raise RowError("too_long", N_("longer than %(limit)s characters"), field=column, limit=limit)
    return value


def _neighbourhood(row: dict, column: str, known: dict) -> str:
    raw = row[column]
    value = known.get(raw)
    if value is not None:
        return value
    value = raw.lstrip("0") or "0"
    if not (value.isascii() and value.isdigit()) or len(value) > 3:
        raise RowError("not_a_number", N_("%(value)r is not a number of at most 3 digits"), field=column,
                       value=raw)
    value = value.zfill(3)
    if len(known) < 1000:  # as in _choice: few distinct values, bounded all the same
        known[raw] = value
    return value


def _nik_error(exc: NikError, column: str) -> RowError:
    """A NIK/KK problem as a row's reason: code ``nik_<NikError code>``, the same message and parameters."""
    return RowError(f"nik_{exc.code}", exc.message, field=column, **exc.params)


class Parser:
    def __init__(self, villages: set[str], only_village: str | None, nik_optional: bool = False):
        self.villages = villages
        self.only_village = only_village
        self.nik_optional = nik_optional  # a form correcting a newborn still without a NIK
        self.today = date.today()  # once per import, not twice per row
        self.known = {column: {} for column in ("jenis_kelamin", "status", "agama", "pendidikan",
                                                "status_perkawinan", "hubungan_keluarga", "rt", "rw")}
        self.last_kk = None  # a family's members are usually consecutive: their KK is checked once

    def __call__(self, row: dict, line: int) -> dict:
        village = row.get("kode_desa") or self.only_village or ""
        if self.only_village and village != self.only_village:
            raise RowError("other_village", N_("%(village)s is not the village being imported (%(only)s)"),
                           field="kode_desa", village=village, only=self.only_village)
        if village not in self.villages:
            raise RowError("unknown_village", N_("%(village)r is not a desa/kelurahan of this instance"),
                           field="kode_desa", village=village)
        known = self.known
        sex = _choice(row, "jenis_kelamin", codes.SEXES, known["jenis_kelamin"])
        born = _date(row["tanggal_lahir"])
        try:
            if row["nik"] or not self.nik_optional:
                check_nik(row["nik"], born, sex, self.today)
        except NikError as exc:
            raise _nik_error(exc, "nik") from None
        kk = row["no_kk"]
        if kk and kk != self.last_kk:
            try:
                check_kk(kk, self.today)
            except NikError as exc:
                raise _nik_error(exc, "no_kk") from None
            self.last_kk = kk
        if self.only_village:
            self._not_elsewhere(row["nik"], kk)
        name = _required(row, "nama", 120)
        status = _choice(row, "status", codes.STATUSES, known["status"]) if row["status"] else "HIDUP"
        return {
            "nik": row["nik"] or None, "name": name, "name_key": name.lower(), "sex": sex,
            "birth_place": _required(row, "tempat_lahir", 60), "birth_date": born,
            "religion": _choice(row, "agama", codes.RELIGIONS, known["agama"]),
            "education": _choice(row, "pendidikan", codes.EDUCATION, known["pendidikan"]),
            "occupation": _required(row, "pekerjaan", 60),
            "marital_status": _choice(row, "status_perkawinan", codes.MARITAL, known["status_perkawinan"]),
            "relation": _choice(row, "hubungan_keluarga", codes.RELATIONS, known["hubungan_keluarga"]),
            "kk": kk or None, "village_code": village, "address": _required(row, "alamat", 200),
            "rt": _neighbourhood(row, "rt", known["rt"]), "rw": _neighbourhood(row, "rw", known["rw"]),
            "status": codes.STATUSES[status],
        }

    def _not_elsewhere(self, nik: str, kk: str | None) -> None:
        """A one-village import (an operator's upload, --desa) may not take over another village's resident or
        family: moving between villages is recorded where the person lives now, not by a file elsewhere."""
        where = db.session.scalar(select(Resident.village_code).where(Resident.nik == nik))
        if where is not None and where != self.only_village:
            raise RowError("nik_elsewhere", N_("NIK %(nik)s is registered in another village (%(village)s)"),
                           field="nik", nik=nik, village=where)
        if kk:
            where = db.session.scalar(select(Family.village_code).where(Family.kk_number == kk))
            if where is not None and where != self.only_village:
                raise RowError("kk_elsewhere", N_("KK %(kk)s is registered in another village (%(village)s)"),
                               field="no_kk", kk=kk, village=where)


_FORM_CHECKS = (("nama", lambda row, known: _required(row, "nama", 120)),
                ("tempat_lahir", lambda row, known: _required(row, "tempat_lahir", 60)),
                ("pekerjaan", lambda row, known: _required(row, "pekerjaan", 60)),
                ("alamat", lambda row, known: _required(row, "alamat", 200)),
                ("jenis_kelamin", lambda row, known: _choice(row, "jenis_kelamin", codes.SEXES, known)),
                ("agama", lambda row, known: _choice(row, "agama", codes.RELIGIONS, known)),
                ("pendidikan", lambda row, known: _choice(row, "pendidikan", codes.EDUCATION, known)),
                ("status_perkawinan", lambda row, known: _choice(row, "status_perkawinan", codes.MARITAL, known)),
                ("hubungan_keluarga", lambda row, known: _choice(row, "hubungan_keluarga", codes.RELATIONS, known)),
                ("tanggal_lahir", lambda row, known: _date(row["tanggal_lahir"])),
                ("rt", lambda row, known: _neighbourhood(row, "rt", known)),
                ("rw", lambda row, known: _neighbourhood(row, "rw", known)))


def check_one(row: dict, village: str, nik_optional: bool = False) -> tuple[dict | None, dict[str, RowError]]:
    """One resident typed in a form (CSV column -> text), checked as an import of ``village`` would check
    its row: (the record, {}) or (None, {column: reason}) with every field's first problem."""
    row = {c: (row.get(c) or "").strip() for c in COLUMNS}
    row["kode_desa"] = village
    errors: dict[str, RowError] = {}
    for column, check in _FORM_CHECKS:
        try:
            check(row, {})
        except RowError as exc:
            errors[column] = exc
    for column, checker in (("nik", check_nik), ("no_kk", check_kk)):
        if row[column] or (column == "nik" and not nik_optional):
            try:
                checker(row[column])
            except NikError as exc:
                errors[column] = _nik_error(exc, column)
    if errors:
        return None, errors
    try:  # the checks across fields (NIK against birth date and sex, another village's NIK or KK)
        return Parser({village}, village, nik_optional)(row, 0), {}
    except RowError as exc:
        return None, {exc.field or "nik": exc}


class _Upsert(NamedTuple):
    sql: str  # one row, in the driver's own parameter style
    values: Callable | None  # record -> parameter tuple, for a positional style (None: the dict itself)
    rows_sql: Callable[[int], str] | None  # SQLite: the same statement with n rows in its VALUES


_UPSERTS: dict[tuple, _Upsert] = {}
_FAMILY_FIELDS = ("village_code", "address", "rt", "rw")


def _upsert(dialect, table, key: str, compared: tuple[str, ...], stamp: str | None = None) -> _Upsert:
    """``table``'s upsert by ``key``, compiled once per dialect: insert, or update only when a compared column
    differs (so an unchanged row is neither written nor counted)."""
    cache_key = (table.name, dialect.name, dialect.driver, dialect.paramstyle, dialect.server_version_info)
    if cache_key not in _UPSERTS:
        _UPSERTS[cache_key] = _compile_upsert(dialect, table, key, compared, stamp)
    return _UPSERTS[cache_key]


def _compile_upsert(dialect, table, key, compared, stamp) -> _Upsert:
    columns = (key, *compared, *([stamp] if stamp else []))
    stmt = (postgresql.insert if dialect.name == "postgresql" else sqlite.insert)(table)
    stmt = stmt.values({c: bindparam(c) for c in columns}).on_conflict_do_update(
        index_elements=[key],
        set_={c: stmt.excluded[c] for c in (*compared, *([stamp] if stamp else []))},
        where=or_(*(table.c[c].is_distinct_from(stmt.excluded[c]) for c in compared)))
    compiled = stmt.compile(dialect=dialect)
    sql = str(compiled)
    values = operator.itemgetter(*compiled.positiontup) if compiled.positional else None
    rows_sql = None
    if dialect.name == "sqlite":
        # One statement per chunk of rows instead of one per row: with triggers on the table, SQLite opens a
        # statement journal for every execution, which cost more than the insert itself.
        head, rest = sql.split(" VALUES ", 1)
        group, tail = rest[:rest.index(")") + 1], rest[rest.index(")") + 1:]
        if group.count("?") != len(columns) or "?" in tail:
            raise RuntimeError(f"unexpected upsert for {table.name}: {sql}")
        rows_sql = functools.lru_cache(maxsize=4)(lambda n: f"{head} VALUES {', '.join([group] * n)}{tail}")
    return _Upsert(sql, values, rows_sql)


def _execute(upsert: _Upsert, params: list) -> int:
    """Run ``upsert`` for every parameter set in the session's transaction; the rows inserted or updated."""
    connection = db.session.connection()
    if upsert.rows_sql is None:
        # executemany on the driver: no per-row work in SQLAlchemy (psycopg pipelines it); both drivers add up
        # the rows of every execution
        return connection.exec_driver_sql(upsert.sql, params).rowcount
    width = len(params[0]) if params else 1
    limit = connection.connection.dbapi_connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    per_statement = max(1, limit // width)  # 999 variables on SQLite before 3.32, 32766 since
    changed = 0
    for start in range(0, len(params), per_statement):
        chunk = params[start:start + per_statement]
        changed += connection.exec_driver_sql(upsert.rows_sql(len(chunk)),
                                              tuple(itertools.chain.from_iterable(chunk))).rowcount
    return changed


def write(records: list[dict]) -> tuple[int, int]:
    """Upsert one batch of families and residents in the session's transaction; (written, unchanged)."""
    dialect = db.session.get_bind().dialect
    families = {}
    for r in records:
        if r["kk"] and r["kk"] not in families:
            families[r["kk"]] = {"kk_number": r["kk"], "village_code": r["village_code"], "address": r["address"],
                                 "rt": r["rt"], "rw": r["rw"]}
    ids = {}
    if families:
        upsert = _upsert(dialect, Family.__table__, "kk_number", _FAMILY_FIELDS)
        rows = list(families.values())
        _execute(upsert, list(map(upsert.values, rows)) if upsert.values else rows)
        ids = {kk: id_ for kk, id_ in db.session.execute(
            select(Family.kk_number, Family.id).where(Family.kk_number.in_(families)))}
    upsert = _upsert(dialect, Resident.__table__, "nik", (*_RESIDENT_FIELDS, "family_id"), stamp="updated_at")
    now, birth_date = _bind_processors(dialect)
    now = now(utcnow())
    for r in records:  # the parser's records are the resident rows but for "kk", turned into family_id here
        r["family_id"] = ids.get(r.pop("kk"))
        r["updated_at"] = now
        if birth_date:
            r["birth_date"] = birth_date(r["birth_date"])
    changed = _execute(upsert, list(map(upsert.values, records)) if upsert.values else records)
    return changed, len(records) - changed  # csvimport commits the batch with its audit entry


@functools.lru_cache(maxsize=8)
def _bind_processors(dialect) -> tuple[Callable, Callable | None]:
    """What SQLAlchemy itself would send for updated_at and birth_date (e.g. datetime -> text on SQLite)."""
    res = Resident.__table__

    def processor(column):
        return res.c[column].type.dialect_impl(dialect).bind_processor(dialect)

    return processor("updated_at") or (lambda value: value), processor("birth_date")


def import_file(path: Path, only_village: str | None = None, batch_size: int = 1000, progress=None,
                translate: bool = False, on_batch=None) -> Summary:
    """Import a residents file; reasons of refused rows in English, or with ``translate`` in the current UI
    language (egovkit.services.csvimport)."""
    villages = set(db.session.scalars(select(Region.code).where(Region.level == "village")))
    if only_village and only_village not in villages:
        raise RowError("unknown_village", N_("%(village)s is not a desa/kelurahan of this instance"), field="--desa",
                       village=only_village)
    columns = [c for c in COLUMNS if not (c == "kode_desa" and only_village)]
    def finish(summary):  # the whole import's entry, in its last batch's transaction
        audit.record("import", "smart_kampung", "smart_kampung_resident", None, file=path.name, rows=summary.rows,
                     written=summary.written, unchanged=summary.unchanged, rejected=summary.rejected)

    return run(path, columns=columns, parse=Parser(villages, only_village), write=write, batch_size=batch_size,
               progress=progress, translate=translate, on_batch=on_batch, finish=finish,
               audit_as=("smart_kampung", "smart_kampung_resident"))


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(Resident))
