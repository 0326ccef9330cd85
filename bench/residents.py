"""Population register (smart_kampung) at a regency's size: CSV import and search.

1. Import throughput: generates a CSV of synthetic residents with the project's
   generator (`egovkit residents generate`, ~3.7 residents per family, 217
   villages in Banyuwangi), then times `egovkit residents import` of it into a
   fresh SQLite instance, as a subprocess whose peak RSS is measured. Baseline,
   in the same run: plain `sqlite3` executemany INSERT of the same rows into a
   fresh database file holding a table of the same shape (the instance's own
   DDL and indexes for smart_kampung_resident), one transaction per
   `--baseline-batch` rows (default: the import's batch, 1000). A second import
   of the same file must write nothing; its rows/s are reported too.
2. Search latency at that size, in-process through the Flask test client,
   signed in as the administrator (whole regency) and as a village operator:
   search by NIK and by a 2-4 letter name prefix, p50/p95. Baseline: the same
   lookups as bare SQL on the same database file. Then the dashboard
   (/kampung/dashboard) for both, cold (its memo emptied before each request)
   and warm; baseline: the population pyramid's bare aggregate over the
   resident rows.

    python bench/residents.py                  # ~1.7 million residents (Banyuwangi)
    python bench/residents.py --families 50    # ~40,000 residents, about a minute

Goals: import >= 50% of the baseline's rows/s; import peak RSS < 300 MB;
search and cold dashboard p95 < 50 ms; a second import writes nothing. Exits 0 whether or not
the goals are met (a measurement, not a test); 1 when something fails outright.
"""
from __future__ import annotations

import argparse
import csv
import math
import os
import random
import re
import secrets
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

IMPORT_RATIO_GOAL = 0.5  # egovkit rows/s / plain sqlite3 rows/s
RSS_GOAL_MB = 300
P95_GOAL_MS = 50.0
VILLAGES = 217  # Banyuwangi
PER_FAMILY = 3.69  # residents per family made by the generator (measured)
DEFAULT_FAMILIES = 2120  # x 217 villages x 3.69 ~ 1.7 million = Banyuwangi's population
OPERATOR_VILLAGE = "35.10.01.2001"
RESIDENT = "smart_kampung_resident"
STATUS = {"HIDUP": "alive", "PINDAH": "moved", "MATI": "died"}
EGOVKIT = [sys.executable, "-c", "from egovkit.cli import main; main()"]


class BenchError(Exception):
    """A failure that makes the measurement meaningless (exit 1)."""


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def clean_env(**extra: str) -> dict:
    """Our environment minus anything that could point egovkit at a real instance or database."""
    return {k: v for k, v in os.environ.items() if not k.startswith("EGOVKIT_")} | extra


