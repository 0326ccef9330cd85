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
"""
from __future__ import annotations

import hashlib
import logging
import os
import pickle
import time
from functools import wraps

from flask import current_app, request

_MAX_ENTRIES = 512
log = logging.getLogger(__name__)


class _RedisStore:
    """A dict-like store in Redis with a TTL per entry and a generation for clearing it everywhere."""

    def __init__(self, client, prefix: str):
        self.client, self.prefix = client, prefix

    def _generation(self) -> int:
        return int(self.client.get(f"{self.prefix}:gen") or 0)

    def _key(self, key) -> str:
        digest = hashlib.sha256(repr(key).encode()).hexdigest()[:32]
        return f"{self.prefix}:{self._generation()}:{digest}"

    def get(self, key):
        try:
            raw = self.client.get(self._key(key))
        except Exception as exc:  # noqa: BLE001  a cache must not take the site down
            log.warning("cache skipped: Redis did not answer (%s)", exc.__class__.__name__)
            return None
        return pickle.loads(raw) if raw else None

    def put(self, key, value, ttl: float) -> None:
        try:
            self.client.set(self._key(key), pickle.dumps(value), px=max(1, int(ttl * 1000)))
        except Exception as exc:  # noqa: BLE001
            log.warning("cache not written: Redis did not answer (%s)", exc.__class__.__name__)

    def clear(self) -> None:
        try:
            self.client.incr(f"{self.prefix}:gen")
        except Exception as exc:  # noqa: BLE001
            log.warning("cache not cleared: Redis did not answer (%s)", exc.__class__.__name__)


class _LocalStore(dict):
    """This process's store: entries are (expires, value)."""

    def get(self, key):
        hit = super().get(key)
        return hit[1] if hit and hit[0] > time.monotonic() else None

    def put(self, key, value, ttl: float) -> None:
        if len(self) >= _MAX_ENTRIES:
            super().clear()
        self[key] = (time.monotonic() + ttl, value)


def _redis_stores(app):
    try:
        import redis
    except ImportError:
        raise RuntimeError("EGOVKIT_REDIS_URL is set but the redis package is not installed: "
                           "pip install 'egovkit[redis]'") from None
    client = redis.Redis.from_url(os.environ["EGOVKIT_REDIS_URL"], socket_timeout=0.25,
                                  socket_connect_timeout=0.25)
    name = app.extensions["egovkit"].key
    return _RedisStore(client, f"{name}:pages"), _RedisStore(client, f"{name}:memo")


def _stores():
    """(pages, aggregates) of this app: two apps in one process (tests, a province host) never share."""
    app = current_app._get_current_object()
    stores = app.extensions.get("egovkit_cache")
    if stores is None:
        use_redis = os.environ.get("EGOVKIT_REDIS_URL") and os.environ.get("EGOVKIT_CACHE", "") != "process"
        stores = app.extensions["egovkit_cache"] = _redis_stores(app) if use_redis else (_LocalStore(),
                                                                                          _LocalStore())
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
    costly at a regency's scale and may be a few minutes old, such as dashboards)."""
    _memo = _stores()[1]
    hit = _memo.get(key)
    if hit is not None:
        return hit[0]
    value = compute()
    _memo.put(key, (value,), ttl)
    return value


def remember(key: tuple, ttl: float, value) -> None:
    """Put a fresh value under a ``memo`` key (after a change, so the writer's process shows it at once)."""
    _stores()[1].put(key, (value,), ttl)


def forget_aggregates(app) -> None:
    """Empty an app's ``memo`` store (benchmarks measuring cold dashboards)."""
    with app.app_context():
        _stores()[1].clear()
