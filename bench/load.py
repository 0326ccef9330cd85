"""Load: concurrent users (village operators, heads, citizens, visitors) with think times against the
production recipe (`egovkit serve --workers N` + `egovkit worker`, EGOVKIT_JOB_QUEUE=huey; Redis and
PostgreSQL when given), on this machine.

    python bench/load.py [--users 50] [--duration 60] [--think 1.0] [--import-rows 100000]
                         [--database-url postgresql+psycopg://...] [--redis-url redis://...]
    python bench/load.py --recipe    # the production recipe on this machine, in one command: a throwaway
                                     # database on the local PostgreSQL, Redis db 14, the Huey worker

Three rounds of the same mix: 1 web process, 2 web processes, and 2 web processes while a regency-size
CSV import runs on the worker. For each: requests, errors, throughput and p50/p95 per page. Signed-in
users really sign in (the heads through their authenticator code, as people do). Only the figures of
one run compare with each other; nothing here is an assertion.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

import pyotp
import requests

PASSWORD = "Bench-password-2026!"
SARONGAN = "35.10.01.2001"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def egovkit(*args, env, check=True, input=None):
    exe = Path(sys.executable).with_name("egovkit")
    return subprocess.run([str(exe), *map(str, args)], env=env, input=input, text=True, capture_output=True,
                          check=check)


def hidden(page: str) -> dict:
    out = {}
    for tag in re.findall(r"<input\b[^>]*>", page):
        if 'type="hidden"' in tag and (name := re.search(r'name="([^"]+)"', tag)):
            value = re.search(r'value="([^"]*)"', tag)
            out[name.group(1)] = value.group(1) if value else ""
    return out


class User:
    """One person: a session, the pages they open, what they timed."""

    secrets: dict[str, str] = {}  # login -> authenticator key, kept across rounds (enrolled once)

    def __init__(self, base: str, kind: str, login: str | None, pages: list[str]):
        self.base, self.kind, self.login, self.pages = base, kind, login, pages
        self.session = requests.Session()

    def sign_in(self) -> None:
        if self.login is None:
            return
        page = self.session.get(self.base + "/login").text
        r = self.session.post(self.base + "/login", data={**hidden(page), "login": self.login, "password": PASSWORD},
                              allow_redirects=False)
        where = r.headers.get("Location", "")
        if where.startswith("/login/enrol"):
            page = self.session.get(self.base + "/login/enrol").text
            secret = re.search(r'id="totp-secret">([^<]+)<', page).group(1).replace(" ", "")
            User.secrets[self.login] = secret
            r = self.session.post(self.base + "/login/enrol", data={**hidden(page), "code": pyotp.TOTP(secret).now()})
        elif where.startswith("/login/code"):
            page = self.session.get(self.base + "/login/code").text
            code = pyotp.TOTP(User.secrets[self.login]).now()
            r = self.session.post(self.base + "/login/code", data={**hidden(page), "code": code})
        if r.status_code >= 400:
            raise RuntimeError(f"{self.login} could not sign in: {r.status_code}")


failures: Counter = Counter()  # the last round's errors: page and status (or exception)


def _reason(exc: Exception) -> str:
    """The exception and its innermost cause (reset, refused, disconnected, timed out), without the URL."""
    inner = exc
    while inner.__context__ is not None and inner.__context__ is not inner:
        inner = inner.__context__
    return type(exc).__name__ + (f" ({type(inner).__name__}: {inner})"[:160] if inner is not exc else "")


def run_round(base: str, users: list[User], duration: float, think: float) -> tuple[dict, int, int]:
    timings: dict[str, list[float]] = defaultdict(list)
    errors = [0]
    failures.clear()
    stop = time.monotonic() + duration
    lock = threading.Lock()

    def walk(user: User):
        rnd = random.Random(id(user))
        while time.monotonic() < stop:
            path = rnd.choice(user.pages)
            started = time.perf_counter()
            try:
                r = user.session.get(base + path, timeout=30)
                ok, why = r.status_code == 200, str(r.status_code)
            except requests.RequestException as exc:
                ok, why = False, _reason(exc)
            elapsed = time.perf_counter() - started
            with lock:
                if ok:
                    timings[f"{user.kind} {path.split('?')[0]}"].append(elapsed)
                else:
                    errors[0] += 1
                    failures[f"{user.kind} {path.split('?')[0]}: {why}"] += 1
            time.sleep(rnd.uniform(0, 2 * think))

    threads = [threading.Thread(target=walk, args=(u,), daemon=True) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return timings, errors[0], sum(len(v) for v in timings.values())


def report(title: str, timings: dict, errors: int, total: int, duration: float) -> None:
    print(f"\n{title}: {total} requests in {duration:.0f} s = {total / duration:.1f} req/s, errors {errors}")
    print(f"  {'page':<44} {'n':>6} {'p50 ms':>8} {'p95 ms':>8}")
    for page, values in sorted(timings.items()):
        values.sort()
        p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
        print(f"  {page:<44} {len(values):>6} {statistics.median(values) * 1e3:>8.1f} {p95 * 1e3:>8.1f}")
    for what, n in failures.most_common():
        print(f"  error: {what} x{n}")


def server_problems(logs: dict) -> None:
    """What the servers said went wrong (gunicorn's worker timeouts and errors, tracebacks), counted."""
    seen: Counter = Counter()
    for name, path in logs.items():
        for line in path.read_text(errors="replace").splitlines():
            if any(word in line for word in ("WORKER TIMEOUT", "[ERROR]", "[CRITICAL]", "Traceback", " ERROR ")):
                what = re.sub(r"^\[[^]]*\] (\[\d+\] )?", "", line)[:140]  # without gunicorn's time and pid
                seen[f"{name}: {what}"] += 1
    for what, n in seen.most_common(8):
        print(f"  server log: {what} x{n}")


def wait_ready(base: str) -> None:
    for _ in range(300):
        try:
            if requests.get(base + "/healthz", timeout=1).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds between a user's pages")
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--database-url", default=os.environ.get("EGOVKIT_DATABASE_URL"))
    parser.add_argument("--redis-url", default=os.environ.get("EGOVKIT_REDIS_URL"))
    parser.add_argument("--recipe", action="store_true",
                        help="PostgreSQL at 127.0.0.1:5432 (a throwaway database, dropped at the end) and Redis "
                             "at 127.0.0.1:6379 db 14, unless --database-url / --redis-url say otherwise")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="egovkit-load-"))
    dropped = None
    if args.recipe and not args.database_url:
        import psycopg

        name = f"egovkit_load_{os.getpid()}"
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        args.database_url = dropped = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    if args.recipe and not args.redis_url:
        args.redis_url = "redis://127.0.0.1:6379/14"
    print(f"database: {args.database_url or 'SQLite in the instance'}; queue: "
          f"{'Redis ' + args.redis_url if args.redis_url else 'Huey on SQLite'}", flush=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOVKIT_")}
    env.update(EGOVKIT_ADMIN_PASSWORD=PASSWORD, EGOVKIT_JOB_QUEUE="huey", EGOVKIT_QUEUE_NAME=f"load-{tmp.name}")
    if args.database_url:
        env["EGOVKIT_DATABASE_URL"] = args.database_url
    if args.redis_url:
        env["EGOVKIT_REDIS_URL"] = args.redis_url
    instance = tmp / "instance"
    procs: list[subprocess.Popen] = []
    try:
        print(f"creating a demo instance in {instance} ...", flush=True)
        egovkit("init", "--profile", "banyuwangi", "--instance", instance, "--demo", env=env)
        accounts = []
        for i in range(20):
            login = f"op{i}@desa.id"
            egovkit("--instance", instance, "users", "create", "--email", login, "--name", f"Operator {i}",
                    "--role", "operator_desa", "--region", SARONGAN, "--password-stdin", env=env,
                    input=PASSWORD + "\n")
            accounts.append(("operator", login))
        for i in range(5):
            login = f"kades{i}@desa.id"
            egovkit("--instance", instance, "users", "create", "--email", login, "--name", f"Kepala Desa {i}",
                    "--role", "kepala_desa", "--region", SARONGAN, "--password-stdin", env=env,
                    input=PASSWORD + "\n")
            accounts.append(("head", login))
        pages = {
            "operator": ["/kampung/residents", "/kampung/letters", "/inbox", "/kampung/dashboard", "/apbdes/"],
            "head": ["/inbox", "/kampung/letters", "/kampung/dashboard", "/apbdes/dashboard"],
            "visitor": ["/", "/announcements/", "/apbdes/public", "/izin/track", "/kampung/track"],
        }
        csv_path = tmp / "import.csv"  # one village's residents: what its operator may import
        os.environ.update({k: v for k, v in env.items() if k.startswith("EGOVKIT_")})
        from egovkit.app import create_app
        from egovkit_modules.smart_kampung import demo

        with create_app(instance).app_context():
            rows = demo.write_csv(csv_path, demo.generate([SARONGAN], max(1, args.import_rows // 4), 5))
        for round_name, workers, with_import in (("1 web process", 1, False), ("2 web processes", 2, False),
                                                 ("2 web processes + import on the worker", 2, True)):
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            logs = {name: tmp / f"{name}-{workers}{'-import' if with_import else ''}.log" for name in ("web", "worker")}
            with open(logs["web"], "wb") as web_log, open(logs["worker"], "wb") as worker_log:
                web = subprocess.Popen([str(Path(sys.executable).with_name("egovkit")), "--instance", str(instance),
                                        "serve", "--port", str(port), "--workers", str(workers)], env=env,
                                       stdout=web_log, stderr=subprocess.STDOUT, start_new_session=True)
                worker = subprocess.Popen([str(Path(sys.executable).with_name("egovkit")), "--instance",
                                           str(instance), "worker", "--threads", "1"], env=env, stdout=worker_log,
                                          stderr=subprocess.STDOUT, start_new_session=True)
            procs = [web, worker]
            wait_ready(base)
            users = [User(base, kind, login, pages[kind]) for kind, login in accounts]
            users += [User(base, "visitor", None, pages["visitor"]) for _ in range(max(0, args.users - len(users)))]
            users = users[:args.users]
            for u in users:
                u.sign_in()
            if with_import:
                op = users[0]
                page = op.session.get(base + "/kampung/import").text
                with open(csv_path, "rb") as fh:
                    r = op.session.post(base + "/kampung/import", data=hidden(page),
                                        files={"file": ("import.csv", fh, "text/csv")}, allow_redirects=False)
                print(f"  import of {rows} rows submitted: {r.status_code} "
                      f"{r.headers.get('Location', '')}", flush=True)
            print(f"loading: {round_name}, {len(users)} users, {args.duration:g} s ...", flush=True)
            timings, errors, total = run_round(base, users, args.duration, args.think)
            report(round_name, timings, errors, total, args.duration)
            server_problems(logs)
            for p in procs:
                os.killpg(p.pid, signal.SIGINT)
            for p in procs:
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(p.pid, signal.SIGKILL)
            procs = []
        return 0
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
        shutil.rmtree(tmp, ignore_errors=True)
        if dropped:
            import psycopg

            with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{dropped.rsplit("/", 1)[1]}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main())
