"""Working days for SLAs: Monday to Friday, minus Indonesian public holidays
(the maintained `holidays` package) and the profile's extra days off
(cuti bersama, local holidays)."""
from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=32)
def _national(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("ID", years=[year]))


def is_working_day(day: date, extra: frozenset[date] = frozenset()) -> bool:
    return day.weekday() < 5 and day not in _national(day.year) and day not in extra


def add_working_days(start: date, days: int, extra: frozenset[date] = frozenset()) -> date:
    """The date ``days`` working days after ``start`` (the day work is due by its end)."""
    day = start
    while days > 0:
        day += timedelta(days=1)
        if is_working_day(day, extra):
            days -= 1
    return day


def working_days_between(start: date, end: date, extra: frozenset[date] = frozenset()) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day, extra)
    return count
