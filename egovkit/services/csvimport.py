"""Streaming CSV import (one way for every module).

Reads any size of file with flat memory: rows are parsed and checked one by
one and written in batches, each batch in its own transaction. A bad row
goes to a rejects file with its row number and reason while the good rows
go in; a summary comes at the end. Writers should upsert, so that importing
the same file twice changes nothing.

A reason is a RowError: a stable ``code``, the ``field`` (column) it is about,
an English msgid and its parameters. The rejects file gets it in English
(``translate=False``, the shell) or in the current UI language through
Flask-Babel (``translate=True``, e.g. a background job run in its submitter's
language), always as ``field: message`` next to the row's line number.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from ..i18n import N_, english, translated


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


@dataclass
class Summary:
    rows: int = 0
    written: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejects_file: Path | None = None
    reasons: dict[str, int] = field(default_factory=dict)


def _open(path: Path) -> io.TextIOWrapper:
    raw = path.open("rb")
    head = raw.read(4)
    raw.seek(0)
    encoding = "utf-8-sig" if head.startswith(b"\xef\xbb\xbf") else "utf-8"
    return io.TextIOWrapper(raw, encoding=encoding, newline="", errors="strict")


def run(path: Path, *, columns: Iterable[str], parse: Callable[[dict, int], object],
        write: Callable[[list], tuple[int, int]], batch_size: int = 2000,
        rejects: Path | None = None, progress: Callable[[int], None] | None = None,
        translate: bool = False) -> Summary:
    """Import ``path``: ``parse(row, line)`` returns a record or raises RowError; ``write(records)``
    stores a batch and returns (written, unchanged). Reasons are in English, or in the current UI
    language with ``translate``."""
    describe = RowError.describe if translate else RowError.__str__
    required = list(columns)
    summary = Summary()
    rejects = rejects or path.with_name(path.stem + ".rejects.csv")
    reject_file = reject_writer = None
    batch: list = []
    with _open(path) as handle:
        reader = csv.reader(handle)
        header = [h.strip().lower() for h in next(reader, [])]
        missing = [c for c in required if c not in header]
        if missing:
            raise RowError("missing_columns", N_("%(file)s:1: missing column(s) %(missing)s; expected %(expected)s"),
                           file=path.name, missing=", ".join(missing), expected=", ".join(required))
        width = len(header)
        strip = str.strip
        try:
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
                        reject_writer.writerow([*titles, *header])
                    reject_writer.writerow([line, describe(exc), *values[:width]])
                if len(batch) >= batch_size:
                    _flush(batch, write, summary)
                    if progress:
                        progress(handle.buffer.tell())
            _flush(batch, write, summary)
            if progress:
                progress(handle.buffer.tell())
        except UnicodeDecodeError as exc:
            raise RowError("not_utf8", N_("%(file)s: not UTF-8 text near byte %(byte)s (save the file as CSV UTF-8)"),
                           file=path.name, byte=exc.start) from None
        finally:
            if reject_file is not None:
                reject_file.close()
    summary.rejects_file = rejects if summary.rejected else None
    return summary


def _flush(batch: list, write, summary: Summary) -> None:
    if batch:
        written, unchanged = write(batch)
        summary.written += written
        summary.unchanged += unchanged
        batch.clear()
