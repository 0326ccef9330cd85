"""village_finance in the API: budgets and their lines within the token user's
reach, realisation entries, dashboard figures, and the public summary."""
from __future__ import annotations

from datetime import date

from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from egovkit.services import workflow
from egovkit.api import ApiBlueprint, ApiError, Line as Text, UtcDateTime
from egovkit.auth import scope
from egovkit.db import db

from . import budget as service
from . import dashboard as figures
from .models import Budget

api = ApiBlueprint("village_finance_api", __name__, url_prefix="/api/v1/apbdes", tag="village_finance")
READ = "village_finance.budget.read"
VILLAGE = r"^[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}$"


class LineOut(BaseModel):
    key: str
    account: str
    kegiatan: str | None
    source: str
    description: str
    amount: int = Field(description="Rupiah.")
    realised: int = Field(description="Rupiah realised against the line (the budget in force).")


class BudgetOut(BaseModel):
    id: int
    village_code: str
    year: int
    version: int = Field(description="1: the APBDes; 2 and up: amendments (APBDes Perubahan).")
    state: str
    in_force: bool
    approved_at: UtcDateTime | None
    lines: list[LineOut]


class BudgetList(BaseModel):
    items: list[BudgetOut] = Field(description="Versions in order: the APBDes, then its amendments.")


class BudgetQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    village: str = Field(pattern=VILLAGE, description="Kemendagri code of the desa, e.g. 35.10.01.2001.")
    year: int = Field(ge=2000, le=2100)


class EntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    line_key: str = Field(pattern=r"^[0-9a-f]{12}$", description="Key of a line of the budget in force.")
    day: date
    amount: int = Field(ge=1, le=10**13, description="Rupiah, a whole number.")
    description: Text = Field(min_length=1, max_length=200)
    progress: int | None = Field(None, ge=0, le=100, description="Physical progress %, for construction.")


class EntryOut(BaseModel):
    id: int
    line_key: str
    day: date
    amount: int
    line_realised: int
    line_amount: int


class FigureOut(BaseModel):
    key: str
    name: str
    budget: int
    realised: int
    share: float


class DashboardQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    year: int = Field(ge=2000, le=2100)
    district: str | None = Field(None, pattern=r"^[0-9]{2}\.[0-9]{2}\.[0-9]{2}$")


class DashboardOut(BaseModel):
    year: int
    expected_share: float = Field(description="Share of the year gone by (an even pace).")
    units: list[FigureOut]
    sources: list[FigureOut]
    bidang: list[FigureOut]


def _budget(b: Budget) -> BudgetOut:
    case = db.session.get(workflow.Case, b.case_id)
    return BudgetOut(id=b.id, village_code=b.village_code, year=b.year, version=b.version, state=case.state,
                     in_force=b.in_force, approved_at=b.approved_at,
                     lines=[LineOut(key=line.key, account=line.account, kegiatan=line.kegiatan, source=line.source,
                                    description=line.description, amount=line.amount, realised=line.realised)
                            for line in service.lines(b)])


def _figures(items) -> list[FigureOut]:
    return [FigureOut(key=f.key, name=f.name, budget=f.budget, realised=f.realised, share=round(f.share, 4))
            for f in items]


def _read() -> None:
    if not scope.can("village_finance.budget.read"):
        raise ApiError(403, "forbidden", "Your account may not read village budgets.")


@api.operation("/budgets", summary="The versions of a desa's APBDes for a year, within the user's reach",
               response=BudgetList, query=BudgetQuery, scope="apbdes:read")
def budgets(query: BudgetQuery):
    _read()
    found = db.session.scalars(scope.visible(select(Budget), Budget, permission=READ).where(
        Budget.village_code == query.village, Budget.year == query.year).order_by(Budget.version)).all()
    return BudgetList(items=[_budget(b) for b in found])


@api.operation("/budgets/<int:budget_id>", summary="One APBDes version with its lines", response=BudgetOut,
               scope="apbdes:read", errors=(404,))
def one(budget_id: int):
    _read()
    found = db.session.get(Budget, budget_id)
    if found is None or not scope.can(READ, found):
        raise ApiError(404, "not_found", "No such budget within your reach.")
    return _budget(found)


@api.operation("/budgets/<int:budget_id>/entries", "POST", summary="Record realisation against a line of the "
               "budget in force (never above a spending line)", response=EntryOut, status=201, body=EntryIn,
               scope="apbdes:write", errors=(403, 404, 409, 422))
def realise(budget_id: int, body: EntryIn):
    found = db.session.get(Budget, budget_id)
    if found is None or not scope.can(READ, found):
        raise ApiError(404, "not_found", "No such budget within your reach.")
    if not scope.can("village_finance.realise", found):
        raise ApiError(403, "forbidden", "Your account may not record realisation for this desa.")
    if not found.in_force:
        raise ApiError(409, "not_in_force", "Realisation goes against the budget in force only.")
    try:
        entry = service.realise(found.village_code, found.year, body.line_key, body.day, body.amount,
                                body.description, progress=body.progress, user_id=current_user.id)
    except service.BudgetError as exc:
        db.session.rollback()
        raise ApiError(422, "validation_failed", str(exc)) from None
    db.session.commit()
    line = db.session.get(service.Line, entry.line_id)
    return EntryOut(id=entry.id, line_key=entry.line_key, day=entry.day, amount=entry.amount,
                    line_realised=line.realised, line_amount=line.amount)


@api.operation("/dashboard", summary="Absorption of the budgets in force within the user's reach",
               response=DashboardOut, query=DashboardQuery, scope="apbdes:read")
def dashboard(query: DashboardQuery):
    _read()
    data = figures.summary(query.year, query.district)
    return DashboardOut(year=query.year, expected_share=round(figures.expected_share(query.year), 4),
                        units=_figures(data["units"]), sources=_figures(data["sources"]),
                        bidang=_figures(data["bidang"]))
