"""Structural checks of NIK and KK numbers (never proof of identity).

NIK: 6 digits of region (province, regency, district of registration), 6 of
birth date DDMMYY with 40 added to DD for women, 4 of serial (0001 and up).
KK: 6 of region, 6 of issue date DDMMYY, 4 of serial.
"""
from __future__ import annotations

import re
from datetime import date

from ..i18n import N_, english
from ..wilayah import data as wilayah

_DIGITS16 = re.compile(r"[0-9]{16}")  # used with fullmatch: no trailing newline, ASCII digits only


class NikError(ValueError):
    """Why a number is not a valid NIK or KK number. ``code`` is stable (for pages and machines);
    ``message`` an English msgid and ``params`` its parameters, so that it can be shown in any
    language (egovkit.i18n); ``str()`` is the English text."""

    def __init__(self, message: str, code: str, **params):
        super().__init__(english(message, params))
        self.code, self.message, self.params = code, message, params


_DISTRICTS: dict[str, str] = {}  # first 6 digits -> district code, for the ones found in the list


def _region(number: str) -> str:
    code = _DISTRICTS.get(number[:6])
    if code is not None:
        return code
    code = f"{number[0:2]}.{number[2:4]}.{number[4:6]}"
    if code not in wilayah.district_codes():
        raise NikError(N_("digits 1-6 (%(digits)s) are not a district code (%(district)s) in the Kemendagri list"),
                       "region", digits=number[:6], district=code)
    _DISTRICTS[number[:6]] = code  # bounded by the list itself (~7,300 districts)
    return code


def _date(dd: int, mm: int, yy: int, today: date) -> date:
    century = 2000 if 2000 + yy <= today.year else 1900
    try:
        return date(century + yy, mm, dd)
    except ValueError:
        raise NikError(N_("digits 7-12 are not a valid date (%(date)s)"), "date",
                       date=f"{dd:02d}-{mm:02d}-{yy:02d}") from None


def parse_nik(nik: str, today: date | None = None) -> tuple[str, date, str]:
    """(district code, birth date, sex 'L'/'P') from a NIK; raises NikError."""
    nik = nik.strip()
    if not _DIGITS16.fullmatch(nik):
        raise NikError(N_("a NIK has exactly 16 digits"), "length")
    district = _region(nik)
    today = today or date.today()
    dd, mm, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    sex = "P" if dd > 40 else "L"
    born = _date(dd - 40 if dd > 40 else dd, mm, yy, today)
    if born > today:
        raise NikError(N_("digits 7-12 give a birth date in the future (%(date)s)"), "future",
                       date=f"{born:%d-%m-%Y}")
    if nik[12:] == "0000":
        raise NikError(N_("digits 13-16 (serial) start at 0001"), "serial")
    return district, born, sex


def check_nik(nik: str, birth_date: date | None = None, sex: str | None = None, today: date | None = None) -> str:
    """Validate a NIK and, when given, its agreement with a record; returns the district code. ``today``
    (default: the date now) lets a caller checking many numbers ask the clock once."""
    district, born, nik_sex = parse_nik(nik, today)
    if birth_date is not None and (born.day, born.month, born.year % 100) != (
            birth_date.day, birth_date.month, birth_date.year % 100):
        raise NikError(N_("the NIK says born %(nik_date)s, the record says %(record_date)s"), "birth",
                       nik_date=f"{born:%d-%m-%y}", record_date=f"{birth_date:%d-%m-%y}")
    if sex is not None and sex != nik_sex:
        raise NikError(N_("the NIK's birth day (+40 for women) does not match the sex in the record"), "sex")
    return district


def check_kk(number: str, today: date | None = None) -> str:
    """Validate a family card (KK) number structurally; returns the district code."""
    number = number.strip()
    if not _DIGITS16.fullmatch(number):
        raise NikError(N_("a KK number has exactly 16 digits"), "length")
    district = _region(number)
    _date(int(number[6:8]), int(number[8:10]), int(number[10:12]), today or date.today())
    if number[12:] == "0000":
        raise NikError(N_("digits 13-16 (serial) start at 0001"), "serial")
    return district
