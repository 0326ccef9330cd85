"""Metrics for Prometheus at /metrics, and a request id on every request and log line.

Counters kept by the app (prometheus_client, the Prometheus project's own
client): requests and latency per route (the route's rule, e.g.
``/kampung/letters/<int:record_id>``, so the label set stays small and no
id or code reaches the metrics) and rows imported per module. Figures read
from the database when Prometheus scrapes: jobs per state, undelivered
events and the age of the oldest (outbox lag), open cases past their due
time per workflow (SLA breaches), notifications per state.

Several server processes (``serve --workers N``) share their counters
through prometheus_client's multiprocess mode: ``serve`` sets
``PROMETHEUS_MULTIPROC_DIR`` to a fresh folder before the workers start.

/metrics answers only a request from the machine itself (the loopback
address) or one with ``Authorization: Bearer $EGOVKIT_METRICS_TOKEN``;
anyone else gets a 404. The request id is taken from a well-formed
``X-Request-ID`` header (a proxy's) or made, sent back in the response,
and added to every log record made while the request runs. With
``EGOVKIT_LOG_FORMAT=json`` log lines are JSON; the access line carries the
method, route, status, duration, request id and user id, never the query
string, an address, a NIK or a name.
"""
from __future__ import annotations

import hmac
import json
import logging
import os
import re
import time
import uuid
from datetime import datetime, timezone

from flask import Flask, Response, abort, g, has_request_context, request
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily

REGISTRY = CollectorRegistry(auto_describe=True)  # the app's own, not the library's global one
REQUESTS = Counter("egovkit_http_requests", "HTTP requests answered", ("route", "method", "status"),
                   registry=REGISTRY)
LATENCY = Histogram("egovkit_http_request_duration_seconds", "Time to answer a request", ("route",),
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10), registry=REGISTRY)
IMPORTED = Counter("egovkit_import_rows", "Rows read by CSV imports (written or unchanged)", ("module",),
                   registry=REGISTRY)
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
access_log = logging.getLogger("egovkit.access")


def imported(module: str, rows: int) -> None:
    IMPORTED.labels(module).inc(rows)


class _DatabaseFigures:
    """Read when scraped, from the tables every process shares."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self):
        from sqlalchemy import func, select

        from ..db import db
        from ..models import utcnow
        from ..services import events, jobs, notifications, workflow

        with self.app.app_context():
            try:
                job_states = GaugeMetricFamily("egovkit_jobs", "Background jobs per state", labels=("state",))
                for state, n in db.session.execute(select(jobs.Job.state, func.count()).group_by(jobs.Job.state)):
                    job_states.add_metric((state,), n)
                yield job_states
                waiting, oldest = events.lag()
                yield GaugeMetricFamily("egovkit_events_undelivered", "Event deliveries not yet done (outbox)",
                                        value=waiting)
                yield GaugeMetricFamily("egovkit_events_oldest_undelivered_seconds",
                                        "Age of the oldest undelivered event (outbox lag)",
                                        value=(utcnow() - oldest).total_seconds() if oldest else 0)
                overdue = GaugeMetricFamily("egovkit_cases_overdue", "Open cases past their due time (SLA)",
                                            labels=("workflow",))
                rows = db.session.execute(select(workflow.Case.workflow, func.count()).where(
                    workflow.Case.closed.is_(False), workflow.Case.due_at < utcnow())
                    .group_by(workflow.Case.workflow))
                counts = dict(rows.all())
                for name in sorted(self.app.extensions["egovkit"].workflows):
                    overdue.add_metric((name,), counts.get(name, 0))
                yield overdue
                notes = GaugeMetricFamily("egovkit_notifications", "Messages to people per state",
                                          labels=("state",))
                for state, n in db.session.execute(select(notifications.Notification.status, func.count())
                                                   .group_by(notifications.Notification.status)):
                    notes.add_metric((state,), n)
                yield notes
                yield GaugeMetricFamily("egovkit_database_up", "Whether the database answered", value=1)
            except Exception:  # a scrape must still answer: the database being down is a figure too
                db.session.rollback()
                yield GaugeMetricFamily("egovkit_database_up", "Whether the database answered", value=0)
            finally:
                db.session.remove()


def _allowed() -> bool:
    token = os.environ.get("EGOVKIT_METRICS_TOKEN")
    sent = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        return True
    return request.remote_addr in ("127.0.0.1", "::1")


def metrics_text(app: Flask) -> bytes:
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        shared = CollectorRegistry()
        multiprocess.MultiProcessCollector(shared, path=folder)
        counters = generate_latest(shared)
    else:
        counters = generate_latest(REGISTRY)
    figures = CollectorRegistry()
    figures.register(_DatabaseFigures(app))
    return counters + generate_latest(figures)


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record):
        line = {"time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
                "level": record.levelname, "logger": record.name, "message": record.getMessage(),
                "request_id": getattr(record, "request_id", "-")}
        line.update(getattr(record, "fields", {}))
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure_logging() -> None:
    """Once per process: a handler on the root logger that carries the request id (JSON if asked)."""
    root = logging.getLogger()
    if any(getattr(h, "egovkit", False) for h in root.handlers):
        return
    handler = logging.StreamHandler()
    handler.egovkit = True
    handler.addFilter(RequestIdFilter())
    if os.environ.get("EGOVKIT_LOG_FORMAT") == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)


def init_app(app: Flask) -> None:
    @app.before_request
    def _start():
        sent = request.headers.get("X-Request-ID", "")
        g.request_id = sent if REQUEST_ID.match(sent) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _count(response):
        started = g.pop("request_started", None)
        if started is None:
            return response
        route = request.url_rule.rule if request.url_rule is not None else "unmatched"
        seconds = time.perf_counter() - started
        REQUESTS.labels(route, request.method, str(response.status_code)).inc()
        LATENCY.labels(route).observe(seconds)
        response.headers["X-Request-ID"] = g.request_id
        if app.config.get("EGOVKIT_ACCESS_LOG"):
            from flask_login import current_user

            user = getattr(current_user, "id", None) if current_user else None
            access_log.info("%s %s %s %.1f ms", request.method, route, response.status_code, seconds * 1000,
                            extra={"fields": {"method": request.method, "route": route,
                                              "status": response.status_code, "ms": round(seconds * 1000, 1),
                                              "user_id": user, "request_id": g.request_id}})
        return response

    @app.get("/metrics")
    def metrics():
        if not _allowed():
            abort(404)
        return Response(metrics_text(app), mimetype="text/plain; version=0.0.4; charset=utf-8",
                        headers={"Cache-Control": "no-store"})
