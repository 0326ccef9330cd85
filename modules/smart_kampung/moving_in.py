"""Moving a village's register in from OpenSID or a SIAK extract (docs/moving-in.md).

Neither is a second importer: each source's tables are read (egovkit.services.sourcetables),
their codes mapped to the register's values (data/siak-codes.yaml), and the result written
as the register's own residents CSV (importer.COLUMNS, plus a ``sumber`` column naming the
source row), which ``importer.import_file`` then imports with its checks, rejects file and
upsert by NIK, so importing the same source again changes nothing. A value that does not
map is written as it came, so the importer refuses that row with the value in the reason,
and the ``Report`` counts it per column and value."""
from __future__ import annotations

import csv
import re
from collections import Counter
from datetime import datetime
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

from egovkit.i18n import N_
from egovkit.services import sourcetables
from egovkit.services.csvimport import RowError

from . import importer

SOURCES = ("opensid", "siak")
OPENSID_TABLES = {"tweb_penduduk", "tweb_keluarga", "tweb_wil_clusterdesa", "tweb_penduduk_pekerjaan", "config",
                  "log_surat", "tweb_surat_format"}
# The letter history as converted from log_surat (one row per letter), imported after the residents
LETTER_COLUMNS = ("sumber", "id_pend", "nik", "url_surat", "jenis_surat", "nomor_surat", "tanggal", "penandatangan")
SIAK_TABLES = {"biodata_wni", "data_keluarga"}


@dataclass
class Report:
    """What a source held and what of it did not map."""

    source: str
    village: str | None = None
    tables: dict[str, int] = field(default_factory=dict)  # rows read per table
    unmapped: dict[str, Counter] = field(default_factory=dict)  # column -> value as written -> rows
    not_imported: dict[str, int] = field(default_factory=dict)  # what the register has no place for -> rows
    rows: int = 0  # rows written for the importer
    letters: Path | None = field(default=None, repr=False)  # the letter history converted (OpenSID's log_surat)
    letter_summary: object = field(default=None, repr=False)  # its import's csvimport.Summary
    seen: dict = field(default_factory=dict, repr=False)  # (column, value, source column) -> (answer, missed)

    def miss(self, column: str, value) -> None:
        self.unmapped.setdefault(column, Counter())[str(value) if value not in (None, "") else "(kosong)"] += 1

    def as_dict(self) -> dict:
        return {"source": self.source, "village": self.village, "tables": self.tables, "rows": self.rows,
                "unmapped": {c: dict(v.most_common(50)) for c, v in sorted(self.unmapped.items())},
                "not_imported": self.not_imported,
                "letters": None if self.letter_summary is None else {
                    "rows": self.letter_summary.rows, "written": self.letter_summary.written,
                    "unchanged": self.letter_summary.unchanged, "rejected": self.letter_summary.rejected,
                    "rejects": self.letter_summary.rejects_file.name if self.letter_summary.rejects_file else None}}


