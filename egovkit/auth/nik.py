"""Structural checks of NIK and KK numbers (never proof of identity).

NIK: 6 digits of region (province, regency, district of registration), 6 of
birth date DDMMYY with 40 added to DD for women, 4 of serial (0001 and up).
KK: 6 of region, 6 of issue date DDMMYY, 4 of serial.
"""
from __future__ import annotations

import re
from datetime import date

from ..wilayah import data as wilayah

_DIGITS16 = re.compile(r"[0-9]{16}")  # used with fullmatch: no trailing newline, ASCII digits only


class NikError(ValueError):
    """Why a number is not a valid NIK or KK number (``code`` lets a page say it in its language)."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


def _region(number: str) -> str:
    code = f"{number[0:2]}.{number[2:4]}.{number[4:6]}"
    if code not in wilayah.district_codes():
        raise NikError(f"digits 1-6 ({number[:6]}) are not a district code ({code}) in the Kemendagri list", "region")
    return code


def _date(dd: int, mm: int, yy: int, today: date) -> date:
    century = 2000 if 2000 + yy <= today.year else 1900
    try:
        return date(century + yy, mm, dd)
    except ValueError:
        raise NikError(f"digits 7-12 are not a valid date ({dd:02d}-{mm:02d}-{yy:02d})", "date") from None


def parse_nik(nik: str, today: date | None = None) -> tuple[str, date, str]:
    """(district code, birth date, sex 'L'/'P') from a NIK; raises NikError."""
    nik = nik.strip()
    if not _DIGITS16.fullmatch(nik):
        raise NikError("a NIK has exactly 16 digits", "length")
    district = _region(nik)
    today = today or date.today()
    dd, mm, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    sex = "P" if dd > 40 else "L"
    born = _date(dd - 40 if dd > 40 else dd, mm, yy, today)
    if born > today:
        raise NikError(f"digits 7-12 give a birth date in the future ({born:%d-%m-%Y})", "future")
    if nik[12:] == "0000":
        raise NikError("digits 13-16 (serial) start at 0001", "serial")
    return district, born, sex


def check_nik(nik: str, birth_date: date | None = None, sex: str | None = None) -> str:
    """Validate a NIK and, when given, its agreement with a record; returns the district code."""
    district, born, nik_sex = parse_nik(nik)
    if birth_date is not None and (born.day, born.month, born.year % 100) != (
            birth_date.day, birth_date.month, birth_date.year % 100):
        raise NikError(f"the NIK says born {born:%d-%m-%y}, the record says {birth_date:%d-%m-%y}", "birth")
    if sex is not None and sex != nik_sex:
        raise NikError("the NIK's birth day (+40 for women) does not match the sex in the record", "sex")
    return district


def check_kk(number: str, today: date | None = None) -> str:
    """Validate a family card (KK) number structurally; returns the district code."""
    number = number.strip()
    if not _DIGITS16.fullmatch(number):
        raise NikError("a KK number has exactly 16 digits", "length")
    district = _region(number)
    _date(int(number[6:8]), int(number[8:10]), int(number[10:12]), today or date.today())
    if number[12:] == "0000":
        raise NikError("digits 13-16 (serial) start at 0001", "serial")
    return district
