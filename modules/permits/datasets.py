"""Open data of permits (Module.datasets)."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from egovkit.db import db

from .models import Permit


def issued():
    """Permits issued per month (of issue) and type."""
    counts: Counter = Counter()
    for kind, day in db.session.execute(select(Permit.permit_type, Permit.issued_on)
                                        .where(Permit.issued_on.is_not(None))):
        counts[(day.strftime("%Y-%m"), kind)] += 1
    for (month, kind), n in sorted(counts.items()):
        yield {"month": month, "permit_type": kind, "permits": n}
