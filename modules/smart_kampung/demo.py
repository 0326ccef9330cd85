"""Synthetic but believable residents, for `init --demo` and the benchmarks.

Families of plausible size and ages, Javanese and Osing names, NIK and KK
numbers with a valid structure (district, date, serial). Deterministic for
a given seed. Every name is made up; the records are marked by their
generator only through the import log, so delete the instance to remove them.
"""
from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Iterator

from flask import current_app
from sqlalchemy import select

from egovkit.db import db
from egovkit.models import Region

from . import importer

MALE = ("Agus", "Budi", "Slamet", "Joko", "Suparman", "Sugeng", "Bambang", "Wahyu", "Heru", "Eko", "Dwi", "Rudi",
        "Hadi", "Imam", "Ahmad", "Muhammad", "Rizky", "Fajar", "Teguh", "Yusuf", "Arif", "Sutrisno", "Suyono",
        "Suwarno", "Hariyanto", "Gunawan", "Andi", "Dimas", "Bayu", "Taufik", "Samsul", "Mistar", "Juwari")
FEMALE = ("Sri", "Siti", "Wahyuni", "Rahayu", "Dewi", "Lestari", "Sumiati", "Suparti", "Endang", "Ratna", "Nur",
          "Yuliana", "Indah", "Ayu", "Fitri", "Novi", "Retno", "Rina", "Nurul", "Anis", "Susanti", "Kartini",
          "Maryam", "Aminah", "Sulastri", "Tri", "Eka", "Putri", "Wulan", "Lilis", "Misnah", "Sutini")
MALE_SECOND = ("Santoso", "Wibowo", "Pratama", "Saputra", "Setiawan", "Hidayat", "Kurniawan", "Susanto", "Wijaya",
               "Purnomo", "Prasetyo", "Hartono", "Nugroho", "Utomo", "Permana")
FEMALE_SECOND = ("Wati", "Ningsih", "Sari", "Lestari", "Handayani", "Rahmawati", "Puspitasari", "Kusumawati",
                 "Anggraini", "Safitri")
WORK = (("PETANI/PEKEBUN", 30), ("BURUH TANI/PERKEBUNAN", 15), ("WIRASWASTA", 15), ("PEDAGANG", 8),
        ("NELAYAN/PERIKANAN", 4), ("KARYAWAN SWASTA", 12), ("PEGAWAI NEGERI SIPIL", 3), ("GURU", 2),
        ("SOPIR", 3), ("TUKANG", 4), ("PENSIUNAN", 2))
RELIGION = (("ISLAM", 93), ("KRISTEN", 2), ("KATOLIK", 1), ("HINDU", 3), ("BUDDHA", 1))
EDUCATION = (("SD", 30), ("SLTP", 22), ("SLTA", 28), ("TIDAK/BELUM SEKOLAH", 6), ("BELUM TAMAT SD", 5),
             ("D3", 2), ("S1/D4", 6), ("S2", 1))
PLACES = ("BANYUWANGI", "JEMBER", "SURABAYA", "MALANG", "SITUBONDO", "BONDOWOSO", "DENPASAR", "LUMAJANG")
STREETS = ("Jl. Raya", "Dusun Krajan", "Dusun Sumberejo", "Dusun Kampung Baru", "Jl. Merdeka", "Dusun Tegalsari",
           "Dusun Sukorejo", "Jl. Pahlawan")


def _weighted(rng: random.Random, pairs) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


class _Serials:
    """Unique serials per prefix (district + date), as the registry would give them."""

    def __init__(self):
        self.last: dict[str, int] = {}

    def next(self, prefix: str) -> str:
        self.last[prefix] = self.last.get(prefix, 0) + 1
        return f"{prefix}{self.last[prefix]:04d}"


def _name(rng, sex: str) -> str:
    first = rng.choice(MALE if sex == "L" else FEMALE)
    if rng.random() < 0.55:
        return f"{first} {rng.choice(MALE_SECOND if sex == 'L' else FEMALE_SECOND)}".upper()
    return first.upper()


