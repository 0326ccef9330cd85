"""A real `egovkit serve` of an instance for the tests that need HTTP from outside the app (browsers,
several server processes): started on a free port of 127.0.0.1, ready once /healthz answers."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(instance, log: Path, workers: int = 1):
    """The base URL of the instance served with ``workers`` processes (output to ``log``)."""
    port = free_port()
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-c", "from egovkit.cli import main; main()", "serve", "--port",
                                 str(port), "--workers", str(workers)], stdout=out, stderr=subprocess.STDOUT,
                                env=dict(os.environ, EGOVKIT_INSTANCE=str(Path(instance).absolute())))
        base = f"http://127.0.0.1:{port}"
        try:
            # Up to two minutes: on a 2-core machine busy with other suites start-up alone took over 15 s.
            deadline = time.monotonic() + 120
            while True:
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=2)
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"egovkit serve did not answer on {base}: see {log}") from None
                    time.sleep(0.1)
            yield base
        finally:
            proc.terminate()
            proc.wait(20)
