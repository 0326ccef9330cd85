"""Where a signed-in page's time goes, in process: Python function calls and CPU per request for the
administrator's home page and one module page, against a bare "hello world" Flask app, and the top of a
cProfile of the pages grouped by package (--top N). Function calls per request hardly move with the
machine's load, unlike requests/s, so they show a change's effect on a shared machine.

    python bench/signed_in_profile.py [--instance DIR] [--requests 100] [--top 15]

Without --instance a throwaway demo instance is made (`egovkit init --profile banyuwangi --demo`).
"""
from __future__ import annotations

import argparse
import collections
import cProfile
import os
import pstats
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PAGES = ("/", "/kampung/letters")


def _token(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page).group(1)


def sign_in(app, password: str):
    """A test client signed in as the administrator, through /login and a newly enrolled authenticator."""
    import pyotp  # a test dependency

    app.test_cli_runner().invoke(args=["users", "reset-2fa", "admin@localhost"])
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"login": "admin@localhost", "password": password, "csrf_token": _token(page)})
    page = client.get("/login/enrol").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([^<]+)<', page).group(1).replace(" ", "")
    done = client.post("/login/enrol", data={"code": pyotp.TOTP(secret).now(), "csrf_token": _token(page)})
    if done.status_code != 302:
        raise SystemExit(f"enrolling the authenticator answered {done.status_code}")
    return client


def measure(client, path: str, n: int, top: int) -> tuple[float, float, list]:
    if client.get(path).status_code != 200:
        raise SystemExit(f"GET {path} did not answer 200")
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(n):
        client.get(path)
    profile.disable()
    stats = pstats.Stats(profile)
    started = time.process_time()
    for _ in range(n):
        client.get(path)
    cpu = (time.process_time() - started) / n
    by_package: collections.Counter = collections.Counter()
    for (file, _line, _fn), (_cc, _nc, own, _cum, _callers) in stats.stats.items():
        if "site-packages/" in file:
            key = file.split("site-packages/")[1].split("/")[0]
        elif "/egovkit/" in file or "/modules/" in file:
            key = re.sub(r".*?/((egovkit|modules)/.*)", r"\1", file)
        else:
            key = "python (stdlib, builtins)"
        by_package[key] += own
    total = sum(by_package.values())
    return stats.total_calls / n, cpu, [(k, v / total) for k, v in by_package.most_common(top)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instance", help="a demo instance whose administrator password is --password")
    parser.add_argument("--password", default=os.environ.get("EGOVKIT_ADMIN_PASSWORD"))
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--top", type=int, default=0, help="show the N packages taking most time per page")
    args = parser.parse_args()
    tmp = None
    try:
        if args.instance is None:
            tmp = Path(tempfile.mkdtemp(prefix="egovkit-prof-"))
            args.instance, args.password = str(tmp / "instance"), "Bench-" + secrets.token_urlsafe(12)
            env = {k: v for k, v in os.environ.items() if not k.startswith("EGOVKIT_")}
            subprocess.run([sys.executable, "-c", "from egovkit.cli import main; main()", "init", "--profile",
                            "banyuwangi", "--demo", "--instance", args.instance],
                           env=env | {"EGOVKIT_ADMIN_PASSWORD": args.password}, check=True, capture_output=True)
        from flask import Flask

        from egovkit.app import create_app

        bare = Flask("bare")
        bare.get("/")(lambda: "Hello, World!")
        calls, cpu, _ = measure(bare.test_client(), "/", args.requests, 0)
        print(f"{'page':<28} {'calls/req':>10} {'CPU ms/req':>11} {'calls vs bare':>14}")
        print(f"{'bare Flask /':<28} {calls:>10.0f} {cpu * 1e3:>11.2f} {'100%':>14}")
        base = calls
        client = sign_in(create_app(args.instance), args.password)
        for path in PAGES:
            calls, cpu, top = measure(client, path, args.requests, args.top)
            print(f"{'signed in ' + path:<28} {calls:>10.0f} {cpu * 1e3:>11.2f} {base / calls:>14.0%}")
            for key, share in top:
                print(f"    {share:6.1%}  {key}")
        return 0
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
