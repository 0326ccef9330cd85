"""Social aid (social_aid) at a regency's size: who meets a programme's rules, and a desa's disbursement list.

1. The population register of bench/residents.py (its generator and `egovkit residents import`: ~1.7 million
   residents by default, `--families 50` ~40,000 for a quick run; or `--reuse DIR`, a folder residents.py or this
   bench left with `--keep`), a DTSEN decile file of `--deciles` rows (default 500,000 at full size, scaled with
   `--families`: every family card's household, the rest persons by NIK; deciles 1-10 evenly) imported with
   `egovkit social-aid import-deciles`, and standing proposals written straight into the tables: PKH for 5% of
   the residents (PKH excludes BLT DBH CHT) and BLT DBH CHT for 2% of the households.
2. Eligibility of Banyuwangi's BLT DBH CHT (aid per household; decile at most 2, aged 18 or more, alive,
   resident of the regency, not a PKH recipient, household not yet proposed) over the whole register, in-process,
   each case `--rounds` times, egovkit and its baseline in turn:
   - the page GET /bansos/eligible?programme=blt_dbhcht as Dinas Sosial staff (the count per desa of the
     whole regency: `eligibility.screen` grouped) against the bare SQL GROUP BY of the same rules (sqlite3);
   - `eligibility.screen(...)` read to its last row (every eligible resident) against the bare SQL of the same
     rules fetched (sqlite3 fetchall);
   - for information, the same page as a desa operator (their desa's list), 10 times a round, against the bare
     SQL of the desa's eligible rows in name order.
   rows/s = residents in the register / seconds. Goal: egovkit >= 50% of the bare SQL's rows/s.
3. The disbursement list of one desa with `--beneficiaries` (100,000) approved and paid beneficiaries (proposals,
   cases and payments written straight into the tables): GET /bansos/disbursement?...&format=xlsx through the
   Flask test client in a child process, whose peak RSS (VmHWM: not getrusage's ru_maxrss, which Linux carries
   over from the parent across fork and exec) is measured, with its RSS before
   the request, and a second request's tracemalloc peak; baseline, a child process too: the bare rows fetch
   (sqlite3 fetchall of the same rows, the same join). Goal: peak RSS < 300 MB.

    python bench/social_aid.py                    # ~1.7 million residents, 500,000 decile rows
    python bench/social_aid.py --families 50      # ~40,000 residents, a few minutes
    python bench/social_aid.py --reuse DIR        # on a register kept by `residents.py --keep` (or this --keep)

Exits 0 whether or not the goals are met (a measurement, not a test); 1 when something fails outright.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
from residents import (DEFAULT_FAMILIES, OPERATOR_VILLAGE, PER_FAMILY, VILLAGES, BenchError,  # noqa: E402
                       bench_user, clean_env, egovkit, log, login, make_instance, mb, run_import, verdict)

RATIO_GOAL = 0.5
RSS_GOAL_MB = 300
FULL_DECILES = 500_000
PROGRAMME, EXCLUDING = "blt_dbhcht", "pkh"
REGENCY = "35.10"
MARK = "bench"  # proposals this bench wrote (their minutes column), removed before a --reuse run writes again
NAMES = ("Budi", "Sri", "Agus", "Siti", "Eko", "Dewi", "Joko", "Rina", "Hadi", "Wati", "Slamet", "Nur", "Bambang",
         "Yuni", "Teguh", "Lestari", "Santoso", "Wahyuni", "Susanto", "Rahayu", "Prasetyo", "Handayani")


def jakarta_today() -> date:
    return datetime.now(ZoneInfo("Asia/Jakarta")).date()


def quarter(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


# ------------------------------------------------------------------ setup
def decile_file(db: Path, path: Path, wanted: int, seed: int) -> int:
    """Every family card's household (up to ``wanted``), then persons by NIK for the rest: deciles 1-10 evenly."""
    rng = random.Random(seed)
    day = (jakarta_today() - timedelta(days=30)).isoformat()
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        families = conn.execute("SELECT kk_number, village_code FROM smart_kampung_family ORDER BY id").fetchall()
        rest = max(0, wanted - len(families))
        top = conn.execute("SELECT max(id) FROM smart_kampung_resident").fetchone()[0] or 0
        ids = rng.sample(range(1, top + 1), min(top, rest * 2))
        persons = []
        for start in range(0, len(ids), 900):
            chunk = ids[start:start + 900]
            persons += conn.execute(f"SELECT nik, village_code FROM smart_kampung_resident WHERE nik IS NOT NULL "
                                    f"AND id IN ({','.join('?' * len(chunk))})", chunk).fetchall()
    n = 0
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["no_kk", "nik", "desil", "tanggal_data", "kode_desa"])
        for kk, village in families[:wanted]:
            out.writerow([kk, "", rng.randint(1, 10), day, village])
            n += 1
        for nik, village in persons[:rest]:
            out.writerow(["", nik, rng.randint(1, 10), day, village])
            n += 1
    return n


