"""The one scoping helper: what a user may see and do, by wilayah and agency.

A model opts in by naming its scope columns::

    class Letter(db.Model):
        __scope__ = Scope(region="village_code", agency=None, owner="citizen_id")

Every list, detail, export and API query goes through ``visible()`` /
``get_or_404()``; actions through ``can()`` / ``require()``. Out-of-scope
records answer 404, so their existence does not leak.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from flask import abort, current_app, g, has_request_context
from flask_login import current_user
from sqlalchemy import and_, false, or_, true

from ..db import db


@dataclass(frozen=True)
class Scope:
    """Which columns of a model tie a record to a region, an agency and an owner."""

    region: str | None = None  # column holding a region code (village, district, ...)
    agency: str | None = None  # column holding an agency code
    owner: str | None = None  # column holding the owning user's id (citizens see their own)


@dataclass(frozen=True)
class Grant:
    """One assignment's reach: None means 'any'."""

    region: str | None = None
    agency: str | None = None
    owner: int | None = None
    role: str = ""

    @property
    def everything(self) -> bool:
        return self.region is None and self.agency is None and self.owner is None


def _profile():
    return current_app.extensions["egovkit"].profile


def _user(user):
    user = current_user if user is None else user
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    # A pending account (registered, not yet activated: egovkit.auth.identity) holds no permission at
    # all, in any module: whoever typed someone else's NIK cannot act in that person's name.
    return None if getattr(user, "pending", False) else user


def grants(user=None, roles: frozenset[str] | None = None) -> list[Grant]:
    """The reach of each of the user's role assignments (only those roles, when given)."""
    user = current_user._get_current_object() if user is None else user
    every = _request_grants(user)
    if every is None:
        every = _grants(user)
    return every if roles is None else [grant for grant in every if grant.role in roles]


# Every permission check of a request needs the same grants (a page asks for dozens: its menu, its
# buttons): they are worked out once per request and user, and forgotten as soon as anything changes
# an account's roles or state in this process (the listeners below), so a check never sees stale roles.
_CACHE = "egovkit_grants"


def _request_grants(user) -> list[Grant] | None:
    if not has_request_context():
        return None
    cache = g.get(_CACHE)
    if cache is None:
        cache = g.setdefault(_CACHE, {})
    hit = cache.get(id(user))
    if hit is None or hit[0] is not user:
        hit = cache[id(user)] = (user, _grants(user))  # the user is kept: its id is never reused meanwhile
    return hit[1]


def forget_grants(*_args, **_kwargs) -> None:
    """Drop the request's worked-out grants (an account's roles, activity or pending state changed)."""
    if has_request_context():
        g.pop(_CACHE, None)


def _grants(user) -> list[Grant]:
    user = _user(user)
    if user is None:
        return []
    defined = _profile().roles
    out = []
    for assignment in user.roles:
        role = defined.get(assignment.role)
        if role is None:
            continue  # a role the profile no longer defines grants nothing
        if role.scope == "regency":
            out.append(Grant(role=assignment.role))
        elif role.scope in ("district", "village") and assignment.region_code:
            out.append(Grant(region=assignment.region_code, role=assignment.role))
        elif role.scope == "agency" and assignment.agency_code:
            out.append(Grant(agency=assignment.agency_code, role=assignment.role))
        elif role.scope == "self":
            out.append(Grant(owner=user.id, role=assignment.role))
    return out


def held_roles(user=None) -> frozenset[str]:
    """The roles through which the user holds anything (what a permission check without a record asks)."""
    return frozenset(grant.role for grant in grants(user))


def _scope_of(model) -> Scope:
    scope = getattr(model, "__scope__", None)
    if scope is None:
        raise TypeError(f"{model.__name__} declares no __scope__: it cannot be filtered by user")
    return scope


def _clause(model, grant: Grant):
    parts = []
    for dimension, wanted, column in _dimensions(grant, _scope_of(model)):
        if column is None:
            return None  # the grant restricts a dimension this model does not have: no access through it
        col = getattr(model, column)
        parts.append(_within(col, wanted) if dimension == "region" else col == wanted)
    return and_(true(), *parts)


def _within(col, code: str):
    """The region ``code`` and everything below it, as index ranges (a village has nothing below it)."""
    if code.count(".") == 3:
        return col == code
    # Codes are digits and dots; ".A" sorts after every ".<digits>" in the C collation and in
    # linguistic ones (en_US, ICU) that ignore punctuation, where a "/" bound would not.
    return or_(col == code, and_(col > code + ".", col < code + ".A"))


