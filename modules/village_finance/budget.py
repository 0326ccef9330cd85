"""What can happen to an APBDes: drafting lines, the rule check before it
leaves the desa, approval, amendment, realisation and the realisation report.
Every function works in the caller's transaction; the views commit."""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from egovkit.services import audit, events, workflow
from egovkit.db import db
from egovkit.models import utcnow

from . import accounts, rules
from .models import Activity, Budget, Entry, Line


class BudgetError(ValueError):
    """Why a change to a budget cannot be made (for the person who tried)."""


def settings():
    return current_app.extensions["egovkit"].profile.modules["village_finance"]


def today() -> date:
    """The date in the regency (the server may run on UTC while a desa is on WITA or WIT)."""
    return datetime.now(ZoneInfo(current_app.extensions["egovkit"].profile.timezone)).date()


def chart() -> accounts.Chart:
    return accounts.chart(settings().extra_kegiatan)


def problems_of(lines_: list[rules.DraftLine]) -> list[rules.Violation]:
    return rules.check(chart(), lines_, settings().earmarks, settings().income_cap,
                       tuple(settings().income_kegiatan))


# ----------------------------------------------------------------- versions
def versions(village: str, year: int) -> list[Budget]:
    return db.session.scalars(select(Budget).where(Budget.village_code == village, Budget.year == year)
                              .order_by(Budget.version)).all()


def in_force(village: str, year: int) -> Budget | None:
    return db.session.scalar(select(Budget).where(Budget.village_code == village, Budget.year == year,
                                                  Budget.in_force.is_(True)))


def state(budget: Budget) -> str:
    return db.session.get(workflow.Case, budget.case_id).state


def editable(budget: Budget) -> bool:
    return state(budget) == "draft"


def start(village: str, year: int, user) -> Budget:
    """The first draft of a year's APBDes, or an amendment (a new version copying the lines in force)."""
    existing = versions(village, year)
    if any(not workflow_closed(b) for b in existing):
        raise BudgetError(_("A version of this budget is still being prepared or evaluated."))
    previous = in_force(village, year)
    if existing and previous is None:
        raise BudgetError(_("This year's budget exists but none is in force."))
    budget = Budget(village_code=village, year=year, version=len(existing) + 1,
                    previous_id=previous.id if previous else None)
    db.session.add(budget)
    db.session.flush()
    if previous is not None:
        for line in lines(previous):
            db.session.add(Line(budget_id=budget.id, village_code=village, key=line.key, account=line.account,
                                kegiatan=line.kegiatan, activity_id=line.activity_id, source=line.source,
                                amount=line.amount, description=line.description, realised=line.realised))
    title = f"APBDes {year}" + (f" Perubahan {budget.version - 1}" if budget.version > 1 else "")
    case = workflow.start("village_finance.apbdes", budget.id, title, module="village_finance",
                          region_code=village, user=user)
    budget.case_id = case.id
    return budget


def workflow_closed(budget: Budget) -> bool:
    return db.session.get(workflow.Case, budget.case_id).closed


def lines(budget: Budget) -> list[Line]:
    return db.session.scalars(select(Line).where(Line.budget_id == budget.id)
                              .order_by(Line.account, Line.kegiatan, Line.id)).all()


@dataclass
class LineInput:
    account: str
    kegiatan: str | None
    source: str
    amount: int
    description: str = ""
    activity_id: int | None = None


def add_line(budget: Budget, data: LineInput) -> Line:
    if not editable(budget):
        raise BudgetError(_("Only a draft can be changed."))
    line = Line(budget_id=budget.id, village_code=budget.village_code, key=secrets.token_hex(6), **_checked(data))
    db.session.add(line)
    return line


def add_lines(budget: Budget, data: list[LineInput]) -> list[Line]:
    """Many lines at once (an import): the draft is checked once, the lines flushed together."""
    if not editable(budget):
        raise BudgetError(_("Only a draft can be changed."))
    made = [Line(budget_id=budget.id, village_code=budget.village_code, key=secrets.token_hex(6), **_checked(d))
            for d in data]
    db.session.add_all(made)
    return made


