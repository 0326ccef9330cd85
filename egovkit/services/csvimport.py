"""Streaming CSV import (one way for every module).

Reads any size of file with flat memory: rows are parsed and checked one by
one and written in batches, each batch in its own transaction. A bad row
goes to a rejects file with its row number and reason while the good rows
go in; a summary comes at the end. Writers should upsert, so that importing
the same file twice changes nothing.

Each batch is committed together with its own audit entry, so what is in
the register is always accounted for. When the file cannot be read to its
end (not UTF-8 half-way, an internal error, a process killed) the batches
committed before stay: ``Stopped`` (a RowError) says how many rows were
saved, and an ``import_failed`` audit entry records it. Importing the
fixed file again is safe: the writers upsert.

A rejects file is written with spreadsheet formulas defused (``safe_cell``,
the same function every CSV export uses): it holds whatever the uploaded
file held, and an operator opens it in a spreadsheet.

A reason is a RowError: a stable ``code``, the ``field`` (column) it is about,
an English msgid and its parameters. The rejects file gets it in English
(``translate=False``, the shell) or in the current UI language through
Flask-Babel (``translate=True``, e.g. a background job run in its submitter's
language), always as ``field: message`` next to the row's line number.
"""
from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from ..i18n import N_, english, translated

log = logging.getLogger(__name__)


class RowError(ValueError):
    """Why one row (or the whole file) cannot be imported: ``code`` (stable, for machines), ``field``
    (the column, or None), ``message`` (an English msgid marked with N_) and its ``params``.
    ``str()`` is English; ``describe()`` is in the current UI language."""

    def __init__(self, code: str, message: str, *, field: str | None = None, **params):
        self.code, self.field, self.message, self.params = code, field, message, params
        super().__init__(self._with_field(english(message, params)))

    def _with_field(self, text: str) -> str:
        return f"{self.field}: {text}" if self.field else text

    def describe(self) -> str:
        """The reason in the current UI language (needs an app context with a locale)."""
        return self._with_field(translated(self.message, self.params))


class Stopped(RowError):
    """The import stopped before the end of the file; ``summary`` is what was saved before (it stays)."""

    SAVED = N_("Saved before it stopped: %(saved)s row(s) (%(written)s written, %(unchanged)s unchanged) up to "
               "line %(line)s; they stay, and importing the corrected file again leaves them unchanged.")

    def __init__(self, cause: RowError, summary: "Summary", line: int):
        self.cause, self.summary, self.line = cause, summary, line
        params = {"saved": summary.written + summary.unchanged, "written": summary.written,
                  "unchanged": summary.unchanged, "line": line}
        super().__init__("stopped", self.SAVED, **params)
        self.args = (f"{cause} {english(self.SAVED, params)}",)

    def __str__(self) -> str:
        return self.args[0]

    def describe(self) -> str:
        return f"{self.cause.describe()} {translated(self.SAVED, self.params)}"


