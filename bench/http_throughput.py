"""HTTP throughput of egovkit pages against a bare "hello world" Flask app.

Both apps are served by gunicorn with the same settings and loaded by the
same client (wrk when on PATH, else the built-in asyncio client below), one
target at a time, on 127.0.0.1 only. Goals: every egovkit page a visitor
sees serves at least 50% of bare Flask's requests/s measured in the same
run; signed-in pages (the administrator, signed in through /login and its
authenticator code, so no page cache: every request loads the session, the
user and their roles, and renders) at least 35%.

    python bench/http_throughput.py [--duration 10] [--connections 16]
                                    [--workers 2] [--threads 4]

Exits 0 whether or not the goal is met (this is a measurement, not a test);
non-zero when a server does not start or answers with anything but 200.
"""
from __future__ import annotations

import argparse
import asyncio
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

GOAL = 0.5  # egovkit page throughput / bare Flask throughput
SIGNED_IN_GOAL = 0.35  # the same for a signed-in user's pages
SIGNED_IN = ("/", "/kampung/letters")  # the home page and one module's page
HOST = "127.0.0.1"
PASSWORD = "Bench-" + secrets.token_urlsafe(12)
USER_AGENT = "egovkit-bench"  # every request of the bench: sign-in and load

HELLO_APP = '''\
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
'''


class BenchError(Exception):
    """A failure that makes the measurement meaningless (exit 1)."""


# ------------------------------------------------------------------ servers
def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def clean_env(**extra: str) -> dict:
    """Our environment minus anything that could point egovkit at a real instance or database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOVKIT_")}
    return env | extra


def make_instance(tmp: Path) -> Path:
    instance = tmp / "instance"
    cmd = [sys.executable, "-c", "from egovkit.cli import main; main()",
           "init", "--profile", "banyuwangi", "--demo", "--instance", str(instance)]
    done = subprocess.run(cmd, env=clean_env(EGOVKIT_ADMIN_PASSWORD=PASSWORD),
                          capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise BenchError(f"egovkit init failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return instance


class Server:
    """One gunicorn process; its output goes to a log file in the temp dir."""

    def __init__(self, name: str, app: str, tmp: Path, args, env: dict):
        self.name, self.port = name, free_port()
        self.log = tmp / f"{name}.log"
        cmd = [sys.executable, "-m", "gunicorn", app, "--bind", f"{HOST}:{self.port}",
               "--workers", str(args.workers), "--threads", str(args.threads),
               "--worker-class", "gthread", "--chdir", str(tmp), "--log-level", "warning"]
        with open(self.log, "wb") as log:
            # Own session: Ctrl-C reaches only us, and we stop the server in `finally`.
            self.proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def wait_ready(self, path: str = "/", timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"{self.name} server exited ({self.proc.returncode}):\n{self.log_tail()}")
            try:
                check_200(self.port, path)
                return
            except OSError:
                time.sleep(0.2)
        raise BenchError(f"{self.name} server did not answer within {timeout:.0f}s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()  # gunicorn: graceful shutdown of master and workers
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def check_200(port: int, path: str, cookie: str = "") -> None:
    """One plain request; raises BenchError on a non-200 answer (redirects included), or when a signed-in
    page sends a new session cookie (the bench's session would not be the one a browser holds)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        conn.request("GET", path, headers={"User-Agent": USER_AGENT} | ({"Cookie": cookie} if cookie else {}))
        resp = conn.getresponse()
        resp.read()
    finally:
        conn.close()
    if resp.status != 200:
        raise BenchError(f"GET {path} on port {port} answered {resp.status}, not 200")
    if cookie and "session=" in (resp.getheader("Set-Cookie") or ""):
        raise BenchError(f"GET {path} on port {port} answered a signed-in request with a new session cookie")


def sign_in(port: int) -> str:
    """The Cookie header of the administrator signed in through the real pages: password, then enrolling
    an authenticator (the role signs in with two factors) with the key the enrolment page shows."""
    import pyotp  # a test dependency
    import requests

    base = f"http://{HOST}:{port}"
    web = requests.Session()
    # A session is tied to the address and User-Agent it signed in from (Flask-Login's session protection):
    # signing in and loading with the same one, as one browser does. With requests' own here and none in
    # the load, every loaded request found a "moved" session and answered with a new session cookie.
    web.headers["User-Agent"] = USER_AGENT

    def token(page: str) -> str:
        return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page).group(1)

    page = web.get(base + "/login", timeout=10).text
    r = web.post(base + "/login", data={"login": "admin@localhost", "password": PASSWORD, "csrf_token": token(page)},
                 allow_redirects=False, timeout=10)
    if not r.headers.get("Location", "").startswith("/login/enrol"):
        raise BenchError(f"signing in did not lead to the authenticator's enrolment: {r.status_code} {r.headers}")
    page = web.get(base + "/login/enrol", timeout=10).text
    secret = re.search(r'id="totp-secret">([^<]+)<', page).group(1).replace(" ", "")
    r = web.post(base + "/login/enrol", data={"code": pyotp.TOTP(secret).now(), "csrf_token": token(page)},
                 allow_redirects=False, timeout=10)
    if r.status_code != 302:
        raise BenchError(f"enrolling the authenticator answered {r.status_code}")
    me = web.get(base + "/me/data", timeout=10)
    if me.status_code != 200 or "/login" in me.url:
        raise BenchError("the signed-in session does not open the account's page")
    # The cookies after the first signed-in page, as a browser holds them: that page gave the fresh session
    # its CSRF token. The cookie from before it made every loaded request make one, and send a new cookie.
    return "; ".join(f"{k}={v}" for k, v in web.cookies.items())


