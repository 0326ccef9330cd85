"""Tables of another system's database, read without its server: the one reader for moving in.

A source hands over its tables in one of three shapes, and ``read()`` gives each wanted
table as a list of rows (column -> text, None for SQL NULL) whichever it is:

- a MySQL/MariaDB dump (``.sql``, as mysqldump, phpMyAdmin, HeidiSQL or Adminer write it):
  its ``CREATE TABLE`` column lists and ``INSERT INTO`` statements, with or without a
  column list, one or many rows each;
- a ``.zip`` of CSV files named after their tables (``tweb_penduduk.csv``; a folder inside
  the zip is fine), the way phpMyAdmin, Siskeudes' export or mdb-export write them;
- a folder of such CSV files (the shell);
- a Microsoft Access database (``.mdb``, ``.mde``, ``.accdb``: Siskeudes keeps a village's finance in
  one), read table by table with mdbtools' ``mdb-export`` (``read_access``).

The dump is read by a tokenizer of MySQL's literal syntax (quoted strings with backslash
and doubled-quote escapes, numbers, NULL, hex and _charset prefixes), not by a SQL parser
such as sqlglot: only INSERT statements' literals are needed, a village's dump is mostly
multi-megabyte VALUES lists that a parser turns into an object tree per value (an order of
magnitude slower), and it would be a new dependency for one dialect's literals. A VALUES
list is not tokenized token by token: one regular expression takes the whole list up to
its statement's end, another splits it into literals (``_VALUES_BODY``, ``_VALUE``), which
keeps the per-row cost of a dump near that of reading a CSV file (bench/README.md).

Problems name the file and, for a dump, the line: ``SourceError`` is a csvimport RowError.
"""
from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

from ..i18n import N_
from .csvimport import RowError

MAX_MEMBER_BYTES = 512 * 1024 * 1024  # a zip member above this is refused (a zip bomb, not a village)
ACCESS_MAGIC = (b"\x00\x01\x00\x00Standard Jet DB", b"\x00\x01\x00\x00Standard ACE DB")
MDB_TIMEOUT = 300  # seconds one mdb-export may take (a village's Siskeudes database takes about one)


class SourceError(RowError):
    pass


_TOKEN = re.compile(r"""
    (?P<str>'(?:[^'\\]|\\.|'')*')
  | (?P<dq>"(?:[^"\\]|\\.|"")*")
  | (?P<name>`(?:[^`]|``)*`)
  | (?P<comment>--[^\n]*|\#[^\n]*|/\*.*?\*/)
  | (?P<end>;)
  | (?P<open>\()
  | (?P<close>\))
  | (?P<comma>,)
  | (?P<word>[^\s'"`;(),#/-][^\s'"`;(),#]*|[/-])
  | (?P<space>\s+)
""", re.S | re.X)
# A VALUES list up to its statement's end: anything but ; and quotes, or a whole quoted string
_VALUES_BODY = re.compile(r"""(?:[^;'"`]+|'[^'\\]*(?:(?:\\.|'')[^'\\]*)*'|"[^"\\]*(?:(?:\\.|"")[^"\\]*)*"|`[^`]*`)*""",
                          re.S)
# One literal or punctuation of a VALUES list: a quoted string (quotes kept: '' is an empty string), a bare word
# (NULL, a number, 0x.., a _charset prefix), or ( ) ,
_VALUE = re.compile(r"""('[^'\\]*(?:(?:\\.|'')[^'\\]*)*'|"[^"\\]*(?:(?:\\.|"")[^"\\]*)*")|([^\s,()'"`]+)|([(),`])""",
                    re.S)
_NUMBER_START = frozenset("0123456789-+.")
_ESCAPES = {"0": "\0", "b": "\b", "n": "\n", "r": "\r", "t": "\t", "Z": "\x1a", "\\": "\\", "'": "'", '"': '"'}
_ESCAPE = re.compile(r"\\(.)|''", re.S)


def _unquote(text: str) -> str:
    body = text[1:-1]
    if "\\" not in body and "''" not in body and '""' not in body:
        return body
    if text[0] == '"':
        body = body.replace('""', '"')
    # \% and \_ keep their backslash (MySQL), any other escaped character stands for itself
    return _ESCAPE.sub(lambda m: "'" if m.group(0) == "''" else
                       ("\\" + m.group(1) if m.group(1) in "%_" else _ESCAPES.get(m.group(1), m.group(1))), body)


