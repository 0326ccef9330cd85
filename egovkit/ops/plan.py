"""`egovkit profile plan NAME`: what a regency's instance will hold and need, before it is installed.

For a profile and a population: rows and megabytes per module after N years, disk, memory and web
processes, and the roles to create (and train people for) per OPD, per desa, per district and for the
regency. Figures are estimates from per-record sizes measured on this kit's own databases (see
docs/deployment.md, "Sizing"); the activity rates are stated assumptions, printed with the figures.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from ..auth.roles import granted_roles
from ..profile import Profile

# BPS mid-2024 population estimate for Indonesia over the villages (desa/kelurahan) in the bundled
# region list (2025 edition): the default population of a regency is its villages times this mean.
INDONESIA_POPULATION = 281_603_800
INDONESIA_VILLAGES = 83_762
RESIDENTS_PER_FAMILY = 3.7  # the register's generator and the DTSEN mean (bench/residents.py)


@dataclass(frozen=True)
class Volume:
    """One kind of record: how many there are and what one costs on disk (row and its indexes)."""

    what: str
    per: str  # "resident" (stock), "family" (stock), "village" (stock), "resident-year", "village-year"
    rate: float  # records per unit (per year for the -year units)
    bytes: int  # bytes per record, indexes included


# Bytes per record: measured on SQLite (dbstat: table plus its indexes over its rows) of the full-size
# register bench (bench/residents.py, 1,702,183 residents in an 850 MB file: ~500 B a resident with the
# counters and the name index) and of a demo instance (cases 303 B, case steps 94 B, audit rows 445 B,
# families 138 B, village finance entries 176 B, lines 152 B, budgets 209 B). A module's own case
# record is counted as its row plus one case (303), two steps (2 x 94) and three audit rows (3 x 445):
# what a request that is decided leaves behind in the core. PostgreSQL needs about 1.3x these sizes
# (row headers and TOAST; measured by bench/pgschema.py for the register).
CASE = 303 + 2 * 94 + 3 * 445
VOLUMES: dict[str, tuple[Volume, ...]] = {
    "smart_kampung": (
        Volume("residents (register, counters, name index)", "resident", 1.0, 500),
        Volume("family cards", "family", 1.0, 138),
        Volume("letters requested (and their cases)", "resident-year", 0.25, 400 + CASE),
    ),
    "announcements": (Volume("notices", "village-year", 2.0, 1500 + 3 * 445),),
    "complaints": (Volume("complaints (and their cases)", "resident-year", 0.01, 1200 + CASE),),
    "permits": (Volume("permit applications (and their cases)", "resident-year", 0.005, 900 + CASE),),
    "social_aid": (Volume("DTSEN households (deciles)", "family", 1.0, 180),
                   Volume("aid proposals (and their cases)", "resident-year", 0.02, 300 + CASE)),
    "village_finance": (Volume("budgets", "village-year", 1.0, 209),
                        Volume("budget lines", "village-year", 32.0, 152),
                        Volume("ledger entries", "village-year", 96.0, 176)),
    "etax": (Volume("tapping-box sales (restaurants, hotels, parking)", "resident-year", 2.0, 160),),
}
GENERIC = (Volume("records (no measured size for this module: a case-sized guess)", "resident-year", 0.01,
                  600 + CASE),)
AUDIT_PER_SIGN_IN = 445  # every staff sign-in is an audit row


# Memory and processes, from bench/load.py on 2 cores: 50 users with think times ask ~50 requests/s and
# 2 web processes (gthread, 4 threads) answer them with p95 within ~300 ms.
REQUESTS_PER_PROCESS = 25
WEB_PROCESS_MB = 180  # resident memory of a web process serving every module (egovkit serve)
WORKER_MB = 160
POSTGRES_BASE_MB = 256
STAFF_PER_VILLAGE = 2  # operator and head
STAFF_PER_AGENCY = 6
PEAK_SHARE_STAFF = 0.5  # at the morning peak half the staff have a page open
PEAK_CITIZENS_PER_1000 = 0.3  # citizens online at the peak, per 1000 residents
REQUESTS_PER_USER_S = 0.2  # one page every 5 seconds while active


def default_population(villages: int) -> int:
    return round(villages * INDONESIA_POPULATION / INDONESIA_VILLAGES)


def _units(population: int, villages: int, per: str, years: int) -> float:
    return {"resident": population, "family": population / RESIDENTS_PER_FAMILY, "village": villages,
            "resident-year": population * years, "village-year": villages * years}[per]


def plan(profile: Profile, population: int, villages: int, districts: int, years: int = 5) -> dict:
    """The estimate as a dict (the --json output; the terminal's table is made from it)."""
    modules = []
    for name in profile.modules:
        rows = []
        for volume in VOLUMES.get(name, GENERIC):
            count = math.ceil(_units(population, villages, volume.per, years) * volume.rate)
            rows.append({"what": volume.what, "rows": count, "mb": round(count * volume.bytes / 1e6, 1),
                         "bytes_per_row": volume.bytes, "per": volume.per, "rate": volume.rate})
        modules.append({"module": name, "rows": sum(r["rows"] for r in rows),
                        "mb": round(sum(r["mb"] for r in rows), 1), "records": rows})
    staff = villages * STAFF_PER_VILLAGE + len(profile.agencies) * STAFF_PER_AGENCY + districts
    core_mb = round(staff * 250 * years * AUDIT_PER_SIGN_IN / 1e6, 1)  # a sign-in per working day
    database_mb = round(sum(m["mb"] for m in modules) + core_mb, 1)
    peak = (staff * PEAK_SHARE_STAFF + population / 1000 * PEAK_CITIZENS_PER_1000) * REQUESTS_PER_USER_S
    web = max(2, math.ceil(peak / REQUESTS_PER_PROCESS))
    postgres_mb = POSTGRES_BASE_MB + min(database_mb * 1.3 * 0.25, 8192)  # shared_buffers ~ a quarter
    return {
        "profile": profile.name, "regency": {"code": profile.regency.code, "name": profile.regency.name},
        "population": population, "villages": villages, "districts": districts, "years": years,
        "modules": modules, "core_mb": core_mb, "database_mb": database_mb,
        "disk_gb": round((database_mb * 1.3 * 2 + database_mb * 0.4 * 7) / 1000 + 10, 1),
        "staff_accounts": staff, "peak_requests_per_s": round(peak, 1), "web_processes": web,
        "workers": 1 if population < 2_000_000 else 2,
        "memory_mb": round(web * WEB_PROCESS_MB + WORKER_MB + postgres_mb),
        "roles": roles(profile, villages, districts),
    }


def roles(profile: Profile, villages: int, districts: int) -> dict:
    """Per unit (regency, district, village, OPD): the roles whose holders use an enabled module, with the
    modules they use there (what to train them for) and how many assignments that makes."""
    uses: dict[str, set[str]] = {}
    for permission in profile.permission_defaults:
        module = next((m for m in profile.modules if permission.startswith(m + ".")), None)
        if module is None:
            continue
        for role in granted_roles(profile, permission):
            uses.setdefault(role, set()).add(module)
    units = {"regency": 1, "district": districts, "village": villages, "agency": len(profile.agencies)}
    out = {}
    for scope, count in units.items():
        entries = [{"role": name, "title": role.title.get("id") or next(iter(role.title.values())),
                    "modules": sorted(uses[name])}
                   for name, role in profile.roles.items() if role.scope == scope and name in uses]
        out[scope] = {"units": count, "assignments": count * len(entries), "roles": entries}
    out["agency"]["agencies"] = [a.code for a in profile.agencies]
    return out


def render(result: dict) -> str:
    """The estimate for a terminal."""
    r = result
    lines = [f"{r['profile']}: {r['regency']['name']} ({r['regency']['code']}), population "
             f"{r['population']:,}, {r['districts']} districts, {r['villages']} villages; after {r['years']} years",
             "", f"{'module':<18} {'records':<52} {'rows':>12} {'MB':>9}"]
    for m in r["modules"]:
        for i, rec in enumerate(m["records"]):
            lines.append(f"{m['module'] if i == 0 else '':<18} {rec['what'][:52]:<52} {rec['rows']:>12,} "
                         f"{rec['mb']:>9,.1f}")
    lines += [f"{'core (audit of sign-ins)':<71} {'':>12} {r['core_mb']:>9,.1f}",
              f"{'database':<71} {'':>12} {r['database_mb']:>9,.1f}", "",
              f"disk: {r['disk_gb']} GB (database on PostgreSQL x1.3, room to grow x2, 7 compressed backups, "
              f"10 GB system)",
              f"memory: {r['memory_mb']:,} MB ({r['web_processes']} web processes, {r['workers']} worker, "
              f"PostgreSQL)",
              f"load: {r['staff_accounts']:,} staff accounts, ~{r['peak_requests_per_s']} requests/s at the peak "
              f"-> egovkit serve --workers {r['web_processes']}", "", "roles to create and train:"]
    labels = {"regency": "regency", "district": "per district (kecamatan)", "village": "per desa/kelurahan",
              "agency": "per OPD"}
    for scope, entry in r["roles"].items():
        if not entry["roles"]:
            continue
        lines.append(f"  {labels[scope]} (x{entry['units']}, {entry['assignments']:,} assignments):")
        for role in entry["roles"]:
            lines.append(f"    {role['role']:<16} {role['title']:<28} {', '.join(role['modules'])}")
        if scope == "agency":
            lines.append(f"    OPDs: {', '.join(entry['agencies'])}")
    return "\n".join(lines)


def region_counts(regency_code: str) -> tuple[int, int]:
    """(districts, villages) of the regency in the bundled region list."""
    from ..wilayah import data

    levels = [r.level for r in data.subtree(regency_code)]
    return levels.count("district"), levels.count("village")


def command(load_profile, profile_path):
    """The `profile plan` click command (egovkit/cli.py adds it to its `profile` group)."""
    import json

    import click

    @click.command("plan")
    @click.argument("ref")
    @click.option("--population", type=click.IntRange(1, 50_000_000),
                  help="Residents of the regency (default: its villages in the bundled region list times "
                       "Indonesia's mean per village).")
    @click.option("--years", type=click.IntRange(1, 30), default=5, show_default=True,
                  help="Years of activity to size for.")
    @click.option("--json", "as_json", is_flag=True, help="The estimate as JSON.")
    def plan_cmd(ref, population, years, as_json):
        """Data volume per module, disk, memory and processes, and the roles to create and train per OPD and
        desa, for a profile and the regency's population."""
        prof = load_profile(profile_path(ref))
        districts, villages = region_counts(prof.regency.code)
        estimated = population is None
        result = plan(prof, population or default_population(villages), villages, districts, years)
        result["population_source"] = "villages x national mean" if estimated else "given"
        if as_json:
            click.echo(json.dumps(result, indent=2, ensure_ascii=False))
            return
        click.echo(render(result))
        if estimated:
            click.echo(f"\npopulation estimated from {villages} villages x {INDONESIA_POPULATION:,} / "
                       f"{INDONESIA_VILLAGES:,} (Indonesia's mean): give --population N for the real figure")

    return plan_cmd
