"""A small writer of Microsoft Access (Jet 4, .mdb) files, for test fixtures only.

Siskeudes keeps a village's finance in an Access database; the kit reads one with mdbtools'
mdb-export. No tool on a Linux machine writes an Access file (mdbtools reads, Jackcess is Java
from a registry this project does not use), so the Siskeudes fixture is written here from the
file format as mdbtools documents it (its HACKING.md: page 0, TDEF pages, data pages, usage
maps, the Jet 4 row layout). What is written is the least a reader needs: a database header,
the MSysObjects catalog (page 2) listing each table by its TDEF page, and per table a TDEF page
(columns, no indexes), its data pages and a usage map of them. Text is stored as UCS-2, money
as Currency (int64 in 1/10000), dates as days since 1899-12-30. The same input always gives the
same bytes. tests/test_siskeudes.py reads the file with mdb-export, not with this code.

    write(path, [Table("Ta_Anggaran", [Column("Tahun", TEXT, 4), ...], rows), ...])
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

PAGE = 4096
BOOL, BYTE, INT, LONG, MONEY, FLOAT, DOUBLE, DATETIME, BINARY, TEXT, OLE, MEMO = 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12
FIXED_SIZE = {INT: 2, LONG: 4, MONEY: 8, DOUBLE: 8, DATETIME: 8}
ROW_COUNT = 0x0C  # Jet 4 data page: number of rows at 12, then a 2-byte offset per row
EPOCH = datetime(1899, 12, 30)


@dataclass
class Column:
    name: str
    type: int
    size: int = 0  # TEXT: characters

    @property
    def fixed(self) -> bool:
        return self.type in FIXED_SIZE


@dataclass
class Table:
    name: str
    columns: list[Column]
    rows: list[tuple] = field(default_factory=list)
    system: bool = False


def _rc4(key: bytes, data: bytes) -> bytes:
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) & 0xFF
        s[i], s[j] = s[j], s[i]
    out = bytearray()
    i = j = 0
    for byte in data:
        i = (i + 1) & 0xFF
        j = (j + s[i]) & 0xFF
        s[i], s[j] = s[j], s[i]
        out.append(byte ^ s[(s[i] + s[j]) & 0xFF])
    return bytes(out)


def _header(created: datetime) -> bytes:
    page = bytearray(PAGE)
    page[0:4] = b"\x00\x01\x00\x00"
    page[4:20] = b"Standard Jet DB\x00"
    page[0x14] = 0x01  # Jet 4
    plain = bytearray(128)  # 0x18..0x98, stored RC4-encrypted with Jet's fixed key
    struct.pack_into("<H", plain, 0x3C - 0x18, 1252)  # code page
    struct.pack_into("<I", plain, 0x3E - 0x18, 0)  # database key 0: pages are not encrypted
    struct.pack_into("<H", plain, 0x6E - 0x18, 0x0409)  # sort order: General
    struct.pack_into("<d", plain, 0x72 - 0x18, _days(created))
    page[0x18:0x98] = _rc4(bytes((0xC7, 0xDA, 0x39, 0x6B)), bytes(plain))
    return bytes(page)


def _days(value: datetime | date) -> float:
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    delta = value - EPOCH
    return delta.days + delta.seconds / 86400


def _value(column: Column, value) -> bytes:
    if column.type == TEXT:
        return str(value).encode("utf-16-le")
    if column.type == INT:
        return struct.pack("<h", int(value))
    if column.type == LONG:
        return struct.pack("<i", int(value))
    if column.type == MONEY:
        return struct.pack("<q", int(Decimal(str(value)) * 10000))
    if column.type == DOUBLE:
        return struct.pack("<d", float(value))
    if column.type == DATETIME:
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return struct.pack("<d", _days(value))
    raise ValueError(f"column type {column.type} is not written by this writer")


def _row(table: Table, values: tuple) -> bytes:
    """One row in Jet 4's layout: column count, fixed columns, variable columns, end of data, the
    variable columns' offsets (last first), their count, the null mask (1 = has a value)."""
    columns = table.columns
    if len(values) != len(columns):
        raise ValueError(f"{table.name}: a row of {len(values)} values for {len(columns)} columns")
    out = bytearray(struct.pack("<H", len(columns)))
    mask = 0
    for n, (column, value) in enumerate(zip(columns, values, strict=True)):
        if column.fixed:
            if value is None:
                out += bytes(FIXED_SIZE[column.type])
            else:
                out += _value(column, value)
                mask |= 1 << n
    offsets = []
    for n, (column, value) in enumerate(zip(columns, values, strict=True)):
        if not column.fixed:
            offsets.append(len(out))
            if value is not None:
                data = _value(column, value)
                if column.type == TEXT and len(data) > 2 * column.size:
                    raise ValueError(f"{table.name}.{column.name}: {value!r} is longer than {column.size}")
                out += data
                mask |= 1 << n
    if offsets:
        out += struct.pack("<H", len(out))  # end of data
        for offset in reversed(offsets):
            out += struct.pack("<H", offset)
        out += struct.pack("<H", len(offsets))
    out += mask.to_bytes((len(columns) + 7) // 8, "little")
    return bytes(out)


def _data_pages(owner: int, rows: list[bytes]) -> list[bytes]:
    """Rows packed from the end of each page backwards, the offsets after a 14-byte header."""
    pages, current = [], []

    def close():
        page = bytearray(PAGE)
        page[0], page[1] = 0x01, 0x01
        struct.pack_into("<I", page, 4, owner)
        struct.pack_into("<H", page, ROW_COUNT, len(current))
        end = PAGE
        for n, row in enumerate(current):
            start = end - len(row)
            page[start:end] = row
            struct.pack_into("<H", page, ROW_COUNT + 2 + 2 * n, start)
            end = start
        struct.pack_into("<H", page, 2, end - (ROW_COUNT + 2 + 2 * len(current)))  # free space
        pages.append(bytes(page))

    used = ROW_COUNT + 2
    for row in rows:
        if len(row) + 2 > PAGE - ROW_COUNT - 2:
            raise ValueError("a row larger than a page")
        if used + len(row) + 2 > PAGE and current:
            close()
            current, used = [], ROW_COUNT + 2
        current.append(row)
        used += len(row) + 2
    if current or not pages:
        close()
    return pages


def _tdef(table: Table, num_rows: int, used_map: int, free_map: int) -> bytes:
    """A table definition page (Jet 4): the 63-byte head, 25 bytes per column, then the names."""
    page = bytearray(PAGE)
    page[0], page[1] = 0x02, 0x01
    variable = [c for c in table.columns if not c.fixed]
    body = bytearray(55)
    struct.pack_into("<I", body, 8, num_rows)
    body[32] = 0x53 if table.system else 0x4E
    struct.pack_into("<HHH", body, 33, len(table.columns), len(variable), len(table.columns))
    struct.pack_into("<II", body, 39, 0, 0)  # logical and real indexes: none
    struct.pack_into("<II", body, 47, used_map, free_map)
    fixed_at = 0
    var_at = 0
    for n, column in enumerate(table.columns):
        entry = bytearray(25)
        entry[0] = column.type
        struct.pack_into("<HHH", entry, 5, n, var_at if not column.fixed else 0, n)
        if column.type == TEXT:
            struct.pack_into("<H", entry, 11, 0x0409)
        entry[15] = 0x03 if column.fixed else 0x02  # fixed length / may be null
        struct.pack_into("<HH", entry, 21, fixed_at if column.fixed else 0,
                         FIXED_SIZE.get(column.type, 2 * column.size))
        if column.fixed:
            fixed_at += FIXED_SIZE[column.type]
        else:
            var_at += 1
        body += entry
    for column in table.columns:
        name = column.name.encode("utf-16-le")
        body += struct.pack("<H", len(name)) + name
    if 8 + len(body) > PAGE:
        raise ValueError(f"{table.name}: its definition does not fit one page")
    struct.pack_into("<I", body, 0, len(body))
    page[8:8 + len(body)] = body
    struct.pack_into("<H", page, 2, PAGE - 8 - len(body) - 8)
    return bytes(page)


CATALOG = Table("MSysObjects", [Column("Id", LONG), Column("ParentId", LONG), Column("Name", TEXT, 128),
                                Column("Type", INT), Column("DateCreate", DATETIME), Column("DateUpdate", DATETIME),
                                Column("Flags", LONG), Column("LvProp", OLE)], system=True)
TABLES_CONTAINER = 0x0F000001  # the "Tables" container's Id: a table's ParentId


def write(path: Path, tables: list[Table], created: datetime = datetime(2026, 1, 1)) -> None:
    """Write the tables into a new Jet 4 file at ``path``."""
    # page 0 header, page 1 the usage maps (rows of a data page), page 2 the catalog's TDEF; then each table
    rows_of = {t.name: [_row(t, r) for r in t.rows] for t in tables}
    plan: list[tuple[Table, int, list[bytes]]] = []  # (table, TDEF page, data pages)
    next_page = 3
    catalog_rows_estimate = _data_pages(2, [_row(CATALOG, (0, 0, t.name, 1, created, created, 0, None))
                                            for t in tables])
    next_page += len(catalog_rows_estimate)
    for table in tables:
        tdef = next_page
        pages = _data_pages(tdef, rows_of[table.name])
        plan.append((table, tdef, pages))
        next_page = tdef + 1 + len(pages)
    total = next_page
    entries = [(tdef, TABLES_CONTAINER, table.name, 1, created, created, 0, None) for table, tdef, _ in plan]
    catalog_pages = _data_pages(2, [_row(CATALOG, e) for e in entries])
    assert len(catalog_pages) == len(catalog_rows_estimate)

    def usage(first: int, count: int) -> bytes:
        bitmap = bytearray((total + 7) // 8)
        for page in range(first, first + count):
            bitmap[page // 8] |= 1 << (page % 8)
        return b"\x00" + struct.pack("<I", 0) + bytes(bitmap)

    maps = [usage(3, len(catalog_pages)), usage(0, 0)]
    for _table, tdef, pages in plan:
        maps += [usage(tdef + 1, len(pages)), usage(0, 0)]
    map_page = _data_pages(0, maps)
    if len(map_page) != 1:
        raise ValueError("too many tables for one usage-map page")
    out = [_header(created), map_page[0], _tdef(CATALOG, len(entries), (1 << 8) | 0, (1 << 8) | 1),
           *catalog_pages]
    for n, (table, _tdef_page, pages) in enumerate(plan, start=1):
        out.append(_tdef(table, len(table.rows), (1 << 8) | (2 * n), (1 << 8) | (2 * n + 1)))
        out.extend(pages)
    assert len(out) == total
    Path(path).write_bytes(b"".join(out))
