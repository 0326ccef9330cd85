"""Demo projects for `egovkit init --demo` (and the benchmark's generator): per kecamatan a desa's APBDes
project and an agency's project, with progress, reports and photos at 0/50/100%, some late, some stalled.
Points are placed at random inside their kecamatan's outline (outlines.py; the kit carries them for its
profiles' regencies); a regency without outlines gets demo projects without a point (listed, not drawn).
Every figure and place is made up."""
from __future__ import annotations

import random
import secrets
import struct
import zlib
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import insert, select

from egovkit.db import db
from egovkit.models import Region, utcnow
from egovkit.services import uploads

from . import outlines, projects
from .models import Photo, Project, Report

VILLAGE_WORKS = (("jalan", "Pengerasan jalan desa"), ("air", "Sumur bor air bersih"),
                 ("irigasi", "Saluran drainase jalan desa"), ("gedung", "Rehabilitasi balai desa"))
AGENCY_WORKS = (("dpupr", "jalan", "Peningkatan jalan kabupaten ruas"), ("dpupr", "irigasi", "Rehabilitasi jaringan irigasi"),
                ("dinkes", "gedung", "Rehabilitasi puskesmas"), ("diskominfo", "keamanan", "Pemasangan CCTV dan menara sandi"))
CONTRACTORS = ("CV Karya Blambangan", "CV Sumber Rejeki", "PT Ijen Konstruksi", "CV Bumi Osing", "Swakelola TPK desa")


def png(rgb: tuple[int, int, int], width: int = 48, height: int = 36) -> bytes:
    """A small one-colour PNG: a stand-in site photo."""
    raw = b"".join(b"\0" + bytes(rgb) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def plan(rng: random.Random, year: int, on: date) -> dict:
    """Dates, progress and last report of a made-up project: most on time, some late, some stalled."""
    starts = date(year, 1, 1) + timedelta(days=rng.randint(30, 150))
    ends = starts + timedelta(days=rng.randint(90, 240))
    span = max(1, (ends - starts).days)
    due = max(0, min(100, (on - starts).days * 100 // span))
    fate = rng.random()
    if due == 0:
        progress, last = 0, None
    elif fate < 0.15:  # late
        progress, last = max(0, due - rng.randint(30, 60)), on - timedelta(days=rng.randint(3, 20))
    elif fate < 0.25:  # stalled
        progress, last = max(0, min(95, due - rng.randint(0, 15))), on - timedelta(days=rng.randint(60, 120))
    else:  # on time (finished when its end date has passed)
        progress = 100 if due >= 100 else max(0, min(100, due + rng.randint(-10, 10)))
        last = min(on - timedelta(days=rng.randint(1, 20)), ends)
    if last is not None and last < starts:
        last = starts
    return {"starts_on": starts, "ends_on": ends, "progress": progress, "updated_on": last}


def write(year: int, count: int, rng: random.Random, *, every_stage: bool = False, with_files: bool = False,
          on: date | None = None) -> tuple[int, int]:
    """``count`` projects of ``year`` spread over the regency's desa (Core inserts: fast enough for the
    benchmark's 10,000), with a photo record at each stage reached (at every stage with ``every_stage``); returns (projects, photos) written."""
    on = on or projects.today()
    now = utcnow()
    regency = current_app.extensions["egovkit"].profile.regency.code
    villages = db.session.scalars(select(Region.code).where(Region.level == "village",
                                                            Region.code.like(regency + ".%"))
                                  .order_by(Region.code)).all()
    agencies = {a.code for a in current_app.extensions["egovkit"].profile.agencies}
    kinds = projects.settings().kinds
    rows, photo_rows, report_rows = [], [], []  # the children name their project by its index in rows
    stored = {}
    if with_files:
        for stage, colour in ((0, (150, 120, 90)), (50, (190, 170, 120)), (100, (90, 150, 110))):
            name = f"{rng.getrandbits(96):024x}.png"
            stored[stage] = name, png(colour)
    for i in range(count):
        village = rng.choice(villages) if villages else None
        district = projects.district_of(village)
        agency_work = i % 3 == 2
        if agency_work:
            agency, kind, title = AGENCY_WORKS[(i // 3) % len(AGENCY_WORKS)]
            agency = agency if agency in agencies else None
        else:
            agency = None
            kind, title = VILLAGE_WORKS[i % len(VILLAGE_WORKS)]
        kind = kind if kind in kinds else projects.settings().default_kind
        lat, lon = (outlines.random_point(regency, district, rng) if district else None) or (None, None)
        budget = rng.randint(50, 2500) * 1_000_000
        fate = plan(rng, year, on)
        spent = int(budget * fate["progress"] / 100 * rng.uniform(0.6, 1.0)) // 1_000_000 * 1_000_000
        pid = i  # replaced by the project's id once inserted
        rows.append({"origin": "planning" if agency_work else "village_finance",
                     "origin_ref": f"demo:{year}:{secrets.token_hex(8)}", "year": year, "name": f"[DEMO] {title} {i + 1}",
                     "kind": kind, "code": "", "agency_code": agency, "region_code": village,
                     "district_code": district, "lat": lat, "lon": lon, "budget": budget, "realised": spent,
                     "contractor": rng.choice(CONTRACTORS), "created_at": now, "demo": True, **fate})
        if fate["updated_on"]:
            report_rows.append({"project_id": pid, "region_code": village, "agency_code": agency,
                                "day": fate["updated_on"], "progress": fate["progress"], "realised": spent,
                                "note": "Laporan demo", "created_at": now})
        for stage in (0, 50, 100):
            if every_stage or (fate["updated_on"] and stage <= fate["progress"]):
                photo_rows.append({"project_id": pid, "region_code": village, "agency_code": agency,
                                   "stage": stage, "stored": stored[stage][0] if with_files else
                                   f"{rng.getrandbits(96):024x}.jpg", "caption": "", "created_at": now})
    # The ids come from the database (an id chosen here would leave PostgreSQL's sequence behind: the next
    # project made by form would collide with it), in the rows' order.
    ids = []
    for start in range(0, len(rows), 2000):
        ids += db.session.scalars(insert(Project).returning(Project.id, sort_by_parameter_order=True),
                                  rows[start:start + 2000]).all()
    for child in (*report_rows, *photo_rows):
        child["project_id"] = ids[child["project_id"]]
    for table, batch in ((Report, report_rows), (Photo, photo_rows)):
        for start in range(0, len(batch), 2000):
            if batch[start:start + 2000]:
                db.session.execute(insert(table), batch[start:start + 2000])
    if with_files:
        for row in photo_rows:
            target = uploads.folder("monitoring", str(row["project_id"])) / row["stored"]
            target.write_bytes(stored[row["stage"]][1])
    return len(rows), len(photo_rows)


def seed(app=None):
    year = projects.today().year
    districts = db.session.scalar(select(db.func.count()).select_from(Region).where(
        Region.level == "district", Region.code.like(current_app.extensions["egovkit"].profile.regency.code + ".%")))
    write(year, min(75, 3 * (districts or 1)), random.Random(2016), with_files=True)