def change_line(budget: Budget, line: Line, data: LineInput) -> None:
    if not editable(budget) or line.budget_id != budget.id:
        raise BudgetError(_("Only a draft can be changed."))
    for key, value in _checked(data, line.realised).items():
        setattr(line, key, value)


def remove_line(budget: Budget, line: Line) -> None:
    if not editable(budget) or line.budget_id != budget.id:
        raise BudgetError(_("Only a draft can be changed."))
    if line.realised:
        raise BudgetError(_("Money was already realised against this line: lower it, do not remove it."))
    db.session.delete(line)


def _checked(data: LineInput, realised: int = 0) -> dict:
    """The line's fields once its account, kegiatan, source and amount keep the line rules."""
    problems = rules.check_line(chart(), rules.DraftLine(ref="", account=data.account, kegiatan=data.kegiatan,
                                                         source=data.source, amount=data.amount, realised=realised))
    if problems:
        raise BudgetError("; ".join(p.message(_lang()) for p in problems))
    return {"account": data.account, "kegiatan": data.kegiatan if data.account.startswith("5") else None,
            "source": data.source, "amount": data.amount, "description": " ".join(data.description.split())[:200],
            "activity_id": data.activity_id}


def _lang() -> str:
    return "en" if str(get_locale() or "id").startswith("en") else "id"


def problems(budget: Budget) -> list:
    """The rule violations of a version (empty: it may be submitted and set)."""
    mine = lines(budget)
    draft = [rules.DraftLine(ref=line.key, account=line.account, kegiatan=line.kegiatan, source=line.source,
                             amount=line.amount, realised=line.realised) for line in mine]
    found = problems_of(draft)
    current = in_force(budget.village_code, budget.year)
    if current is not None and budget.version > current.version:
        kept = {line.key for line in mine}
        for line in lines(current):  # an amendment keeps every line money went through
            if line.realised and line.key not in kept:
                found.append(rules.Violation("dropped", {"account": line.account,
                                                         "kegiatan": line.kegiatan or "",
                                                         "realised": rules.rupiah(line.realised)}, line.key))
    return found


def problems_of_case(case) -> list[str]:
    """Workflow check before submit and approve: the violations, in the reader's language."""
    budget = db.session.get(Budget, int(case.record_id))
    found = [p.message(_lang()) for p in problems(budget)]
    if case.state == "evaluated" and not budget.perdes:  # approving: the regulation that sets it
        found.append(_("Enter the number of the Perdes that sets this budget first."))
    return found


PERDES = re.compile(r"^[0-9A-Za-z./ -]{1,80}$")


def set_perdes(budget: Budget, number: str) -> None:
    """The number of the village regulation (Perdes) that sets this version, before it is approved."""
    if state(budget) != "evaluated":
        raise BudgetError(_("The Perdes number is entered once the district has evaluated the budget."))
    number = " ".join(number.split())
    if not PERDES.match(number):
        raise BudgetError(_("A Perdes number such as 3 Tahun 2026 (letters, digits, spaces, . / -)."))
    budget.perdes = number


def on_approved(case, step) -> None:
    """Workflow hook: the approved version comes into force; the one it amends stays, out of force."""
    budget = db.session.get(Budget, int(case.record_id))
    db.session.execute(update(Budget).where(Budget.village_code == budget.village_code,
                                            Budget.year == budget.year, Budget.id != budget.id)
                       .values(in_force=False))
    budget.in_force = True
    budget.approved_at = utcnow()
    events.publish("apbdes.approved", village=budget.village_code, year=budget.year, version=budget.version,
                   budget=budget.id, activities=activities(budget))


