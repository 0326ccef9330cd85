"""CSV exports (one way for every module): UTF-8 with a BOM so spreadsheet
programs read Indonesian names right, streamed row by row."""
from __future__ import annotations

import csv
import io
from typing import Iterable

from flask import Response, stream_with_context

from ..services.csvimport import safe_cell


def keyset(stmt, id_column, batch: int = 500):
    """Rows of ``stmt`` in id order, fetched a batch at a time (each batch its own query, so a
    streamed response never holds a cursor across the request's end)."""
    from ..db import db

    last = None
    while True:
        page = stmt if last is None else stmt.where(id_column > last)
        rows = db.session.scalars(page.order_by(id_column).limit(batch)).all()
        yield from rows
        if len(rows) < batch:
            return
        last = getattr(rows[-1], id_column.key)


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable]) -> Response:
    def generate():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write("\ufeff")
        writer.writerow(header)
        for row in rows:
            writer.writerow([safe_cell(value) for value in row])  # formulas defused
            if buffer.tell() > 64 * 1024:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return Response(stream_with_context(generate()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