def safe_cell(value):
    """A value fit for a CSV cell a spreadsheet opens: text it would run as a formula is prefixed with '
    (CSV injection); None is empty. Every CSV the kit writes (exports, rejects files) goes through it."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@dataclass
class Summary:
    rows: int = 0
    written: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejects_file: Path | None = None
    reasons: dict[str, int] = field(default_factory=dict)
    saved_through: int = 1  # the last line of the last committed batch (1: the header)

    @property
    def saved(self) -> int:
        return self.written + self.unchanged


def _open(path: Path) -> io.TextIOWrapper:
    raw = path.open("rb")
    head = raw.read(4)
    raw.seek(0)
    encoding = "utf-8-sig" if head.startswith(b"\xef\xbb\xbf") else "utf-8"
    return io.TextIOWrapper(raw, encoding=encoding, newline="", errors="strict")


def run(path: Path, *, columns: Iterable[str], parse: Callable[[dict, int], object],
        write: Callable[[list], tuple[int, int]], audit_as: tuple[str, str], batch_size: int = 2000,
        rejects: Path | None = None, progress: Callable[[int], None] | None = None,
        on_batch: Callable[[Summary], None] | None = None, translate: bool = False, atomic: bool = False,
        finish: Callable[[Summary], None] | None = None) -> Summary:
    """Import ``path``: ``parse(row, line)`` returns a record or raises RowError; ``write(records)``
    stores a batch in the session's transaction (without committing) and returns (written, unchanged).
    ``atomic``: all rows or none, for a file of hundreds of rows (a plan), not a register: the rows are
    written in one transaction at the end, and not at all when a row was rejected.
    Each batch is committed here with an audit entry (``audit_as``: module, record type); ``on_batch``
    hears the summary after each commit. ``finish(summary)`` runs in the last batch's transaction with the
    final counts, before its commit (the caller's audit entry of the whole import: one commit, not two,
    per file). Reasons are in English, or in the current UI language with ``translate``. Raises RowError
    when nothing could be read, ``Stopped`` when batches were saved before the file failed."""
    from ..db import db

    describe = RowError.describe if translate else RowError.__str__
    required = list(columns)
    summary = Summary()
    rejects = rejects or path.with_name(path.stem + ".rejects.csv")
    reject_file = reject_writer = None
    batch: list = []
    line = 1

    def flush(last: bool = False):
        if batch:
            _flush(batch, write, summary, path, line, audit_as, finish if last else None)
        elif last and finish:
            finish(summary)
            db.session.commit()
        if on_batch:
            on_batch(summary)
        if progress:
            progress(handle.buffer.tell())

    with _open(path) as handle:
        try:
            reader = csv.reader(handle)
            header = [h.strip().lower() for h in next(reader, [])]
            missing = [c for c in required if c not in header]
            if missing:
                raise RowError("missing_columns",
                               N_("%(file)s:1: missing column(s) %(missing)s; expected %(expected)s"),
                               file=path.name, missing=", ".join(missing), expected=", ".join(required))
            width = len(header)
            strip = str.strip
            for values in reader:
                if not values:
                    continue  # a blank line is no row
                line = reader.line_num
                summary.rows += 1
                if len(values) < width:
                    values += [""] * (width - len(values))
                try:
                    if len(values) > width:
                        raise RowError("extra_values", N_("%(count)s value(s) more than the header has columns"),
                                       count=len(values) - width)
                    # zip and map run in C: no Python-level loop per value (this is the hot path)
                    batch.append(parse(dict(zip(header, map(strip, values), strict=True)), line))
                except RowError as exc:
                    summary.rejected += 1
                    key = exc.field or exc.code
                    summary.reasons[key] = summary.reasons.get(key, 0) + 1
                    if reject_writer is None:
                        reject_file = rejects.open("w", newline="", encoding="utf-8")
                        reject_writer = csv.writer(reject_file)
                        titles = (translated(N_("line"), {}), translated(N_("reason"), {})) if translate else (
                            "line", "reason")
                        reject_writer.writerow([*titles, *map(safe_cell, header)])
                    reject_writer.writerow([line, describe(exc), *map(safe_cell, values[:width])])
                if len(batch) >= batch_size and not atomic:
                    flush()
            if atomic and summary.rejected:
                batch.clear()  # nothing half-written: the rejects file says what to correct
            flush(last=True)
        except BaseException as exc:
            db.session.rollback()  # the batch being written is not kept; the committed ones are
            cause = _reason(exc, path, handle)
            if cause is None:
                raise  # e.g. KeyboardInterrupt: the committed batches carry their audit entries
            if summary.saved == 0:
                raise cause from None  # nothing was saved
            _record_failure(path, summary, audit_as, cause)
            raise Stopped(cause, summary, summary.saved_through) from (None if isinstance(exc, RowError) else exc)
        finally:
            if reject_file is not None:
                reject_file.close()
    summary.rejects_file = rejects if summary.rejected else None
    return summary


def xlsx_to_csv(path: Path, dest: Path | None = None) -> Path:
    """The first sheet of a spreadsheet (.xlsx) as a UTF-8 CSV file for ``run``, row N on line N (an empty
    row is a blank line, a line break inside a cell a space), so a rejected row names the sheet's row."""
    from datetime import date, datetime
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    dest = dest or path.with_suffix(".csv")
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError, ValueError) as exc:
        raise RowError("not_xlsx", N_("%(file)s: not a readable spreadsheet (.xlsx) (%(problem)s)"), file=path.name,
                       problem=str(exc)[:120]) from None

    def cell(value) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "1" if value else "0"
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        if isinstance(value, (datetime, date)):
            return value.date().isoformat() if isinstance(value, datetime) else value.isoformat()
        return " ".join(str(value).splitlines())

    try:
        with dest.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out, lineterminator="\n")
            for row in book.worksheets[0].iter_rows(values_only=True):
                values = [cell(v) for v in row]
                while values and values[-1] == "":
                    values.pop()
                if values:
                    writer.writerow(values)
                else:
                    out.write("\n")
    finally:
        book.close()
    return dest


def _reason(exc: BaseException, path: Path, handle) -> RowError | None:
    """What stopped the import, as a RowError for the person who sent the file (None: not ours to explain)."""
    if isinstance(exc, RowError):
        return exc
    if isinstance(exc, UnicodeDecodeError):
        # the decoder works on a chunk: the byte in the file is where that chunk started, plus the offset
        chunk = len(exc.object) if isinstance(exc.object, (bytes, bytearray)) else 0
        where = max(0, handle.buffer.tell() - chunk) + exc.start
        return RowError("not_utf8", N_("%(file)s: not UTF-8 text near byte %(byte)s (save the file as CSV UTF-8)"),
                        file=path.name, byte=where)
    if isinstance(exc, csv.Error):
        return RowError("not_csv", N_("%(file)s: not a readable CSV file (%(problem)s)"), file=path.name,
                        problem=str(exc))
    if isinstance(exc, Exception):
        log.exception("import of %s stopped", path.name)
        return RowError("internal", N_("%(file)s: an internal error stopped the import (the administrator finds "
                                       "it in the log)."), file=path.name)
    return None


def _record_failure(path: Path, summary: Summary, audit_as: tuple[str, str], cause: RowError) -> None:
    from ..db import db
    from . import audit

    audit.record("import_failed", audit_as[0], audit_as[1], None, file=path.name, reason=cause.code,
                 rows=summary.rows, written=summary.written, unchanged=summary.unchanged, rejected=summary.rejected,
                 saved_through_line=summary.saved_through)
    db.session.commit()


def _flush(batch: list, write, summary: Summary, path: Path, line: int, audit_as: tuple[str, str],
           finish: Callable[[Summary], None] | None = None) -> None:
    """Write one batch and commit it with its audit entry (one transaction); ``finish`` hears the counts with
    this batch's before the commit (the last batch's)."""
    from ..db import db
    from . import audit

    written, unchanged = write(batch)
    audit.record("import_batch", audit_as[0], audit_as[1], None, file=path.name,
                 lines=[summary.saved_through + 1, line], written=written, unchanged=unchanged)
    before = summary.written, summary.unchanged, summary.saved_through
    summary.written += written
    summary.unchanged += unchanged
    summary.saved_through = line
    try:
        if finish:
            finish(summary)
        db.session.commit()
    except BaseException:
        summary.written, summary.unchanged, summary.saved_through = before  # this batch was not saved
        raise
    from ..ops import metrics

    metrics.imported(audit_as[0], written + unchanged)
    batch.clear()
