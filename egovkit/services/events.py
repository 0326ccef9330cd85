"""Domain events between modules, through an outbox.

``publish("resident.died", nik=...)`` writes the event in the same
transaction as the change that caused it. After the transaction commits,
the delivery backend hands it to every enabled module that subscribed
(``Module.events``). Each handler runs in its own transaction, and its
delivery is recorded in that same transaction, so a handler's effects
happen exactly once: a failure rolls them back and leaves the delivery
'failed' (retried by ``egovkit events retry`` or the admin page), and an
event whose subscriber is disabled today waits until it is enabled.

Backends (``EGOVKIT_EVENT_BACKEND``): ``inprocess`` (default: deliver at the
end of the request or command that committed) or ``outbox`` (store only; a
separate ``egovkit events relay`` process delivers).
"""
from __future__ import annotations

import json
import traceback
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from flask import current_app
from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, event, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Session, db
from ..models import utcnow
from ..modules import import_path


class Event(db.Model):
    __tablename__ = "core_event"
    __audit__ = False  # the change that caused it is audited
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), index=True)
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)

    @property
    def data(self) -> dict:
        return json.loads(self.payload)


class Delivery(db.Model):
    __tablename__ = "core_event_delivery"
    __table_args__ = (UniqueConstraint("event_id", "handler"),)
    __audit__ = False
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("core_event.id"), index=True)
    handler: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10))  # done | failed
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    last_error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow, onupdate=utcnow)


@dataclass(frozen=True)
class Subscription:
    event: str
    module: str
    handler: str  # import path, also the delivery key

    def load(self) -> Callable:
        return import_path(self.handler)


def publish(name: str, **payload) -> Event:
    """Record an event in the current transaction; it is delivered after commit."""
    ev = Event(name=name, payload=json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str))
    db.session.add(ev)
    db.session.info.setdefault("egovkit_events_new", []).append(ev)
    return ev


@event.listens_for(Session, "after_flush")
def _collect(session, _ctx):
    new = session.info.pop("egovkit_events_new", [])
    session.info.setdefault("egovkit_events_flushed", []).extend(e.id for e in new if e.id is not None)


@event.listens_for(Session, "after_commit")
def _committed(session):
    ids = session.info.pop("egovkit_events_flushed", [])
    if ids:
        session.info.setdefault("egovkit_events_committed", []).extend(ids)


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session, previous):
    if previous.nested:
        return  # a savepoint: the outer transaction and its events go on
    session.info.pop("egovkit_events_new", None)
    session.info.pop("egovkit_events_flushed", None)


def subscriptions() -> list[Subscription]:
    """Handlers of the enabled modules, in module order."""
    out = []
    for module in current_app.extensions["egovkit"].modules:
        for name, handler in module.events.items():
            out.append(Subscription(name, module.name, handler))
    return out


def deliver(ev: Event, sub: Subscription) -> bool:
    """Run one handler for one event, exactly once; True when delivered now.

    The delivery row is claimed first, in the handler's transaction: a second
    deliverer (another worker, a retry) fails to claim it and skips.
    """
    existing = db.session.scalar(select(Delivery).where(Delivery.event_id == ev.id, Delivery.handler == sub.handler))
    if existing is not None and existing.status == "done":
        return False
    try:
        if existing is None:
            db.session.add(Delivery(event_id=ev.id, handler=sub.handler, status="done", attempts=1))
            db.session.flush()
        else:
            claimed = db.session.execute(
                update(Delivery).where(Delivery.id == existing.id, Delivery.status == "failed",
                                       Delivery.attempts == existing.attempts)
                .values(status="done", attempts=existing.attempts + 1, last_error=None, updated_at=utcnow()))
            if claimed.rowcount != 1:
                db.session.rollback()
                return False
    except IntegrityError:
        db.session.rollback()  # another process holds or made this delivery
        return False
    try:
        sub.load()(ev)
        db.session.commit()
        return True
    except Exception:
        db.session.rollback()
        _record_failure(ev.id, sub.handler, traceback.format_exc(limit=5))
        current_app.logger.exception("event %s #%s: handler %s failed", ev.name, ev.id, sub.handler)
        return False


def _record_failure(event_id: int, handler: str, error: str) -> None:
    row = db.session.scalar(select(Delivery).where(Delivery.event_id == event_id, Delivery.handler == handler))
    if row is None:
        db.session.add(Delivery(event_id=event_id, handler=handler, status="failed", attempts=1, last_error=error))
    elif row.status == "failed":
        row.attempts += 1
        row.last_error = error
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()


def deliver_ids(ids: list[int]) -> int:
    subs = subscriptions()
    delivered = 0
    for event_id in ids:
        ev = db.session.get(Event, event_id)
        for sub in subs:
            if ev is not None and sub.event == ev.name:
                delivered += deliver(ev, sub)
    return delivered


def undelivered(limit: int | None = None) -> list[tuple[Event, Subscription]]:
    """(event, subscription) pairs not yet delivered, oldest first."""
    out = []
    for sub in subscriptions():
        done = select(Delivery.event_id).where(Delivery.handler == sub.handler, Delivery.status == "done")
        stmt = select(Event).where(Event.name == sub.event, Event.id.not_in(done)).order_by(Event.id)
        out += [(ev, sub) for ev in db.session.scalars(stmt.limit(limit) if limit else stmt)]
    return sorted(out, key=lambda pair: pair[0].id)


def lag(limit: int = 10_000) -> tuple[int, datetime | None]:
    """The outbox's lag: how many deliveries wait (counted up to ``limit``) and when the oldest was published
    (for /metrics and `egovkit doctor`)."""
    from ..models import as_utc

    pending = undelivered(limit=limit)
    return len(pending), min((as_utc(ev.created_at) for ev, _ in pending), default=None)


def deliver_pending() -> int:
    """Deliver everything undelivered (retries failures, picks up newly enabled subscribers)."""
    return sum(deliver(ev, sub) for ev, sub in undelivered())


def init_app(app) -> None:
    backend = app.config.get("EGOVKIT_EVENT_BACKEND", "inprocess")
    if backend not in ("inprocess", "outbox"):
        raise ValueError(f"EGOVKIT_EVENT_BACKEND: unknown backend {backend!r} (inprocess or outbox)")

    @app.teardown_appcontext
    def _dispatch(exc):
        # Registered after Flask-SQLAlchemy's teardown, so it runs before the session is removed.
        for _round in range(10):  # handlers may publish events of their own
            ids = db.session.info.pop("egovkit_events_committed", [])
            if not ids or exc is not None or backend != "inprocess":
                return
            deliver_ids(ids)
