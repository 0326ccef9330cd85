"""Open data of smart_kampung (Module.datasets): counts from the population counters and issued letters."""
from __future__ import annotations

from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from egovkit.db import db
from egovkit.models import Region, as_utc
from egovkit.services.documents import Document

from .models import Letter, PopulationCount

AGE_GROUPS = [(lo, lo + 4) for lo in range(0, 75, 5)]  # 0-4 ... 70-74, then 75+


def _age_group(age: int) -> str:
    for lo, hi in AGE_GROUPS:
        if lo <= age <= hi:
            return f"{lo:02d}-{hi:02d}"
    return "75+"


def _places() -> dict[str, tuple[str, str]]:
    """village code -> (village name, district name)."""
    district = db.aliased(Region)
    rows = db.session.execute(select(Region.code, Region.name, district.name)
                              .join(district, district.code == Region.parent_code)
                              .where(Region.level == "village")).all()
    return {code: (name, parent) for code, name, parent in rows}


def population():
    """Living residents per desa, sex and five-year age group (the counters kept by triggers)."""
    zone = ZoneInfo(current_app.extensions["egovkit"].profile.timezone)
    year = datetime.now(zone).year
    totals: Counter = Counter()
    for village, sex, birth_year, n in db.session.execute(
            select(PopulationCount.village_code, PopulationCount.sex, PopulationCount.birth_year,
                   PopulationCount.n).where(PopulationCount.n > 0)):
        totals[(village, sex, _age_group(max(0, year - birth_year)))] += n
    places = _places()
    for (village, sex, group), n in sorted(totals.items()):
        name, district = places.get(village, (village, ""))
        yield {"village_code": village, "village": name, "district": district, "sex": sex, "age_group": group,
               "residents": n}


def letters():
    """Village letters issued (signed) per month and letter type, regency-wide."""
    zone = ZoneInfo(current_app.extensions["egovkit"].profile.timezone)
    kinds = dict(db.session.execute(select(Letter.id, Letter.letter_type)).all())
    counts: Counter = Counter()
    for record_id, issued_at in db.session.execute(
            select(Document.record_id, Document.issued_at).where(Document.doc_type == "smart_kampung.letter")):
        kind = kinds.get(int(record_id)) if str(record_id).isdigit() else None
        if kind is not None:
            counts[(as_utc(issued_at).astimezone(zone).strftime("%Y-%m"), kind)] += 1
    for (month, kind), n in sorted(counts.items()):
        yield {"month": month, "letter_type": kind, "letters": n}
