"""Bounds on every request's input, in one place, before any view sees it.

- Whole numbers read with ``request.args.get(name, type=int)`` (or from
  ``request.form`` / ``request.values``) stop at 32 bits: a larger one is
  treated as absent (the view's default), never handed to the database,
  which cannot hold it (SQLite raises OverflowError past 64 bits).
- Text in the path, query string, form fields and JSON bodies is refused
  (400) when it holds NUL (PostgreSQL cannot store it), an unpaired surrogate
  (cannot be encoded) or a Unicode non-character (U+FFFE, U+10FFFF, ...: no
  person types one); query values are at most 2,000 characters and form
  values 100,000.
- JSON bodies nest at most 32 levels deep (a 100,000-deep one would exhaust
  the parser's recursion) and must be valid UTF-8 JSON; everywhere
  ``request.get_json()`` is used.
"""
from __future__ import annotations

import json
import re

from flask import Request, abort, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.datastructures import CombinedMultiDict, ImmutableMultiDict
from werkzeug.exceptions import BadRequest

INT_MIN, INT_MAX = -(2**31), 2**31 - 1
MAX_QUERY_VALUE = 2_000
MAX_FORM_VALUE = 100_000
MAX_JSON_DEPTH = 32

# NUL, lone surrogates, and the 66 non-characters (U+FDD0..U+FDEF and the last two of every plane).
_FORBIDDEN = re.compile("[\x00\ud800-\udfff\ufdd0-\ufdef"
                        + "".join(f"{chr(p * 0x10000 + 0xFFFE)}{chr(p * 0x10000 + 0xFFFF)}" for p in range(17))
                        + "]")


def bounded_int(value) -> int:
    """int() that refuses what a 32-bit id or page number cannot be (werkzeug then returns the default)."""
    number = int(value)
    if not INT_MIN <= number <= INT_MAX:
        raise ValueError("out of range")
    return number


class _BoundedGet:
    def get(self, key, default=None, type=None):  # noqa: A002 (werkzeug's signature)
        return super().get(key, default, bounded_int if type is int else type)

    def getlist(self, key, type=None):  # noqa: A002
        return super().getlist(key, bounded_int if type is int else type)


class BoundedMultiDict(_BoundedGet, ImmutableMultiDict):
    pass


class BoundedCombinedMultiDict(_BoundedGet, CombinedMultiDict):
    pass


class BoundedRequest(Request):
    parameter_storage_class = BoundedMultiDict

    @property
    def values(self):
        sources = [self.args]
        if self.method != "GET":
            sources.append(self.form)
        return BoundedCombinedMultiDict(sources)


def bad_text(value: str) -> bool:
    """True when the text holds a character no form or client should send."""
    return _FORBIDDEN.search(value) is not None


class JSONDepthError(ValueError):
    pass


def _check_json(value, depth: int = 0):
    """Depth and characters of parsed JSON, without recursion past the limit."""
    stack = [(value, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, str):
            if bad_text(node):
                raise ValueError("a string holds a forbidden character")
        elif isinstance(node, (dict, list)):
            if level > MAX_JSON_DEPTH:
                raise JSONDepthError(f"nested deeper than {MAX_JSON_DEPTH} levels")
            items = node.items() if isinstance(node, dict) else ((None, v) for v in node)
            for key, item in items:
                if key is not None and bad_text(key):
                    raise ValueError("a key holds a forbidden character")
                stack.append((item, level + 1))
    return value


class BoundedJSONProvider(DefaultJSONProvider):
    """JSON nested deep enough to exhaust the parser is a ValueError (a 400 from get_json), never a
    RecursionError; the request check below also bounds depth and characters of what parsed."""

    def loads(self, s, **kwargs):
        try:
            return json.loads(s, **kwargs)
        except RecursionError:
            raise JSONDepthError(f"nested deeper than {MAX_JSON_DEPTH} levels") from None


def _refuse_json():
    detail = (f"The body is not valid JSON, nests deeper than {MAX_JSON_DEPTH} levels, or holds a character "
              "no client should send (NUL, an unpaired surrogate, a non-character).")
    if request.path.startswith("/api/"):
        from ..api import ApiError

        raise ApiError(400, "invalid_json", detail)
    abort(400)


def init_app(app) -> None:
    app.request_class = BoundedRequest
    app.json = BoundedJSONProvider(app)

    @app.before_request
    def _refuse_bad_text():
        # Files are exempt: images and PDFs contain any byte by nature.
        if bad_text(request.path):
            abort(404)
        for key, value in request.args.items(multi=True):
            if len(value) > MAX_QUERY_VALUE or bad_text(key) or bad_text(value):
                abort(400)
        if request.method in ("POST", "PUT", "PATCH", "DELETE"):
            if request.is_json:
                if request.get_data(cache=True):
                    try:  # parsed once here and cached: the view's get_json() sees the same checked value
                        _check_json(request.get_json())
                    except (BadRequest, ValueError):
                        _refuse_json()
            else:
                for key, value in request.form.items(multi=True):
                    if len(value) > MAX_FORM_VALUE or bad_text(key) or bad_text(value):
                        abort(400)