def write_proposals(db: Path, beneficiaries: int, seed: int) -> dict:
    """Standing proposals straight into the tables (previous bench rows removed first): PKH for 5% of residents,
    BLT DBH CHT for 2% of households, and ``beneficiaries`` approved and paid BLT DBH CHT beneficiaries in the
    operator's desa (each with its case and its payment), the disbursement list's rows."""
    rng = random.Random(seed)
    today = jakarta_today()
    period = quarter(today)
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("DELETE FROM core_payment WHERE module = 'social_aid' AND reference LIKE 'BENCH-%'")
        conn.execute("DELETE FROM social_aid_proposal WHERE minutes = ?", (MARK,))
        conn.execute("DELETE FROM core_case WHERE module = 'social_aid' AND title LIKE 'BENCH %'")
        residents = conn.execute("SELECT count(*) FROM smart_kampung_resident").fetchone()[0]
        columns = ("programme", "period", "nik", "subject", "name", "village_code", "agency_code", "amount",
                   "checks", "minutes", "active_key", "case_id", "approved_on", "created_at")
        insert = (f"INSERT INTO social_aid_proposal ({', '.join(columns)}) "
                  f"VALUES ({', '.join('?' * len(columns))})")

        def picked(table, sql, share):
            top = conn.execute(f"SELECT max(id) FROM {table}").fetchone()[0] or 0
            ids = rng.sample(range(1, top + 1), int(top * share))
            for start in range(0, len(ids), 900):
                chunk = ids[start:start + 900]
                yield from conn.execute(sql.format(marks=",".join("?" * len(chunk))), chunk)

        pkh = [(EXCLUDING, period, nik, nik, name, village, "dinsos", 750000, "[]", MARK,
                f"{EXCLUDING}:{period}:{nik}", None, None, now)
               for nik, name, village in picked("smart_kampung_resident", "SELECT nik, name, village_code FROM "
                                                "smart_kampung_resident WHERE nik IS NOT NULL AND id IN ({marks})",
                                                0.05)]
        conn.executemany(insert, pkh)
        blt = {}
        for kk, nik, name, village in picked(  # a member of each picked family card (SQLite's bare columns)
                "smart_kampung_family", "SELECT f.kk_number, r.nik, r.name, r.village_code FROM smart_kampung_family f "
                "JOIN smart_kampung_resident r ON r.family_id = f.id WHERE r.nik IS NOT NULL AND f.id IN ({marks}) "
                "GROUP BY f.id", 0.02):
            blt[kk] = (PROGRAMME, period, nik, kk, name, village, "dinsos", 300000, "[]", MARK,
                       f"{PROGRAMME}:{period}:{kk}", None, None, now)
        conn.executemany(insert, list(blt.values()))
        # the desa's list: beneficiaries outside the register (their KK numbers start with 99), each paid
        first_case = (conn.execute("SELECT max(id) FROM core_case").fetchone()[0] or 0) + 1
        first_proposal = (conn.execute("SELECT max(id) FROM social_aid_proposal").fetchone()[0] or 0) + 1
        cases, proposals, paid = [], [], []
        for i in range(beneficiaries):
            kk = f"99{i:014d}"
            name = f"{rng.choice(NAMES)} {rng.choice(NAMES)} {rng.choice(NAMES)}"
            cases.append((first_case + i, "social_aid.proposal", "paid", 1, "social_aid", str(first_proposal + i),
                          f"BENCH {name}", OPERATOR_VILLAGE, "dinsos", now, now, 1, 0))
            proposals.append((first_proposal + i, PROGRAMME, period, kk, kk, name, OPERATOR_VILLAGE, "dinsos", 300000, "[]", MARK,
                              f"{PROGRAMME}:{period}:{kk}", first_case + i, today.isoformat(), now))
            paid.append(("social_aid", "benefit", f"{PROGRAMME}:{period}:{kk}", "out", 300000, today.isoformat(),
                         today.isoformat()[:7], f"BENCH-{i}", f"social_aid:benefit:{PROGRAMME}:{period}:{kk}",
                         f"BENCH-{i}", "{}", "dinsos", OPERATOR_VILLAGE, now))
        conn.executemany("INSERT INTO core_case (id, workflow, state, version, module, record_id, title, "
                         "region_code, agency_code, created_at, state_since, closed, late) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", cases)
        conn.executemany(insert.replace("(programme,", "(id, programme,").replace("VALUES (", "VALUES (?, "),
                         proposals)
        conn.executemany("INSERT INTO core_payment (module, kind, payable_id, direction, amount, paid_on, month, "
                         "reference, settles, reference_key, details, agency_code, region_code, created_at) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", paid)
    conn.execute("ANALYZE")
    conn.close()
    return {"residents": residents, "pkh": len(pkh), "blt": len(blt), "beneficiaries": beneficiaries,
            "period": period}