def activities(budget: Budget) -> list[dict]:
    """The budget's spending per activity (a plan activity, else a kegiatan): key (the same in every version),
    kegiatan, name, location and amount; what e-monitoring makes projects of (``apbdes.approved``)."""
    grouped: dict[str, dict] = {}
    for line in lines(budget):
        if not line.account.startswith("5") or not line.kegiatan:
            continue
        key = f"a{line.activity_id}" if line.activity_id else f"k{line.kegiatan}"
        item = grouped.setdefault(key, {"key": key, "kegiatan": line.kegiatan, "name": "", "location": "",
                                        "amount": 0, "descriptions": []})
        item["amount"] += line.amount
        if line.description and line.description not in item["descriptions"]:
            item["descriptions"].append(line.description)
    planned = {a.id: a for a in db.session.scalars(select(Activity).where(Activity.id.in_(
        [int(k[1:]) for k in grouped if k.startswith("a")])))} if grouped else {}
    for key, item in grouped.items():
        activity = planned.get(int(key[1:])) if key.startswith("a") else None
        descriptions = item.pop("descriptions")
        item["name"] = activity.name if activity else ("; ".join(descriptions)[:200] or chart().kegiatan_name(item["kegiatan"]))
        item["location"] = activity.location if activity else ""
    return list(grouped.values())


# ----------------------------------------------------------------- realisation
def realise(village: str, year: int, key: str, day: date, amount: int, description: str, *,
            progress: int | None = None, evidence: str | None = None, user_id: int | None = None) -> Entry:
    """Record money received or spent against a line of the budget in force, never above a spending line."""
    budget = in_force(village, year)
    if budget is None:
        raise BudgetError(_("No budget is in force for this year: it must be set by Perdes first."))
    line = db.session.scalar(select(Line).where(Line.budget_id == budget.id, Line.key == key))
    if line is None:
        raise BudgetError(_("No such line in the budget in force."))
    if amount <= 0:
        raise BudgetError(_("The amount must be a positive number of Rupiah."))
    if day.year != year or day > today():
        raise BudgetError(_("The date must fall in %(year)s and not in the future.", year=year))
    if progress is not None and not 0 <= progress <= 100:
        raise BudgetError(_("Physical progress is a percentage from 0 to 100."))
    stmt = update(Line).where(Line.id == line.id).values(realised=Line.realised + amount)
    if rules.capped(line.account):  # one statement: two entries at once cannot both pass the check
        stmt = stmt.where(Line.realised + amount <= Line.amount)
    if db.session.execute(stmt.execution_options(synchronize_session=False)).rowcount != 1:
        raise BudgetError(_("This would go above the line: %(left)s left of %(amount)s; amend the budget "
                            "(APBDes Perubahan) first.", left=rules.rupiah(line.amount - line.realised),
                            amount=rules.rupiah(line.amount)))
    # an amendment being prepared copied the line earlier: keep its counter true too, within its amount
    later = select(Budget.id).where(Budget.village_code == village, Budget.year == year,
                                    Budget.version > budget.version)
    copies = db.session.scalar(select(func.count()).select_from(Line)
                               .where(Line.key == key, Line.budget_id.in_(later)))
    if copies:
        stmt = update(Line).where(Line.key == key, Line.budget_id.in_(later)).values(realised=Line.realised + amount)
        if rules.capped(line.account):
            stmt = stmt.where(Line.realised + amount <= Line.amount)
        if db.session.execute(stmt.execution_options(synchronize_session=False)).rowcount != copies:
            raise BudgetError(_("The amendment being prepared sets this line lower than this would make it: "
                                "raise the line in the amendment first."))
    entry = Entry(village_code=village, year=year, line_key=key, line_id=line.id, day=day, amount=amount,
                  description=" ".join(description.split())[:200], progress=progress, evidence=evidence,
                  created_by=user_id)
    db.session.add(entry)
    db.session.expire(line)
    return entry


