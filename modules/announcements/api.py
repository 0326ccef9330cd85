"""announcements in the API: published notices for everyone; drafts and new
notices for token holders, within their user's reach."""
from __future__ import annotations

from flask import current_app
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select

from egovkit.services import workflow
from egovkit.api import ApiBlueprint, ApiError, Line, Page, PageQuery, UtcDateTime
from egovkit.auth import scope
from egovkit.db import db
from egovkit.models import Agency
from egovkit.web.cache import invalidate

from .models import Notice

api = ApiBlueprint("announcements_api", __name__, url_prefix="/api/v1/announcements", tag="announcements")


class NoticeOut(BaseModel):
    id: int
    title: str
    body: str
    region_code: str | None
    agency_code: str | None
    published_at: UtcDateTime | None


class NoticeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Line = Field(max_length=200)
    body: Line = Field(max_length=20000)
    agency_code: str | None = Field(None, json_schema_extra={"x-egovkit-enum": "agencies"},
                                    description="Code of an agency of this instance (for regency-wide notices).")


def _out(n: Notice) -> NoticeOut:
    return NoticeOut(id=n.id, title=n.title, body=n.body, region_code=n.region_code, agency_code=n.agency_code,
                     published_at=n.published_at)


def _page(stmt, query: PageQuery) -> Page[NoticeOut]:
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = db.session.scalars(stmt.order_by(Notice.id.desc()).limit(query.per_page)
                              .offset((query.page - 1) * query.per_page))
    return Page[NoticeOut](items=[_out(n) for n in rows], page=query.page, per_page=query.per_page, total=total)


@api.operation("/", summary="Published notices, newest first", response=Page[NoticeOut], query=PageQuery)
def published(query: PageQuery):
    return _page(select(Notice).where(Notice.published_at.is_not(None)), query)


@api.operation("/<int:notice_id>", summary="A published notice", response=NoticeOut)
def one(notice_id: int):
    notice = db.session.get(Notice, notice_id)
    if notice is None or notice.published_at is None:
        raise ApiError(404, "not_found", f"No published notice {notice_id}.")
    return _out(notice)


def _drafting_roles() -> frozenset[str]:
    profile = current_app.extensions["egovkit"].profile
    return profile.roles_with("announcements.draft") | profile.roles_with("announcements.publish")


def _require_drafting() -> None:
    """The same rule as the pages: drafts are for those who draft (or publish) notices."""
    if not (scope.can("announcements.draft") or scope.can("announcements.publish")):
        raise ApiError(403, "forbidden", "Your account may not work with draft notices.")


@api.operation("/drafts", summary="Unpublished notices within the user's reach", response=Page[NoticeOut],
               query=PageQuery, scope="announcements:read")
def drafts(query: PageQuery):
    _require_drafting()
    return _page(select(Notice).where(Notice.published_at.is_(None),  # reach through the drafting roles only
                                      scope.condition(Notice, roles=_drafting_roles())), query)


@api.operation("/drafts/<int:notice_id>", summary="An unpublished notice within the user's reach",
               response=NoticeOut, scope="announcements:read")
def draft(notice_id: int):
    _require_drafting()
    notice = db.session.get(Notice, notice_id)
    if notice is None or notice.published_at is not None or not any(
            scope.covers(g, notice) for g in scope.grants(None, _drafting_roles())):
        raise ApiError(404, "not_found", f"No draft {notice_id} within your reach.")
    return _out(notice)


@api.operation("/drafts", "POST", summary="Save a draft notice for the user's village, district or agency",
               response=NoticeOut, status=201, body=NoticeIn, scope="announcements:write")
def create(body: NoticeIn):
    _require_drafting()
    from .views import _reach

    region, agency = _reach()
    if body.agency_code and (region or agency) and body.agency_code != agency:
        raise ApiError(403, "forbidden", "Only regency-wide accounts may name another agency.")
    agency = agency or body.agency_code
    if agency and db.session.get(Agency, agency) is None:
        raise ApiError(422, "validation_failed", "Unknown agency.", {"agency_code": f"no agency {agency!r}"})
    notice = Notice(title=body.title.strip(), body=body.body.strip(), region_code=region, agency_code=agency,
                    author_id=current_user.id)
    db.session.add(notice)
    db.session.flush()
    case = workflow.start("announcements.notice", notice.id, notice.title, module="announcements",
                          region_code=region, agency_code=agency, user=current_user)
    notice.case_id = case.id
    db.session.commit()
    invalidate()
    return _out(notice)