def _statements(text: str, name: str):
    """(first line, [tokens]) per statement, comments and blanks left out; a token is (kind, text)."""
    tokens: list[tuple[str, str]] = []
    line = start = 1
    pos = 0
    match = _TOKEN.match
    while pos < len(text):
        m = match(text, pos)
        if m is None:  # cannot happen: every character belongs to a token kind
            raise SourceError("not_sql", N_("%(file)s:%(line)s: not a MySQL dump"), file=name, line=line)
        kind, value = m.lastgroup, m.group()
        pos = m.end()
        if kind in ("space", "comment"):
            line += value.count("\n")
            continue
        if not tokens:
            start = line
        line += value.count("\n")
        if kind == "end":
            yield start, tokens
            tokens = []
            continue
        tokens.append((kind, value))
        if kind == "word" and value.upper() in ("VALUES", "VALUE") and tokens[0][1].upper() in ("INSERT", "REPLACE"):
            body = _VALUES_BODY.match(text, pos)  # the whole list at once (its rows: _rows_of_values)
            tokens.append(("values", body.group()))
            line += body.group().count("\n")
            pos = body.end()
    if tokens:
        yield start, tokens


def _ident(token: tuple[str, str]) -> str:
    kind, value = token
    return value[1:-1].replace("``", "`") if kind == "name" else value


def _table_at(tokens, at: int) -> tuple[str, int]:
    """The table named at ``at`` (``db`.`t``, db.t or t) and the index after its name."""
    name = _ident(tokens[at])
    at += 1
    while at + 1 < len(tokens) and tokens[at] == ("word", "."):
        name = _ident(tokens[at + 1])
        at += 2
    if name.endswith("."):  # db.`t`: the dot is read with the word before it
        name = _ident(tokens[at])
        at += 1
    return name.split(".")[-1].lower(), at


def _value(kind: str, value: str, name: str, line: int) -> str | None:
    if kind == "str" or kind == "dq":
        return _unquote(value)
    if kind == "word":
        upper = value.upper()
        if upper == "NULL":
            return None
        if upper.startswith("0X"):
            try:
                return bytes.fromhex(value[2:]).decode("utf-8", errors="replace")
            except ValueError:
                pass
        return value
    raise SourceError("bad_value", N_("%(file)s:%(line)s: an INSERT value that is not a literal (%(value)s)"),
                      file=name, line=line, value=value[:40])


def _rows_of_insert(tokens, columns: list[str] | None, name: str, line: int):
    """The rows of one INSERT statement's VALUES (tokens after the table name)."""
    i = 0
    if i < len(tokens) and tokens[i][0] == "open":  # an explicit column list
        columns = []
        i += 1
        while tokens[i][0] != "close":
            if tokens[i][0] != "comma":
                columns.append(_ident(tokens[i]).lower())
            i += 1
        i += 1
    if i + 1 >= len(tokens) or tokens[i][1].upper() not in ("VALUES", "VALUE") or tokens[i + 1][0] != "values":
        raise SourceError("bad_insert", N_("%(file)s:%(line)s: an INSERT without VALUES"), file=name, line=line)
    if not columns:
        raise SourceError("no_columns", N_("%(file)s:%(line)s: an INSERT without a column list for a table whose "
                                           "CREATE TABLE is not in the file"), file=name, line=line)
    return _rows_of_values(tokens[i + 1][1], columns, name, line)


def _rows_of_values(text: str, columns: list[str], name: str, line: int):
    """The rows of a VALUES list's text: ``(1,'a',NULL),(2,'b',0x41)``; stops at what follows the last row
    (ON DUPLICATE KEY UPDATE ...)."""
    width = len(columns)
    values: list = []
    charset = False  # a _utf8mb4 / _binary prefix was read: the next literal is a string

    def bad(value):
        return SourceError("bad_value", N_("%(file)s:%(line)s: an INSERT value that is not a literal (%(value)s)"),
                           file=name, line=line, value=value[:40])

    append = None  # the open row's values.append
    # findall, not finditer, and the common literals inline: a village's dump has hundreds of thousands
    for quoted, word, punct in _VALUE.findall(text):
        if quoted:
            if append is None:
                raise bad(quoted)
            append(quoted[1:-1] if "\\" not in quoted and quoted.count(quoted[0]) == 2 else _unquote(quoted))
            charset = False
        elif word:
            if append is None:
                return  # ON DUPLICATE KEY UPDATE ...: not values
            if charset:
                raise bad(word)
            if word[0] in _NUMBER_START and word[1:2] not in ("x", "X"):
                append(word)
            elif word == "NULL" or word == "null":
                append(None)
            elif word[0] == "_" and len(word) > 1:
                charset = True  # _binary '...', _utf8mb4 '...': the prefix names the charset
            else:
                append(_value("word", word, name, line))
        elif punct == "(":
            if append is not None:
                raise bad(f"({values[-1] if values else ''}(")
            values = []
            append = values.append
        elif punct == ")":
            if append is None or charset:
                raise bad(")")
            if len(values) != width:
                raise SourceError("bad_row", N_("%(file)s:%(line)s: a row of %(count)s value(s) for %(width)s "
                                                "column(s)"), file=name, line=line, count=len(values), width=width)
            yield dict(zip(columns, values, strict=True))
            append = None
        elif punct == "`":
            raise bad("`")