# ------------------------------------------------------------------ load generators
class Result:
    def __init__(self, rps: float, p50: float, p99: float, requests: int, bad: int, note: str = ""):
        self.rps, self.p50, self.p99 = rps, p50, p99  # latencies in seconds
        self.requests, self.bad, self.note = requests, bad, note


def combine(parts: list[Result]) -> Result:
    """One target's rounds: requests over the time they took; the rounds' median p50 and worst p99."""
    requests = sum(r.requests for r in parts)
    seconds = sum(r.requests / r.rps for r in parts)
    p50s = sorted(r.p50 for r in parts)
    return Result(requests / seconds, p50s[len(p50s) // 2], max(r.p99 for r in parts), requests,
                  sum(r.bad for r in parts), "; ".join(r.note for r in parts if r.note))


async def _client(port: int, path: str, stop_at: float, budget: list, latencies: list, bad: list,
                  cookie: str = "") -> None:
    """One keep-alive connection sending GETs back to back until time or request budget runs out."""
    extra = f"Cookie: {cookie}\r\n" if cookie else ""
    request = f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nUser-Agent: {USER_AGENT}\r\n{extra}\r\n".encode()
    reader = writer = None
    try:
        while time.perf_counter() < stop_at and budget[0] > 0:
            budget[0] -= 1
            if writer is None:
                reader, writer = await asyncio.open_connection(HOST, port)
            start = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split()[1])
            headers = dict(line.lower().split(": ", 1) for line in lines[1:] if ": " in line)
            if "content-length" in headers:
                await reader.readexactly(int(headers["content-length"]))
            elif headers.get("transfer-encoding") == "chunked":
                while size := int((await reader.readline()).split(b";")[0], 16):
                    await reader.readexactly(size + 2)
                await reader.readuntil(b"\r\n")  # trailer end (no trailers expected)
            else:
                await reader.read()  # body ends with the connection
                headers["connection"] = "close"
            latencies.append(time.perf_counter() - start)
            if status != 200:
                bad.append(status)
            if headers.get("connection") == "close":
                writer.close()
                reader = writer = None
    finally:
        if writer is not None:
            writer.close()


def python_load(port: int, path: str, duration: float, connections: int, max_requests: int,
                cookie: str = "") -> Result:
    latencies: list[float] = []
    bad: list[int] = []

    async def run() -> float:
        start = time.perf_counter()
        budget = [max_requests]  # shared; the event loop is single-threaded
        await asyncio.gather(*(_client(port, path, start + duration, budget, latencies, bad, cookie)
                               for _ in range(connections)))
        return time.perf_counter() - start

    try:
        elapsed = asyncio.run(run())
    except (OSError, asyncio.IncompleteReadError, ValueError) as exc:  # server died or spoke garbage
        raise BenchError(f"load on port {port}{path} failed: {exc!r}") from exc
    if not latencies:
        raise BenchError(f"no response from port {port}{path}")
    latencies.sort()
    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))]

    return Result(len(latencies) / elapsed, pct(0.50), pct(0.99), len(latencies), len(bad))


_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def wrk_load(port: int, path: str, duration: float, connections: int, _max_requests: int,
             cookie: str = "") -> Result:
    threads = max(1, min(connections, os.cpu_count() or 1))
    cmd = ["wrk", "--latency", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(duration))}s",
           "-H", f"User-Agent: {USER_AGENT}",
           *(["-H", f"Cookie: {cookie}"] if cookie else []), f"http://{HOST}:{port}{path}"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60).stdout

    def grab(pattern: str) -> re.Match:
        match = re.search(pattern, out, re.M)
        if not match:
            raise BenchError(f"could not read wrk output:\n{out}")
        return match

    def latency(q: int) -> float:  # "  99%    4.56ms" -> seconds
        value, unit = grab(rf"^\s*{q}%\s+([\d.]+)(us|ms|s|m)\s*$").groups()
        return float(value) * _UNITS[unit]

    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return Result(float(grab(r"Requests/sec:\s+([\d.]+)")[1]), latency(50), latency(99),
                  int(grab(r"(\d+) requests in")[1]), int(bad[1]) if bad else 0,
                  f"wrk socket errors: {errors[1]}" if errors else "")


