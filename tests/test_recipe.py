"""The production recipe, end to end: two web processes (`serve --workers 2`), a job queue worker, and on
CI PostgreSQL + Redis (EGOVKIT_TEST_DATABASE_URL, EGOVKIT_TEST_REDIS_URL). A village operator signs in,
imports residents (the worker runs the job), files a letter at the counter for one of them, and the public
tracking page and /metrics answer from whichever process gets the request."""
from __future__ import annotations

import html
import os
import re
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from .live import serving
from .test_workflow import PASSWORD, SARONGAN, people
from .test_worker import _stop, _worker

REDIS = os.environ.get("EGOVKIT_TEST_REDIS_URL")


def hidden(page: str) -> dict:
    """The hidden inputs of a page's forms (CSRF and one-time form tokens)."""
    found = {}
    for tag in re.findall(r"<input\b[^>]*>", page):
        if 'type="hidden"' in tag:
            name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
            if name:
                found[name.group(1)] = html.unescape(value.group(1)) if value else ""
    return found


@pytest.mark.skipif(sys.platform == "win32", reason="gunicorn")
def test_an_operator_journey_on_two_processes_and_a_worker(cli, make_instance, monkeypatch, tmp_path):
    monkeypatch.setenv("EGOVKIT_JOB_QUEUE", "huey")
    if REDIS:
        monkeypatch.setenv("EGOVKIT_REDIS_URL", REDIS)
        monkeypatch.setenv("EGOVKIT_QUEUE_NAME", f"egovkit-recipe-{uuid.uuid4().hex}")  # a stray worker of a killed run took the job
    path = make_instance("banyuwangi")
    people(cli)
    from egovkit.app import create_app
    from egovkit_modules.smart_kampung import demo

    with create_app(path).app_context():
        rows = demo.write_csv(tmp_path / "warga.csv", demo.generate([SARONGAN], 5, 11))
    worker = _worker(path)
    try:
        with serving(path, tmp_path / "server.log", workers=2) as base:
            journey(base, path, rows, tmp_path)
    finally:
        _stop(worker)


def journey(base: str, path: Path, rows: int, tmp_path: Path) -> None:
    """The operator's steps, and what the public and /metrics then answer."""
    s = requests.Session()
    page = s.get(base + "/login").text
    r = s.post(base + "/login", data={**hidden(page), "login": "op.sarongan@desa.id", "password": PASSWORD},
               allow_redirects=False)
    assert r.status_code == 302, r.text[:500]

    page = s.get(base + "/kampung/import").text
    with open(tmp_path / "warga.csv", "rb") as fh:
        r = s.post(base + "/kampung/import", data=hidden(page), files={"file": ("warga.csv", fh, "text/csv")},
                   allow_redirects=False)
    assert r.status_code == 302 and r.headers["Location"].startswith("/jobs/")
    job_url = base + r.headers["Location"]
    for _ in range(300):  # the job page refreshes until the worker is done, then leads to the result
        r = s.get(job_url, allow_redirects=False)
        if r.status_code == 302:
            break
        time.sleep(0.2)
    assert r.status_code == 302, "the worker never finished the import"
    result = s.get(base + r.headers["Location"]).text
    assert f"{rows} baris: {rows} disimpan" in result

    engine = create_engine(os.environ.get("EGOVKIT_DATABASE_URL") or f"sqlite:///{path / 'egovkit.db'}",
                           poolclass=NullPool)
    with engine.connect() as conn:
        resident = conn.execute(text("SELECT id, name FROM smart_kampung_resident WHERE village_code = :v "
                                     "AND status = 'alive' ORDER BY id LIMIT 1"), {"v": SARONGAN}).one()
    engine.dispose()
    page = s.get(base + f"/kampung/residents/{resident.id}").text
    assert "Buat surat" in page
    form_url = base + f"/kampung/letters/new?resident={resident.id}&type=domisili"
    page = s.get(form_url).text
    r = s.post(form_url, data={**hidden(page), "since": "2010-01-01", "purpose": "Bank"}, allow_redirects=False)
    assert r.status_code == 302, r.text[:800]
    letter = s.get(base + r.headers["Location"]).text
    code = re.search(r"Kode lacak:\s*<code[^>]*>([A-Z0-9]+)</code>", letter).group(1)

    public = requests.get(base + "/kampung/track", params={"code": code})  # no session: any process
    assert public.status_code == 200 and "Diajukan" in public.text and resident.name not in public.text
    metrics = requests.get(base + "/metrics").text
    assert re.search(r'egovkit_http_requests_total\{method="POST",route="/kampung/import",status="302"\} 1\.0',
                     metrics)
    assert len(list((path / "run" / "prometheus").glob("*.db"))) >= 2  # both web processes counted
    assert kept_alive(base, idle=3.0)


def kept_alive(base: str, idle: float) -> bool:
    """Whether a connection idle for ``idle`` seconds after an answer is still open and answers the next
    request: a person's next click comes after a pause, and a connection the server closes as it arrives
    is a reset (bench/load.py counted them with gunicorn's 2 s)."""
    import socket
    from urllib.parse import urlsplit

    where = urlsplit(base)
    request = f"GET /healthz HTTP/1.1\r\nHost: {where.netloc}\r\n\r\n".encode()
    with socket.create_connection((where.hostname, where.port), timeout=10) as sock:
        for attempt in range(2):
            sock.sendall(request)
            data = b""
            while b"\r\n\r\n" not in data:
                data += sock.recv(65536)
            head, _, body = data.partition(b"\r\n\r\n")
            length = int(re.search(rb"(?i)content-length: (\d+)", head).group(1))
            while len(body) < length:
                body += sock.recv(65536)
            assert head.startswith(b"HTTP/1.1 200"), head
            if attempt == 0:
                time.sleep(idle)
                sock.setblocking(False)
                try:
                    if sock.recv(1, socket.MSG_PEEK) == b"":
                        return False  # the server closed it meanwhile
                except BlockingIOError:
                    pass  # open, nothing to read: as it should be
                sock.setblocking(True)
    return True
