"""The regency's kecamatan outlines, drawn under the points when the map has no tiles: one small GeoJSON per
regency in data/outlines/ (built by scripts/build_outlines.py from a licensed source, docs/data-sources.md).
A regency without a file gets points on a plain background."""
from __future__ import annotations

import json
import random
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).parent / "data" / "outlines"


@lru_cache(maxsize=8)
def collection(regency: str) -> dict | None:
    """The regency's outlines as a GeoJSON FeatureCollection (one MultiPolygon per kecamatan, [lng, lat]),
    or None when the kit carries none for it."""
    path = DATA / f"{regency}.geojson"
    if not path.is_file() or len(regency) != 5:
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def named(regency: str, names: dict[str, str]) -> dict | None:
    """The outlines with the instance's own names of its kecamatan (the file's where it has none)."""
    found = collection(regency)
    if found is None:
        return None
    return {**found, "features": [{**f, "properties": {**f["properties"],
                                                        "name": names.get(f["id"], f["properties"]["name"])}}
                                  for f in found["features"]]}


def _inside(lon: float, lat: float, ring) -> bool:
    hit = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
        if (y1 > lat) != (y2 > lat) and lon < (x2 - x1) * (lat - y1) / (y2 - y1) + x1:
            hit = not hit
    return hit


def contains(feature: dict, lat: float, lon: float) -> bool:
    return any(_inside(lon, lat, polygon[0]) and not any(_inside(lon, lat, hole) for hole in polygon[1:])
               for polygon in feature["geometry"]["coordinates"])


def random_point(regency: str, district: str, rng: random.Random) -> tuple[float, float] | None:
    """A point (lat, lon) inside the kecamatan's outline (its largest part), for demo projects; None without
    an outline."""
    found = collection(regency)
    feature = next((f for f in found["features"] if f["id"] == district), None) if found else None
    if feature is None:
        return None
    ring = feature["geometry"]["coordinates"][0][0]
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    for _ in range(200):
        lat, lon = rng.uniform(min(lats), max(lats)), rng.uniform(min(lons), max(lons))
        if contains(feature, lat, lon):
            return round(lat, 6), round(lon, 6)
    return None