def egovkit(args, *, instance: Path, stdin: str | None = None, timeout: float = 600) -> tuple[str, float]:
    started = time.perf_counter()
    done = subprocess.run([*EGOVKIT, "--instance", str(instance), *args], input=stdin, env=clean_env(),
                          capture_output=True, text=True, timeout=timeout)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise BenchError(f"egovkit {' '.join(args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout, elapsed


# ------------------------------------------------------------------ setup
def make_instance(tmp: Path) -> tuple[Path, dict]:
    instance = tmp / "instance"
    admin = {"login": "admin@localhost", "password": secrets.token_urlsafe(16)}
    done = subprocess.run([*EGOVKIT, "init", "--profile", "banyuwangi", "--instance", str(instance)],
                          env=clean_env(EGOVKIT_ADMIN_PASSWORD=admin["password"]),
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise BenchError(f"egovkit init failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return instance, {"admin": admin, "operator": bench_user(instance, "operator_desa", OPERATOR_VILLAGE)}


def bench_user(instance: Path, role: str, region: str | None = None) -> dict:
    """A new account of ``role`` (for --reuse: a kept instance's administrator has enrolled a second factor
    whose secret is gone, so a fresh administrator enrols its own)."""
    who = {"login": f"{role.replace('_', '-')}-{secrets.token_hex(4)}@bench.invalid",
           "password": secrets.token_urlsafe(16)}
    egovkit(["users", "create", "--email", who["login"], "--name", f"Bench {role}", "--role", role,
             *(["--region", region] if region else []), "--password-stdin"],
            instance=instance, stdin=who["password"] + "\n")
    return who


# ------------------------------------------------------------------ import
class RssWatcher(threading.Thread):
    """Polls /proc/PID/status for VmRSS, to see whether memory grows during the import."""

    def __init__(self, pid: int, interval: float = 0.25):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.samples: list[tuple[float, int]] = []  # (seconds since start, RSS kB)
        self.stop = threading.Event()

    def run(self):
        started = time.perf_counter()
        path = f"/proc/{self.pid}/status"
        while not self.stop.is_set():
            try:
                with open(path) as fh:
                    for line in fh:
                        if line.startswith("VmRSS:"):
                            self.samples.append((time.perf_counter() - started, int(line.split()[1])))
                            break
            except OSError:
                break
            self.stop.wait(self.interval)

    def at(self, fraction: float) -> int | None:
        """RSS (kB) at a fraction of the run's duration."""
        if not self.samples:
            return None
        end = self.samples[-1][0]
        return next((kb for t, kb in self.samples if t >= fraction * end), self.samples[-1][1])


SUMMARY_LINE = re.compile(r"(\d+) rows: (\d+) written, (\d+) unchanged, (\d+) rejected")


def run_import(instance: Path, csv_path: Path, tmp: Path, label: str) -> dict:
    """`egovkit residents import` as a child process: wall time, peak RSS (wait4), RSS trace, summary."""
    out_path, err_path = tmp / f"{label}.out", tmp / f"{label}.err"
    with out_path.open("w") as out, err_path.open("w") as err:
        started = time.perf_counter()
        proc = subprocess.Popen([*EGOVKIT, "--instance", str(instance), "residents", "import", str(csv_path)],
                                env=clean_env(), stdout=out, stderr=err)
        watcher = RssWatcher(proc.pid)
        watcher.start()
        try:
            _pid, status, usage = os.wait4(proc.pid, 0)
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        elapsed = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        watcher.stop.set()
        watcher.join()
    stdout = out_path.read_text()
    if proc.returncode != 0:
        raise BenchError(f"egovkit residents import failed ({proc.returncode}):\n{stdout}"
                         f"{err_path.read_text()[-4000:]}")
    found = SUMMARY_LINE.search(stdout)
    if not found:
        raise BenchError(f"no summary line in the output of egovkit residents import:\n{stdout}")
    rows, written, unchanged, rejected = map(int, found.groups())
    return {"seconds": elapsed, "rows": rows, "written": written, "unchanged": unchanged, "rejected": rejected,
            "maxrss_kb": usage.ru_maxrss, "cpu": usage.ru_utime + usage.ru_stime, "watcher": watcher,
            "stdout": stdout}


def baseline_insert(source_db: Path, csv_path: Path, target: Path, batch: int) -> dict:
    """Plain sqlite3: the same rows into a table of the same shape (same DDL and indexes, copied
    from the instance), in a fresh file, WAL like egovkit, foreign keys off (sqlite3's default),
    no family table and no triggers (egovkit's keep the dashboard's counters: part of its cost); one
    transaction per ``batch`` rows (0: one transaction for everything)."""
    with sqlite3.connect(source_db) as src:
        ddl = [sql for (sql,) in src.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL AND type IN ('table', 'index') "
            "ORDER BY type = 'index'",
            (RESIDENT,))]
    conn = sqlite3.connect(target, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    for sql in ddl:
        conn.execute(sql)
    columns = ("nik", "name", "name_key", "sex", "birth_place", "birth_date", "religion", "education",
               "occupation", "marital_status", "relation", "family_id", "village_code", "address", "rt", "rw",
               "status", "updated_at")
    insert = f"INSERT INTO {RESIDENT} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
    n = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    with csv_path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        ix = {name: i for i, name in enumerate(header)}
        (nik, nama, jk, tempat, tgl, agama, pend, kerja, kawin, hub, _kk, alamat, rt, rw, desa, status) = (
            ix[c] for c in ("nik", "nama", "jenis_kelamin", "tempat_lahir", "tanggal_lahir", "agama",
                            "pendidikan", "pekerjaan", "status_perkawinan", "hubungan_keluarga", "no_kk",
                            "alamat", "rt", "rw", "kode_desa", "status"))
        rows = []
        conn.execute("BEGIN")
        for r in reader:
            rows.append((r[nik], r[nama], r[nama].lower(), r[jk], r[tempat], r[tgl], r[agama], r[pend], r[kerja],
                         r[kawin], r[hub], None, r[desa], r[alamat], r[rt], r[rw], STATUS[r[status]], now))
            if batch and len(rows) >= batch:
                conn.executemany(insert, rows)
                conn.execute("COMMIT")
                conn.execute("BEGIN")
                n += len(rows)
                rows.clear()
        conn.executemany(insert, rows)
        conn.execute("COMMIT")
        n += len(rows)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    conn.close()
    return {"seconds": elapsed, "rows": n, "cpu": cpu}


# ------------------------------------------------------------------ search
def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))] if ordered else float("nan")


