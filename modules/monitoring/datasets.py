"""Open data of monitoring (Module.datasets): projects and their average physical progress per kecamatan and
year, without the profile's internal kinds (public works: their number and money are public)."""
from __future__ import annotations

from sqlalchemy import func, select

from egovkit.db import db

from . import figures, projects
from .models import Project


def per_district():
    rows = list(db.session.execute(
        select(Project.year, Project.district_code, func.count(Project.id), func.avg(Project.progress),
               func.sum(Project.budget), func.sum(Project.realised))
        .where(projects.public_clause(), Project.district_code.is_not(None))
        .group_by(Project.year, Project.district_code).order_by(Project.year, Project.district_code)))
    names = figures.region_names(r[1] for r in rows)
    for year, district, count, progress, budget, realised in rows:
        yield {"year": year, "district_code": district, "district": names.get(district, district),
               "projects": count, "average_progress": round(float(progress or 0), 1), "budget": int(budget or 0),
               "realised": int(realised or 0)}
