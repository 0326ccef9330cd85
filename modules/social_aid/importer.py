"""DTSEN/BNBA decile import (docs/social-aid.md, "Decile file"): one row per household or person, upserted by
KK (else NIK); a row older than the data held is refused, the same data again is unchanged."""
from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select

from egovkit.db import db
from egovkit.i18n import N_
from egovkit.models import utcnow
from egovkit.services.csvimport import RowError, Summary, run, xlsx_to_csv

from .models import Decile

COLUMNS = ("no_kk", "nik", "desil", "tanggal_data")  # required; kode_desa is optional
DIGITS16 = re.compile(r"[0-9]{16}")
VILLAGE = re.compile(r"[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}")


def _number(row: dict, column: str) -> str | None:
    value = row.get(column, "")
    if not value:
        return None
    if not DIGITS16.fullmatch(value):
        raise RowError("not_16_digits", N_("%(value)r is not 16 digits"), field=column, value=value[:40])
    return value


def _date(text: str) -> date:
    for parse in (date.fromisoformat, lambda t: datetime.strptime(t, "%d-%m-%Y").date(),
                  lambda t: datetime.strptime(t, "%d/%m/%Y").date()):
        try:
            return parse(text)
        except ValueError:
            continue
    raise RowError("not_a_date", N_("%(value)r is not a date (YYYY-MM-DD or DD-MM-YYYY)"), field="tanggal_data",
                   value=text[:40])


def parse(row: dict, line: int) -> dict:
    kk, nik = _number(row, "no_kk"), _number(row, "nik")
    if kk is None and nik is None:
        raise RowError("no_key", N_("give the KK number or the NIK"), field="no_kk")
    raw = row.get("desil", "")
    if not raw.isdigit() or not 1 <= int(raw) <= 10:
        raise RowError("not_a_decile", N_("%(value)r is not a decile from 1 to 10"), field="desil", value=raw[:40])
    day = _date(row.get("tanggal_data", ""))
    if day > date.today():
        raise RowError("future", N_("%(value)s is in the future"), field="tanggal_data", value=day.isoformat())
    village = row.get("kode_desa", "") or None
    if village is not None and not VILLAGE.fullmatch(village):
        raise RowError("not_a_village", N_("%(value)r is not a desa code (e.g. 35.10.01.2001)"), field="kode_desa",
                       value=village[:40])
    return {"kk": kk, "nik": nik, "decile": int(raw), "data_date": day, "village": village, "line": line}


class Writer:
    """Upsert a batch. Rules: the key is the KK when given, else the NIK; newer or equal data replaces; older
    data than held is refused (its line goes to ``older``); identical data is unchanged."""

    def __init__(self, source: str):
        self.source = source[:120]
        self.older: list[tuple[int, date]] = []

    def __call__(self, batch: list[dict]) -> tuple[int, int]:
        written = unchanged = 0
        latest: dict[tuple, dict] = {}
        for rec in batch:  # within one file the later row of the same key wins
            latest[("kk", rec["kk"]) if rec["kk"] else ("nik", rec["nik"])] = rec
        kks = [v for k, v in latest if k == "kk"]
        niks = [v for k, v in latest if k == "nik"]
        held = {("kk", d.kk): d for d in db.session.scalars(select(Decile).where(Decile.kk.in_(kks)))} if kks else {}
        held.update({("nik", d.nik): d for d in db.session.scalars(
            select(Decile).where(Decile.nik.in_(niks), Decile.kk.is_(None)))} if niks else {})
        now = utcnow()
        for key, rec in latest.items():
            row = held.get(key)
            if row is None:
                db.session.add(Decile(kk=rec["kk"], nik=rec["nik"], decile=rec["decile"], data_date=rec["data_date"],
                                      village_code=rec["village"], source=self.source, imported_at=now))
                written += 1
            elif rec["data_date"] < row.data_date:
                self.older.append((rec["line"], row.data_date))  # kept as held: counted unchanged
                unchanged += 1
            elif rec["data_date"] == row.data_date and rec["decile"] == row.decile and \
                    rec["village"] in (None, row.village_code):
                unchanged += 1
            else:
                row.decile, row.data_date, row.source, row.imported_at = (rec["decile"], rec["data_date"],
                                                                          self.source, now)
                row.village_code = rec["village"] or row.village_code
                if rec["nik"] and row.nik is None:
                    row.nik = rec["nik"]
                written += 1
        db.session.flush()
        return written, unchanged


def import_file(path: Path, *, translate: bool = False, source: str | None = None) -> tuple[Summary, list]:
    """Import a decile CSV or XLSX (its first sheet); returns the summary and the (line, date held) of rows older
    than the data held. The rejects go to FILE.rejects.csv beside it."""
    writer = Writer(source or path.name)
    rejects = path.with_name(path.stem + ".rejects.csv")
    read = path
    if path.suffix.lower() == ".xlsx":
        read = path.with_name(path.stem + ".xlsx.csv")
        xlsx_to_csv(path, read)
    try:
        summary = run(read, columns=COLUMNS, parse=parse, write=writer, audit_as=("social_aid", "social_aid_decile"),
                      translate=translate, rejects=rejects)
    finally:
        if read != path:
            read.unlink(missing_ok=True)
    return summary, writer.older