def upper_bound(prefix: str) -> str:
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def samples(db_path: Path, n: int, seed: int) -> dict:
    """NIKs and name prefixes of existing residents: regency-wide and in the operator's village."""
    rng = random.Random(seed)
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
        top = conn.execute(f"SELECT max(id) FROM {RESIDENT}").fetchone()[0] or 0
        ids = rng.sample(range(1, top + 1), min(top, n))
        marks = ",".join("?" * len(ids))
        anywhere = conn.execute(f"SELECT nik, name_key FROM {RESIDENT} WHERE id IN ({marks})", ids).fetchall()
        village = conn.execute(f"SELECT nik, name_key FROM {RESIDENT} WHERE village_code = ?",
                               (OPERATOR_VILLAGE,)).fetchall()
    village = rng.sample(village, min(n, len(village)))

    def prefixes(rows):
        return [name[:rng.randint(2, 4)] for _nik, name in rows]

    if not anywhere or not village:
        raise BenchError("no residents to search for (did the import write anything?)")
    def middles(rows):  # 3-5 letters from inside a name (the list's substring search)
        out = []
        for _nik, name in rows:
            size = rng.randint(3, 5)
            start = rng.randint(1, max(1, len(name) - size))
            out.append(name[start:start + size].strip() if len(name[start:start + size].strip()) >= 3
                       else name[:3])
        return out

    return {"admin": {"nik": [r[0] for r in anywhere], "prefix": prefixes(anywhere), "substring": middles(anywhere)},
            "operator": {"nik": [r[0] for r in village], "prefix": prefixes(village), "substring": middles(village)}}


def login(client, who: dict) -> None:
    page = client.get("/login")
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page.data) or \
        re.search(rb'value="([^"]+)"[^>]*name="csrf_token"', page.data)
    if page.status_code != 200 or not token:
        raise BenchError(f"GET /login: {page.status_code}, no csrf_token in the form")
    done = client.post("/login", data={"login": who["login"], "password": who["password"],
                                       "csrf_token": token.group(1).decode()})
    if done.status_code != 302:
        raise BenchError(f"POST /login as {who['login']}: {done.status_code} (expected a redirect)")
    if done.headers.get("Location", "").startswith("/login/enrol"):
        # the administrator's role asks for a second step: enrol an authenticator as a person would
        import pyotp  # a test dependency

        page = client.get("/login/enrol").get_data(as_text=True)
        secret = re.search(r'id="totp-secret">([^<]+)<', page).group(1).replace(" ", "")
        token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page).group(1)
        done = client.post("/login/enrol", data={"code": pyotp.TOTP(secret).now(), "csrf_token": token})
        if done.status_code != 302 or done.headers.get("Location", "").startswith(("/login/enrol", "/login/code")):
            raise BenchError(f"two-factor enrolment of {who['login']}: {done.status_code}")


class Times(list):
    """Wall-clock milliseconds per call; ``cpu``: this process's CPU milliseconds for the same calls (less
    disturbed than wall clock when other work shares the machine)."""

    def __init__(self):
        super().__init__()
        self.cpu: list[float] = []


