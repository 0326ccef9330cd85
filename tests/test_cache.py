"""The page and aggregate caches: per process by default, shared through Redis when configured."""
from __future__ import annotations

import os
import uuid

import pytest

from egovkit.app import create_app

REDIS = os.environ.get("EGOVKIT_TEST_REDIS_URL")


def _two_processes(path):
    """Two apps of one instance stand for two server processes (or machines)."""
    return create_app(path, {"TESTING": True}), create_app(path, {"TESTING": True})


def test_without_redis_each_process_keeps_its_own(make_instance, monkeypatch):
    monkeypatch.delenv("EGOVKIT_REDIS_URL", raising=False)
    from egovkit.web.cache import memo

    a, b = _two_processes(make_instance("banyuwangi"))
    calls = []
    for app in (a, b, a):
        with app.test_request_context():
            memo(("k",), 60, lambda: calls.append(1) or len(calls))
    assert len(calls) == 2  # one per process; the second call in `a` was a hit


@pytest.mark.skipif(not REDIS, reason="needs EGOVKIT_TEST_REDIS_URL")
def test_with_redis_processes_share_aggregates_and_invalidation(make_instance, monkeypatch, tmp_path):
    monkeypatch.setenv("EGOVKIT_REDIS_URL", REDIS)
    path = make_instance("banyuwangi", str(tmp_path / f"i{uuid.uuid4().hex[:8]}"))  # a key prefix of its own
    from egovkit.web.cache import invalidate, memo

    a, b = _two_processes(path)
    calls = []
    for app in (a, b):
        with app.test_request_context():
            assert memo(("dashboard", 1), 60, lambda: calls.append(1) or {"n": 7}) == {"n": 7}
    assert len(calls) == 1  # b read what a computed

    first = a.test_client().get("/announcements/").get_data()
    assert b.test_client().get("/announcements/").get_data() == first
    with a.test_request_context():
        cached_key = ("/announcements/?", None, None)
        from egovkit.web.cache import _stores

        assert _stores()[0].get(cached_key) is not None
        invalidate()  # a change in one process ...
    with b.test_request_context():
        assert _stores()[0].get(cached_key) is None  # ... is seen by the other at once


def test_a_redis_that_does_not_answer_is_skipped(make_instance, monkeypatch):
    monkeypatch.setenv("EGOVKIT_REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    app = create_app(make_instance("banyuwangi"), {"TESTING": True})
    client = app.test_client()
    assert client.get("/announcements/").status_code == 200
    assert client.get("/announcements/").status_code == 200
    from egovkit.web.cache import memo

    with app.test_request_context():
        assert memo(("x",), 60, lambda: 42) == 42


@pytest.mark.parametrize("shared", [False, True], ids=["process", "redis"])
def test_forget_drops_one_name_and_a_value_computed_while_it_changed(make_instance, monkeypatch, tmp_path, shared):
    if shared and not REDIS:
        pytest.skip("needs EGOVKIT_TEST_REDIS_URL")
    if shared:
        monkeypatch.setenv("EGOVKIT_REDIS_URL", REDIS)
    else:
        monkeypatch.delenv("EGOVKIT_REDIS_URL", raising=False)
    path = make_instance("banyuwangi", str(tmp_path / f"i{uuid.uuid4().hex[:8]}"))
    from egovkit.web.cache import forget, memo

    app = create_app(path, {"TESTING": True})
    calls = []

    def count(name):
        return lambda: calls.append(name) or len(calls)

    with app.test_request_context():
        memo(("a", 1), 60, count("a")), memo(("b", 1), 60, count("b"))
        forget("a")
        memo(("a", 1), 60, count("a")), memo(("b", 1), 60, count("b"))
        assert calls == ["a", "b", "a"]  # b was kept
        # a change committed while a value was being computed: that value is returned, never kept
        memo(("a", 2), 60, lambda: forget("a") or "old")
        assert memo(("a", 2), 60, lambda: "new") == "new"