def generate(villages: list[str], families_per_village: int, seed: int = 20261124,
             today: date | None = None) -> Iterator[dict]:
    """CSV rows (docs/residents-csv.md columns) for every village."""
    rng = random.Random(seed)
    today = today or date(2026, 11, 24)
    niks, kks = _Serials(), _Serials()

    def person(village, kk, sex, born, relation, address, rt, rw, married):
        district = village[:8].replace(".", "")
        day = born.day + (40 if sex == "P" else 0)
        nik = niks.next(f"{district}{day:02d}{born:%m%y}")
        age = (today - born).days // 365
        work = ("PELAJAR/MAHASISWA" if 6 <= age < 20 else "BELUM/TIDAK BEKERJA" if age < 6 else
                "MENGURUS RUMAH TANGGA" if relation == "ISTRI" and rng.random() < 0.5 else _weighted(rng, WORK))
        education = "TIDAK/BELUM SEKOLAH" if age < 7 else "BELUM TAMAT SD" if age < 13 else _weighted(rng, EDUCATION)
        return {"nik": nik, "nama": _name(rng, sex), "jenis_kelamin": sex,
                "tempat_lahir": rng.choice(PLACES), "tanggal_lahir": born.isoformat(),
                "agama": religion, "pendidikan": education, "pekerjaan": work,
                "status_perkawinan": married, "hubungan_keluarga": relation, "no_kk": kk, "alamat": address,
                "rt": rt, "rw": rw, "kode_desa": village, "status": "HIDUP"}

    for village in villages:
        district = village[:8].replace(".", "")
        for _ in range(families_per_village):
            religion = _weighted(rng, RELIGION)
            rw = f"{rng.randint(1, 8):03d}"
            rt = f"{rng.randint(1, 6):03d}"
            address = f"{rng.choice(STREETS)} No. {rng.randint(1, 120)}"
            issued = today - timedelta(days=rng.randint(30, 3650))
            kk = kks.next(f"{district}{issued:%d%m%y}")
            head_age = rng.randint(24, 72)
            head_born = today - timedelta(days=head_age * 365 + rng.randint(0, 364))
            single = rng.random() < 0.12
            head_sex = "P" if single and rng.random() < 0.6 else "L"
            yield person(village, kk, head_sex, head_born, "KEPALA KELUARGA", address, rt, rw,
                         "CERAI MATI" if single and head_sex == "P" else "BELUM KAWIN" if single else "KAWIN")
            if single:
                continue
            wife_born = head_born + timedelta(days=rng.randint(-3 * 365, 7 * 365))
            wife_born = min(wife_born, today - timedelta(days=19 * 365))
            yield person(village, kk, "P", wife_born, "ISTRI", address, rt, rw, "KAWIN")
            mother_age = (today - wife_born).days // 365
            for _child in range(rng.choice((0, 1, 1, 2, 2, 2, 3, 3, 4))):
                age = rng.randint(0, max(0, min(mother_age - 19, 30)))
                born = today - timedelta(days=age * 365 + rng.randint(0, 364))
                yield person(village, kk, rng.choice("LP"), born, "ANAK", address, rt, rw,
                             "KAWIN" if age > 24 and rng.random() < 0.3 else "BELUM KAWIN")
            if head_age < 45 and rng.random() < 0.15:
                born = head_born - timedelta(days=rng.randint(22, 32) * 365)
                yield person(village, kk, rng.choice("LP"), born, "ORANG TUA", address, rt, rw, "CERAI MATI")


def villages() -> list[str]:
    return list(db.session.scalars(select(Region.code).where(Region.level == "village").order_by(Region.code)))


def write_csv(path: Path, rows) -> int:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=importer.COLUMNS)
        writer.writeheader()
        n = 0
        for row in rows:
            writer.writerow(row)
            n += 1
    return n


def seed(app=None) -> None:
    settings = current_app.extensions["egovkit"].profile.modules["smart_kampung"]
    codes = villages()
    parse = importer.Parser(set(codes), None)
    batch = []
    for line, row in enumerate(generate(codes, settings.demo_families_per_village), start=2):
        batch.append(parse(row, line))
        if len(batch) >= 2000:
            importer.write(batch)
            batch = []
    importer.write(batch)
