"""A per-process cache of public pages, for visitors without a session.

Citizens on the portal get the same page for a few seconds instead of a
fresh render; anyone with a session (signed in, or holding a flash message
or a form token) always gets a fresh page. Each worker process has its own
store, so after a change other workers may show the old page until ``ttl``
runs out; the worker that made the change calls ``invalidate()``.
"""
from __future__ import annotations

import time
from functools import wraps

from flask import current_app, request

_MAX_ENTRIES = 512


def _stores() -> tuple[dict, dict]:
    """(pages, aggregates) of this app: two apps in one process (tests, a province host) never share."""
    return current_app.extensions.setdefault("egovkit_cache", ({}, {}))


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
            now = time.monotonic()
            if hit and hit[0] > now:
                return current_app.response_class(hit[1], status=hit[2], headers=hit[3])
            response = current_app.make_response(view(*args, **kwargs))
            if response.status_code == 200 and "Set-Cookie" not in response.headers and not response.is_streamed:
                if len(_store) >= _MAX_ENTRIES:
                    _store.clear()
                _store[key] = (now + ttl, response.get_data(), response.status_code, list(response.headers))
            return response

        return wrapped

    return decorator


def invalidate() -> None:
    """Forget every cached page of this process (call after a change visitors should see)."""
    _stores()[0].clear()


def memo(key: tuple, ttl: float, compute):
    """``compute()``'s result, kept ``ttl`` seconds per key in this process (for aggregates that are
    costly at a regency's scale and may be a few minutes old, such as dashboards)."""
    now = time.monotonic()
    _memo = _stores()[1]
    hit = _memo.get(key)
    if hit and hit[0] > now:
        return hit[1]
    value = compute()
    if len(_memo) >= _MAX_ENTRIES:
        _memo.clear()
    _memo[key] = (now + ttl, value)
    return value


def forget_aggregates(app) -> None:
    """Empty an app's ``memo`` store (benchmarks measuring cold dashboards)."""
    app.extensions.setdefault("egovkit_cache", ({}, {}))[1].clear()
