"""Streaming CSV import (one way for every module).

Reads any size of file with flat memory: rows are parsed and checked one by
one and written in batches, each batch in its own transaction. A bad row
goes to a rejects file with its row number and reason while the good rows
go in; a summary comes at the end. Writers should upsert, so that importing
the same file twice changes nothing.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable


class RowError(ValueError):
    """Why one row cannot be imported (the message goes to the rejects file)."""


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
        rejects: Path | None = None, progress: Callable[[int], None] | None = None) -> Summary:
    """Import ``path``: ``parse(row, line)`` returns a record or raises RowError; ``write(records)``
    stores a batch and returns (written, unchanged)."""
    required = list(columns)
    summary = Summary()
    rejects = rejects or path.with_name(path.stem + ".rejects.csv")
    reject_file = reject_writer = None
    batch: list = []
    with _open(path) as handle:
        reader = csv.DictReader(handle)
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
        missing = [c for c in required if c not in header]
        if missing:
            raise RowError(f"{path.name}:1: missing column(s) {', '.join(missing)}; expected {', '.join(required)}")
        reader.fieldnames = header
        try:
            for row in reader:
                line = reader.line_num
                summary.rows += 1
                try:
                    if None in row:
                        raise RowError(f"{len(row[None])} value(s) more than the header has columns")
                    batch.append(parse({k: (v or "").strip() for k, v in row.items()}, line))
                except RowError as exc:
                    summary.rejected += 1
                    reason = str(exc)
                    summary.reasons[reason.split(":")[0]] = summary.reasons.get(reason.split(":")[0], 0) + 1
                    if reject_writer is None:
                        reject_file = rejects.open("w", newline="", encoding="utf-8")
                        reject_writer = csv.writer(reject_file)
                        reject_writer.writerow(["line", "reason", *header])
                    reject_writer.writerow([line, reason, *[row.get(h, "") for h in header]])
                if len(batch) >= batch_size:
                    _flush(batch, write, summary)
                    if progress:
                        progress(handle.buffer.tell())
            _flush(batch, write, summary)
            if progress:
                progress(handle.buffer.tell())
        except UnicodeDecodeError as exc:
            raise RowError(f"{path.name}: not UTF-8 text near byte {exc.start} (save the file as CSV UTF-8)") from None
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
