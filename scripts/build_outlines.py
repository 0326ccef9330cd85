#!/usr/bin/env python3
"""Build the kecamatan outlines the e-monitoring map draws when no tiles are configured:
modules/monitoring/data/outlines/<regency code>.geojson, one small GeoJSON per regency, with source.json
(what was read, its checksums and what came out) and the source's licence beside them.

Source: github.com/cahyadsn/wilayah_boundaries (MIT, "Copyright (c) 2024 Cahya DSN"), the boundaries
that go with the region list the kit bundles (github.com/cahyadsn/wilayah, same author, same codes), at
the commit pinned below: db/kec/wilayah_boundaries_kec_<province>.sql, one row per kecamatan
(kode, nama, lat, lng, path), ``path`` a JSON (multi)polygon of [lat, lng] pairs, already simplified by
the author. Here each ring is simplified again (Douglas-Peucker, TOLERANCE degrees), coordinates are
rounded to DECIMALS places and turned to GeoJSON's [lng, lat], and islets smaller than MIN_AREA square
degrees are dropped (never a kecamatan's largest part). Names are the kit's (egovkit/data/wilayah, the
default edition); every kecamatan of the regency in that list must have an outline, and a source row for
a code the list does not have is refused. The output is byte-for-byte reproducible.

    python scripts/build_outlines.py                     # the bundled profiles' regencies
    python scripts/build_outlines.py 35.10 12.04         # these regencies
    python scripts/build_outlines.py --source DIR        # a checkout (or a bare git folder) of the source;
                                                         # otherwise the files are downloaded at COMMIT

Files of the provinces in SHA256 are checked against it; another province's checksum is printed and
recorded in source.json (check it against your own copy at COMMIT).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import pathlib
import re
import subprocess
import sys
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "modules" / "monitoring" / "data" / "outlines"
REPOSITORY = "github.com/cahyadsn/wilayah_boundaries"
COMMIT = "3c5a7960f4d227a38489094d84252bdbb3f978a5"  # 2026-08-20, "Update sql 2608201027"
RAW = "https://raw.githubusercontent.com/cahyadsn/wilayah_boundaries/{commit}/{path}"
SHA256 = {  # db/kec/wilayah_boundaries_kec_<province>.sql at COMMIT
    "11": "2551c9dea5cfbd1e7f8d6256cfde505167679529bb2721048034675fd790411c",
    "32": "986bee7556d6cd5094f54e8d25da95540d06753b353fe549aa93ee13e4e65b79",
    "33": "203fce0ae2248da1dc86c44a9ed5af884252aa621588eb9ee35274339666598b",
    "35": "c2db7230dca8b4e5d45b2e64c2af831cc29e3aa0b743c651ab82c2e8b27aa5d1",
    "53": "19fa9b43e181659c54a6400312600880a5868091cee3fc0c2dc1334d89721171",
    "73": "3161191fc471d9fc1c6312ab0f9d1ae38b82d312e557adcee1f7abcd49e7890a",
}
LICENSE_SHA256 = "4f1ca94ef4795a12d24c82b92761e80e358d03f37c4024ea8a2b89a787de5b89"
TOLERANCE = 0.001  # degrees, about 110 m: a kecamatan is kilometres across
DECIMALS = 4  # about 11 m
MIN_AREA = 2e-6  # square degrees, about 0.025 km2
ROW = re.compile(r"\('(\d{2}\.\d{2}\.\d{2})','((?:[^'\\]|\\.|'')*)',(-?[\d.]+),(-?[\d.]+),'(\[[^']*\])'\)")


class SourceError(ValueError):
    pass


def read_source(path: str, source: pathlib.Path | None) -> bytes:
    if source is None:
        with urllib.request.urlopen(RAW.format(commit=COMMIT, path=path), timeout=60) as response:
            return response.read()
    if (source / path).is_file():
        return (source / path).read_bytes()
    return subprocess.run(["git", "--git-dir", str(source), "show", f"{COMMIT}:{path}"], check=True,
                          capture_output=True).stdout


def bundled_regencies() -> list[str]:
    found = set()
    for profile in sorted((ROOT / "profiles").glob("*.yaml")):
        match = re.search(r'^regency:\s*\n(?:\s+.*\n)*?\s+code:\s*"?(\d{2}\.\d{2})"?', profile.read_text(), re.M)
        if match:
            found.add(match.group(1))
    return sorted(found)


def kit_districts(regency: str) -> dict[str, str]:
    sys.path.insert(0, str(ROOT))
    from egovkit.wilayah import data

    return {r.code: r.name for r in data.subtree(regency) if r.level == "district"}


def _rings(value, where: str) -> list[list[list[list[float]]]]:
    """The source's path as a list of polygons, each a list of rings of [lat, lng]."""
    def depth(x):
        d = 0
        while isinstance(x, list) and x:
            x, d = x[0], d + 1
        return d

    levels = depth(value)
    polygons = {4: value, 3: [value], 2: [[value]]}.get(levels)
    if polygons is None:
        raise SourceError(f"{where}: path is not a polygon or multipolygon")
    for polygon in polygons:
        for ring in polygon:
            for point in ring:
                if not (isinstance(point, list) and len(point) == 2
                        and -11.5 <= point[0] <= 6.5 and 94.5 <= point[1] <= 141.5):
                    raise SourceError(f"{where}: {point!r} is not a [lat, lng] pair in Indonesia")
    return polygons


def _distance(p, a, b) -> float:
    if a == b:
        return math.dist(p, a)
    (x, y), (x1, y1), (x2, y2) = p, a, b
    return abs((x2 - x1) * (y1 - y) - (x1 - x) * (y2 - y1)) / math.dist(a, b)


