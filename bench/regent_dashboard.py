"""The regent's dashboard (/dasbor) at a regency's size: p95 cold, against baselines measured in the same run.

1. A demo instance of Banyuwangi (`egovkit init --demo`: budgets, the SPBE demo year, ...), then the
   population register of bench/residents.py (its generator and `egovkit residents import`, ~1.7 million
   residents by default) and a year of workflow cases made straight into `core_case` (village letters per
   desa, permit applications, complaints: `--cases`, default 300,000, about what 1.7 million people ask for
   in a year), so the service-level tiles count a real year.
2. In-process through the Flask test client, signed in as the bupati (whole regency) and a camat (one
   kecamatan): GET /dasbor at the top, at a kecamatan and at a desa, cold (every tile's memo emptied before
   each request, so each figure is computed) and warm (not a goal).
   Baselines, in the same run: the village dashboard /kampung/dashboard cold as the administrator (the
   page bench/residents.py holds to 50 ms), and the bare SQL of the dashboard's two largest aggregates
   (living residents of the regency from the resident rows; the letters of the last 30 days).

    python bench/regent_dashboard.py                 # ~1.7 million residents, 300,000 cases
    python bench/regent_dashboard.py --families 50   # ~40,000 residents, a quick run

Goal: p95 < 100 ms cold for every dashboard case. Exits 0 whether or not the goal is met (a measurement,
not a test); 1 when something fails outright.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from residents import (DEFAULT_FAMILIES, EGOVKIT, PER_FAMILY, VILLAGES, BenchError, clean_env, egovkit,  # noqa: E402
                       log, login, percentile, run_import, timed)

GOAL_MS = 100.0
CAMAT_DISTRICT = "35.10.01"
CAMAT_VILLAGE = "35.10.01.2001"


def make_instance(tmp: Path) -> tuple[Path, dict]:
    instance = tmp / "instance"
    import secrets

    users = {"admin": {"login": "admin@localhost", "password": secrets.token_urlsafe(16)},
             "bupati": {"login": "bupati@bench.invalid", "password": secrets.token_urlsafe(16)},
             "camat": {"login": "camat@bench.invalid", "password": secrets.token_urlsafe(16)}}
    done = subprocess.run([*EGOVKIT, "init", "--profile", "banyuwangi", "--demo", "--instance", str(instance)],
                          env=clean_env(EGOVKIT_ADMIN_PASSWORD=users["admin"]["password"]),
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise BenchError(f"egovkit init failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    egovkit(["users", "create", "--email", users["bupati"]["login"], "--name", "Bupati Bench", "--role", "bupati",
             "--password-stdin"], instance=instance, stdin=users["bupati"]["password"] + "\n")
    egovkit(["users", "create", "--email", users["camat"]["login"], "--name", "Camat Bench", "--role", "camat",
             "--region", CAMAT_DISTRICT, "--password-stdin"], instance=instance, stdin=users["camat"]["password"] + "\n")
    return instance, users


def add_cases(db_path: Path, n: int, seed: int) -> None:
    """A year of cases straight into core_case: 80% village letters (per desa), 12% permits, 8% complaints;
    most closed, a few late or open and overdue."""
    rng = random.Random(seed)
    con = sqlite3.connect(db_path)
    villages = [c for (c,) in con.execute("SELECT code FROM core_region WHERE level = 'village'")]
    now = datetime.now(timezone.utc).replace(tzinfo=None)

    def stamp(moment: datetime) -> str:
        return moment.strftime("%Y-%m-%d %H:%M:%S.%f")

    rows = []
    for i in range(n):
        kind = rng.random()
        opened = now - timedelta(seconds=rng.randrange(365 * 86400))
        closed = rng.random() < 0.93
        served = opened + timedelta(hours=rng.expovariate(1 / 20))
        late = closed and rng.random() < 0.08
        due = opened + timedelta(days=3)
        if kind < 0.80:
            workflow, module, region, agency = "smart_kampung.letter", "smart_kampung", rng.choice(villages), None
            state = "issued" if closed else "requested"
        elif kind < 0.92:
            workflow, module, region, agency = "permits.application", "permits", None, "dpmptsp"
            state = "issued" if closed else "submitted"
        else:
            workflow, module, region, agency = "complaints.complaint", "complaints", None, "diskominfo"
            state = "done" if closed else "verified"
        rows.append((workflow, state, 1, module, f"bench-{i}", "Bench", region, agency, stamp(opened),
                     stamp(served if closed else opened), None if closed else stamp(due), None, closed, late))
    con.executemany("INSERT INTO core_case (workflow, state, version, module, record_id, title, region_code, "
                    "agency_code, created_at, state_since, due_at, deadline, closed, late) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    con.commit()
    con.close()


def bench(instance: Path, users: dict, n: int, budget: float) -> tuple[list[dict], list[str]]:
    for key in [k for k in os.environ if k.startswith("EGOVKIT_")]:
        del os.environ[key]  # never point the in-process app at a real database
    from egovkit.app import create_app
    from egovkit.web import cache

    app = create_app(instance)
    db_path = instance / "egovkit.db"
    bare = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    results, notes = [], []

    def page(client, url, cold):
        if cold:
            cache.forget_aggregates(app)
        resp = client.get(url)
        if resp.status_code != 200:
            raise BenchError(f"GET {url}: {resp.status_code}")
        if b"tile-" not in resp.data and "/dasbor" in url:
            raise BenchError(f"GET {url}: no tile on the page")

    queries = [None] * n
    admin = app.test_client()
    login(admin, users["admin"])
    base_page = timed(lambda _q: page(admin, "/kampung/dashboard", True), queries, budget, warmup=1)
    results.append({"label": "baseline: /kampung/dashboard cold (admin)", "ms": base_page, "baseline": True})
    since = (datetime.now(timezone.utc) - timedelta(days=30)).strftime("%Y-%m-%d %H:%M:%S")
    sql = [("SELECT count(*) FROM smart_kampung_resident WHERE status = 'alive'", ()),
           ("SELECT count(*), sum(closed) FROM core_case WHERE workflow = 'smart_kampung.letter' AND created_at >= ?",
            (since,))]
    base_sql = timed(lambda _q: [bare.execute(s, a).fetchall() for s, a in sql], queries, budget, warmup=1)
    results.append({"label": "baseline: bare SQL, residents + letters", "ms": base_sql, "baseline": True})
    notes += [f"baseline SQL: {s}" for s, _a in sql]

    cases = [("bupati", "/dasbor"), ("bupati", f"/dasbor?region={CAMAT_DISTRICT}"),
             ("bupati", f"/dasbor?region={CAMAT_VILLAGE}"), ("camat", "/dasbor"),
             ("camat", f"/dasbor?region={CAMAT_VILLAGE}")]
    clients = {}
    for role in ("bupati", "camat"):
        clients[role] = app.test_client()
        login(clients[role], users[role])
    for role, url in cases:
        client = clients[role]
        results.append({"label": f"{role} {url} cold", "ms": timed(lambda _q, c=client, u=url: page(c, u, True),
                                                                    queries, budget, warmup=1), "goal": True})
        results.append({"label": f"{role} {url} warm", "ms": timed(lambda _q, c=client, u=url: page(c, u, False),
                                                                    queries, budget, warmup=1)})
    bare.close()
    return results, notes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--families", type=int, default=DEFAULT_FAMILIES,
                        help=f"families per village (default {DEFAULT_FAMILIES}: ~1.7 million residents)")
    parser.add_argument("--cases", type=int, default=300_000, help="workflow cases of the past year (default 300,000)")
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--requests", type=int, default=100, help="measured requests per case (default 100)")
    parser.add_argument("--budget", type=float, default=30.0, help="seconds at most per case")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="egovkit-bench-regent-"))
    started = time.perf_counter()
    try:
        log(f"temporary folder {tmp}")
        instance, users = make_instance(tmp)
        csv_path = tmp / "residents.csv"
        log(f"generating ~{int(args.families * VILLAGES * PER_FAMILY):,} residents")
        egovkit(["residents", "generate", str(csv_path), "--families", str(args.families), "--seed", str(args.seed)],
                instance=instance, timeout=3600)
        log("importing them")
        imported = run_import(instance, csv_path, tmp, "import")
        log(f"  {imported['stdout'].splitlines()[0]} in {imported['seconds']:.0f} s")
        log(f"adding {args.cases:,} workflow cases")
        add_cases(instance / "egovkit.db", args.cases, args.seed)
        log("measuring (Flask test client, in-process)")
        results, notes = bench(instance, users, args.requests, args.budget)

        print()
        print(f"regency: {imported['rows']:,} residents imported, {args.cases:,} cases in the past year")
        print()
        print(f"{'case':52} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'p95 x page':>10} {'p95 x SQL':>9}")
        page95 = percentile(results[0]["ms"], 0.95)
        sql95 = percentile(results[1]["ms"], 0.95)
        goals = []
        for r in results:
            p50, p95 = percentile(r["ms"], 0.5), percentile(r["ms"], 0.95)
            print(f"{r['label']:52} {len(r['ms']):>4} {p50:>8.1f} {p95:>8.1f} {max(r['ms']):>8.1f} "
                  f"{p95 / page95:>10.2f} {p95 / sql95:>9.1f}")
            if r.get("goal"):
                goals.append((f"p95 < {GOAL_MS:.0f} ms: {r['label']}", f"{p95:.1f} ms", p95 < GOAL_MS))
        print("  cold: every tile's memo emptied before each request (each figure computed); warm: from the memo.")
        print("  p95 x page: against the village dashboard's cold p95; p95 x SQL: against the bare SQL's p95.")
        for line in notes:
            print(f"  {line}")
        print()
        print(f"{'goal':72} {'measured':>12}  verdict")
        for name, measured, ok in goals:
            print(f"{name:72} {measured:>12}  {'MET' if ok else 'NOT MET'}")
        print(f"\n(total {time.perf_counter() - started:.0f} s; files in {tmp}{'' if args.keep else ', removed'})")
        return 0
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