def _create_columns(tokens) -> list[str]:
    """The column names of a CREATE TABLE statement's body (not its keys and constraints)."""
    columns: list[str] = []
    depth = 0
    expect = False
    for kind, value in tokens:
        if kind == "open":
            depth += 1
            if depth == 1:
                expect = True
            continue
        if kind == "close":
            depth -= 1
            continue
        if depth == 1 and kind == "comma":
            expect = True
            continue
        if depth == 1 and expect:
            expect = False
            if kind == "name" or (kind == "word" and value.upper() not in (
                    "PRIMARY", "KEY", "UNIQUE", "INDEX", "CONSTRAINT", "FOREIGN", "FULLTEXT", "SPATIAL", "CHECK")):
                columns.append(_ident((kind, value)).lower())
    return columns


def read_dump(text: str, wanted: set[str], name: str = "dump.sql") -> dict[str, list[dict]]:
    """The rows of the wanted tables (lower-case names) in a MySQL dump's text."""
    out: dict[str, list[dict]] = {t: [] for t in wanted}
    columns: dict[str, list[str]] = {}
    seen_sql = False
    for line, tokens in _statements(text, name):
        head = tokens[0][1].upper() if tokens else ""
        if head in ("SET", "START", "COMMIT", "LOCK", "UNLOCK", "DROP", "USE", "ALTER"):
            seen_sql = True
            continue
        if head == "CREATE" and len(tokens) > 2:
            seen_sql = True
            words = [v.upper() for k, v in tokens[:6] if k == "word"]
            if "TABLE" not in words:
                continue
            at = next(i for i, (k, v) in enumerate(tokens) if k == "word" and v.upper() == "TABLE") + 1
            while tokens[at][0] == "word" and tokens[at][1].upper() in ("IF", "NOT", "EXISTS"):
                at += 1
            table, at = _table_at(tokens, at)
            columns[table] = _create_columns(tokens[at:])
            continue
        if head in ("INSERT", "REPLACE"):
            seen_sql = True
            at = 1
            while tokens[at][0] == "word" and tokens[at][1].upper() in ("INTO", "IGNORE", "LOW_PRIORITY",
                                                                        "DELAYED", "HIGH_PRIORITY"):
                at += 1
            table, at = _table_at(tokens, at)
            if table in wanted:
                out[table].extend(_rows_of_insert(tokens[at:], columns.get(table), name, line))
    if not seen_sql:
        raise SourceError("not_sql", N_("%(file)s: not a MySQL dump (no CREATE TABLE or INSERT statement)"),
                          file=name)
    return out


def _csv_rows(text: str, table: str, name: str, dialect=None) -> list[dict]:
    if dialect is None:
        sample = text[:4096]
        try:
            dialect = csv.Sniffer().sniff(sample.split("\n", 1)[0] or sample, delimiters=",;\t|")
        except csv.Error:
            dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = [h.strip().lower() for h in next(reader, [])]
    rows = []
    for values in reader:
        if not values:
            continue
        if len(values) != len(header):
            raise SourceError("bad_row", N_("%(file)s: line %(line)s has %(count)s value(s) for %(width)s column(s)"),
                              file=f"{name}:{table}", line=reader.line_num, count=len(values), width=len(header))
        rows.append({h: (None if v == "NULL" else v.strip()) for h, v in zip(header, values, strict=True)})
    return rows


def _decode(blob: bytes, name: str) -> str:
    try:
        return blob.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # Siskeudes and older Windows tools write Windows-1252: read as that rather than refuse
        try:
            return blob.decode("cp1252")
        except UnicodeDecodeError:
            raise SourceError("not_utf8", N_("%(file)s: not UTF-8 text near byte %(byte)s (save the file as CSV "
                                             "UTF-8)"), file=name, byte=exc.start) from None


