"""Believable APBDes for `init --demo` and the benchmark: for every desa (not
kelurahan: they have no village budget) and each of the last fiscal years, an
approved budget whose receipts and spending follow a typical East Javanese
village (Dana Desa about Rp 1 billion, ADD mostly for fixed income), which
passes the module's rules, with realisation entries spread over the year.
Deterministic for a given seed; every figure is made up."""
from __future__ import annotations

import random
import secrets
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import insert, select

from egovkit.db import db
from egovkit.models import Region, utcnow
from egovkit.services.workflow import Case, Step

from . import budget as service
from . import rules
from .models import Budget, Entry, Line

# kegiatan, account, share of the source, description
SPENDING = {
    "DD": (("4.2.01", "5.2.7.02", 0.15, "Bantuan bibit dan pupuk kelompok tani"),
           ("4.2.03", "5.3.4.03", 0.09, "Lumbung pangan desa"),
           ("5.3.00", "5.4.1.01", 0.15, "BLT Dana Desa"),
           ("2.2.02", "5.2.1.06", 0.05, "Makanan tambahan balita dan ibu hamil"),
           ("2.3.10", "5.3.5.03", 0.24, "Pengerasan jalan desa"),
           ("2.3.14", "5.3.7.03", 0.09, "Saluran drainase jalan desa"),
           ("2.4.01", "5.2.7.01", 0.06, "Bedah rumah tidak layak huni"),
           ("2.4.11", "5.3.8.03", 0.06, "Sumur bor air bersih"),
           ("4.5.02", "5.2.7.02", 0.04, "Sarana usaha mikro warga")),
    "ADD": (("1.1.01", "5.1.1.01", 0.07, "Penghasilan tetap kepala desa"),
            ("1.1.02", "5.1.2.01", 0.30, "Penghasilan tetap perangkat desa"),
            ("1.1.03", "5.1.3.02", 0.04, "Iuran BPJS kepala desa dan perangkat"),
            ("1.1.04", "5.2.1.01", 0.05, "Alat tulis kantor dan benda pos"),
            ("1.1.04", "5.2.5.01", 0.03, "Listrik, air dan internet kantor desa"),
            ("1.1.05", "5.1.4.01", 0.06, "Tunjangan BPD"),
            ("1.4.01", "5.2.1.06", 0.04, "Musyawarah perencanaan desa"),
            ("1.4.04", "5.2.2.01", 0.04, "Penyusunan APBDes dan LPJ"),
            ("1.2.02", "5.2.6.05", 0.08, "Pemeliharaan kantor desa"),
            ("3.4.03", "5.2.1.06", 0.07, "Pembinaan PKK"),
            ("4.3.02", "5.2.3.03", 0.06, "Pelatihan perangkat desa"),
            ("2.1.02", "5.2.2.05", 0.16, "Insentif guru PAUD")),
    "PBH": (("1.1.07", "5.2.2.06", 0.55, "Insentif RT/RW"),
            ("3.1.02", "5.2.2.05", 0.25, "Honor Linmas desa"),
            ("2.6.02", "5.2.1.08", 0.15, "Baliho APBDes dan informasi publik")),
    "PAD": (("3.2.06", "5.2.1.06", 0.45, "Peringatan hari besar keagamaan"),
            ("3.3.03", "5.2.1.99", 0.35, "Lomba olahraga dan seni desa")),
    "SILPA": (("2.3.01", "5.2.6.06", 0.9, "Pemeliharaan jalan desa"),),
}
RECEIPTS = (("4.2.1.01", "DD", 850, 1350), ("4.2.3.01", "ADD", 450, 800), ("4.2.2.01", "PBH", 45, 120),
            ("4.1.2.01", "PAD", 15, 90), ("6.1.1.01", "SILPA", 10, 150))  # millions of Rupiah
MILLION = 1_000_000


def villages() -> list[str]:
    """Codes of the instance's desa (the four-digit part of a kelurahan starts with 1)."""
    codes = db.session.scalars(select(Region.code).where(Region.level == "village").order_by(Region.code))
    return [c for c in codes if c.rsplit(".", 1)[1].startswith("2")]