# ------------------------------------------------------------------ eligibility
BARE_FROM = """
FROM smart_kampung_resident r
LEFT JOIN smart_kampung_family f ON f.id = r.family_id
LEFT JOIN social_aid_decile dk ON dk.kk = f.kk_number
LEFT JOIN social_aid_decile dn ON dn.nik = r.nik
WHERE r.nik IS NOT NULL
  AND coalesce(dk.decile, dn.decile) <= 2
  AND r.birth_date <= :adult AND r.birth_date > :oldest
  AND r.status = 'alive' AND r.village_code LIKE '35.10.%' AND r.status != 'moved'
  AND f.kk_number IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM social_aid_proposal p WHERE p.active_key = :pkh || r.nik)
  AND NOT EXISTS (SELECT 1 FROM social_aid_proposal p WHERE p.active_key = :blt || f.kk_number)
"""
BARE_ROWS = ("SELECT r.nik, r.name, r.birth_date, r.village_code, f.kk_number, f.kk_number, "
             "coalesce(dk.decile, dn.decile), CASE WHEN dk.id IS NOT NULL THEN dk.data_date ELSE dn.data_date END"
             + BARE_FROM)
BARE_DESA = BARE_ROWS + "  AND r.village_code = :village\nORDER BY r.name, r.nik"
BARE_COUNTS = ("SELECT r.village_code, count(*), count(DISTINCT f.kk_number)" + BARE_FROM
               + "GROUP BY r.village_code")


def bare_args() -> dict:
    today = jakarta_today()
    period = quarter(today)
    return {"adult": years_before(today, 18).isoformat(), "oldest": years_before(today, 151).isoformat(),
            "pkh": f"{EXCLUDING}:{period}:", "blt": f"{PROGRAMME}:{period}:", "village": OPERATOR_VILLAGE}