@lru_cache(maxsize=1)
def codes() -> dict:
    text = resources.files("egovkit_modules.smart_kampung").joinpath("data/siak-codes.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def _norm(text: str) -> str:
    return re.sub(r"\s*/\s*", "/", " ".join(str(text).upper().split()))


@lru_cache(maxsize=1)
def _by_name() -> dict[str, dict[str, str | None]]:
    """column -> normalised name (SIAK's, OpenSID's or the register's own) -> the register's value."""
    out = {}
    for column, entries in codes().items():
        if column == "pekerjaan":
            continue
        names = {}
        for name, ours in entries.values():
            names[_norm(name)] = ours
            if ours:
                names[_norm(ours)] = ours
        out[column] = names
    out["sex"].update({"LAKI LAKI": "L", "PRIA": "L", "WANITA": "P"})
    return out


def mapped(report: Report, column: str, value, source_column: str) -> str:
    """The register's value for a SIAK/OpenSID code or name; the value as written when it does not map.
    Answers are kept per report: a village has a handful of distinct codes and thousands of rows."""
    key = (column, value)
    known = report.seen.get(key)
    if known is None:
        known = report.seen[key] = _mapped(column, value)
    answer, missed = known
    if missed is not None:
        report.miss(source_column, missed)
    return answer


def _mapped(column: str, value) -> tuple[str, str | None]:
    """(the register's value, None), or (the value as written, what the report counts as not mapped)."""
    text = "" if value is None else str(value).strip()
    key = text.split(".")[0] if re.fullmatch(r"[0-9]+(\.0+)?", text) else None  # 4 or 4.0 (a spreadsheet)
    entries = codes()[column]
    if key is not None and int(key) in entries:
        name, ours = entries[int(key)]
        if ours:
            return ours, None
        return name, f"{key} ({name})"
    ours = _by_name()[column].get(_norm(text))
    if ours:
        return ours, None
    return text, text


def occupation(report: Report, value, names: dict[str, str], source_column: str) -> str:
    text = "" if value is None else str(value).strip()
    if re.fullmatch(r"[0-9]+", text):
        name = names.get(text) or codes()["pekerjaan"].get(int(text))
        if name and not name.isdigit():
            return name
        report.miss(source_column, text)
        return ""
    if not text:
        report.miss(source_column, text)
    return text


def _dotted(code: str | None) -> str | None:
    """A village code as the register writes it (35.10.01.2001) from Kemendagri's digits (3510012001)."""
    digits = re.sub(r"[^0-9]", "", code or "")
    if len(digits) != 10:
        return None
    return f"{digits[:2]}.{digits[2:4]}.{digits[4:6]}.{digits[6:]}"


def _birth_date(text) -> str:
    text = (text or "").strip()
    return text[:10] if re.match(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}", text) else text


def _writer(out: Path):
    handle = out.open("w", newline="", encoding="utf-8")
    writer = csv.DictWriter(handle, fieldnames=[*importer.COLUMNS, "sumber"], lineterminator="\n")
    writer.writeheader()
    return handle, writer


# ----------------------------------------------------------------- OpenSID
def convert_opensid(path: Path, village: str | None, out: Path, name: str | None = None) -> Report:
    """OpenSID's tables (a dump or a zip of CSV exports) as the register's residents CSV in ``out``.

    ``village`` is the operator's (an upload) or the one named on the command line; else OpenSID's
    ``config.kode_desa``. A dump of another village than the operator's is refused."""
    tables = sourcetables.read(path, OPENSID_TABLES, name)
    report = Report("opensid", tables={t: len(rows) for t, rows in tables.items() if rows})
    if not tables["tweb_penduduk"]:
        raise RowError("no_residents", N_("%(file)s: no rows of tweb_penduduk (OpenSID's residents table)"),
                       file=name or path.name)
    own = _dotted(next((r.get("kode_desa") for r in tables["config"] if r.get("kode_desa")), None))
    if village and own and own != village:
        raise RowError("other_village", N_("%(file)s is OpenSID of village %(found)s, not %(village)s"),
                       file=name or path.name, found=own, village=village)
    village = village or own
    if not village:
        raise RowError("no_village", N_("%(file)s names no village (config.kode_desa): give the village code"),
                       file=name or path.name)
    report.village = village
    families = {r["id"]: r for r in tables["tweb_keluarga"]}
    clusters = {r["id"]: r for r in tables["tweb_wil_clusterdesa"]}
    jobs = {r["id"]: r.get("nama") or "" for r in tables["tweb_penduduk_pekerjaan"]}
    if tables["log_surat"]:
        report.letters = out.with_name(out.name.removesuffix(".csv") + "-letters.csv")
        _convert_letters(tables, village, report)
    members = Counter(r.get("id_kk") for r in tables["tweb_penduduk"])
    empty = sum(1 for f in families if members.get(f, 0) == 0)
    if empty:
        report.not_imported["tweb_keluarga (no member in tweb_penduduk)"] = empty
    handle, writer = _writer(out)
    with handle:
        for r in tables["tweb_penduduk"]:
            family = families.get(r.get("id_kk") or "") or {}
            cluster = clusters.get(r.get("id_cluster") or "") or clusters.get(family.get("id_cluster") or "") or {}
            if r.get("id_kk") not in (None, "", "0") and not family:
                report.miss("tweb_penduduk.id_kk", r["id_kk"])
            if not cluster:
                report.miss("tweb_penduduk.id_cluster", r.get("id_cluster"))
            dusun = (cluster.get("dusun") or "").strip()
            address = (family.get("alamat") or r.get("alamat_sekarang") or "").strip() \
                or (f"Dusun {dusun.title()}" if dusun and dusun != "0" else "")
            writer.writerow({
                "nik": (r.get("nik") or "").split(".")[0], "nama": r.get("nama") or "",
                "jenis_kelamin": mapped(report, "sex", r.get("sex"), "tweb_penduduk.sex"),
                "tempat_lahir": r.get("tempatlahir") or "", "tanggal_lahir": _birth_date(r.get("tanggallahir")),
                "agama": mapped(report, "agama", r.get("agama_id"), "tweb_penduduk.agama_id"),
                "pendidikan": mapped(report, "pendidikan", r.get("pendidikan_kk_id"), "tweb_penduduk.pendidikan_kk_id"),
                "pekerjaan": occupation(report, r.get("pekerjaan_id"), jobs, "tweb_penduduk.pekerjaan_id"),
                "status_perkawinan": mapped(report, "status_kawin", r.get("status_kawin"), "tweb_penduduk.status_kawin"),
                "hubungan_keluarga": mapped(report, "hubungan", r.get("kk_level"), "tweb_penduduk.kk_level"),
                "no_kk": (family.get("no_kk") or "").strip(), "alamat": address,
                "rt": (cluster.get("rt") or "").strip(), "rw": (cluster.get("rw") or "").strip(),
                "kode_desa": village,
                "status": mapped(report, "status_dasar", r.get("status_dasar") or "1", "tweb_penduduk.status_dasar"),
                "sumber": f"tweb_penduduk.id={r.get('id')}"})
            report.rows += 1
    return report


def _convert_letters(tables: dict, village: str, report: Report) -> None:
    """OpenSID's log_surat as the letter history's CSV (``report.letters``): one row per letter it printed, its
    resident's NIK through tweb_penduduk.id, its format's identifier and name from tweb_surat_format. A draft
    (status 0, OpenSID 23xx) or a deleted letter (deleted_at) was not issued: counted, not converted."""
    niks = {r["id"]: (r.get("nik") or "").split(".")[0] for r in tables["tweb_penduduk"]}
    formats = {r["id"]: r for r in tables["tweb_surat_format"]}
    skipped = 0
    with report.letters.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=LETTER_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for r in tables["log_surat"]:
            if (r.get("status") or "").strip() == "0" or (r.get("deleted_at") or "").strip() not in (
                    "", "0000-00-00 00:00:00"):
                skipped += 1
                continue
            form = formats.get(r.get("id_format_surat") or "") or {}
            person = (r.get("id_pend") or "").strip()
            writer.writerow({
                "sumber": f"log_surat.id={r.get('id')}", "id_pend": person if person not in ("0",) else "",
                "nik": niks.get(person, ""), "url_surat": (form.get("url_surat") or "").strip(),
                "jenis_surat": (form.get("nama") or "").strip(),
                "nomor_surat": (r.get("no_surat") or "").strip(), "tanggal": (r.get("tanggal") or "").strip(),
                "penandatangan": (r.get("nama_pamong") or "").strip()})
    if skipped:
        report.not_imported["log_surat (draft or deleted in OpenSID)"] = skipped


@lru_cache(maxsize=1)
def opensid_letter_types() -> dict[str, str]:
    """OpenSID's letter formats (url_surat) that are one of the kit's letter types (data/opensid-letters.yaml)."""
    text = resources.files("egovkit_modules.smart_kampung").joinpath("data/opensid-letters.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def _title_key(text: str) -> str:
    text = _norm(text)
    return text.removeprefix("SURAT ").strip()


def letter_type_of(url: str, name: str, types: dict) -> str | None:
    """The kit's letter type (a key of ``types``, the profile's) for an OpenSID format, by its identifier,
    else by its name against the types' Indonesian titles; None when none matches."""
    key = opensid_letter_types().get(url)
    if key in types:
        return key
    wanted = _title_key(name)
    return next((k for k, t in types.items() if wanted and _title_key(t.title.get("id", "")) == wanted), None)


def import_letters(path: Path, village: str, types: dict, translate: bool = False):
    """Import the converted letter history into ``village``'s residents' records (upsert by source row, so a
    re-import is a no-op); a letter whose resident is not in the village's register is refused with the
    reason, in a rejects file beside ``path``. A csvimport.Summary."""
    from egovkit.db import db
    from egovkit.services import audit
    from egovkit.services.csvimport import run
    from sqlalchemy import select

    from .models import LetterHistory, Resident

    with path.open(encoding="utf-8", newline="") as handle:
        wanted = {r["nik"] for r in csv.DictReader(handle) if r["nik"]}
    residents = {}
    for chunk in (sorted(wanted)[i:i + 500] for i in range(0, len(wanted), 500)):
        residents.update((nik, (id_, code)) for nik, id_, code in db.session.execute(
            select(Resident.nik, Resident.id, Resident.village_code).where(Resident.nik.in_(chunk))))

    def parse(row: dict, line: int) -> dict:
        if not row["id_pend"]:
            raise RowError("not_resident", N_("a letter for someone who is not a resident (OpenSID's letter for a "
                                              "non-resident): the register has no one to keep it for"),
                           field="id_pend")
        if not row["nik"]:
            raise RowError("no_resident", N_("%(id)s is not in tweb_penduduk"), field="id_pend", id=row["id_pend"])
        found = residents.get(row["nik"])
        if found is None or found[1] != village:
            raise RowError("resident_not_imported", N_("NIK %(nik)s is not in the register of %(village)s (the "
                                                       "resident's row was not imported)"), field="nik",
                           nik=row["nik"], village=village)
        if not row["jenis_surat"]:
            raise RowError("no_format", N_("the letter's format is not in tweb_surat_format"),
                           field="url_surat")
        try:
            issued = datetime.strptime(row["tanggal"][:10], "%Y-%m-%d").date()
        except ValueError:
            raise RowError("bad_date", N_("'%(value)s' is not a date (YYYY-MM-DD)"), field="tanggal",
                           value=row["tanggal"]) from None
        return {"source_key": f"opensid:{village}:{row['sumber'].replace('.id=', '.')}", "resident_id": found[0],
                "village_code": village, "letter_type": letter_type_of(row["url_surat"], row["jenis_surat"], types),
                "kind": row["jenis_surat"][:100], "number": row["nomor_surat"][:40], "issued_on": issued,
                "signer": row["penandatangan"][:100] or None}

    def write(records: list[dict]) -> tuple[int, int]:
        dialect = db.session.get_bind().dialect
        table = LetterHistory.__table__
        upsert = importer._upsert(dialect, table, "source_key", _HISTORY_FIELDS)
        to_date = table.c.issued_on.type.dialect_impl(dialect).bind_processor(dialect)
        if to_date:
            for r in records:
                r["issued_on"] = to_date(r["issued_on"])
        changed = importer._execute(upsert, list(map(upsert.values, records)) if upsert.values else records)
        return changed, len(records) - changed

    def finish(summary):
        audit.record("import", "smart_kampung", "smart_kampung_letter_history", None, file=path.name,
                     rows=summary.rows, written=summary.written, unchanged=summary.unchanged,
                     rejected=summary.rejected)

    return run(path, columns=LETTER_COLUMNS, parse=parse, write=write, translate=translate, finish=finish,
               audit_as=("smart_kampung", "smart_kampung_letter_history"))


_HISTORY_FIELDS = ("resident_id", "village_code", "letter_type", "kind", "number", "issued_on", "signer")


# ----------------------------------------------------------------- SIAK
SIAK_COLUMNS = ("nik", "no_kk", "nama_lgkp", "jenis_klmin", "tmpt_lhr", "tgl_lhr", "agama", "pddk_akh",
                "jenis_pkrjn", "stat_kwn", "stat_hbkel")
# Spellings of the same column in extracts (the web service's, older exports')
SIAK_ALIASES = {"status_kawin": "stat_kwn", "pendidikan_akhir": "pddk_akh", "jenis_pekerjaan": "jenis_pkrjn",
                "nama_lengkap": "nama_lgkp", "jenis_kelamin": "jenis_klmin", "tempat_lahir": "tmpt_lhr",
                "tanggal_lahir": "tgl_lhr", "rt": "no_rt", "rw": "no_rw", "shdk": "stat_hbkel"}


def _siak_rows(path: Path, name: str) -> tuple[list[dict], list[dict]]:
    if path.suffix.lower() == ".csv" or path.suffix.lower() == ".txt":
        return sourcetables.read_csv(path, name), []
    tables = sourcetables.read(path, SIAK_TABLES, name)
    return tables["biodata_wni"], tables["data_keluarga"]


def convert_siak(path: Path, village: str | None, out: Path, name: str | None = None) -> Report:
    """A SIAK population extract (one CSV of persons, or a zip of BIODATA_WNI and DATA_KELUARGA) as the
    register's residents CSV in ``out``. The village is each row's NO_PROP/NO_KAB/NO_KEC/NO_KEL, or
    the operator's; rows of other villages go to the importer, which refuses them by name."""
    name = name or path.name
    persons, families = _siak_rows(path, name)
    report = Report("siak", village=village)
    report.tables = {"biodata_wni": len(persons), **({"data_keluarga": len(families)} if families else {})}
    if not persons:
        raise RowError("no_residents", N_("%(file)s: no persons (SIAK's BIODATA_WNI columns)"), file=name)
    header = {SIAK_ALIASES.get(k, k) for k in persons[0]}
    missing = [c.upper() for c in SIAK_COLUMNS if c not in header]
    if missing:
        raise RowError("missing_columns", N_("%(file)s:1: missing column(s) %(missing)s; expected %(expected)s"),
                       file=name, missing=", ".join(missing), expected=", ".join(c.upper() for c in SIAK_COLUMNS))
    by_kk = {(f.get("no_kk") or "").strip(): f for f in families}
    where = f"{name}:BIODATA_WNI.csv" if families or path.suffix.lower() == ".zip" else name  # a row's source
    handle, writer = _writer(out)
    with handle:
        for line, raw in enumerate(persons, start=2):
            r = {SIAK_ALIASES.get(k, k): v for k, v in raw.items()}
            kk = (r.get("no_kk") or "").strip()
            r = {**{k: v for k, v in by_kk.get(kk, {}).items() if v}, **{k: v for k, v in r.items() if v}}

            def get(column, r=r):  # the person's value, else their family's (DATA_KELUARGA)
                return (r.get(column) or "").strip()
            parts = [get("no_prop"), get("no_kab"), get("no_kec"), get("no_kel")]
            code = (f"{parts[0].zfill(2)}.{parts[1].zfill(2)}.{parts[2].zfill(2)}.{parts[3].zfill(4)}"
                    if all(parts) else village or "")
            dusun = get("dusun")
            address = get("alamat") or (f"Dusun {dusun.title()}" if dusun else "")
            status = get("stat_hidup") or get("status") or "1"
            writer.writerow({
                "nik": get("nik"), "nama": get("nama_lgkp"),
                "jenis_kelamin": mapped(report, "sex", get("jenis_klmin"), "JENIS_KLMIN"),
                "tempat_lahir": get("tmpt_lhr"), "tanggal_lahir": _siak_date(get("tgl_lhr")),
                "agama": mapped(report, "agama", get("agama"), "AGAMA"),
                "pendidikan": mapped(report, "pendidikan", get("pddk_akh"), "PDDK_AKH"),
                "pekerjaan": occupation(report, get("jenis_pkrjn"), {}, "JENIS_PKRJN"),
                "status_perkawinan": mapped(report, "status_kawin", get("stat_kwn"), "STAT_KWN"),
                "hubungan_keluarga": mapped(report, "hubungan", get("stat_hbkel"), "STAT_HBKEL"),
                "no_kk": kk, "alamat": address, "rt": get("no_rt"), "rw": get("no_rw"), "kode_desa": code,
                "status": mapped(report, "status_dasar", status, "STAT_HIDUP"),
                "sumber": f"{where}:{line}"})
            report.rows += 1
    return report


def _siak_date(text: str) -> str:
    """SIAK writes dates as YYYY-MM-DD[ hh:mm:ss], DD-MM-YYYY or DD/MM/YYYY: the first as the importer reads it."""
    return _birth_date(text)


CONVERTERS = {"opensid": convert_opensid, "siak": convert_siak}


def import_source(source: str, path: Path, village: str | None, batch_size: int = 1000, progress=None,
                  translate: bool = False, on_batch=None, name: str | None = None, before_import=None):
    # ``before_import(converted)``: told the converted file before the import starts (a job sizes its progress)
    """Convert a source's file and import it through the register's importer: (Summary, Report).
    The converted CSV sits beside ``path`` (its rejects file too) and is removed afterwards."""
    converted = path.with_name(f"{path.stem}.{source}.csv")
    report = None
    try:
        report = CONVERTERS[source](path, village, converted, name)
        if before_import:
            before_import(converted)
        summary = importer.import_file(converted, village, batch_size, progress=progress, translate=translate,
                                       on_batch=on_batch)
        if report.letters is not None:  # after the residents: a letter is kept on its resident's record
            from flask import current_app

            types = current_app.extensions["egovkit"].profile.modules["smart_kampung"].letters
            report.letter_summary = import_letters(report.letters, report.village, types, translate=translate)
    finally:
        converted.unlink(missing_ok=True)
        if report is not None and report.letters is not None:
            report.letters.unlink(missing_ok=True)
    return summary, report