def timed(fn, queries: list[str], budget: float, warmup: int = 5) -> Times:
    for q in queries[:warmup]:
        fn(q)
    out = Times()
    deadline = time.perf_counter() + budget
    for q in queries:
        started, cpu = time.perf_counter(), time.process_time()
        fn(q)
        out.append((time.perf_counter() - started) * 1000)
        out.cpu.append((time.process_time() - cpu) * 1000)
        if time.perf_counter() > deadline:
            break
    return out


def search_bench(instance: Path, users: dict, n: int, budget: float, seed: int) -> tuple[list[dict], list[str]]:
    for key in [k for k in os.environ if k.startswith("EGOVKIT_")]:
        del os.environ[key]  # never point the in-process app at a real database
    from sqlalchemy import event

    from egovkit.app import create_app
    from egovkit.db import db

    db_path = instance / "egovkit.db"
    picked = samples(db_path, n, seed)
    app = create_app(instance)
    limit = app.extensions["egovkit"].profile.modules["smart_kampung"].search_limit
    results, plans = [], []
    bare = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    with app.app_context():
        captured: list[tuple[str, tuple]] = []

        @event.listens_for(db.engine, "before_cursor_execute")
        def _capture(_conn, _cursor, statement, parameters, _context, _many):
            if f"FROM {RESIDENT}" in statement:
                captured.append((statement, tuple(parameters) if parameters else ()))

    for role in ("admin", "operator"):
        client = app.test_client()
        login(client, users[role])
        village = None if role == "admin" else OPERATOR_VILLAGE
        for kind in ("nik", "prefix"):
            queries = picked[role][kind]
            hits = []

            token = re.search(rb'name="csrf_token"[^>]*?value="([^"]+)"',
                              client.get("/kampung/residents").data).group(1).decode()

            def web(q, hits=hits, client=client, role=role, token=token):
                # the search is POSTed (a NIK never goes in a URL): a NIK redirects to its resident, a
                # name to the results page (POST-redirect-GET); both requests are timed
                resp = client.post("/kampung/residents", data={"q": q, "csrf_token": token})
                where = resp.headers.get("Location", "")
                if resp.status_code == 303 and where.startswith("/kampung/residents/"):
                    hits.append(1)
                    return
                if resp.status_code == 303:
                    resp = client.get(where)
                if resp.status_code != 200:
                    raise BenchError(f"search {q!r} as {role}: {resp.status_code}")
                hits.append(len(re.findall(rb'href="/kampung/residents/\d', resp.data)))

            if kind == "nik":
                sql = f"SELECT * FROM {RESIDENT} WHERE nik = ?"
                sql_args = lambda q: (q,)  # noqa: E731
            elif village is None:
                sql = (f"SELECT * FROM {RESIDENT} WHERE name_key >= ? AND name_key < ? "
                       f"ORDER BY name_key, id LIMIT {limit}")
                sql_args = lambda q: (q, upper_bound(q))  # noqa: E731
            else:
                sql = (f"SELECT * FROM {RESIDENT} WHERE village_code = ? AND name_key >= ? AND name_key < ? "
                       f"ORDER BY name_key, id LIMIT {limit}")
                sql_args = lambda q, village=village: (village, q, upper_bound(q))  # noqa: E731

            def raw(q, sql=sql, sql_args=sql_args):
                bare.execute(sql, sql_args(q)).fetchall()

            captured.clear()
            web_ms = timed(web, queries, budget)
            statement, params = captured[-1] if captured else ("?", ())
            sql_ms = timed(raw, queries, budget)
            label = f"{role} {kind}"
            results.append({"label": label, "web": web_ms, "sql": sql_ms, "hits": statistics.mean(hits)})
            shown = re.sub(r"^SELECT .+? FROM", "SELECT <columns> FROM", " ".join(statement.split()))
            plans.append(f"{label}, egovkit's SQL: {shown}  {params}")
            plans += [f"    {row[-1]}" for row in bare.execute(f"EXPLAIN QUERY PLAN {statement}", params)]
            plans.append(f"{label}, baseline SQL: {sql}")
            plans += [f"    {row[-1]}" for row in bare.execute(f"EXPLAIN QUERY PLAN {sql}", sql_args(queries[0]))]
            if kind == "prefix":  # the literal LIKE form: does SQLite use the index for it?
                like = (f"SELECT * FROM {RESIDENT} WHERE {'village_code = ? AND ' if village else ''}"
                        f"name_key LIKE ? ORDER BY name_key, id LIMIT {limit}")
                args = ((village,) if village else ()) + (queries[0] + "%",)
                plans.append(f"{label}, literal LIKE: {like}")
                plans += [f"    {row[-1]}" for row in bare.execute(f"EXPLAIN QUERY PLAN {like}", args)]
        results += dashboard_bench(client, role, village, bare, n, budget, plans)
        results += register_bench(client, role, village, bare, picked[role]["substring"], n, budget, limit, plans)
    bare.close()
    return results, plans