def plan(rng: random.Random, lines: int = 0) -> list[dict]:
    """The lines of one APBDes; with ``lines``, big spending lines are split (per RT, per dusun) to reach it."""
    receipts = {source: rng.randint(low, high) * MILLION for _, source, low, high in RECEIPTS}
    out = [{"account": account, "kegiatan": None, "source": source, "amount": receipts[source],
            "description": ""} for account, source, _, _ in RECEIPTS]
    spend = []
    for source, parts in SPENDING.items():
        for kegiatan, account, share, text in parts:
            amount = int(receipts[source] * share * rng.uniform(0.9, 1.0)) // 1000 * 1000
            spend.append({"account": account, "kegiatan": kegiatan, "source": source, "amount": amount,
                          "description": text})
    while len(out) + len(spend) < lines:  # split the largest line in two
        spend.sort(key=lambda x: x["amount"])
        big = spend.pop()
        half = big["amount"] // 2000 * 1000
        n = sum(1 for x in spend if x["kegiatan"] == big["kegiatan"]) + 2
        spend += [{**big, "amount": half}, {**big, "amount": big["amount"] - half,
                                            "description": f"{big['description']} tahap {n}"}]
    return out + sorted(spend, key=lambda x: (x["kegiatan"], x["account"]))


def _days(rng: random.Random, year: int, until: date, count: int) -> list[date]:
    start = date(year, 1, 15)
    span = max((until - start).days, 1)
    return sorted(start + timedelta(days=rng.randrange(span)) for _ in range(count))


def write(village: str, year: int, rng: random.Random, *, lines: int = 0, entries: int = 3,
          until: date | None = None, pace: float = 1.0) -> int:
    """One approved APBDes with its realisation up to ``until``; returns the number of entries written."""
    until = until or date(year, 12, 31)
    rows = plan(rng, lines)
    problems = rules.check(service.chart(), [rules.DraftLine("", r["account"], r["kegiatan"], r["source"],
                                                             r["amount"]) for r in rows], service.settings().earmarks)
    if problems:  # the generator must keep the rules it demonstrates
        raise RuntimeError(f"demo budget breaks the rules: {problems[0]}")
    now = utcnow()
    case_id = db.session.execute(insert(Case).returning(Case.id), [dict(
        workflow="village_finance.apbdes", state="approved", version=1, module="village_finance", record_id="0",
        title=f"APBDes {year}", region_code=village, created_at=now, state_since=now, closed=True)]).scalar_one()
    budget = Budget(village_code=village, year=year, version=1, case_id=case_id, in_force=True,
                    perdes=f"{rng.randint(1, 9)}/{year}", approved_at=now)
    db.session.add(budget)
    db.session.flush()
    db.session.get(Case, case_id).record_id = str(budget.id)
    db.session.add(Step(case_id=case_id, transition="start", from_state=None, to_state="approved", actor="demo",
                        data="{}"))
    elapsed = min(max((until - date(year, 1, 1)).days / 365, 0), 1)
    entry_rows = []
    for r in rows:
        r.update(budget_id=budget.id, village_code=village, key=secrets.token_hex(6), realised=0)
        share = 1.0 if rules.is_receipt(r["account"]) else min(elapsed * pace * rng.uniform(0.85, 1.05), 1.0)
        total = int(r["amount"] * share) // 1000 * 1000
        count = entries if total >= entries * 1000 else (1 if total else 0)
        parts = [total // count // 1000 * 1000] * count if count else []
        if parts:
            parts[-1] = total - sum(parts[:-1])
        for day, amount in zip(_days(rng, year, until, count), parts, strict=True):
            if amount > 0:
                entry_rows.append({"village_code": village, "year": year, "line_key": r["key"], "day": day,
                                   "amount": amount, "description": r["description"] or "Penerimaan",
                                   "created_at": now})
                r["realised"] += amount
    ids = db.session.scalars(insert(Line).returning(Line.id, sort_by_parameter_order=True), rows).all()
    by_key = {r["key"]: line_id for r, line_id in zip(rows, ids, strict=True)}
    for e in entry_rows:
        e["line_id"] = by_key[e["line_key"]]
    if entry_rows:
        db.session.execute(insert(Entry), entry_rows)
    return len(entry_rows)


def seed(app=None) -> None:
    settings = current_app.extensions["egovkit"].profile.modules["village_finance"]
    rng = random.Random(20181)
    today = service.today()
    for village in villages():
        pace = rng.choice((1.0, 1.0, 1.0, 0.9, 0.75, 0.45))  # some villages lag: the dashboard shows them
        for year in range(today.year - settings.demo_years + 1, today.year + 1):
            write(village, year, rng, until=min(today, date(year, 12, 31)),
                  pace=pace if year == today.year else 1.0)
