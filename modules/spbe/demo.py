"""Demo data: last year's self-assessment, filled in, so the year-over-year comparison and the dashboard
tile have something to show; this year's is left for the assessor (the kit's suggestions pre-fill it)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from egovkit.db import db

from . import catalogue
from .models import Answer, Assessment

# Levels of the demo year: a regency that has its policies and plans, and services mostly online.
DEMO_LEVELS = {1: 3, 2: 3, 3: 2, 4: 3, 5: 2, 6: 2, 7: 2, 8: 3, 9: 2, 10: 4, 11: 3, 12: 3, 13: 2, 14: 3, 15: 3,
               16: 2, 17: 3, 18: 3, 19: 4, 20: 3, 21: 2, 22: 3, 23: 2, 24: 2, 25: 2, 26: 2, 27: 2, 28: 3, 29: 1,
               30: 2, 31: 2, 32: 3, 33: 3, 34: 3, 35: 4, 36: 3, 37: 3, 38: 3, 39: 2, 40: 3, 41: 3, 42: 4, 43: 3,
               44: 4, 45: 4, 46: 3, 47: 3}


def seed(app) -> None:
    settings = app.extensions["egovkit"].profile.modules["spbe"]
    year = date.today().year - 1
    if db.session.scalar(select(Assessment.id).where(Assessment.year == year)) is not None:
        return
    ed = catalogue.edition(settings.edition)
    assessment = Assessment(year=year, edition=settings.edition, demo=True)
    db.session.add(assessment)
    db.session.flush()
    for number in ed.indicators:
        db.session.add(Answer(assessment_id=assessment.id, indicator=number, level=DEMO_LEVELS[number],
                              narrative="Data contoh (demo).", proof="[]"))
    db.session.commit()
