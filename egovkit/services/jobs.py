"""Background jobs for work longer than a page load (a village's CSV upload).

A job is a row in ``core_job``: who asked, what runs, how far it got. By
default it runs on a small thread pool inside the web process that accepted
it, so nothing but Python is needed, and a job whose process died stops
updating and is shown as interrupted. With ``EGOVKIT_JOB_QUEUE=huey`` jobs
go to a queue (Redis at ``EGOVKIT_REDIS_URL``, else a SQLite file in the
instance) and ``egovkit worker`` runs them (egovkit/ops/worker.py); a job
whose worker died is started again, up to ``MAX_ATTEMPTS`` times, so a job
must be written so that running it again changes nothing its first run
committed (imports upsert). Either way progress is read back from the
database, so any process can show it, and a job is claimed with a
conditional UPDATE, so it never runs twice at once. The function is given a
``Progress`` and the job's parameters, and returns a JSON-able result:

    def import_residents(progress, path, village):
        progress.total(size)
        ... progress(done) ...    # between units of work: it commits
        return {"rows": n}

``JobError`` carries a message for the person who asked; any other exception
fails the job with a generic message and is logged. ``progress.note(...)``
keeps facts about what is already saved (e.g. rows imported so far), shown
when the job fails or dies. The ``files`` given to ``submit`` (an uploaded
file) are removed when the job ends, done or failed; ``reap()`` ends jobs
whose process died and removes theirs (``egovkit files expire``).
"""
from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from flask import Flask, current_app
from flask_babel import force_locale, get_locale
from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String, Text, select, update
from sqlalchemy.orm import Mapped, mapped_column

from . import audit
from ..auth.scope import Scope
from ..db import db
from ..models import as_utc, utcnow
from ..modules import import_path

log = logging.getLogger(__name__)
STALE_AFTER = timedelta(minutes=10)  # no progress for this long: the process running it is gone
# Seconds between a running job's signs of life (besides its progress), and how long without one means its
# queue worker died (environment variables for tests and slow disks).
HEARTBEAT = float(os.environ.get("EGOVKIT_JOB_HEARTBEAT_SECONDS", "15"))
WORKER_STALE_AFTER = timedelta(seconds=float(os.environ.get("EGOVKIT_JOB_STALE_SECONDS", "90")))
MAX_ATTEMPTS = 3


class JobError(Exception):
    """Why a job could not do its work, for the person who asked."""


class Job(db.Model):
    __tablename__ = "core_job"
    __scope__ = Scope(owner="owner_id")
    __audit__ = False  # the work a job does is audited; its progress counters are not
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(80))  # e.g. smart_kampung.import
    target: Mapped[str] = mapped_column(String(200))  # "package.module:function"
    params: Mapped[str] = mapped_column(Text, default="{}")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), index=True)
    locale: Mapped[str] = mapped_column(String(8), default="id")
    state: Mapped[str] = mapped_column(String(10), default="queued")  # queued | running | done | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # times it was started
    done: Mapped[int] = mapped_column(BigInteger, default=0)
    total: Mapped[int | None] = mapped_column(BigInteger)
    message: Mapped[str | None] = mapped_column(Text)
    result: Mapped[str | None] = mapped_column(Text)  # JSON
    result_endpoint: Mapped[str | None] = mapped_column(String(120))  # page showing the result, takes job_id
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")

    @property
    def interrupted(self) -> bool:
        return not self.finished and as_utc(self.updated_at) < utcnow() - STALE_AFTER

    @property
    def percent(self) -> int | None:
        if self.state == "done":
            return 100
        if not self.total:
            return None
        return min(99, int(self.done * 100 / self.total))

    def outcome(self) -> dict:
        return json.loads(self.result) if self.result else {}


class Progress:
    """Handed to the job's function: ``total(n)`` once, then ``progress(done)`` as it goes."""

    def __init__(self, job_id: int):
        self.job_id = job_id

    def total(self, total: int) -> None:
        self._set(total=total)

    def note(self, **facts) -> None:
        """Keep facts about the work saved so far (JSON-able), shown if the job fails or dies."""
        self._set(result=json.dumps(facts, ensure_ascii=False, default=str))

    def __call__(self, done: int) -> None:
        self._set(done=done)

    def _set(self, **values) -> None:
        # Commits the job's session: call it between units of work, each its own transaction.
        db.session.execute(update(Job).where(Job.id == self.job_id).values(updated_at=utcnow(), **values))
        db.session.commit()


def _executor(app: Flask) -> ThreadPoolExecutor:
    pool = app.extensions.get("egovkit_jobs")
    if pool is None:
        pool = ThreadPoolExecutor(max_workers=app.config.get("EGOVKIT_JOB_WORKERS", 1),
                                  thread_name_prefix="egovkit-job")
        app.extensions["egovkit_jobs"] = pool
    return pool


FILES = "__files__"  # in params: the files removed when the job ends


