"""A cache of public pages, for visitors without a session, and of costly aggregates.

Citizens on the portal get the same page for a few seconds instead of a
fresh render; anyone with a session (signed in, or holding a flash message
or a form token) always gets a fresh page. Without Redis each worker process
has its own store, so after a change other workers may show the old page
until ``ttl`` runs out; the worker that made the change calls
``invalidate()``. With ``EGOVKIT_REDIS_URL`` the stores are shared by every
process and machine of the instance (keys prefixed by the instance's name),
and ``invalidate()`` reaches them all at once (a generation number in every
key). A Redis that does not answer is skipped: the page is rendered.
Values in Redis are pickled: Redis must be reachable by the kit only.

Aggregates (``memo``) are named by their key's first element. ``forget(name)``
drops one name's entries (a generation per name in every key, so a value
computed while the change was being made is never read afterwards), and
``forget_on_commit(name, *models)`` has every commit that changed one of the
models do so, whatever made the change (a view, an event handler, a CLI).
"""
from __future__ import annotations

import hashlib
import logging
import os
import pickle
import time
from functools import wraps

from flask import current_app, has_app_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session

_MAX_ENTRIES = 512
log = logging.getLogger(__name__)


def _name(key) -> str | None:
    """The name of an aggregate's key (its first element), which ``forget`` works by."""
    return key[0] if isinstance(key, tuple) and key and isinstance(key[0], str) else None


class _RedisStore:
    """A dict-like store in Redis with a TTL per entry, a generation for clearing it everywhere and one
    per name for forgetting one aggregate everywhere."""

    def __init__(self, client, prefix: str, named: bool):
        self.client, self.prefix, self.named = client, prefix, named

    def token(self, key) -> str | None:
        """The Redis key of ``key`` under the generations in force now (None: Redis did not answer)."""
        name = _name(key) if self.named else None
        try:
            if name is None:
                generation, named = self.client.get(f"{self.prefix}:gen"), b""
            else:
                generation, named = self.client.mget(f"{self.prefix}:gen", f"{self.prefix}:gen:{name}")
        except Exception as exc:  # noqa: BLE001  a cache must not take the site down
            log.warning("cache skipped: Redis did not answer (%s)", exc.__class__.__name__)
            return None
        digest = hashlib.sha256(repr(key).encode()).hexdigest()[:32]
        return f"{self.prefix}:{int(generation or 0)}:{int(named or 0)}:{digest}"

    def fetch(self, token):
        if token is None:
            return None
        try:
            raw = self.client.get(token)
        except Exception as exc:  # noqa: BLE001
            log.warning("cache skipped: Redis did not answer (%s)", exc.__class__.__name__)
            return None
        return pickle.loads(raw) if raw else None

    def keep(self, token, value, ttl: float) -> None:
        if token is None:
            return
        try:
            self.client.set(token, pickle.dumps(value), px=max(1, int(ttl * 1000)))
        except Exception as exc:  # noqa: BLE001
            log.warning("cache not written: Redis did not answer (%s)", exc.__class__.__name__)

    def get(self, key):
        return self.fetch(self.token(key))

    def put(self, key, value, ttl: float) -> None:
        self.keep(self.token(key), value, ttl)

    def clear(self) -> None:
        try:
            self.client.incr(f"{self.prefix}:gen")
        except Exception as exc:  # noqa: BLE001
            log.warning("cache not cleared: Redis did not answer (%s)", exc.__class__.__name__)

    def forget(self, name: str) -> None:
        try:
            self.client.incr(f"{self.prefix}:gen:{name}")
        except Exception as exc:  # noqa: BLE001
            log.warning("cache not cleared: Redis did not answer (%s)", exc.__class__.__name__)


class _LocalStore(dict):
    """This process's store: entries are (expires, value); an aggregate's key goes with its name's
    generation, so what was computed before ``forget`` is never read (nor kept) afterwards."""

    def __init__(self, named: bool):
        super().__init__()
        self.named, self.generations = named, {}

    def token(self, key):
        name = _name(key) if self.named else None
        return key if name is None else (self.generations.get(name, 0), key)

    def fetch(self, token):
        hit = super().get(token)
        return hit[1] if hit and hit[0] > time.monotonic() else None

    def keep(self, token, value, ttl: float) -> None:
        name = _name(token[1]) if self.named and isinstance(token, tuple) and len(token) == 2 else None
        if name is not None and token[0] != self.generations.get(name, 0):
            return  # computed from data changed meanwhile
        if len(self) >= _MAX_ENTRIES:
            super().clear()
        self[token] = (time.monotonic() + ttl, value)

    def get(self, key):
        return self.fetch(self.token(key))

    def put(self, key, value, ttl: float) -> None:
        self.keep(self.token(key), value, ttl)

    def forget(self, name: str) -> None:
        self.generations[name] = self.generations.get(name, 0) + 1
        for token in [t for t in self if isinstance(t, tuple) and len(t) == 2 and _name(t[1]) == name]:
            del self[token]