# ------------------------------------------------------------------ main
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10, help="seconds of load per target (default 10)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds over all targets, each target loaded duration/rounds seconds per round (default 3)")
    parser.add_argument("--warmup", type=float, default=1, help="unmeasured seconds of load first (default 1)")
    parser.add_argument("--connections", type=int, default=16, help="concurrent keep-alive connections (default 16)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (default 4)")
    parser.add_argument("--max-requests", type=int, default=1_000_000,
                        help="request cap per target for the built-in client (default 1000000)")
    parser.add_argument("--loader", choices=("auto", "wrk", "python"), default="auto",
                        help="load generator: wrk if on PATH (auto), or the built-in Python client")
    args = parser.parse_args()

    use_wrk = args.loader == "wrk" or (args.loader == "auto" and shutil.which("wrk"))
    if args.loader == "wrk" and not shutil.which("wrk"):
        parser.error("--loader wrk: wrk is not on PATH")
    load = wrk_load if use_wrk else python_load

    # SIGTERM takes the same clean-up path as Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    tmp = Path(tempfile.mkdtemp(prefix="egovkit-bench-"))
    servers: list[Server] = []
    try:
        print("creating a demo instance ...", flush=True)
        instance = make_instance(tmp)
        (tmp / "hello.py").write_text(HELLO_APP)
        bare = Server("bare-flask", "hello:app", tmp, args, clean_env())
        servers.append(bare)
        egov = Server("egovkit", "egovkit.wsgi:app", tmp, args, clean_env(EGOVKIT_INSTANCE=str(instance)))
        servers.append(egov)
        bare.wait_ready()
        egov.wait_ready()

        # Signed in: the administrator (every menu entry) with a real session, so the page cache for
        # visitors is bypassed and every request loads the user and renders.
        cookie = sign_in(egov.port)
        targets = [("bare Flask /", bare, "/", ""), ("egovkit /", egov, "/", ""),
                   ("egovkit /healthz", egov, "/healthz", "")]
        targets += [(f"signed in {path}", egov, path, cookie) for path in SIGNED_IN]
        # Rounds: every target loaded for duration/rounds seconds in turn, then again, so that other work
        # on a shared machine weighs on all of them alike rather than on whichever ran while it peaked.
        slices: dict[str, list[Result]] = {label: [] for label, *_ in targets}
        for _label, server, path, cookie in targets:
            check_200(server.port, path, cookie)
            if args.warmup > 0:
                load(server.port, path, args.warmup, args.connections, args.max_requests, cookie)
        for round_no in range(args.rounds):
            print(f"round {round_no + 1}/{args.rounds}: {len(targets)} targets x "
                  f"{args.duration / args.rounds:g}s ...", flush=True)
            for label, server, path, cookie in targets:
                slices[label].append(load(server.port, path, args.duration / args.rounds, args.connections,
                                          args.max_requests, cookie))
                check_200(server.port, path, cookie)  # still healthy after the load
        results = {label: combine(parts) for label, parts in slices.items()}

        # Report.
        base = results["bare Flask /"].rps
        print(textwrap.dedent(f"""
            gunicorn gthread: {args.workers} workers x {args.threads} threads; {args.connections} connections;
            load generator: {"wrk" if use_wrk else "built-in Python (asyncio)"}; {os.cpu_count()} CPUs; {args.duration:g}s per target in {args.rounds} rounds
            """))
        print(f"{'target':<26} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'requests':>9} {'vs bare':>8}")
        for label, r in results.items():
            print(f"{label:<26} {r.rps:>9.0f} {r.p50 * 1e3:>8.2f} {r.p99 * 1e3:>8.2f} {r.requests:>9} "
                  f"{r.rps / base:>8.0%}")
            if r.note:
                print(f"  {r.note}")
        pages = [label for label in results if label.startswith("egovkit")]
        met = all(results[p].rps >= GOAL * base for p in pages)
        print(f"\ngoal (egovkit pages >= {GOAL:.0%} of bare Flask throughput): {'MET' if met else 'NOT MET'}")
        signed = [label for label in results if label.startswith("signed in")]
        ratio = min(results[p].rps for p in signed) / base
        per_round = [min(slices[p][i].rps for p in signed) / slices["bare Flask /"][i].rps
                     for i in range(args.rounds)]
        print("signed-in ratio per round: " + ", ".join(f"{r:.0%}" for r in per_round))
        print(f"signed-in ratio (slowest signed-in page / bare Flask): {ratio:.0%}; goal >= {SIGNED_IN_GOAL:.0%}: "
              f"{'MET' if ratio >= SIGNED_IN_GOAL else 'NOT MET'}")

        # Problems that invalidate the run, and anything the servers logged.
        for server in servers:
            if server.log.read_text(errors="replace").strip():
                print(f"\n--- {server.name} server log (last lines) ---\n{server.log_tail()}")
        bad = {label: r.bad for label, r in results.items() if r.bad}
        if bad:
            raise BenchError(f"non-200 responses during the load: {bad}")
        return 0
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
