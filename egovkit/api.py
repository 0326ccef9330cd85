"""The HTTP API at /api/v1: token authentication, the same scoping as the
pages, one JSON error shape, pagination, and an OpenAPI 3 document built
from the declared operations (pydantic models), never written by hand.

A module declares operations on its own ``ApiBlueprint``::

    api = ApiBlueprint("announcements_api", __name__, url_prefix="/api/v1/announcements")

    @api.operation("/", summary="Published notices", response=Page[NoticeOut], query=PageQuery)
    def notices(query: PageQuery): ...
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import wraps
from typing import Annotated, Any, Generic, TypeVar

from flask import Blueprint, current_app, g, jsonify, request
from flask_login import current_user
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from pydantic.json_schema import models_json_schema
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from . import __version__
from .db import db
from .models import User, as_utc, utcnow

PREFIX = "/api/v1"
T = TypeVar("T")
CORE_SCOPES = ("me:read",)


# ----------------------------------------------------------------- tokens
class ApiToken(db.Model):
    """An API token acting for a user, limited to some scopes; only its hash is stored."""

    __tablename__ = "core_api_token"
    __audit_redact__ = ("token_hash",)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(s for s in self.scopes.split() if s)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def known_scopes() -> tuple[str, ...]:
    scopes = list(CORE_SCOPES)
    for module in current_app.extensions["egovkit"].modules:
        scopes += module.api_scopes
    return tuple(scopes)


def issue_token(user: User, name: str, scopes: list[str], days: int | None = None) -> tuple[ApiToken, str]:
    """A new token (the secret is returned once, only its hash is kept)."""
    unknown = [s for s in scopes if s not in known_scopes()]
    if unknown:
        raise ValueError(f"unknown scope(s) {', '.join(unknown)}; known: {', '.join(known_scopes())}")
    secret = "egk_" + secrets.token_urlsafe(30)
    token = ApiToken(user_id=user.id, name=name, prefix=secret[:12], token_hash=_hash(secret),
                     scopes=" ".join(sorted(set(scopes))),
                     expires_at=utcnow() + timedelta(days=days) if days else None)
    db.session.add(token)
    return token, secret


def _token_from_request() -> ApiToken | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(header[7:].strip())))
    if token is None or token.revoked or (token.expires_at and as_utc(token.expires_at) < utcnow()):
        raise ApiError(401, "invalid_token", "The token is unknown, expired or revoked.")
    return token


# ----------------------------------------------------------------- errors and shapes
# Characters no client should send: NUL (PostgreSQL cannot store it) and the Unicode non-characters, as
# egovkit.web.inputs refuses them; named here so the OpenAPI document says so (lone surrogates cannot
# even reach a model: the JSON parser refuses them). Literal characters: both regex engines read them.
_REFUSED = "\x00" + "".join(f"{chr(p * 0x10000 + 0xFFFE)}-{chr(p * 0x10000 + 0xFFFF)}" for p in range(17)) \
    + "\ufdd0-\ufdef"
# Text from clients: some visible character and none of the refused ones.
Line = Annotated[str, Field(pattern=f"^[^{_REFUSED}]*[^\\s{_REFUSED}][^{_REFUSED}]*$")]
# Any text without the refused characters (may be empty).
Plain = Annotated[str, Field(pattern=f"^[^{_REFUSED}]*$")]

# A datetime that always carries its offset (SQLite hands back naive UTC values).
UtcDateTime = Annotated[datetime, AfterValidator(as_utc)]


class ApiError(Exception):
    def __init__(self, status: int, code: str, detail: str, fields: dict | None = None):
        super().__init__(detail)
        self.status, self.code, self.detail, self.fields = status, code, detail, fields or {}


class ErrorBody(BaseModel):
    status: int
    code: str = Field(description="Stable machine-readable code, e.g. not_found, invalid_token, validation_failed.")
    title: str
    detail: str
    fields: dict[str, str] = Field(default_factory=dict, description="Field -> problem, for invalid input.")


class Error(BaseModel):
    error: ErrorBody


class Page(BaseModel, Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int


class PageQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    page: int = Field(1, ge=1, le=100_000)
    per_page: int = Field(50, ge=1, le=200)


CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
         409: "conflict", 413: "too_large", 422: "validation_failed", 429: "too_many_requests", 500: "server_error"}
TITLES = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found", 405: "Method not allowed",
          409: "Conflict", 413: "Payload too large", 422: "Validation failed", 429: "Too many requests",
          500: "Server error"}


def error_response(status: int, code: str | None = None, detail: str = "", fields: dict | None = None):
    body = Error(error=ErrorBody(status=status, code=code or CODES.get(status, "error"),
                                 title=TITLES.get(status, "Error"), detail=detail or TITLES.get(status, "Error"),
                                 fields=fields or {}))
    return jsonify(body.model_dump()), status


def _fields(exc: ValidationError) -> dict[str, str]:
    return {".".join(str(p) for p in err["loc"]) or "body": err["msg"] for err in exc.errors()}


# ----------------------------------------------------------------- operations
@dataclass
class Operation:
    method: str
    rule: str
    endpoint: str
    summary: str
    tag: str
    response: Any
    status: int
    query: type[BaseModel] | None
    body: type[BaseModel] | None
    scope: str | None
    errors: tuple[int, ...] = field(default_factory=tuple)


class ApiBlueprint(Blueprint):
    """A blueprint whose routes are API operations, listed in the OpenAPI document."""

    def __init__(self, *args, tag: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.tag = tag or self.name
        self.operations: list[Operation] = []

    def operation(self, rule: str, method: str = "GET", *, summary: str, response: Any, status: int = 200,
                  query: type[BaseModel] | None = None, body: type[BaseModel] | None = None,
                  scope: str | None = None, errors: tuple[int, ...] = ()):
        def decorator(view):
            op = Operation(method, (self.url_prefix or "") + rule, f"{self.name}.{view.__name__}", summary, self.tag,
                           response, status, query, body, scope, errors)
            self.operations.append(op)

            @wraps(view)
            def wrapped(**path):
                if op.scope is not None:
                    token = g.get("api_token")
                    if token is None:
                        raise ApiError(401, "unauthorized", "This operation needs a bearer token.")
                    if op.scope not in token.scope_set:
                        raise ApiError(403, "insufficient_scope", f"The token lacks the scope {op.scope}.")
                kwargs = dict(path)
                if op.query is not None:
                    try:
                        kwargs["query"] = op.query.model_validate(request.args.to_dict())
                    except ValidationError as exc:
                        raise ApiError(400, "invalid_query", "Invalid query parameters.", _fields(exc)) from None
                if op.body is not None:
                    data = request.get_json(silent=True)
                    if not isinstance(data, dict):
                        raise ApiError(400, "invalid_json", "The body must be a JSON object.")
                    try:
                        kwargs["body"] = op.body.model_validate(data)
                    except ValidationError as exc:
                        raise ApiError(422, "validation_failed", "The body is not valid.", _fields(exc)) from None
                result = view(**kwargs)
                if isinstance(result, BaseModel):
                    result = result.model_dump(mode="json")
                return jsonify(result), op.status

            self.add_url_rule(rule, view.__name__, wrapped, methods=[method])
            return wrapped

        return decorator


def _register_auth(app) -> None:
    from .extensions import csrf, login_manager

    @login_manager.request_loader
    def _from_token(req):
        # API requests act as the token's user, so scoping works exactly as in the pages.
        if not req.path.startswith(PREFIX + "/"):
            return None
        try:
            token = _token_from_request()
        except ApiError:
            return None
        if token is None:
            return None
        g.api_token = token
        user = db.session.get(User, token.user_id)
        return user if user is not None and user.active else None

    @app.before_request
    def _api_guard():
        if not request.path.startswith(PREFIX + "/"):
            return None
        if request.headers.get("Authorization"):
            token = _token_from_request()  # raises 401 for a bad token
            if token is not None and not current_user.is_authenticated:
                raise ApiError(401, "invalid_token", "The token's account is disabled.")
            if token is not None and (token.last_used_at is None or
                                      as_utc(token.last_used_at) < utcnow() - timedelta(minutes=5)):
                token.last_used_at = utcnow()
                db.session.commit()
        return None

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return error_response(exc.status, exc.code, exc.detail, exc.fields)

    for blueprint in app.blueprints.values():
        if isinstance(blueprint, ApiBlueprint):
            csrf.exempt(blueprint)  # tokens in a header, no cookies: no CSRF


# ----------------------------------------------------------------- OpenAPI
_PATH_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def openapi(app) -> dict:
    operations = [op for bp in app.blueprints.values() if isinstance(bp, ApiBlueprint) for op in bp.operations]
    wanted = {(Error, "serialization")}
    for op in operations:
        wanted.add((op.response, "serialization"))
        if op.body is not None:
            wanted.add((op.body, "validation"))
    refs, defs = models_json_schema(sorted(wanted, key=lambda pair: (pair[0].__name__, pair[1])),
                                    ref_template="#/components/schemas/{model}")
    schemas = defs.get("$defs", {})
    _fill_enums(schemas)
    paths: dict[str, dict] = {}
    for op in operations:
        path = _PATH_PARAM.sub(lambda m: "{" + m.group(2) + "}", op.rule)
        params = [{"name": name, "in": "path", "required": True,
                   "schema": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1} if conv == "int"
                   else {"type": "string"}}
                  for conv, name in _PATH_PARAM.findall(op.rule)]
        if op.query is not None:
            qschema = op.query.model_json_schema()
            for name, prop in qschema.get("properties", {}).items():
                params.append({"name": name, "in": "query", "required": name in qschema.get("required", []),
                               "schema": {k: v for k, v in prop.items() if k != "title"}})
        error_ref = {"content": {"application/json": {"schema": refs[(Error, "serialization")]}}}
        responses = {str(op.status): {"description": "OK", "content": {"application/json": {
            "schema": refs[(op.response, "serialization")]}}}}
        codes = set(op.errors) | ({400} if op.query or op.body else set()) | ({422} if op.body else set())
        if op.scope:
            codes |= {401, 403}
        if params and any(p["in"] == "path" for p in params):
            codes.add(404)
        for code in sorted(codes):
            responses[str(code)] = {"description": TITLES.get(code, "Error"), **error_ref}
        spec = {"summary": op.summary, "operationId": op.endpoint.replace(".", "_"), "tags": [op.tag],
                "parameters": params, "responses": responses}
        if op.body is not None:
            spec["requestBody"] = {"required": True, "content": {"application/json": {
                "schema": refs[(op.body, "validation")]}}}
        if op.scope:
            spec["security"] = [{"bearerAuth": [op.scope]}]
            spec["description"] = f"Needs a token with the scope `{op.scope}`; results are limited to what the " \
                                  "token's user may see."
        paths.setdefault(path, {})[op.method.lower()] = spec
    return {
        "openapi": "3.1.0",  # JSON Schema 2020-12, as pydantic writes it
        "info": {"title": f"egovkit API: {app.extensions['egovkit'].profile.regency.name}", "version": __version__},
        "servers": [{"url": "/"}],
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": schemas,
                       "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                                          "description": "egovkit tokens create --user U --scope S"}}},
    }


def _tokens_cli():
    import click
    from flask.cli import AppGroup

    tokens = AppGroup("tokens", help="API tokens: create, list, revoke.")

    @tokens.command("create")
    @click.option("--user", "login", required=True, help="Email or NIK of the account the token acts for.")
    @click.option("--scope", "scopes", multiple=True, required=True, help="A scope, e.g. announcements:read.")
    @click.option("--name", default="api", show_default=True, help="What the token is for.")
    @click.option("--days", type=click.IntRange(1, 3650), help="Expires after this many days.")
    def create(login, scopes, name, days):
        """Make a token; the secret is printed once."""
        from .auth.cli import user_by_login

        user = user_by_login(login)
        try:
            token, secret = issue_token(user, name, list(scopes), days)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--scope") from None
        db.session.commit()
        click.echo(f"token #{token.id} for {user.login} ({token.scopes}): {secret}")
        click.echo("  (shown once: store it where the client keeps secrets)")

    @tokens.command("list")
    def list_tokens():
        for t in db.session.scalars(select(ApiToken).order_by(ApiToken.id)):
            user = db.session.get(User, t.user_id)
            state = "revoked" if t.revoked else f"expires {t.expires_at:%Y-%m-%d}" if t.expires_at else "active"
            click.echo(f"#{t.id:<4} {t.prefix}...  {user.login:<28} {t.name:<16} {t.scopes}  [{state}]")

    @tokens.command("revoke")
    @click.argument("token_id", type=int)
    def revoke(token_id):
        token = db.session.get(ApiToken, token_id)
        if token is None:
            raise click.ClickException(f"no token #{token_id}")
        token.revoked = True
        db.session.commit()
        click.echo(f"token #{token_id} revoked")

    return tokens


def _enum_values(source: str) -> list[str]:
    from .models import Agency

    if source == "agencies":
        return list(db.session.scalars(select(Agency.code).where(Agency.active).order_by(Agency.code)))
    if source.startswith("settings:"):  # "settings:<module>.<setting>": the keys of a mapping setting
        module, _, key = source[len("settings:"):].partition(".")
        return sorted(getattr(current_app.extensions["egovkit"].profile.modules[module], key))
    raise ValueError(f"unknown x-egovkit-enum source {source!r}")


def _fill_enums(node) -> None:
    """Fields marked ``x-egovkit-enum`` list this instance's values (e.g. its agencies) in the document."""
    if isinstance(node, dict):
        source = node.pop("x-egovkit-enum", None)
        if source is not None:
            values = _enum_values(source)
            if "anyOf" in node:  # optional: str | None
                node["anyOf"] = [{"type": "string", "enum": values}, {"type": "null"}]
            else:
                node.update(type="string", enum=values)
        for value in node.values():
            _fill_enums(value)
    elif isinstance(node, list):
        for value in node:
            _fill_enums(value)


def init_app(app) -> None:
    from .web import api_core

    app.register_blueprint(api_core.api)
    _register_auth(app)
    app.cli.add_command(_tokens_cli())

    @app.get(PREFIX + "/openapi.json")
    def openapi_json():
        return jsonify(openapi(app))