def _dimensions(grant: Grant, scope: Scope):
    """(dimension, value the grant requires, the model's column) for each restricted dimension."""
    for dimension in ("region", "agency", "owner"):
        wanted = getattr(grant, dimension)
        if wanted is not None:
            yield dimension, wanted, getattr(scope, dimension)


def _permission(permission: str | None) -> str | None:
    """The permission whose roles give reach: the one named, else the one the view was opened with
    (``require``), so a role of another kind the user also holds opens nothing in that view."""
    if permission is None and has_request_context():
        return g.get("egovkit_permission")
    return permission


def condition(model, user=None, roles: frozenset[str] | None = None, permission: str | None = None):
    """A WHERE clause selecting the records of ``model`` the user may see (through the roles holding
    ``permission``, or the view's permission: a role of another kind does not open these records)."""
    permission = _permission(permission) if roles is None else None
    if permission is not None:
        roles = _profile().roles_with(permission)
    clauses = []
    for grant in grants(user, roles):
        if grant.everything:
            return true()
        clause = _clause(model, grant)
        if clause is not None:
            clauses.append(clause)
    return or_(*clauses) if clauses else false()


def reaches_all(user=None, permission: str | None = None) -> bool:
    """Whether the user reaches the whole regency (through the roles holding ``permission``, or the
    view's): e.g. to read a regency-wide total instead of summing every region's rows."""
    permission = _permission(permission)
    roles = _profile().roles_with(permission) if permission is not None else None
    regency = _profile().regency.code
    return any(g.everything or (g.region == regency and g.agency is None and g.owner is None)
               for g in grants(user, roles))


def visible(stmt, model, user=None, permission: str | None = None):
    """``stmt`` limited to what the user may see (through the roles holding ``permission``, when given)."""
    return stmt.where(condition(model, user, permission=permission))


def covers(grant: Grant, obj) -> bool:
    """Whether one grant reaches one record."""
    if grant.everything:
        return True
    for dimension, wanted, column in _dimensions(grant, _scope_of(type(obj))):
        value = getattr(obj, column) if column else None
        if value is None:
            return False
        if dimension == "region":
            if not (value == wanted or str(value).startswith(wanted + ".")):
                return False
        elif value != wanted:
            return False
    return True


def can_see(obj, user=None) -> bool:
    return any(covers(g, obj) for g in grants(user))


def get_or_404(model, ident, user=None, permission: str | None = None):
    """The record if it exists and the user may see it (through a role holding ``permission``, when
    given); otherwise 404."""
    obj = db.session.get(model, ident)
    permission = _permission(permission)
    if obj is None or not (can(permission, obj, user) if permission else can_see(obj, user)):
        abort(404)
    return obj


def can(permission: str, obj=None, user=None) -> bool:
    """Whether the user holds ``permission`` through a role whose reach covers ``obj``."""
    roles = _profile().roles_with(permission)
    held = grants(user, roles)
    if obj is None:
        return bool(held)
    return any(covers(g, obj) for g in held)


def require(permission: str):
    """View decorator: sign-in required, then the permission (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not getattr(current_user, "is_authenticated", False):
                return current_app.login_manager.unauthorized()  # a pending account is signed in: 403
            if not can(permission):
                abort(403)
            g.setdefault("egovkit_permission", permission)  # the view's reach: see _permission()
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _listen() -> None:
    """Forget a request's grants when an account's roles or state change, in memory or in the database."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from ..models import RoleAssignment, User

    for collection_event in ("append", "remove", "bulk_replace"):
        event.listen(User.roles, collection_event, forget_grants)
    for attribute in (User.active, User.pending, RoleAssignment.role, RoleAssignment.region_code,
                      RoleAssignment.agency_code, RoleAssignment.user_id):
        event.listen(attribute, "set", forget_grants)
    # Rows changed through the session (deleted, or written by another request and read back after a
    # commit or rollback expired them): worked out again at the next check.
    event.listen(Session, "after_commit", forget_grants)
    event.listen(Session, "after_soft_rollback", forget_grants)
    event.listen(Session, "after_flush", lambda session, _ctx: forget_grants() if any(
        isinstance(obj, (User, RoleAssignment)) for obj in (*session.new, *session.dirty, *session.deleted))
        else None)


_listen()