def _douglas_peucker(points, tolerance):
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        best, index = 0.0, None
        for i in range(first + 1, last):
            d = _distance(points[i], points[first], points[last])
            if d > best:
                best, index = d, i
        if index is not None and best > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def simplify_ring(ring, tolerance=TOLERANCE) -> list[list[float]] | None:
    """A closed ring, simplified (split at the point farthest from its start) and rounded; None when it
    collapses below a triangle."""
    points = [(p[1], p[0]) for p in ring]  # [lat, lng] -> (lng, lat)
    if points[0] != points[-1]:
        points.append(points[0])
    far = max(range(len(points)), key=lambda i: math.dist(points[i], points[0]))
    if far == 0:
        return None
    half = _douglas_peucker(points[:far + 1], tolerance)
    out = half[:-1] + _douglas_peucker(points[far:], tolerance)
    rounded = []
    for x, y in out:
        point = [round(x, DECIMALS), round(y, DECIMALS)]
        if not rounded or rounded[-1] != point:
            rounded.append(point)
    return rounded if len(rounded) >= 4 else None


def area(ring) -> float:
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False))) / 2


def outline(code: str, polygons) -> list:
    """A kecamatan's MultiPolygon coordinates: its parts simplified, islets dropped, largest first."""
    parts = []
    for polygon in polygons:
        rings = [simplify_ring(r) for r in polygon]
        if rings[0] is None:
            continue
        parts.append([rings[0], *(r for r in rings[1:] if r is not None)])
    if not parts:
        raise SourceError(f"{code}: nothing is left of its outline after simplifying")
    parts.sort(key=lambda p: (-area(p[0]), p[0]))
    return [parts[0], *(p for p in parts[1:] if area(p[0]) >= MIN_AREA)]


def build(regency: str, text: str, file: str) -> tuple[dict, dict]:
    names = kit_districts(regency)
    found: dict[str, list] = {}
    for match in ROW.finditer(text):
        code = match.group(1)
        if not code.startswith(regency + "."):
            continue
        where = f"{file}:{text.count(chr(10), 0, match.start()) + 1}: {code}"
        if code not in names:
            raise SourceError(f"{where}: not a kecamatan of {regency} in the kit's region list")
        if code in found:
            raise SourceError(f"{where}: a second row for this code")
        try:
            path = json.loads(match.group(5))
        except ValueError as exc:
            raise SourceError(f"{where}: path is not JSON ({exc})") from None
        found[code] = outline(code, _rings(path, where))
    missing = sorted(set(names) - set(found))
    if missing:
        raise SourceError(f"{file}: no outline for {', '.join(missing)} of {regency}")
    features = [{"type": "Feature", "id": code, "properties": {"code": code, "name": names[code]},
                 "geometry": {"type": "MultiPolygon", "coordinates": found[code]}} for code in sorted(found)]
    collection = {"type": "FeatureCollection", "regency": regency, "features": features}
    vertices = sum(len(r) for f in found.values() for p in f for r in p)
    return collection, {"kecamatan": len(features), "vertices": vertices}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("regencies", nargs="*", help="regency codes (default: the bundled profiles')")
    parser.add_argument("--source", type=pathlib.Path, help=f"a checkout or bare git folder of {REPOSITORY}")
    parser.add_argument("--out", type=pathlib.Path, default=OUT)
    args = parser.parse_args()
    regencies = sorted(set(args.regencies)) or bundled_regencies()
    args.out.mkdir(parents=True, exist_ok=True)
    licence = read_source("LICENSE", args.source)
    if hashlib.sha256(licence).hexdigest() != LICENSE_SHA256:
        print("LICENSE differs from the one checked at COMMIT: read it before using the data", file=sys.stderr)
        return 1
    files, made, texts = {}, {}, {}
    for regency in regencies:
        province = regency[:2]
        file = f"db/kec/wilayah_boundaries_kec_{province}.sql"
        if file not in texts:
            raw = read_source(file, args.source)
            digest = hashlib.sha256(raw).hexdigest()
            if province in SHA256 and digest != SHA256[province]:
                print(f"{file}: SHA-256 {digest}, expected {SHA256[province]} at {COMMIT}", file=sys.stderr)
                return 1
            if province not in SHA256:
                print(f"{file}: SHA-256 {digest} (not pinned here: compare with your copy)", file=sys.stderr)
            texts[file], files[file] = raw.decode("utf-8"), digest
        try:
            collection, counts = build(regency, texts[file], file)
        except SourceError as exc:
            print(exc, file=sys.stderr)
            return 1
        body = (json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        (args.out / f"{regency}.geojson").write_bytes(body)
        made[regency] = {**counts, "bytes": len(body), "sha256": hashlib.sha256(body).hexdigest()}
        print(f"{regency}: {counts['kecamatan']} kecamatan, {counts['vertices']} vertices, {len(body):,} bytes")
    (args.out / "LICENSE-wilayah_boundaries.txt").write_bytes(licence)
    record = args.out / "source.json"
    earlier = json.loads(record.read_text()) if record.is_file() else {}
    if earlier.get("commit") == COMMIT:  # regencies built before from the same source stay listed
        files, made = earlier.get("files_sha256", {}) | files, earlier.get("regencies", {}) | made
    source = {"source": REPOSITORY, "commit": COMMIT, "licence": "MIT", "files_sha256": files,
              "tolerance_degrees": TOLERANCE, "decimals": DECIMALS, "min_area_square_degrees": MIN_AREA,
              "regencies": made}
    record.write_text(json.dumps(source, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
