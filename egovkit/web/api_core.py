"""Core API operations: regions, agencies, the current user."""
from __future__ import annotations

from flask import current_app
from flask_login import current_user
from pydantic import BaseModel
from sqlalchemy import select

from ..api import ApiBlueprint, ApiError
from ..db import db
from ..models import Agency, Region

api = ApiBlueprint("api_core", __name__, url_prefix="/api/v1", tag="core")


class RegionOut(BaseModel):
    code: str
    name: str
    level: str
    kind: str
    parent_code: str | None


class RegionTree(RegionOut):
    children: list[RegionOut]


class AgencyOut(BaseModel):
    code: str
    name: str
    head_title: str
    active: bool


class AgencyList(BaseModel):
    items: list[AgencyOut]


class RoleOut(BaseModel):
    role: str
    region_code: str | None
    agency_code: str | None


class MeOut(BaseModel):
    id: int
    name: str
    email: str | None
    nik: str | None
    roles: list[RoleOut]
    scopes: list[str]


def _region(r: Region) -> dict:
    return {"code": r.code, "name": r.name, "level": r.level, "kind": r.kind, "parent_code": r.parent_code}


def _tree(code: str) -> RegionTree:
    found = db.session.get(Region, code)
    if found is None:
        raise ApiError(404, "not_found", f"No region {code} in this instance.")
    children = db.session.scalars(select(Region).where(Region.parent_code == code).order_by(Region.code))
    return RegionTree(**_region(found), children=[RegionOut(**_region(c)) for c in children])


@api.operation("/wilayah/<code>", summary="A region of this instance with its children", response=RegionTree)
def region(code: str):
    return _tree(code)


@api.operation("/wilayah", summary="The regency of this instance with its districts", response=RegionTree)
def regency():
    return _tree(current_app.extensions["egovkit"].profile.regency.code)


@api.operation("/agencies", summary="Agencies (OPD) of the regency", response=AgencyList)
def agencies():
    rows = db.session.scalars(select(Agency).order_by(Agency.code))
    return AgencyList(items=[AgencyOut(code=a.code, name=a.name, head_title=a.head_title, active=a.active)
                             for a in rows])


@api.operation("/me", summary="The token's user and roles", response=MeOut, scope="me:read")
def me():
    from flask import g

    return MeOut(id=current_user.id, name=current_user.name, email=current_user.email, nik=current_user.nik,
                 roles=[RoleOut(role=a.role, region_code=a.region_code, agency_code=a.agency_code)
                        for a in current_user.roles],
                 scopes=sorted(g.api_token.scope_set))
