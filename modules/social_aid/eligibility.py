"""Every rule of a programme checked against the register and the decile data: for one person, each failure named
(``check``), and for the whole register at once, as one SQL query (``screen``: who meets them all). The two read
the rules the same way; tests/test_social_aid.py holds them to the same answer."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import and_, case, exists, func, literal, select
from sqlalchemy.orm import aliased

from egovkit.db import db
from egovkit.i18n import N_, translated
from egovkit.services import register
from egovkit.services.register import Person

from .models import Decile, Proposal
from .programmes import Programme


@dataclass
class Check:
    rule: str  # decile | age | alive | residence | excludes | quota | twice
    ok: bool
    message: str  # English msgid (N_), shown translated
    params: dict = field(default_factory=dict)

    def describe(self) -> str:
        return translated(self.message, self.params)

    def as_json(self) -> dict:
        return {"rule": self.rule, "ok": self.ok, "message": self.message, "params": self.params}


@dataclass
class Outcome:
    checks: list[Check]
    decile: Decile | None

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def decile_of(person: Person) -> Decile | None:
    """The household's decile (by KK), else the person's (by NIK)."""
    found = db.session.scalar(select(Decile).where(Decile.kk == person.kk)) if person.kk else None
    return found or db.session.scalar(select(Decile).where(Decile.nik == person.nik))


def subject_of(programme: Programme, person: Person) -> str | None:
    """Who the aid goes to, as the payment key names it: the NIK, or the KK for aid per household."""
    return person.kk if programme.kind == "household" else person.nik


def programmes() -> dict[str, Programme]:
    return current_app.extensions["egovkit"].profile.modules["social_aid"].programmes


def check(key: str, programme: Programme, person: Person, day: date, *, ignore: int | None = None) -> Outcome:
    """The rules of ``programme`` for ``person`` on ``day``; ``ignore``: a proposal not to count as a
    competitor (the one being decided)."""
    rules, out = programme.rules, []
    decile = decile_of(person)
    if rules.max_decile is not None:
        if decile is None:
            out.append(Check("decile", False, N_("DTSEN decile: no decile data for this household or NIK.")))
        else:
            out.append(Check("decile", decile.decile <= rules.max_decile,
                             N_("DTSEN decile %(decile)s (data of %(day)s), at most %(limit)s."),
                             {"decile": decile.decile, "day": decile.data_date.isoformat(),
                              "limit": rules.max_decile}))
    if rules.min_age is not None or rules.max_age is not None:
        age = age_on(person.birth_date, day)
        low, high = rules.min_age or 0, rules.max_age if rules.max_age is not None else 150
        out.append(Check("age", low <= age <= high, N_("Age %(age)s, required %(low)s to %(high)s."),
                         {"age": age, "low": low, "high": high}))
    if rules.alive:
        out.append(Check("alive", person.status == "alive",
                         N_("Alive in the register.") if person.status == "alive" else
                         N_("The register does not show this person alive (%(status)s)."),
                         {"status": person.status}))
    if rules.resident_of_regency:
        regency = current_app.extensions["egovkit"].profile.regency.code
        inside = person.village_code.startswith(regency + ".") and person.status != "moved"
        out.append(Check("residence", inside, N_("Resident of the regency.") if inside else
                         N_("Not a resident of the regency.")))
    active = Proposal.active_key.is_not(None)
    for other in rules.excludes:
        other_programme = programmes().get(other)
        if other_programme is None:
            continue
        clash = db.session.scalar(select(Proposal.id).where(
            Proposal.programme == other, Proposal.period == other_programme.period_of(day),
            Proposal.subject == subject_of(other_programme, person),
            active))
        out.append(Check("excludes", clash is None,
                         N_("Not a recipient of %(other)s.") if clash is None else
                         N_("Already a recipient of %(other)s, which excludes this programme."),
                         {"other": other_programme.name}))
    subject = subject_of(programme, person)
    if subject is None:
        out.append(Check("household", False, N_("Aid per household: the register has no family card (KK) for "
                                                "this person.")))
    else:
        twice = db.session.scalar(select(Proposal.id).where(
            Proposal.programme == key, Proposal.period == programme.period_of(day), Proposal.subject == subject,
            active, *([Proposal.id != ignore] if ignore else [])))
        household = programme.kind == "household"
        out.append(Check("twice", twice is None,
                         (N_("The household is not yet proposed for this programme in %(period)s.") if household
                          else N_("Not yet proposed for this programme in %(period)s.")) if twice is None else
                         (N_("The household is already proposed for this programme in %(period)s.") if household
                          else N_("Already proposed for this programme in %(period)s.")),
                         {"period": programme.period_of(day)}))
    return Outcome(out, decile)


def years_before(day: date, years: int) -> date:
    """The same day ``years`` years earlier (28 February for 29 February in a common year): a person born on or
    before it is at least ``years`` old on ``day`` (``age_on``)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def screen(key: str, programme: Programme, day: date):
    """Everyone in the register who meets every rule of ``programme`` on ``day`` (what ``check`` finds with no
    failure), as one SELECT of (nik, name, birth_date, village_code, kk, subject, decile, data_date); filter, group
    or page it further. None when no enabled module holds a register. The proposals already standing count
    through their unique ``active_key`` (programme:period:subject), one index lookup a person."""
    people = register.people()
    if people is None:
        return None
    r = people.subquery("r")
    by_kk, by_nik = aliased(Decile, name="by_kk"), aliased(Decile, name="by_nik")
    subject = r.c.kk if programme.kind == "household" else r.c.nik
    stmt = (select(r.c.nik, r.c.name, r.c.birth_date, r.c.village_code, r.c.kk, subject.label("subject"),
                   func.coalesce(by_kk.decile, by_nik.decile).label("decile"),
                   case((by_kk.id.is_not(None), by_kk.data_date), else_=by_nik.data_date).label("data_date"))
            .select_from(r).outerjoin(by_kk, by_kk.kk == r.c.kk).outerjoin(by_nik, by_nik.nik == r.c.nik))
    rules, where = programme.rules, []
    if rules.max_decile is not None:
        where.append(func.coalesce(by_kk.decile, by_nik.decile) <= rules.max_decile)
    if rules.min_age is not None or rules.max_age is not None:
        low, high = rules.min_age or 0, rules.max_age if rules.max_age is not None else 150
        where += [r.c.birth_date <= years_before(day, low), r.c.birth_date > years_before(day, high + 1)]
    if rules.alive:
        where.append(r.c.status == "alive")
    if rules.resident_of_regency:
        regency = current_app.extensions["egovkit"].profile.regency.code
        where += [r.c.village_code.startswith(regency + "."), r.c.status != "moved"]

    def standing(other: str, other_programme: Programme):
        other_subject = r.c.kk if other_programme.kind == "household" else r.c.nik
        return exists().where(Proposal.active_key == literal(f"{other}:{other_programme.period_of(day)}:")
                              + other_subject)

    for other in rules.excludes:
        if (other_programme := programmes().get(other)) is not None:
            where.append(~standing(other, other_programme))
    where += [subject.is_not(None), ~standing(key, programme)]
    return stmt.where(and_(*where))