def _redis_stores(app):
    try:
        import redis
    except ImportError:
        raise RuntimeError("EGOVKIT_REDIS_URL is set but the redis package is not installed: "
                           "pip install 'egovkit[redis]'") from None
    client = redis.Redis.from_url(os.environ["EGOVKIT_REDIS_URL"], socket_timeout=0.25,
                                  socket_connect_timeout=0.25)
    name = app.extensions["egovkit"].key
    return _RedisStore(client, f"{name}:pages", named=False), _RedisStore(client, f"{name}:memo", named=True)


def _stores():
    """(pages, aggregates) of this app: two apps in one process (tests, a province host) never share."""
    app = current_app._get_current_object()
    stores = app.extensions.get("egovkit_cache")
    if stores is None:
        use_redis = os.environ.get("EGOVKIT_REDIS_URL") and os.environ.get("EGOVKIT_CACHE", "") != "process"
        stores = app.extensions["egovkit_cache"] = _redis_stores(app) if use_redis else (_LocalStore(named=False),
                                                                                          _LocalStore(named=True))
    return stores


def _anonymous() -> bool:
    cookies = request.cookies
    return current_app.config["SESSION_COOKIE_NAME"] not in cookies and "remember_token" not in cookies


def public_page(ttl: float = 30):
    """Cache a GET view's response for visitors without a session."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if request.method != "GET" or not _anonymous():
                return view(*args, **kwargs)
            key = (request.full_path, request.cookies.get("lang"), request.cookies.get("egovkit_kiosk"))
            _store = _stores()[0]
            hit = _store.get(key)
            if hit:
                return current_app.response_class(hit[0], status=hit[1], headers=hit[2])
            response = current_app.make_response(view(*args, **kwargs))
            if response.status_code == 200 and "Set-Cookie" not in response.headers and not response.is_streamed:
                _store.put(key, (response.get_data(), response.status_code, list(response.headers)), ttl)
            return response

        return wrapped

    return decorator


def public_fragment(key: tuple, ttl: float, compute):
    """``compute()``'s result (a piece of a page anyone may see, the same for every viewer), kept like a
    public page: ``ttl`` seconds, in the pages' store, forgotten by ``invalidate()``. Signed-in viewers get
    it too (a module's box on the portal home), so it must hold nothing of the viewer."""
    _store = _stores()[0]
    hit = _store.get(("fragment",) + key)
    if hit is not None:
        return hit[0]
    value = compute()
    _store.put(("fragment",) + key, (value,), ttl)
    return value


def invalidate() -> None:
    """Forget every cached page of this process (call after a change visitors should see)."""
    _stores()[0].clear()


def memo(key: tuple, ttl: float, compute):
    """``compute()``'s result, kept ``ttl`` seconds per key in this process (for aggregates that are
    costly at a regency's scale and may be a few minutes old, such as dashboards). ``key[0]`` names it
    for ``forget``."""
    _memo = _stores()[1]
    token = _memo.token(key)  # the generations before computing: a value of data changed meanwhile is dropped
    hit = _memo.fetch(token)
    if hit is not None:
        return hit[0]
    value = compute()
    _memo.keep(token, (value,), ttl)
    return value


def remember(key: tuple, ttl: float, value) -> None:
    """Put a fresh value under a ``memo`` key (after a change, so the writer's process shows it at once)."""
    _stores()[1].put(key, (value,), ttl)


def forget(name: str) -> None:
    """Forget every aggregate memoised under the name ``name`` (``key[0]``): in this process, and with
    Redis in every process at once."""
    _stores()[1].forget(name)


_FORGOTTEN_BY: dict[str, set[str]] = {}  # table name -> names of aggregates computed from it


def forget_on_commit(name: str, *models) -> None:
    """Declare that the aggregates named ``name`` are computed from these models' tables: every commit
    that changed one of them (ORM objects, or INSERT/UPDATE/DELETE statements run through the session)
    forgets them, in the committing process at once and with Redis everywhere."""
    for model in models:
        _FORGOTTEN_BY.setdefault(model.__table__.name, set()).add(name)


def _note(session, tables) -> None:
    names = set().union(*(_FORGOTTEN_BY.get(t, ()) for t in tables))
    if names:
        session.info.setdefault("egovkit_forget", set()).update(names)


@event.listens_for(Session, "after_flush")
def _flushed(session, _ctx):
    if _FORGOTTEN_BY:
        _note(session, {obj.__table__.name for obj in (*session.new, *session.dirty, *session.deleted)
                        if hasattr(obj, "__table__")})


@event.listens_for(Session, "do_orm_execute")
def _executed(state):
    if _FORGOTTEN_BY and (state.is_insert or state.is_update or state.is_delete):
        table = getattr(state.statement, "table", None)
        if table is not None:
            _note(state.session, {table.name})


@event.listens_for(Session, "after_commit")
def _committed(session):
    names = session.info.pop("egovkit_forget", None)
    if names and has_app_context():
        for name in names:
            forget(name)


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session, previous):
    if not previous.nested:
        session.info.pop("egovkit_forget", None)


def forget_aggregates(app) -> None:
    """Empty an app's ``memo`` store (benchmarks measuring cold dashboards)."""
    with app.app_context():
        _stores()[1].clear()