def reverse(entry: Entry, reason: str, user_id: int | None = None) -> Entry:
    """Correct a mistaken entry with a reversing one (negative amount), keeping both; the line's counter
    (and an amendment's copy) goes back down."""
    if entry.reverses_id is not None or entry.amount <= 0:
        raise BudgetError(_("A correction cannot itself be reversed."))
    if db.session.scalar(select(Entry.id).where(Entry.reverses_id == entry.id)) is not None:
        raise BudgetError(_("This entry was already reversed."))
    reason = " ".join(reason.split())
    if not 10 <= len(reason) <= 150:
        raise BudgetError(_("Give the reason for the correction, 10 to 150 characters."))
    budget = in_force(entry.village_code, entry.year)
    if budget is None:
        raise BudgetError(_("No budget is in force for this year."))
    later = select(Budget.id).where(Budget.village_code == entry.village_code, Budget.year == entry.year,
                                    Budget.version >= budget.version)
    db.session.execute(update(Line).where(Line.key == entry.line_key, Line.budget_id.in_(later))
                       .values(realised=Line.realised - entry.amount)
                       .execution_options(synchronize_session=False))
    line_id = db.session.scalar(select(Line.id).where(Line.budget_id == budget.id, Line.key == entry.line_key))
    day = min(today(), date(entry.year, 12, 31))
    correction = Entry(village_code=entry.village_code, year=entry.year, line_key=entry.line_key,
                       line_id=line_id or entry.line_id, day=day, amount=-entry.amount,
                       description=f"Koreksi: {reason}"[:200], reverses_id=entry.id, created_by=user_id)
    db.session.add(correction)
    audit.record("reverse", "village_finance", "village_finance_entry", entry.id, amount=entry.amount, reason=reason)
    return correction


def withdrawable(case) -> list[str]:
    """Workflow check: only an amendment may be withdrawn (the year's first APBDes is corrected, not dropped)."""
    budget = db.session.get(Budget, int(case.record_id))
    return [] if budget.version > 1 else [_("The year's first APBDes cannot be withdrawn; correct it instead.")]


# ----------------------------------------------------------------- report
@dataclass
class ReportRow:
    account: str
    kegiatan: str | None
    name: str
    source: str
    budget: int
    realised: int

    @property
    def share(self) -> float | None:
        return self.realised / self.budget if self.budget else None


def report(village: str, year: int, until: date) -> dict:
    """Laporan Realisasi Anggaran: each line of the budget in force against the entries up to ``until``."""
    budget = in_force(village, year)
    if budget is None:
        raise BudgetError(_("No budget is in force for this year."))
    done = dict(db.session.execute(
        select(Entry.line_key, func.sum(Entry.amount)).where(Entry.village_code == village, Entry.year == year,
                                                             Entry.day <= until).group_by(Entry.line_key)).all())
    c = chart()
    rows = [ReportRow(line.account, line.kegiatan, c.name(line.kegiatan or line.account), line.source,
                      line.amount, int(done.get(line.key, 0))) for line in lines(budget)]
    totals = {}
    for part in ("4", "5", "6.1", "6.2"):
        chosen = [r for r in rows if r.account.startswith(part)]
        totals[part] = (sum(r.budget for r in chosen), sum(r.realised for r in chosen))
    return {"budget": budget, "rows": rows, "totals": totals, "until": until}


def candidates(village: str, year: int) -> list[Activity]:
    """Plan activities of this year or carried over from earlier ones, not yet taken up by any budget line."""
    used = select(Line.activity_id).where(Line.village_code == village, Line.activity_id.is_not(None))
    return db.session.scalars(select(Activity).where(Activity.village_code == village, Activity.year <= year,
                                                     Activity.id.not_in(used)).order_by(Activity.id)).all()


def on_rtlh_approved(event) -> None:
    """smart_kampung approved a house renovation: a candidate activity in the desa's plan, once."""
    data = event.data
    ref = str(data["proposal"])
    if db.session.scalar(select(Activity.id).where(Activity.origin == "smart_kampung.rtlh",
                                                   Activity.origin_ref == ref)) is not None:
        return
    db.session.add(Activity(village_code=data["village"], year=utcnow().year, kegiatan=settings().rtlh_kegiatan,
                            name=f"Rehabilitasi rumah tidak layak huni: {data['household']}",
                            estimate=settings().rtlh_estimate, origin="smart_kampung.rtlh", origin_ref=ref,
                            note=f"Skor survei {data['score']}"))