def dashboard_bench(client, role: str, village: str | None, bare, n: int, budget: float,
                    plans: list[str]) -> list[dict]:
    """GET /kampung/dashboard: cold (the 5-minute memo emptied before every request, so every figure is
    computed) and warm (from the memo). Baseline: the bare SQL aggregate of the population pyramid over the
    resident rows (living residents by sex and birth year, in the operator's village for the operator)."""
    from egovkit.web import cache

    def page(_q, cold: bool):
        if cold:
            cache.forget_aggregates(client.application)  # the dashboard's memo (egovkit.web.cache.memo)
        resp = client.get("/kampung/dashboard")
        if resp.status_code != 200:
            raise BenchError(f"GET /kampung/dashboard as {role}: {resp.status_code}")

    sql = (f"SELECT sex, substr(birth_date, 1, 4) AS y, count(*) FROM {RESIDENT} WHERE status = 'alive'"
           f"{' AND village_code = ?' if village else ''} GROUP BY sex, y")
    args = (village,) if village else ()

    def raw(_q):
        bare.execute(sql, args).fetchall()

    queries = [None] * n
    sql_ms = timed(raw, queries, budget, warmup=1)
    plans.append(f"{role} dashboard, baseline SQL: {sql}")
    plans += [f"    {row[-1]}" for row in bare.execute(f"EXPLAIN QUERY PLAN {sql}", args)]
    return [{"label": f"{role} dashboard cold", "web": timed(lambda q: page(q, True), queries, budget, warmup=1),
             "sql": sql_ms, "hits": 1.0},
            {"label": f"{role} dashboard warm", "web": timed(lambda q: page(q, False), queries, budget, warmup=1),
             "sql": sql_ms, "hits": 1.0, "info": True}]


