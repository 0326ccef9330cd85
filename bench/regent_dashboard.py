"""The regent's dashboard (/dasbor) at a regency's size: p95 cold, against baselines measured in the same run.

1. A demo instance of Banyuwangi (`egovkit init --demo`: budgets, the SPBE demo year, ...), then the
   population register of bench/residents.py (its generator and `egovkit residents import`, ~1.7 million
   residents by default) and a year of workflow cases made straight into `core_case` (village letters per
   desa, permit applications, complaints: `--cases`, default 300,000, about what 1.7 million people ask for
   in a year), so the service-level tiles count a real year; a Renstra for every agency with its quarters
   verified (e-SAKIP), and social aid at a regency's size: the DTSEN decile of every family in the register
   and 50 standing proposals per desa and quarter of this year, each with its case.
2. In-process through the Flask test client, signed in as the bupati (whole regency) and a camat (one
   kecamatan): GET /dasbor at the top, at a kecamatan and at a desa, cold (every tile's memo emptied before
   each request, so each figure is computed) and warm (not a goal).
   Baselines, in the same run: the village dashboard /kampung/dashboard cold as the administrator (the
   page bench/residents.py holds to 50 ms), and the bare SQL of the dashboard's two largest aggregates
   (living residents of the regency from the resident rows; the letters of the last 30 days).

   Then each tile's figure function alone, cold, per case (the profile that names a slow tile).

    python bench/regent_dashboard.py                 # ~1.7 million residents, 300,000 cases
    python bench/regent_dashboard.py --families 50   # ~40,000 residents, a quick run
    python bench/regent_dashboard.py --keep          # keep the folder, then measure it again with
    python bench/regent_dashboard.py --reuse DIR     # (after `egovkit upgrade --instance DIR/instance`
                                                     #  when migrations changed)

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
from residents import (DEFAULT_FAMILIES, EGOVKIT, PER_FAMILY, VILLAGES, BenchError, bench_user,  # noqa: E402
                       clean_env, egovkit, log, login, percentile, run_import, timed)

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


def add_performance(db_path: Path, seed: int) -> int:
    """A Renstra for every agency without one (e-SAKIP at a regency's size: 2 tujuan x 2 sasaran x 2 IKU),
    with targets for each year and every quarter so far realised and verified (a verified sakip.realisation
    case each). Returns the realisations added."""
    rng = random.Random(seed)
    con = sqlite3.connect(db_path)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f")
    year, quarter = now.year, (now.month - 1) // 3 + 1
    have = {a for (a,) in con.execute("SELECT agency_code FROM sakip_plan WHERE level = 'agency'")}
    agencies = [a for (a,) in con.execute("SELECT code FROM core_agency ORDER BY code") if a not in have]
    made = 0
    for agency in agencies:
        plan = con.execute("INSERT INTO sakip_plan (agency_code, level, first_year, last_year, demo, created_at) "
                           "VALUES (?, 'agency', ?, ?, 1, ?)", (agency, year - 2, year + 2, stamp)).lastrowid
        for t in (1, 2):
            tujuan = con.execute("INSERT INTO sakip_goal (plan_id, agency_code, parent_id, level, code, name) "
                                 "VALUES (?, ?, NULL, 'tujuan', ?, ?)", (plan, agency, f"T{t}", f"Tujuan {t}")).lastrowid
            for g in (1, 2):
                sasaran = con.execute(
                    "INSERT INTO sakip_goal (plan_id, agency_code, parent_id, level, code, name) "
                    "VALUES (?, ?, ?, 'sasaran', ?, ?)", (plan, agency, tujuan, f"S{t}.{g}", f"Sasaran {t}.{g}")).lastrowid
                for k in (1, 2):
                    direction = "up" if k == 1 else "down"
                    ind = con.execute(
                        "INSERT INTO sakip_indicator (plan_id, goal_id, agency_code, code, name, unit, direction, "
                        "aggregation, baseline) VALUES (?, ?, ?, ?, ?, '%', ?, 'last', 50)",
                        (plan, sasaran, agency, f"IKU-{t}.{g}.{k}", f"Indikator {t}.{g}.{k}", direction)).lastrowid
                    for y in range(year - 2, year + 3):
                        con.execute("INSERT INTO sakip_target (indicator_id, year, value) VALUES (?, ?, ?)",
                                    (ind, y, 60 + 5 * (y - year)))
                    for y, quarters in ((year - 1, 4), (year, quarter)):
                        for q in range(1, quarters + 1):
                            case = con.execute(
                                "INSERT INTO core_case (workflow, state, version, module, record_id, title, region_code, "
                                "agency_code, created_at, state_since, due_at, deadline, closed, late) VALUES "
                                "('sakip.realisation', 'verified', 2, 'sakip', 'bench', 'Bench', NULL, ?, ?, ?, NULL, "
                                "NULL, 1, 0)", (agency, stamp, stamp)).lastrowid
                            con.execute(
                                "INSERT INTO sakip_realisation (indicator_id, agency_code, year, quarter, value, note, "
                                "evidence, evidence_kind, case_id, entered_at) VALUES (?, ?, ?, ?, ?, '', 'bench', "
                                "'pdf', ?, ?)", (ind, agency, y, q, rng.randint(40, 90), case, stamp))
                            made += 1
    con.commit()
    con.close()
    return made


def add_aid(db_path: Path, seed: int, per_desa: int = 50) -> tuple[int, int]:
    """Social aid at a regency's size: the DTSEN decile of every family in the register, and this year's
    standing proposals of the profile's first programme (``per_desa`` per desa and quarter so far, approved
    or paid, each with its case). Returns (deciles, proposals)."""
    rng = random.Random(seed)
    con = sqlite3.connect(db_path)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f")
    families = con.execute("SELECT kk_number, village_code FROM smart_kampung_family").fetchall()
    con.executemany("INSERT OR IGNORE INTO social_aid_decile (kk, nik, decile, data_date, source, imported_at, "
                    "village_code) VALUES (?, NULL, ?, ?, 'bench', ?, ?)",
                    [(kk, rng.randint(1, 10), now.date().isoformat(), stamp, village) for kk, village in families])
    by_village: dict[str, list[str]] = {}
    for kk, village in families:
        by_village.setdefault(village, []).append(kk)
    made = 0
    for q in range(1, (now.month - 1) // 3 + 2):
        period = f"{now.year}-Q{q}"
        for village, kks in by_village.items():
            for kk in rng.sample(kks, min(per_desa, len(kks))):
                state = "paid" if q < (now.month - 1) // 3 + 1 or rng.random() < 0.5 else "approved"
                case = con.execute(
                    "INSERT INTO core_case (workflow, state, version, module, record_id, title, region_code, "
                    "agency_code, created_at, state_since, due_at, deadline, closed, late) VALUES "
                    "('social_aid.proposal', ?, 3, 'social_aid', 'bench', 'Bench', ?, 'dinsos', ?, ?, NULL, NULL, ?, 0)",
                    (state, village, stamp, stamp, state == "paid")).lastrowid
                con.execute(
                    "INSERT INTO social_aid_proposal (programme, period, nik, subject, name, village_code, agency_code, "
                    "amount, decile, decile_date, checks, minutes, active_key, case_id, created_at) VALUES "
                    "('blt_dbhcht', ?, ?, ?, 'Bench', ?, 'dinsos', 300000, ?, ?, '[]', 'bench', ?, ?, ?)",
                    (period, kk, kk, village, rng.randint(1, 2), now.date().isoformat(),
                     f"blt_dbhcht:{period}:{kk}", case, stamp))
                made += 1
    con.commit()
    con.close()
    return len(families), made


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
    return results, notes, tile_profile(app, cases, budget / 4, n)


def tile_profile(app, cases, budget: float, n: int) -> list[tuple[str, str, list[float]]]:
    """Each enabled module's tile function alone, cold (called directly, no memo), per dashboard case:
    (case, module.tile, milliseconds)."""
    from egovkit.db import db
    from egovkit.modules import import_path
    from egovkit.services import tiles

    out = []
    reaches = {"bupati": tiles.Reach(None), "camat": tiles.Reach((CAMAT_DISTRICT,))}
    for role, url in cases:
        region = url.partition("region=")[2] or (CAMAT_DISTRICT if role == "camat" else None)
        with app.test_request_context(url):
            for module, tile in tiles.declared(app.extensions["egovkit"].modules):
                fn = import_path(tile.figure)

                def call(_q, f=fn, reach=reaches[role], region=region):
                    db.session.expire_all()  # no object kept from the call before
                    f(reach, region)

                ms = timed(call, [None] * n, budget, warmup=1)
                out.append((f"{role} {url}", f"{module.name}.{tile.name}", ms))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--families", type=int, default=DEFAULT_FAMILIES,
                        help=f"families per village (default {DEFAULT_FAMILIES}: ~1.7 million residents)")
    parser.add_argument("--cases", type=int, default=300_000, help="workflow cases of the past year (default 300,000)")
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--requests", type=int, default=100, help="measured requests per case (default 100)")
    parser.add_argument("--budget", type=float, default=30.0, help="seconds at most per case")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--reuse", type=Path, metavar="DIR",
                        help="measure only, on the instance of a folder kept by --keep")
    args = parser.parse_args()
    if args.reuse:
        return reuse(args)

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
        log("adding a Renstra per agency with its realisations, and social aid (deciles, proposals)")
        realisations = add_performance(instance / "egovkit.db", args.seed)
        deciles, proposals = add_aid(instance / "egovkit.db", args.seed)
        log(f"  {realisations:,} verified realisations, {deciles:,} family deciles, {proposals:,} aid proposals")
        log("measuring (Flask test client, in-process)")
        results, notes, profile = bench(instance, users, args.requests, args.budget)
        report(results, notes, profile, f"regency: {imported['rows']:,} residents imported, {args.cases:,} cases "
                                        f"in the past year, {realisations:,} SAKIP realisations, {deciles:,} deciles, "
                                        f"{proposals:,} aid proposals")
        print(f"\n(total {time.perf_counter() - started:.0f} s; files in {tmp}{'' if args.keep else ', removed'})")
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


def report(results, notes, profile, heading: str) -> None:
    """The results table, the tiles alone and the goals."""
    print()
    print(heading)
    print(f"load average: {' / '.join(f'{x:.1f}' for x in os.getloadavg())} (2 cores: above 2, other work "
          "shares the machine; CPU ms less disturbed than wall clock)")
    print()
    print(f"{'case':52} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'CPU p95':>8} {'p95 x page':>10} "
          f"{'p95 x SQL':>9}")
    page95 = percentile(results[0]["ms"], 0.95)
    sql95 = percentile(results[1]["ms"], 0.95)
    goals = []
    for r in results:
        p50, p95 = percentile(r["ms"], 0.5), percentile(r["ms"], 0.95)
        print(f"{r['label']:52} {len(r['ms']):>4} {p50:>8.1f} {p95:>8.1f} {max(r['ms']):>8.1f} "
              f"{percentile(r['ms'].cpu, 0.95):>8.1f} {p95 / page95:>10.2f} {p95 / sql95:>9.1f}")
        if r.get("goal"):
            goals.append((f"p95 < {GOAL_MS:.0f} ms: {r['label']}", f"{p95:.1f} ms", p95 < GOAL_MS))
    print("  cold: every tile's memo emptied before each request (each figure computed); warm: from the memo.")
    print("  p95 x page: against the village dashboard's cold p95; p95 x SQL: against the bare SQL's p95.")
    print("  CPU p95: this process's CPU time per request.")
    for line in notes:
        print(f"  {line}")
    print()
    print("tiles alone, cold (each tile's function called directly): p95 ms wall / CPU per case")
    names = list(dict.fromkeys(name for _case, name, _ms in profile))
    labels = list(dict.fromkeys(case for case, _name, _ms in profile))
    cell = {(case, name): f"{percentile(ms, 0.95):.1f}/{percentile(ms.cpu, 0.95):.1f}" for case, name, ms in profile}
    print(f"{'tile':28} " + " ".join(f"{i + 1:>11}" for i in range(len(labels))))
    for name in names:
        print(f"{name:28} " + " ".join(f"{cell.get((case, name), '-'):>11}" for case in labels))
    print("  " + "; ".join(f"{i + 1}: {case}" for i, case in enumerate(labels)))
    print()
    print(f"{'goal':72} {'measured':>12}  verdict")
    for name, measured, ok in goals:
        print(f"{name:72} {measured:>12}  {'MET' if ok else 'NOT MET'}")


def reuse(args) -> int:
    """The measurement alone, on the instance of a folder kept by --keep, with fresh accounts."""
    instance = args.reuse / "instance"
    try:
        if not (instance / "egovkit.db").exists():
            raise BenchError(f"{instance}: no egovkit.db (a folder kept by --keep is expected)")
        users = {"admin": bench_user(instance, "admin"), "bupati": bench_user(instance, "bupati"),
                 "camat": bench_user(instance, "camat", CAMAT_DISTRICT)}
        with sqlite3.connect(f"file:{instance / 'egovkit.db'}?mode=ro", uri=True) as conn:
            residents = conn.execute("SELECT count(*) FROM smart_kampung_resident").fetchone()[0]
            cases = conn.execute("SELECT count(*) FROM core_case WHERE record_id LIKE 'bench-%'").fetchone()[0]
            realised = conn.execute("SELECT count(*) FROM sakip_realisation").fetchone()[0]
            deciles = conn.execute("SELECT count(*) FROM social_aid_decile").fetchone()[0]
            proposals = conn.execute("SELECT count(*) FROM social_aid_proposal").fetchone()[0]
        log("measuring (Flask test client, in-process)")
        results, notes, profile = bench(instance, users, args.requests, args.budget)
        report(results, notes, profile, f"regency: {residents:,} residents, {cases:,} bench cases, {realised:,} "
                                        f"SAKIP realisations, {deciles:,} deciles, {proposals:,} aid proposals "
                                        f"(kept instance {instance})")
        return 0
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