def read_csv(path: Path, name: str | None = None) -> list[dict]:
    """One table as one CSV file (comma, semicolon, tab or bar separated; UTF-8 or Windows-1252)."""
    return _csv_rows(_decode(path.read_bytes(), name or path.name), path.stem.lower(), name or path.name)


def _mdbtools(args: list[str], name: str) -> str:
    """The output of one mdbtools command; a missing mdbtools or an unreadable file is a SourceError."""
    program = shutil.which(args[0])
    if program is None:
        raise SourceError("no_mdbtools", N_("%(file)s is an Access database: reading it needs mdbtools on the "
                                            "server (apt-get install mdbtools), or export its tables as CSV "
                                            "files in a zip"), file=name)
    try:
        done = subprocess.run([program, *args[1:]], capture_output=True, timeout=MDB_TIMEOUT, check=False,
                              env={"MDBICONV": "UTF-8", "LC_ALL": "C.UTF-8"})
    except subprocess.TimeoutExpired:
        raise SourceError("mdb_timeout", N_("%(file)s: reading the Access database took too long"),
                          file=name) from None
    # mdbtools reports a page it cannot read on stderr and goes on: for money that is a refusal, not a warning
    errors = [line for line in done.stderr.decode("utf-8", "replace").splitlines() if "error" in line.lower()]
    if done.returncode != 0 or errors:
        why = (errors or done.stderr.decode("utf-8", "replace").strip().splitlines() or ["?"])[0][:200]
        raise SourceError("not_mdb", N_("%(file)s: not a readable Access database (%(reason)s)"), file=name,
                          reason=why)
    return done.stdout.decode("utf-8", "replace")


def read_access(path: Path, wanted: set[str], name: str | None = None) -> dict[str, list[dict]]:
    """The wanted tables (lower-case names) of an Access database, through mdbtools: ``mdb-tables`` lists
    them, ``mdb-export`` writes each as CSV (dates as ISO text, UTF-8), read like any CSV table. mdbtools
    rather than a Python reader: it is the reference open reader of the format (overflow rows, long
    values, deleted rows), fuzzed and packaged by Debian, where the Python readers are best-effort and
    skip what they cannot parse, which for a budget would be a silent loss."""
    name = name or path.name
    wanted = {t.lower() for t in wanted}
    out: dict[str, list[dict]] = {t: [] for t in wanted}
    tables = [t for t in _mdbtools(["mdb-tables", "-1", str(path)], name).splitlines() if t.strip()]
    for table in tables:
        if table.lower() in wanted:
            text = _mdbtools(["mdb-export", "-D", "%Y-%m-%d", "-T", "%Y-%m-%d %H:%M:%S", str(path), table], name)
            out[table.lower()] = _csv_rows(text, table.lower(), name, csv.excel)
    return out


def read(path: Path, wanted: set[str], name: str | None = None) -> dict[str, list[dict]]:
    """The rows of the wanted tables (lower-case names) in a dump, a zip of CSV files or a folder of them,
    or an Access database; a wanted table the source does not hold is an empty list."""
    name = name or path.name
    wanted = {t.lower() for t in wanted}
    if path.is_dir():
        out = {t: [] for t in wanted}
        for file in path.iterdir():
            table = file.stem.lower()
            if table in wanted and file.suffix.lower() in (".csv", ".txt"):
                out[table] = _csv_rows(_decode(file.read_bytes(), file.name), table, name)
        return out
    with path.open("rb") as handle:
        head = handle.read(20)
    if head.startswith(ACCESS_MAGIC):
        return read_access(path, wanted, name)
    if head.startswith(b"PK"):
        try:
            archive = zipfile.ZipFile(path)
        except zipfile.BadZipFile:
            raise SourceError("not_zip", N_("%(file)s: not a readable zip file"), file=name) from None
        out = {t: [] for t in wanted}
        with archive:
            for info in archive.infolist():
                stem = Path(info.filename).stem.lower()
                if stem in wanted and Path(info.filename).suffix.lower() in (".csv", ".txt") and not info.is_dir():
                    if info.file_size > MAX_MEMBER_BYTES:
                        raise SourceError("too_large", N_("%(file)s: %(member)s is too large"), file=name,
                                          member=info.filename)
                    out[stem] = _csv_rows(_decode(archive.read(info), info.filename), stem, name)
                elif stem in wanted and Path(info.filename).suffix.lower() == ".sql":
                    out.update({k: v for k, v in read_dump(_decode(archive.read(info), info.filename), {stem},
                                                           info.filename).items() if v})
        return out
    return read_dump(_decode(path.read_bytes(), name), wanted, name)