def eligibility_bench(instance: Path, who: dict, operator: dict, rounds: int) -> dict:
    """The page and the screen, each against its bare SQL, in turn, ``rounds`` times; wall and CPU seconds. And
    a desa operator's page (their desa's list), for information."""
    for key in [k for k in os.environ if k.startswith("EGOVKIT_")]:
        del os.environ[key]  # never point the in-process app at a real database
    from egovkit.app import create_app

    app = create_app(str(instance), {"TESTING": True})
    client, desk = app.test_client(), app.test_client()
    login(client, who)
    login(desk, operator)
    db_path = instance / "egovkit.db"
    bare = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    args = bare_args()
    out = {"page": [], "page_sql": [], "screen": [], "screen_sql": [], "desa": [], "desa_sql": []}
    found, sent = {}, {}
    with app.app_context():
        from sqlalchemy import event

        from egovkit.db import db

        def capture(_conn, _cursor, statement, parameters, _context, _many):
            if sent.get("on") and "social_aid_decile" in statement:  # the screen's query, as sent
                sent.update(sql=statement, params=parameters, on=False)

        event.listen(db.engine, "before_cursor_execute", capture)

    def timed(label, fn):
        started, cpu = time.perf_counter(), time.process_time()
        result = fn()
        out[label].append((time.perf_counter() - started, time.process_time() - cpu))
        return result

    def page():
        response = client.get(f"/bansos/eligible?programme={PROGRAMME}")
        if response.status_code != 200:
            raise BenchError(f"GET /bansos/eligible: {response.status_code}")
        text = response.get_data(as_text=True)
        return sum(int(n) for n in re.findall(r'data-count="(\d+)"', text))

    def screen():
        with app.app_context():
            from egovkit.db import db
            from egovkit.services import payments
            from egovkit_modules.social_aid import eligibility

            programme = eligibility.programmes()[PROGRAMME]
            stmt = eligibility.screen(PROGRAMME, programme, payments.today())
            sent["on"] = "sql" not in sent
            n = sum(1 for _row in db.session.execute(stmt.execution_options(yield_per=2000)))
            db.session.remove()
            return n

    def desa():
        response = desk.get(f"/bansos/eligible?programme={PROGRAMME}")
        if response.status_code != 200:
            raise BenchError(f"GET /bansos/eligible as the operator: {response.status_code}")
        text = response.get_data(as_text=True)
        return int(re.search(r"<h2>[^<]*: ([0-9.,]+)</h2>", text).group(1).replace(".", "").replace(",", ""))

    for _round in range(rounds + 1):  # the first round warms the caches and is not counted
        found["page_sql"] = sum(n for _v, n, _k in timed("page_sql", lambda: bare.execute(BARE_COUNTS, args)
                                                              .fetchall()))
        found["page"] = timed("page", page)
        found["screen_sql"] = len(timed("screen_sql", lambda: bare.execute(BARE_ROWS, args).fetchall()))
        found["screen"] = timed("screen", screen)
        for _n in range(10):
            found["desa_sql"] = len(timed("desa_sql", lambda: bare.execute(BARE_DESA, args).fetchall()))
            found["desa"] = timed("desa", desa)
        if _round == 0:
            for values in out.values():
                values.clear()
    if len({found["page"], found["page_sql"], found["screen"], found["screen_sql"]}) != 1 or \
            found["desa"] != found["desa_sql"]:
        raise BenchError(f"egovkit and the bare SQL disagree on who is eligible: {found}")
    plans = {"egovkit (the SQL it sent)": [r[-1] for r in bare.execute("EXPLAIN QUERY PLAN " + sent["sql"],
                                                                        sent["params"])],
             "bare SQL": [r[-1] for r in bare.execute("EXPLAIN QUERY PLAN " + BARE_ROWS, args)]}
    with app.app_context():
        from egovkit.db import db

        db.session.remove()
        db.engine.dispose()
    bare.close()
    return {"times": out, "eligible": found["screen"], "desa": found["desa"], "plans": plans}