def submit(kind: str, target: str, *, owner_id: int | None, result_endpoint: str | None = None,
           files: list[str] = (), **params) -> Job:
    """Record a job (committed) and start it in the background; returns the job. ``files`` are removed
    when it ends, however it ends."""
    if files:
        params[FILES] = [str(f) for f in files]
    job = Job(kind=kind, target=target, params=json.dumps(params, ensure_ascii=False), owner_id=owner_id,
              locale=str(get_locale() or "id"), result_endpoint=result_endpoint)
    db.session.add(job)
    db.session.flush()
    audit.record("submit", "core", "core_job", job.id, kind=kind)
    db.session.commit()
    app = current_app._get_current_object()
    queue = app.extensions.get("egovkit_queue")
    if queue is not None:
        queue.enqueue_job(job.id)
    else:
        _executor(app).submit(_run, app, job.id)
    return job


def claim(job_id: int) -> bool:
    """Take a queued job to run it (committed); False when another runner has it or it has ended."""
    taken = db.session.execute(update(Job).where(Job.id == job_id, Job.state == "queued")
                               .values(state="running", attempts=Job.attempts + 1, updated_at=utcnow()))
    db.session.commit()
    return taken.rowcount == 1


class _Heartbeat:
    """Touches a running job's updated_at every HEARTBEAT seconds from its own connection, so a long unit
    of work without progress is not taken for a dead worker."""

    def __init__(self, app: Flask, job_id: int):
        import threading

        self.app, self.job_id, self.stop = app, job_id, threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"egovkit-job-{job_id}-heartbeat", daemon=True)

    def _beat(self) -> None:
        while not self.stop.wait(HEARTBEAT):
            try:
                with self.app.app_context(), db.engine.begin() as conn:
                    conn.execute(update(Job).where(Job.id == self.job_id, Job.state == "running")
                                 .values(updated_at=utcnow()))
            except Exception:  # a busy database skips a beat; the next one counts
                log.debug("heartbeat of job %s skipped", self.job_id, exc_info=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *_exc):
        self.stop.set()
        self.thread.join()


def _run(app: Flask, job_id: int) -> None:
    with app.app_context():
        if not claim(job_id):
            db.session.remove()
            return
        job = db.session.get(Job, job_id)
        owner = job.owner_id
        audit.set_actor(f"job:{job.id}", owner)
        params = json.loads(job.params)
        files = params.pop(FILES, [])
        try:
            with _Heartbeat(app, job_id), force_locale(job.locale):
                result = import_path(job.target)(Progress(job_id), **params)
        except JobError as exc:
            _finish(job_id, "failed", message=str(exc))
        except Exception:
            log.exception("job %s (%s) failed", job_id, job.kind)
            _finish(job_id, "failed", message=None)
        else:
            _finish(job_id, "done", result=json.dumps(result, ensure_ascii=False, default=str))
        finally:
            _remove(files)
            audit.set_actor(None)
            db.session.remove()


def requeue_dead(stale_after: timedelta | None = None) -> list[int]:
    """Jobs whose queue worker died (running, no sign of life): back to queued to run again, or failed after
    MAX_ATTEMPTS; returns the ids to enqueue again."""
    from flask_babel import gettext

    again = []
    dead = db.session.scalars(select(Job).where(Job.state == "running",
                                                Job.updated_at < utcnow() - (stale_after or WORKER_STALE_AFTER))).all()
    for job in dead:
        if job.attempts >= MAX_ATTEMPTS:
            with force_locale(job.locale):
                message = gettext("The work was interrupted (the server stopped).")
            values = {"state": "failed", "message": message, "finished_at": utcnow()}
        else:
            values = {"state": "queued"}
        moved = db.session.execute(update(Job).where(Job.id == job.id, Job.updated_at == job.updated_at,
                                                     Job.state == "running").values(updated_at=utcnow(), **values))
        if moved.rowcount == 1:
            audit.record("requeued" if values["state"] == "queued" else "interrupted", "core", "core_job", job.id,
                         kind=job.kind, attempts=job.attempts)
            if values["state"] == "queued":
                again.append(job.id)
            else:
                _remove(json.loads(job.params).get(FILES, []))
    db.session.commit()
    return again


def _finish(job_id: int, state: str, **values) -> None:
    db.session.rollback()  # whatever the failed unit of work left is not kept
    now = utcnow()
    db.session.execute(update(Job).where(Job.id == job_id)
                       .values(state=state, updated_at=now, finished_at=now, **values))
    db.session.commit()


def _remove(files) -> None:
    for name in files:
        Path(name).unlink(missing_ok=True)


def reap() -> int:
    """End the jobs whose process died (no progress for STALE_AFTER) and remove their files; how many."""
    from flask_babel import gettext

    stale = db.session.scalars(select(Job).where(Job.state.in_(("queued", "running")),
                                                 Job.updated_at < utcnow() - STALE_AFTER)).all()
    for job in stale:
        _remove(json.loads(job.params).get(FILES, []))
        with force_locale(job.locale):
            message = gettext("The work was interrupted (the server stopped).")
        now = utcnow()
        db.session.execute(update(Job).where(Job.id == job.id, Job.updated_at == job.updated_at)
                           .values(state="failed", message=message, updated_at=now, finished_at=now))
        audit.record("interrupted", "core", "core_job", job.id, kind=job.kind)
    db.session.commit()
    return len(stale)
