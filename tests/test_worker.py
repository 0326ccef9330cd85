"""The job queue (EGOVKIT_JOB_QUEUE=huey) and `egovkit worker`: jobs run in another process, once, and a
job whose worker is killed mid-import runs again without losing or doubling rows."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.pool import NullPool

REDIS = os.environ.get("EGOVKIT_TEST_REDIS_URL")
QUEUES = ["sqlite"] + (["redis"] if REDIS else [])


def wait_until(predicate, timeout: float, step: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


@pytest.fixture(params=QUEUES)
def queue_env(request, monkeypatch, tmp_path):
    monkeypatch.setenv("EGOVKIT_JOB_QUEUE", "huey")
    monkeypatch.setenv("EGOVKIT_JOB_HEARTBEAT_SECONDS", "0.5")
    monkeypatch.setenv("EGOVKIT_JOB_STALE_SECONDS", "3")
    if request.param == "redis":
        monkeypatch.setenv("EGOVKIT_REDIS_URL", REDIS)
        monkeypatch.setenv("EGOVKIT_QUEUE_NAME", f"egovkit-test-{uuid.uuid4().hex}")  # apart from other runs, and from a worker a killed run left behind
    return request.param


def _worker(path: Path) -> subprocess.Popen:
    egovkit = Path(sys.executable).with_name("egovkit")
    return subprocess.Popen([str(egovkit), "--instance", str(path), "worker", "--threads", "1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ),
                            start_new_session=True)


def _stop(proc: subprocess.Popen, sig=signal.SIGINT) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _url(path: Path) -> str:
    return os.environ.get("EGOVKIT_DATABASE_URL") or f"sqlite:///{path / 'egovkit.db'}"


def _scalar(path: Path, sql: str, **params):
    engine = create_engine(_url(path), poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()
    finally:
        engine.dispose()


def _submit_import(app, csv_path: Path, batch: int = 100) -> int:
    """What the upload page does (jobs.submit), for the whole regency's file."""
    from egovkit.services import jobs

    with app.test_request_context():
        job = jobs.submit("smart_kampung.import", "egovkit_modules.smart_kampung.views:import_job",
                          owner_id=None, files=[csv_path], path=str(csv_path), village=None, batch_size=batch)
        return job.id


def _residents_csv(app, path: Path, families: int) -> int:
    from egovkit_modules.smart_kampung import demo

    with app.app_context():
        return demo.write_csv(path, demo.generate(demo.villages(), families, 7))


def test_a_job_goes_to_the_worker_not_the_web_process(queue_env, make_instance, tmp_path):
    from egovkit.app import create_app

    path = make_instance("banyuwangi")
    app = create_app(path)
    rows = _residents_csv(app, tmp_path / "small.csv", 2)
    job_id = _submit_import(app, tmp_path / "small.csv")
    time.sleep(1)
    assert _scalar(path, "SELECT state FROM core_job WHERE id = :i", i=job_id) == "queued"  # nobody ran it here
    worker = _worker(path)
    try:
        assert wait_until(lambda: _scalar(path, "SELECT state FROM core_job WHERE id = :i", i=job_id) == "done", 60)
    finally:
        _stop(worker)
    assert _scalar(path, "SELECT count(*) FROM smart_kampung_resident") == rows
    assert not (tmp_path / "small.csv").exists()  # the job's file is removed when it ends


def test_worker_killed_mid_import_loses_and_doubles_nothing(queue_env, make_instance, tmp_path):
    from egovkit.app import create_app

    path = make_instance("banyuwangi")
    app = create_app(path)
    rows = _residents_csv(app, tmp_path / "big.csv", 30)
    nik_rows = len({line.split(",")[0] for line in (tmp_path / "big.csv").read_text().splitlines()[1:]})
    job_id = _submit_import(app, tmp_path / "big.csv")
    worker = _worker(path)
    saved = lambda: json.loads(_scalar(path, "SELECT result FROM core_job WHERE id = :i", i=job_id) or "{}")  # noqa: E731
    try:
        assert wait_until(lambda: saved().get("saved", 0) > 0, 60), "the import never started"
    finally:
        _stop(worker, signal.SIGKILL)  # the machine lost power: no clean-up ran
    imported = _scalar(path, "SELECT count(*) FROM smart_kampung_resident")
    assert 0 < imported < rows, f"not mid-import: {imported} of {rows}"
    assert _scalar(path, "SELECT state FROM core_job WHERE id = :i", i=job_id) == "running"

    worker = _worker(path)  # a new worker finds the dead one's job by its silence and runs it again
    try:
        assert wait_until(lambda: _scalar(path, "SELECT state FROM core_job WHERE id = :i", i=job_id) == "done",
                          180), _scalar(path, "SELECT message FROM core_job WHERE id = :i", i=job_id)
    finally:
        _stop(worker)
    assert _scalar(path, "SELECT attempts FROM core_job WHERE id = :i", i=job_id) == 2
    assert _scalar(path, "SELECT count(*) FROM smart_kampung_resident") == nik_rows
    assert _scalar(path, "SELECT count(DISTINCT nik) FROM smart_kampung_resident") == nik_rows
    assert _scalar(path, "SELECT count(*) FROM core_audit WHERE action = 'requeued'") == 1


def test_a_job_delivered_twice_runs_once(make_instance, tmp_path, monkeypatch):
    from egovkit.app import create_app
    from egovkit.db import db
    from egovkit.services import jobs

    monkeypatch.setenv("EGOVKIT_JOB_QUEUE", "huey")
    path = make_instance("banyuwangi")
    app = create_app(path)
    rows = _residents_csv(app, tmp_path / "small.csv", 1)
    job_id = _submit_import(app, tmp_path / "small.csv")
    from egovkit.ops import worker

    worker._run_job(str(path), job_id)
    worker._run_job(str(path), job_id)  # the same message again (at-least-once delivery)
    with app.app_context():
        job = db.session.get(jobs.Job, job_id)
        assert (job.state, job.attempts, job.outcome()["written"]) == ("done", 1, rows)
        assert db.session.scalar(select(func.count()).select_from(jobs.Job)) == 1


def test_doctor_finds_a_stopped_worker(queue_env, cli, make_instance):
    path = make_instance("banyuwangi")
    out = cli("--instance", path, "doctor", "--no-verify", expect=2).output
    assert "[FAIL] worker: no job queue worker is running" in out
    worker = _worker(path)
    try:
        assert wait_until(lambda: (path / "run" / "worker.alive").exists(), 30)
        out = cli("--instance", path, "doctor", "--no-verify", expect=None).output
        assert "[  ok] worker:" in out
    finally:
        _stop(worker)


def test_worker_needs_the_queue_setting(cli, make_instance):
    path = make_instance("banyuwangi")
    assert "EGOVKIT_JOB_QUEUE=huey" in cli("--instance", path, "worker", expect=2).output
