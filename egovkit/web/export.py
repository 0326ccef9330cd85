"""Exports (one way for every module): CSV in UTF-8 with a BOM so spreadsheet
programs read Indonesian names right, streamed row by row; XLSX with numbers
as numbers and Rupiah formatted."""
from __future__ import annotations

import csv
import io
from typing import Iterable

from flask import Response, stream_with_context

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

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


def _xlsx_text(value):
    """Text a spreadsheet would run as a formula is kept as text (the same guard as the CSV export)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def xlsx_bytes(sheets, money: set[int] = frozenset()) -> bytes:
    """A workbook of ``sheets``, each (sheet name, title, header, rows): a title row, the header, the rows;
    columns in ``money`` formatted as Rupiah (whole numbers with thousands separators). ``rows`` may be any
    iterable, e.g. a query's result read as it goes: each row is written to disk as it comes
    (xlsxwriter's constant_memory), so memory does not grow with the rows (bench/social_aid.py: 100,000 rows)."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False})
    bold = book.add_format({"bold": True})
    rupiah = book.add_format({"num_format": "#,##0"})
    for name, title, header, rows in sheets:
        sheet = book.add_worksheet(name[:31].replace("/", "-"))
        sheet.write(0, 0, title, bold)
        for col, heading in enumerate(header):
            sheet.write(2, col, heading, bold)
            sheet.set_column(col, col, 16 if col in money else max(10, min(60, len(heading) + 4)))
        row_no = 3
        for row in rows:  # in order: constant_memory writes a row out once the next one starts
            for col, value in enumerate(row):
                if col in money and isinstance(value, int):
                    sheet.write_number(row_no, col, value, rupiah)
                elif value is None:
                    sheet.write_blank(row_no, col, None)
                else:
                    sheet.write(row_no, col, _xlsx_text(value))
            row_no += 1
        sheet.freeze_panes(3, 0)
    book.close()
    return buffer.getvalue()


def xlsx_response(filename: str, sheets, money: set[int] = frozenset()) -> Response:
    """``xlsx_bytes(sheets, money)`` as a download named ``filename``."""
    return Response(xlsx_bytes(sheets, money), mimetype=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
