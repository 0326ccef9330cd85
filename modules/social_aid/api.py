"""social_aid in the API: the programmes of the profile, and the dashboard's figures within the token user's
reach (every total the sum of its cells, each cell the sum of its payment entries)."""
from __future__ import annotations

from flask import current_app
from pydantic import BaseModel, ConfigDict, Field

from egovkit.api import ApiBlueprint, ApiError
from egovkit.auth import scope
from egovkit.services import payments

from . import figures

api = ApiBlueprint("social_aid_api", __name__, url_prefix="/api/v1/social-aid", tag="social_aid")


class ProgrammeOut(BaseModel):
    key: str
    name: str
    agency: str
    kind: str
    amount: int
    period: str
    max_decile: int | None


class ProgrammeList(BaseModel):
    items: list[ProgrammeOut]


class SummaryQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    year: int | None = Field(None, ge=2000, le=2100, description="The year paid (default: this year).")


class CellOut(BaseModel):
    programme: str = Field(description="A programme key, santunan_kematian or hibah.")
    village_code: str | None
    month: str
    entries: int
    total: int = Field(description="Whole Rupiah: the sum of the cell's payment entries (reversals included).")


class CoverageOut(BaseModel):
    village_code: str
    poorest: int = Field(description="Households (or persons) of deciles 1-2 in the decile data of the desa.")
    covered: int = Field(description="Of them, paid a bansos this year.")


class SummaryOut(BaseModel):
    year: int
    total: int
    by_programme: dict[str, int]
    cells: list[CellOut]
    coverage: list[CoverageOut]
    deaths_paid: int
    deaths_within_sla: int
    deaths_waiting_past_sla: int
    sla_days: int | None


def _read() -> None:
    if not scope.can(figures.READ):
        raise ApiError(403, "forbidden", "Your account may not read social aid.")


@api.operation("/programmes", summary="The aid programmes of this regency", response=ProgrammeList,
               scope="social_aid:read")
def programmes():
    _read()
    found = current_app.extensions["egovkit"].profile.modules["social_aid"].programmes
    return ProgrammeList(items=[ProgrammeOut(key=k, name=p.name, agency=p.agency, kind=p.kind, amount=p.amount,
                                             period=p.period, max_decile=p.rules.max_decile)
                                for k, p in found.items()])


@api.operation("/summary", summary="Aid paid by programme, desa and month, coverage of deciles 1-2 and death "
               "benefits within their SLA, within the user's reach", response=SummaryOut, query=SummaryQuery,
               scope="social_aid:read")
def summary(query: SummaryQuery):
    _read()
    data = figures.summary(query.year or payments.today().year)
    return SummaryOut(year=data.year, total=data.total, by_programme=data.by_programme,
                      cells=[CellOut(programme=c.programme, village_code=c.village_code, month=c.month,
                                     entries=c.entries, total=c.total) for c in data.cells],
                      coverage=[CoverageOut(village_code=c.village_code, poorest=c.poorest, covered=c.covered)
                                for c in data.coverage],
                      deaths_paid=data.deaths_paid, deaths_within_sla=data.deaths_within_sla,
                      deaths_waiting_past_sla=data.deaths_waiting_past_sla, sla_days=data.sla_days)