# ------------------------------------------------------------------ disbursement list memory
CHILD_XLSX = r"""
import json, os, sys, time, tracemalloc
for key in [k for k in os.environ if k.startswith("EGOVKIT_")]:
    del os.environ[key]
sys.path.insert(0, sys.argv[1])
from residents import login
from egovkit.app import create_app

def rss_kb(field="VmRSS:"):
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith(field))

app = create_app(sys.argv[2], {"TESTING": True})
client = app.test_client()
login(client, {"login": sys.argv[3], "password": sys.argv[4]})
client.get("/bansos/")  # the module's first page: templates, queries warmed
before = rss_kb()
started = time.perf_counter()
response = client.get(sys.argv[5])
seconds = time.perf_counter() - started
peak = rss_kb("VmHWM:")  # not ru_maxrss: Linux keeps the parent's across fork and exec
body = response.get_data()
with open(sys.argv[6], "wb") as fh:
    fh.write(body)
tracemalloc.start()
client.get(sys.argv[5])
traced = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
print(json.dumps({"status": response.status_code, "type": response.headers.get("Content-Type"),
                  "cache": response.headers.get("Cache-Control"), "bytes": len(body), "before_kb": before,
                  "peak_kb": peak, "seconds": seconds, "traced_peak": traced}))
"""

CHILD_ROWS = r"""
import json, sqlite3, sys, time

def rss_kb(field="VmRSS:"):
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith(field))

conn = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
before = rss_kb()
started = time.perf_counter()
rows = conn.execute(
    "SELECT p.name, p.amount, pay.paid_on, pay.reference FROM social_aid_proposal p "
    "JOIN core_case c ON c.id = p.case_id "
    "LEFT JOIN core_payment pay ON pay.settles = 'social_aid:benefit:' || p.programme || ':' || p.period || ':' "
    "|| p.subject WHERE p.programme = ? AND p.period = ? AND p.village_code = ? AND p.stopped IS NULL "
    "AND c.state IN ('approved', 'paid') ORDER BY p.name, p.id", sys.argv[2:5]).fetchall()
seconds = time.perf_counter() - started
print(json.dumps({"rows": len(rows), "before_kb": before, "peak_kb": rss_kb("VmHWM:"), "seconds": seconds}))
"""


