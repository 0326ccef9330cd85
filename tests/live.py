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


START_TIMEOUT = 120  # seconds


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
            # Up to two minutes: a loaded 2-core machine takes far longer than the usual second to start.
            deadline = time.monotonic() + START_TIMEOUT
            while True:
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=2)
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"egovkit serve did not answer /healthz (exit {proc.poll()}): "
                                           f"see {log}") from None
                    time.sleep(0.1)
            yield base
        finally:
            proc.terminate()
            proc.wait(20)


class _Chromium:
    """One headless Chromium for consecutive browser tests (each test opens contexts of its own and they are
    closed after it): launching it took 1-1.5 s a test. Stopped before the first test that does not use it,
    because Playwright's sync API keeps an event loop running in the main thread while it is up."""

    playwright = browser = None


def chromium(executable: str, args: list[str]):
    if _Chromium.browser is None or not _Chromium.browser.is_connected():
        from playwright.sync_api import sync_playwright

        stop_chromium()
        _Chromium.playwright = sync_playwright().start()
        _Chromium.browser = _Chromium.playwright.chromium.launch(executable_path=executable, args=args)
    return _Chromium.browser


def close_contexts() -> None:
    if _Chromium.browser is not None and _Chromium.browser.is_connected():
        for context in list(_Chromium.browser.contexts):
            context.close()


def stop_chromium() -> None:
    browser, playwright = _Chromium.browser, _Chromium.playwright
    _Chromium.browser = _Chromium.playwright = None
    try:
        if browser is not None:
            browser.close()
    finally:
        if playwright is not None:
            playwright.stop()
