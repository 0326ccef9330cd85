"""The job queue and `egovkit worker` (EGOVKIT_JOB_QUEUE=huey).

Huey carries the queue: it has an embedded SQLite storage for a one-office
server (``instance/run/queue.db``) and a Redis one for production
(``EGOVKIT_REDIS_URL``), one small library and one API for both, where RQ
and Celery always need Redis or a broker. The queue only carries job ids:
``core_job`` stays the truth. A job is claimed with a conditional UPDATE
(egovkit.services.jobs.claim), so a message delivered twice runs the job
once; a job whose worker died is found by its missing heartbeat and queued
again (jobs.requeue_dead), so a message lost with its worker is not a job
lost.

``egovkit worker`` runs Huey's consumer (threads) and, beside it, a loop
that every few seconds queues again what dead workers left, relays the
event outbox (when ``EGOVKIT_EVENT_BACKEND=outbox``), delivers due
notifications and writes ``instance/run/worker.alive`` (what `doctor`
reads).
"""
from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from flask import Flask

log = logging.getLogger(__name__)
TASK = "egovkit.run_job"
ALIVE_FILE = "worker.alive"
LOOP_SECONDS = 5


def configured() -> bool:
    return os.environ.get("EGOVKIT_JOB_QUEUE", "").strip().lower() == "huey"


def check_setting() -> None:
    value = os.environ.get("EGOVKIT_JOB_QUEUE", "").strip().lower()
    if value not in ("", "thread", "huey"):
        raise ValueError(f"EGOVKIT_JOB_QUEUE: {value!r} is not a job queue (huey, or unset for the in-process "
                         "thread pool)")


class Queue:
    """The Huey queue of one instance (its name keeps instances apart on a shared Redis)."""

    def __init__(self, instance_path: str, name: str):
        from huey import RedisHuey, SqliteHuey

        self.instance_path = instance_path
        url = os.environ.get("EGOVKIT_REDIS_URL")
        if url:
            self.huey = RedisHuey(name, url=url, results=False)
        else:
            folder = Path(instance_path) / "run"
            folder.mkdir(parents=True, exist_ok=True)
            self.huey = SqliteHuey(name, filename=str(folder / "queue.db"), results=False)
        self.task = self.huey.task(name=TASK)(_run_job)

    def enqueue_job(self, job_id: int) -> None:
        self.task(self.instance_path, job_id)

    def pending(self) -> int:
        return self.huey.pending_count()


_apps: dict[str, Flask] = {}
_apps_lock = threading.Lock()


def _app(instance_path: str) -> Flask:
    """One app per instance in a worker process, made on its first job."""
    with _apps_lock:
        if instance_path not in _apps:
            from ..app import create_app

            _apps[instance_path] = create_app(instance_path)
        return _apps[instance_path]


def _run_job(instance_path: str, job_id: int) -> None:
    from ..services import jobs

    jobs._run(_app(instance_path), job_id)


def init_app(app: Flask) -> None:
    check_setting()
    if configured():
        name = os.environ.get("EGOVKIT_QUEUE_NAME") or app.extensions["egovkit"].key
        app.extensions["egovkit_queue"] = Queue(app.instance_path, name)


def alive_file(app: Flask) -> Path:
    return Path(app.instance_path) / "run" / ALIVE_FILE


def housekeeping(app: Flask) -> dict:
    """One round of the worker's loop (also called by tests)."""
    from ..db import db
    from ..services import events, jobs, notifications

    done = {}
    with app.app_context():
        try:
            queue = app.extensions["egovkit_queue"]
            again = jobs.requeue_dead()
            for job_id in again:
                queue.enqueue_job(job_id)
            stranded = _stranded(app)
            for job_id in stranded:
                queue.enqueue_job(job_id)
            done["requeued"] = len(again) + len(stranded)
            if app.config.get("EGOVKIT_EVENT_BACKEND") == "outbox":
                done["events"] = events.deliver_pending()
            done["notifications"] = notifications.deliver_due()
        finally:
            db.session.remove()
    path = alive_file(app)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(str(os.getpid()))
    return done


def _stranded(app: Flask) -> list[int]:
    """Queued jobs older than a minute while the queue is empty: their message was lost (e.g. Redis restarted
    without persistence); claiming keeps a second message from running them twice."""
    from datetime import timedelta

    from sqlalchemy import select

    from ..db import db
    from ..models import utcnow
    from ..services import jobs

    if app.extensions["egovkit_queue"].pending():
        return []
    return list(db.session.scalars(select(jobs.Job.id).where(
        jobs.Job.state == "queued", jobs.Job.created_at < utcnow() - timedelta(minutes=1))))


def run_worker(app: Flask, threads: int) -> None:
    """Run the consumer in this (main) thread and the housekeeping loop beside it, until SIGINT/SIGTERM."""
    from huey.consumer import Consumer

    queue: Queue = app.extensions["egovkit_queue"]
    stop = threading.Event()

    def loop():
        while not stop.is_set():
            try:
                housekeeping(app)
            except Exception:
                log.exception("worker housekeeping failed; trying again in %s s", LOOP_SECONDS)
            stop.wait(LOOP_SECONDS)

    helper = threading.Thread(target=loop, name="egovkit-housekeeping", daemon=True)
    helper.start()
    _apps[app.instance_path] = app
    consumer = Consumer(queue.huey, workers=threads, worker_type="thread", periodic=False,
                        graceful_signal="INT", max_delay=2.0)
    try:
        consumer.run()
    finally:
        stop.set()
        helper.join(timeout=LOOP_SECONDS + 1)
        alive_file(app).unlink(missing_ok=True)

