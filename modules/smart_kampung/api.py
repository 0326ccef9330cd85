"""smart_kampung in the API: registry lookup within the token user's reach,
letter requests, and public tracking."""
from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from egovkit.services import workflow
from egovkit.api import ApiBlueprint, ApiError, Plain, UtcDateTime
from egovkit.auth import scope
from egovkit.db import db

from .models import Letter, Resident

api = ApiBlueprint("smart_kampung_api", __name__, url_prefix="/api/v1/kampung", tag="smart_kampung")


class ResidentOut(BaseModel):
    id: int
    nik: str | None = Field(description="None for a newborn whose NIK Dukcapil has not issued yet.")
    name: str
    sex: str
    birth_place: str
    birth_date: date
    village_code: str
    rt: str
    rw: str
    status: str


class LookupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    nik: str = Field(pattern=r"^[0-9]{16}$", description="The resident's NIK.")


class LetterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    resident_id: int = Field(ge=1, le=2**31 - 1)
    letter_type: str = Field(max_length=40, json_schema_extra={"x-egovkit-enum": "settings:smart_kampung.letters"})
    fields: dict[Plain, Plain] = Field(default_factory=dict, description="Answers to the letter type's fields.")
    reporter_id: int | None = Field(None, ge=1, le=2**31 - 1, description=(
        "For a letter about someone else (a death, a move): the resident reporting it, a member of the same "
        "family card; a citizen reports as themselves."))


class LetterOut(BaseModel):
    id: int
    tracking_code: str
    letter_type: str
    state: str


class TrackingOut(BaseModel):
    tracking_code: str
    letter_type: str
    state: str
    requested_at: UtcDateTime
    due_at: UtcDateTime | None = Field(description="When the letter is promised (the letter type's SLA in "
                                                   "working days); None once decided.")


def _resident(r: Resident) -> ResidentOut:
    return ResidentOut(id=r.id, nik=r.nik, name=r.name, sex=r.sex, birth_place=r.birth_place,
                       birth_date=r.birth_date, village_code=r.village_code, rt=r.rt, rw=r.rw, status=r.status)


@api.operation("/residents/lookup", "POST",
               summary="Look a resident up by NIK, within the token user's reach (the NIK goes in the body, "
                       "never in the URL, which access logs keep)",
               response=ResidentOut, body=LookupIn, scope="kampung:read", errors=(404,))
def lookup(body: LookupIn):
    if not scope.can("smart_kampung.residents.read"):
        raise ApiError(403, "forbidden", "Your account may not read the population register.")
    found = db.session.scalar(scope.visible(select(Resident).where(Resident.nik == body.nik), Resident,
                                            permission="smart_kampung.residents.read"))
    if found is None:
        raise ApiError(404, "not_found", "No resident with this NIK within your reach.")
    return _resident(found)


@api.operation("/letters", "POST", summary="Request a village letter for a resident within reach",
               response=LetterOut, status=201, body=LetterIn, scope="kampung:write", errors=(404,))
def request_letter(body: LetterIn):
    from .views import LetterRefused, _check_fields, _letter_types, file_letter, is_self

    if not scope.can("smart_kampung.letters.request"):
        raise ApiError(403, "forbidden", "Your account may not request letters.")
    letter_type = _letter_types().get(body.letter_type)
    person = db.session.get(Resident, body.resident_id)
    reporter = db.session.get(Resident, body.reporter_id) if body.reporter_id else None
    applicant = reporter if letter_type is not None and letter_type.about == "family" else person
    if person is None or not (is_self(applicant) or scope.can("smart_kampung.letters.request", person)):
        raise ApiError(404, "not_found", "No such resident within your reach.")
    if letter_type is None:
        raise ApiError(422, "validation_failed", "Unknown letter type.",
                       {"letter_type": f"one of {', '.join(_letter_types())}"})
    answers, errors = _check_fields(letter_type, body.fields)
    if errors:
        raise ApiError(422, "validation_failed", "Some answers are missing or wrong.",
                       {f"fields.{k}": str(v) for k, v in errors.items()})
    try:
        letter = file_letter(person, body.letter_type, letter_type, answers, reporter=reporter)
    except LetterRefused as exc:
        raise ApiError(422, "validation_failed", str(exc), {"reporter_id": str(exc)}) from None
    case = db.session.get(workflow.Case, letter.case_id)
    db.session.commit()
    return LetterOut(id=letter.id, tracking_code=letter.tracking_code, letter_type=letter.letter_type,
                     state=case.state)


@api.operation("/track/<code>", summary="The state of a letter request by its tracking code (public)",
               response=TrackingOut)
def track(code: str):
    letter = db.session.scalar(select(Letter).where(Letter.tracking_code == code.strip().upper()))
    if letter is None:
        raise ApiError(404, "not_found", "No request with this code.")
    case = db.session.get(workflow.Case, letter.case_id)
    return TrackingOut(tracking_code=letter.tracking_code, letter_type=letter.letter_type, state=case.state,
                       requested_at=letter.created_at, due_at=None if case.closed else (case.deadline or case.due_at))

