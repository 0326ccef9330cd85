"""Every rule of a programme checked against the register and the decile data; each failure named."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import select

from egovkit.db import db
from egovkit.i18n import N_, translated
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