def register_bench(client, role: str, village: str | None, bare, substrings: list[str], n: int, budget: float,
                   limit: int, plans: list[str]) -> list[dict]:
    """The residents list (first page, a deep page, a substring search) and the statistics page (cold).
    Baselines, bare SQL on the same file: the same page of living residents in name order (LIMIT/OFFSET on
    the name index); the substring as a trigram FTS5 lookup of one page (admin) or an instr() scan of the
    village's name index (operator); the statistics as GROUP BY aggregates over the resident rows, which
    is what the page would compute without its counter tables."""
    from egovkit.web import cache

    token = re.search(rb'name="csrf_token"[^>]*?value="([^"]+)"', client.get("/kampung/residents").data).group(1)
    token = token.decode()
    client.post("/kampung/residents", data={"action": "reset", "csrf_token": token})
    where = "status = 'alive'" + (" AND village_code = ?" if village else "")
    args = (village,) if village else ()
    total = bare.execute(f"SELECT count(*) FROM {RESIDENT} WHERE {where}", args).fetchone()[0]
    deep = max(1, min(-(-total // limit), 10_000 // limit))  # the deepest page the list shows

    def get(url):
        resp = client.get(url)
        if resp.status_code != 200:
            raise BenchError(f"GET {url} as {role}: {resp.status_code}")
        return resp

    def find(q):
        resp = client.post("/kampung/residents", data={"q": q, "status": "alive", "csrf_token": token})
        if resp.status_code != 303:
            raise BenchError(f"search {q!r} as {role}: {resp.status_code}")
        get("/kampung/residents")

    def stats(_q):
        cache.forget_aggregates(client.application)
        get("/kampung/statistics")

    page_sql = f"SELECT * FROM {RESIDENT} WHERE {where} ORDER BY name_key, id LIMIT {limit} OFFSET ?"
    if village:
        sub_sql = (f"SELECT * FROM {RESIDENT} WHERE village_code = ? AND status = 'alive' AND instr(name_key, ?) > 0 "
                   f"ORDER BY name_key, id LIMIT {limit}")
        sub_args = lambda q: (village, q.lower())  # noqa: E731
    else:
        sub_sql = (f"SELECT * FROM {RESIDENT} WHERE id IN (SELECT rowid FROM fts_smart_kampung_resident WHERE "
                   f"fts_smart_kampung_resident MATCH ? LIMIT {limit})")
        sub_args = lambda q: ('"' + q.replace('"', '""') + '"',)  # noqa: E731
    stat_sql = [f"SELECT {c}, sex, count(*) FROM {RESIDENT} WHERE {where} GROUP BY {c}, sex"
                for c in ("education", "occupation", "religion", "marital_status")]
    queries = [None] * n
    cases = [("list first page", lambda _q: get("/kampung/residents"), queries,
              lambda _q: bare.execute(page_sql, (*args, 0)).fetchall()),
             (f"list page {deep}", lambda _q: get(f"/kampung/residents?page={deep}"), queries,
              lambda _q: bare.execute(page_sql, (*args, (deep - 1) * limit)).fetchall()),
             ("list substring", find, substrings, lambda q: bare.execute(sub_sql, sub_args(q)).fetchall()),
             ("statistics cold", stats, queries[:max(5, n // 4)],
              lambda _q: [bare.execute(sql, args).fetchall() for sql in stat_sql])]
    out = []
    for label, web, qs, raw in cases:
        web_ms = timed(web, qs, budget, warmup=2)
        sql_ms = timed(raw, qs[:max(5, len(qs) // 4)] if label == "statistics cold" else qs, budget, warmup=1)
        out.append({"label": f"{role} {label}", "web": web_ms, "sql": sql_ms, "hits": 1.0})
    client.post("/kampung/residents", data={"action": "reset", "csrf_token": token})
    plans.append(f"{role} list, baseline SQL: {page_sql}")
    plans += [f"    {row[-1]}" for row in bare.execute(f"EXPLAIN QUERY PLAN {page_sql}", (*args, 0))]
    return out


# ------------------------------------------------------------------ report
def mb(kb: int | None) -> str:
    return "-" if kb is None else f"{kb / 1024:.0f}"


def verdict(ok: bool) -> str:
    return "MET" if ok else "NOT MET"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--families", type=int, default=DEFAULT_FAMILIES,
                        help=f"families per village (default {DEFAULT_FAMILIES}: ~1.7 million residents; "
                             "50 gives ~40,000 for a quick run)")
    parser.add_argument("--seed", type=int, default=20261124, help="generator and sampling seed")
    parser.add_argument("--baseline-batch", type=int, default=1000,
                        help="rows per transaction of the sqlite3 baseline (0: one transaction; default 1000, "
                             "the import's batch)")
    parser.add_argument("--searches", type=int, default=200, help="measured searches per case (default 200)")
    parser.add_argument("--search-budget", type=float, default=30.0,
                        help="seconds at most per search case; fewer searches are measured when slower")
    parser.add_argument("--skip-search", action="store_true", help="measure the import only")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (instance, CSV, logs)")
    parser.add_argument("--reuse", type=Path, metavar="DIR",
                        help="measure search and the list only, on the instance of a folder kept by --keep "
                             "(after `egovkit upgrade --instance DIR/instance` when migrations changed)")
    args = parser.parse_args()
    if args.reuse:
        return reuse(args)

    tmp = Path(tempfile.mkdtemp(prefix="egovkit-bench-residents-"))
    started = time.perf_counter()
    try:
        log(f"temporary folder {tmp}")
        instance, users = make_instance(tmp)
        csv_path = tmp / "residents.csv"
        expected = int(args.families * VILLAGES * PER_FAMILY)
        log(f"generating ~{expected:,} residents ({args.families} families x {VILLAGES} villages)")
        out, gen_seconds = egovkit(["residents", "generate", str(csv_path), "--families", str(args.families),
                                    "--seed", str(args.seed)], instance=instance, timeout=3600)
        log(f"  {out.strip()} in {gen_seconds:.1f} s, {csv_path.stat().st_size / 2**20:.0f} MB")
        _, startup = egovkit(["residents", "import", "--help"], instance=instance)

        log("import 1 (empty register)")
        first = run_import(instance, csv_path, tmp, "import1")
        log(f"  {first['stdout'].splitlines()[0]} in {first['seconds']:.1f} s")
        log("import 2 (same file again)")
        second = run_import(instance, csv_path, tmp, "import2")
        log(f"  {second['stdout'].splitlines()[0]} in {second['seconds']:.1f} s")
        mode = f"{args.baseline_batch} rows per transaction" if args.baseline_batch else "one transaction"
        log(f"baseline: sqlite3 executemany, {mode}")
        base = baseline_insert(instance / "egovkit.db", csv_path, tmp / "baseline.db", args.baseline_batch)
        log(f"  {base['rows']} rows in {base['seconds']:.1f} s")

        search, plans = [], []
        if not args.skip_search:
            log("search latency (Flask test client, in-process) and bare SQL")
            search, plans = search_bench(instance, users, args.searches, args.search_budget, args.seed)

        # ---------------------------------------------------------- summary
        rows = first["rows"]
        rate1, rate2 = rows / first["seconds"], rows / second["seconds"]
        rate_base = base["rows"] / base["seconds"]
        ratio = rate1 / rate_base
        w = first["watcher"]
        print()
        print(f"residents: {rows:,} ({args.families} families per village x {VILLAGES} villages), "
              f"CSV {csv_path.stat().st_size / 2**20:.0f} MB, generated in {gen_seconds:.0f} s")
        print()
        print(f"{'import':34} {'rows':>10} {'seconds':>8} {'rows/s':>8} {'written':>10} {'peak MB':>8}")
        print(f"{'egovkit residents import (1st)':34} {rows:>10,} {first['seconds']:>8.1f} {rate1:>8,.0f} "
              f"{first['written']:>10,} {mb(first['maxrss_kb']):>8}")
        print(f"{'egovkit residents import (2nd)':34} {second['rows']:>10,} {second['seconds']:>8.1f} "
              f"{rate2:>8,.0f} {second['written']:>10,} {mb(second['maxrss_kb']):>8}")
        print(f"{'sqlite3 executemany (baseline)':34} {base['rows']:>10,} {base['seconds']:>8.1f} "
              f"{rate_base:>8,.0f} {base['rows']:>10,} {'':>8}")
        print(f"  baseline: {mode}, same table DDL and indexes, WAL, no foreign keys, no family table, "
              "no triggers")
        print(f"  egovkit times are wall clock of the command, including {startup:.1f} s of start-up "
              f"(`residents import --help`): 1st import without it {rows / max(first['seconds'] - startup, 1e-9):,.0f}"
              f" rows/s")
        print(f"  1st import RSS (MB) at 10/25/50/75/100% of its run: "
              f"{' / '.join(mb(w.at(f)) for f in (0.10, 0.25, 0.5, 0.75, 1.0))}; peak (wait4 ru_maxrss) "
              f"{mb(first['maxrss_kb'])}")
        print(f"  CPU seconds (user + system; less disturbed than wall clock on a shared machine): 1st import "
              f"{first['cpu']:.1f} (start-up included), baseline {base['cpu']:.1f}: by CPU time egovkit does "
              f"{base['cpu'] / first['cpu']:.0%} of the baseline's rows/s (for information; the goal is wall clock)")
        if first["rejected"] or second["rejected"]:
            print(f"  REJECTED rows: {first['rejected']} (1st), {second['rejected']} (2nd); see the rejects file")

        goals = [(f"import >= {IMPORT_RATIO_GOAL:.0%} of sqlite3 rows/s", f"{ratio:.0%}", ratio >= IMPORT_RATIO_GOAL),
                 (f"import peak RSS < {RSS_GOAL_MB} MB", f"{mb(first['maxrss_kb'])} MB",
                  first["maxrss_kb"] / 1024 < RSS_GOAL_MB),
                 ("2nd import writes nothing", f"{second['written']} written", second["written"] == 0),
                 ("1st import writes every row", f"{first['written']:,} of {rows:,}",
                  first["written"] == rows and first["rejected"] == 0)]
        if search:
            print()
            print(f"{'search (POST /kampung/residents)':24} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} "
                  f"{'CPU p95':>8} {'hits':>5} {'SQL p50':>8} {'SQL p95':>8} {'p95 x SQL':>9}")
            for r in search:
                p50, p95 = percentile(r["web"], 0.5), percentile(r["web"], 0.95)
                s50, s95 = percentile(r["sql"], 0.5), percentile(r["sql"], 0.95)
                print(f"{r['label']:24} {len(r['web']):>4} {p50:>8.1f} {p95:>8.1f} {max(r['web']):>8.1f} "
                      f"{percentile(r['web'].cpu, 0.95):>8.1f} {r['hits']:>5.1f} {s50:>8.2f} {s95:>8.2f} "
                      f"{p95 / s95:>9.0f}")
                if not r.get("info"):
                    goals.append((f"p95 < {P95_GOAL_MS:.0f} ms: {r['label']}", f"{p95:.1f} ms", p95 < P95_GOAL_MS))
            print("  CPU p95: this process's CPU time per request (less disturbed by other work on the machine)")
            print("  hits: mean rows shown per search; SQL: the same lookup as bare sqlite3 on the same file "
                  "(NIK: nik = ?; prefix: name_key range, with village_code = ? for the operator)")
            print("  dashboard: GET /kampung/dashboard; cold: its 5-minute memo emptied before each request "
                  "(every figure computed); warm: from the memo (not a goal). SQL: the population pyramid's "
                  "bare aggregate over the resident rows (by sex and birth year; the operator's village only)")
            print()
            print("query plans (EXPLAIN QUERY PLAN)")
            for line in plans:
                print(f"  {line}")
        print()
        print(f"{'goal':44} {'measured':>22}  verdict")
        for name, measured, ok in goals:
            print(f"{name:44} {measured:>22}  {verdict(ok)}")
        print(f"\n(total {time.perf_counter() - started:.0f} s; files in {tmp}"
              f"{'' if args.keep else ', removed'})")
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


def reuse(args) -> int:
    """The search part alone, on a kept instance, with fresh accounts (see --reuse)."""
    instance = args.reuse / "instance"
    try:
        if not (instance / "egovkit.db").exists():
            raise BenchError(f"{instance}: no egovkit.db (a folder kept by --keep is expected)")
        users = {"admin": bench_user(instance, "admin"), "operator": bench_user(instance, "operator_desa",
                                                                                OPERATOR_VILLAGE)}
        with sqlite3.connect(f"file:{instance / 'egovkit.db'}?mode=ro", uri=True) as conn:
            rows = conn.execute(f"SELECT count(*) FROM {RESIDENT}").fetchone()[0]
        print(f"residents: {rows:,} (kept instance {instance})")
        search, plans = search_bench(instance, users, args.searches, args.search_budget, args.seed)
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"load average at the end: {' / '.join(f'{x:.1f}' for x in os.getloadavg())} (2 cores: above 2, "
          "other work shares the machine and wall-clock figures grow; CPU ms less so)")
    print(f"\n{'search (POST /kampung/residents)':24} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} "
          f"{'CPU p95':>8} {'SQL p50':>8} {'SQL p95':>8}  verdict (p95 < {P95_GOAL_MS:.0f} ms)")
    for r in search:
        p50, p95 = percentile(r["web"], 0.5), percentile(r["web"], 0.95)
        print(f"{r['label']:24} {len(r['web']):>4} {p50:>8.1f} {p95:>8.1f} {max(r['web']):>8.1f} "
              f"{percentile(r['web'].cpu, 0.95):>8.1f} {percentile(r['sql'], 0.5):>8.2f} "
              f"{percentile(r['sql'], 0.95):>8.2f}  {'(info)' if r.get('info') else verdict(p95 < P95_GOAL_MS)}")
    print("\nquery plans (EXPLAIN QUERY PLAN)")
    for line in plans:
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