def child(code: str, *args) -> dict:
    done = subprocess.run([sys.executable, "-c", code, *map(str, args)], env=clean_env(), capture_output=True,
                          text=True, timeout=3600)
    if done.returncode != 0:
        raise BenchError(f"child process failed ({done.returncode}):\n{done.stdout}{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def sheet_rows(path: Path) -> int:
    """Rows of the workbook's first sheet, counted in its XML (openpyxl would take longer than the bench)."""
    import zipfile

    with zipfile.ZipFile(path) as book, book.open("xl/worksheets/sheet1.xml") as sheet:
        return sum(chunk.count(b"<row ") for chunk in iter(lambda: sheet.read(1 << 20), b""))


def memory_bench(instance: Path, who: dict, period: str, tmp: Path) -> dict:
    url = f"/bansos/disbursement?programme={PROGRAMME}&period={period}&village={OPERATOR_VILLAGE}&format=xlsx"
    target = tmp / "penyaluran.xlsx"
    here = Path(__file__).resolve().parent
    listed = child(CHILD_XLSX, here, instance, who["login"], who["password"], url, target)
    if listed["status"] != 200:
        raise BenchError(f"GET {url}: {listed['status']}")
    listed["rows"] = sheet_rows(target) - 3  # the title, header and total rows (the blank row 2 is not written)
    bare = child(CHILD_ROWS, instance / "egovkit.db", PROGRAMME, period, OPERATOR_VILLAGE)
    return {"xlsx": listed, "rows": bare}


# ------------------------------------------------------------------ report
def median(pairs, index):
    return statistics.median(p[index] for p in pairs)


def report(setup: dict, elig: dict, memory: dict, goals: list) -> None:
    n = setup["residents"]
    t = elig["times"]
    print()
    print(f"register: {n:,} residents; deciles: {setup['deciles']:,} rows "
          f"({setup['decile_import']}); standing proposals: PKH {setup['pkh']:,}, BLT DBH CHT {setup['blt']:,} "
          f"households, plus {setup['beneficiaries']:,} paid beneficiaries in {OPERATOR_VILLAGE}")
    print(f"eligible for BLT DBH CHT today: {elig['eligible']:,} residents (egovkit and the bare SQL agree)")
    print()
    print(f"{'eligibility over the register':52} {'rounds':>6} {'s (median)':>10} {'CPU s':>7} {'rows/s':>10} "
          f"{'x bare':>7}")
    for label, bare, name in (("page", "page_sql", "GET /bansos/eligible (count per desa, Dinsos)"),
                              ("screen", "screen_sql", "eligibility.screen() read to the last row")):
        mine, base = median(t[label], 0), median(t[bare], 0)
        print(f"{name:52} {len(t[label]):>6} {mine:>10.2f} {median(t[label], 1):>7.2f} {n / mine:>10,.0f} "
              f"{base / mine:>7.0%}")
        print(f"{'  bare SQL of the same rules (sqlite3)':52} {len(t[bare]):>6} {base:>10.2f} "
              f"{median(t[bare], 1):>7.2f} {n / base:>10,.0f}")
        goals.append((f"{name[:34]} >= {RATIO_GOAL:.0%} of bare SQL rows/s", f"{base / mine:.0%}",
                      base / mine >= RATIO_GOAL))
    mine, base = median(t["desa"], 0), median(t["desa_sql"], 0)
    print(f"{'GET /bansos/eligible as a desa operator (its list)':52} {len(t['desa']):>6} {mine:>10.3f} "
          f"{median(t['desa'], 1):>7.3f} {'':>10} {base / mine:>7.0%}")
    print(f"{'  bare SQL of the desa rows in name order':52} {len(t['desa_sql']):>6} {base:>10.3f} "
          f"{median(t['desa_sql'], 1):>7.3f}")
    print(f"  the desa ({OPERATOR_VILLAGE}) has {elig['desa']:,} eligible residents; its page shows the first 500 "
          "by name (for information: a page's fixed cost against a small query)")
    print("  x bare: egovkit's rows/s as a share of the bare SQL's (same run, alternating rounds); CPU s: this"
          " process's CPU time (the bare SQL's is sqlite3's, in this process too)")
    print("\nquery plans (EXPLAIN QUERY PLAN)")
    for who, lines in elig["plans"].items():
        print(f"  {who}: " + " | ".join(lines))
    xlsx, rows = memory["xlsx"], memory["rows"]
    print()
    print(f"{'disbursement list, one desa (child processes)':52} {'rows':>8} {'s':>6} {'RSS before':>10} "
          f"{'peak RSS':>9} {'growth':>7}")
    print(f"{'GET /bansos/disbursement ... &format=xlsx':52} {xlsx['rows']:>8,} {xlsx['seconds']:>6.1f} "
          f"{mb(xlsx['before_kb']):>10} {mb(xlsx['peak_kb']):>9} {mb(xlsx['peak_kb'] - xlsx['before_kb']):>7}")
    print(f"{'  bare rows fetch (sqlite3 fetchall, same join)':52} {rows['rows']:>8,} {rows['seconds']:>6.1f} "
          f"{mb(rows['before_kb']):>10} {mb(rows['peak_kb']):>9} {mb(rows['peak_kb'] - rows['before_kb']):>7}")
    print(f"  XLSX {xlsx['bytes'] / 2**20:.1f} MB, {xlsx['type']}, Cache-Control: {xlsx['cache']}; tracemalloc peak "
          f"of a second request {xlsx['traced_peak'] / 2**20:.1f} MB (Python allocations only)")
    print("  RSS before: the child after create_app, sign-in and one page of the module; MB = 2^20 bytes")
    goals.append((f"disbursement XLSX peak RSS < {RSS_GOAL_MB} MB", f"{mb(xlsx['peak_kb'])} MB",
                  xlsx["peak_kb"] / 1024 < RSS_GOAL_MB))
    goals.append(("the XLSX lists every beneficiary", f"{xlsx['rows']:,} of {rows['rows']:,}",
                  xlsx["rows"] == rows["rows"] == setup["beneficiaries"]))
    print()
    print(f"{'goal':56} {'measured':>16}  verdict")
    for name, measured, ok in goals:
        print(f"{name:56} {measured:>16}  {verdict(ok)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--families", type=int, default=DEFAULT_FAMILIES,
                        help=f"families per village (default {DEFAULT_FAMILIES}: ~1.7 million residents; 50: ~40,000)")
    parser.add_argument("--deciles", type=int, default=None,
                        help=f"decile rows (default {FULL_DECILES:,} scaled by --families / {DEFAULT_FAMILIES})")
    parser.add_argument("--beneficiaries", type=int, default=100_000,
                        help="approved and paid beneficiaries on the desa's disbursement list (default 100,000)")
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds of each eligibility case (default 3)")
    parser.add_argument("--seed", type=int, default=20261215)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (instance, CSV files)")
    parser.add_argument("--reuse", type=Path, metavar="DIR",
                        help="use the instance and register of a folder kept by residents.py --keep or this --keep "
                             "(its earlier bench proposals are replaced)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="egovkit-bench-social-aid-"))
    started = time.perf_counter()
    goals: list = []
    try:
        if args.reuse:
            instance = args.reuse / "instance"
            if not (instance / "egovkit.db").exists():
                raise BenchError(f"{instance}: no egovkit.db (a folder kept by --keep is expected)")
            log(f"reusing the register of {instance}")
        else:
            log(f"temporary folder {tmp}")
            instance, _users = make_instance(tmp)
            csv_path = tmp / "residents.csv"
            log(f"generating ~{int(args.families * VILLAGES * PER_FAMILY):,} residents")
            egovkit(["residents", "generate", str(csv_path), "--families", str(args.families), "--seed",
                     str(args.seed)], instance=instance, timeout=3600)
            log("importing them")
            imported = run_import(instance, csv_path, tmp, "import")
            log(f"  {imported['stdout'].splitlines()[0]} in {imported['seconds']:.0f} s")
            csv_path.unlink()
        db = instance / "egovkit.db"
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            tables = {t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            families = conn.execute("SELECT count(*) FROM smart_kampung_family").fetchone()[0]
        if "social_aid_proposal" not in tables:
            raise BenchError(f"{instance}: no social_aid tables (run `egovkit upgrade --instance {instance}`)")
        wanted = args.deciles if args.deciles is not None else round(FULL_DECILES * families /
                                                                       (DEFAULT_FAMILIES * VILLAGES))
        deciles = tmp / "desil.csv"
        n = decile_file(db, deciles, wanted, args.seed)
        log(f"importing {n:,} decile rows ({families:,} family cards)")
        out, seconds = egovkit(["social-aid", "import-deciles", str(deciles)], instance=instance, timeout=3600)
        summary = out.strip().splitlines()[0]
        log(f"  {summary} in {seconds:.0f} s")
        log(f"writing standing proposals and {args.beneficiaries:,} paid beneficiaries")
        setup = write_proposals(db, args.beneficiaries, args.seed)
        setup.update(deciles=n, decile_import=f"`import-deciles`: {summary}, {seconds:.0f} s, {n / seconds:,.0f} "
                                              "rows/s")
        dinsos = {"login": f"dinsos-{os.getpid()}-{random.randrange(10**6)}@bench.invalid",
                  "password": f"bench-{random.randrange(10**12)}-password"}
        egovkit(["users", "create", "--email", dinsos["login"], "--name", "Staf Dinsos Bench", "--role", "opd_staff",
                 "--agency", "dinsos", "--password-stdin"], instance=instance, stdin=dinsos["password"] + "\n")
        operator = bench_user(instance, "operator_desa", OPERATOR_VILLAGE)
        log(f"eligibility: the page and the screen against the bare SQL, {args.rounds} rounds after a warm-up")
        elig = eligibility_bench(instance, dinsos, operator, args.rounds)
        log("disbursement list: XLSX and the bare rows fetch in child processes")
        memory = memory_bench(instance, dinsos, setup["period"], tmp)
        report(setup, elig, memory, goals)
        print(f"\nload average at the end: {' / '.join(f'{x:.1f}' for x in os.getloadavg())} (2 cores)")
        print(f"(total {time.perf_counter() - started:.0f} s; files in {tmp}{'' if args.keep else ', removed'})")
        return 0
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        if args.keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
