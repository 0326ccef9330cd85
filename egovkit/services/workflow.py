"""Declarative workflows: states, transitions, who may fire them, SLAs.

A module declares its workflows as data (``Module.workflows``); the profile
may change who fires a transition and each state's SLA (that is how a
regency delegates, e.g. RTLH approval from the bupati to the kepala desa).
A case is one record moving through a workflow; every transition is stored
as a step (who, when, from, to, note), audited, and published as the event
``workflow.<workflow>.<transition>``. Two people firing on the same case at
once: one wins, the other gets ``Conflict``; never a double approval.
"""
from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

from flask import current_app, has_request_context
from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, and_, false, func, or_, select, update
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Mapped, mapped_column

from . import audit, events, people, workdays
from ..auth import scope
from ..db import db
from ..models import as_utc, utcnow
from ..modules import import_path


# ----------------------------------------------------------------- definitions
@dataclass(frozen=True)
class Transition:
    name: str
    source: tuple[str, ...]
    target: str
    roles: tuple[str, ...]  # default roles that may fire it (the profile may change them)
    title: dict[str, str] = field(default_factory=dict)
    requires: tuple[str, ...] = ()  # fields the decision must carry, e.g. ("note",) for a rejection
    separate: bool = False  # four eyes: not by whoever moved the case into its current state
    check: str | None = None  # "pkg.mod:func(case) -> list of problems": any problem refuses the transition
    when: str | None = None  # "pkg.mod:func(case) -> bool": the transition exists for this case only when true
    panel: bool = True  # offered in the shared case panel; False: fired by the module's own page (with its form)
    roles_from: str | None = None  # another transition: its roles as the profile has them, unless it names these
    confirm: bool = False  # the shared panel asks once more before it (as it does before a final state)


TONES = ("waiting", "attention", "done", "stopped")


@dataclass(frozen=True)
class Notify:
    """What a workflow tells the person a case belongs to, at which step (one message per step, queued in the
    step's transaction): the module declares, the core finds the addresses, renders and sends.

    ``person``: "pkg.mod:func(case) -> (notifications.Person, tracking code, what) | None", ``what`` being
    {"id": ..., "en": ...}; ``on``: transition name ("start" for the request itself) -> message template
    (the core's ``case.received``, ``case.returned``, ``case.approved``, ``case.refused``,
    ``case.cancelled``, ``case.billed``, ``case.issued``, or one the module registered);
    ``track``: the endpoint of the module's public tracking page (it takes ``code=``)."""

    person: str
    on: dict[str, str]
    track: str | None = None


@dataclass(frozen=True)
class Workflow:
    name: str  # "<module>.<thing>", unique
    states: dict[str, dict[str, str]]  # state -> {"id": ..., "en": ...}
    initial: str
    transitions: tuple[Transition, ...]
    final: tuple[str, ...] = ()
    sla: dict[str, int] = field(default_factory=dict)  # state -> working days (default)
    on_enter: dict[str, str] = field(default_factory=dict)  # state -> "pkg.mod:func(case, step)", same transaction
    view: str | None = None  # endpoint showing the record; it takes record_id=...
    # What a state means to the person reading its badge (its colour): "waiting" for someone else,
    # "attention" (the applicant must act), "done", "stopped" (refused, cancelled, withdrawn).
    # Undeclared: final states are "done", others "waiting".
    tones: dict[str, str] = field(default_factory=dict)
    title: dict[str, str] = field(default_factory=dict)  # {"id": ..., "en": ...}: what staff see in listings
    notify: Notify | None = None  # messages to the applicant at each step

    def t(self, locale: str) -> str:
        return self.title.get(locale) or self.title.get("en") or self.name

    def tone(self, state: str) -> str:
        return self.tones.get(state) or ("done" if state in self.final else "waiting")

    def transition(self, name: str) -> Transition:
        for t in self.transitions:
            if t.name == name:
                return t
        raise KeyError(name)

    def check(self) -> None:
        """Raise ValueError when the definition is inconsistent (a bug in the module)."""
        states = set(self.states)
        if self.initial not in states:
            raise ValueError(f"workflow {self.name}: initial state {self.initial!r} is not a state")
        for t in self.transitions:
            bad = [s for s in (*t.source, t.target) if s not in states]
            if bad:
                raise ValueError(f"workflow {self.name}: transition {t.name} names unknown states {bad}")
            if t.roles_from is not None and t.roles_from not in {x.name for x in self.transitions}:
                raise ValueError(f"workflow {self.name}: transition {t.name} takes its roles from an unknown "
                                 f"transition {t.roles_from!r}")
        for state in (*self.final, *self.sla, *self.on_enter, *self.tones):
            if state not in states:
                raise ValueError(f"workflow {self.name}: {state!r} is not a state")
        if self.notify is not None:
            names = {"start", *(t.name for t in self.transitions)}
            for name, template in self.notify.on.items():
                from .notifications import TEMPLATES

                if name not in names:
                    raise ValueError(f"workflow {self.name}: notify names an unknown transition {name!r}")
                if template not in TEMPLATES:
                    raise ValueError(f"workflow {self.name}: notify names an unknown message {template!r}")
        for state, tone in self.tones.items():
            if tone not in TONES:
                raise ValueError(f"workflow {self.name}: tone {tone!r} of {state!r} is not one of {TONES}")


@dataclass(frozen=True)
class Rules:
    """A workflow as the profile has it: who fires each transition, SLA of each state."""

    workflow: Workflow
    roles: dict[str, frozenset[str]]
    sla: dict[str, int]
    separate: dict[str, bool]  # four eyes, per transition


def conditions(t: Transition) -> list[str]:
    """What an operator needs to know of a transition beyond its states and roles (English, for listings)."""
    out = []
    if t.when:
        out.append(f"only when {t.when.rsplit(':', 1)[-1].replace('_', ' ')}")
    if t.roles_from:
        out.append(f"roles of {t.roles_from} unless the profile names its own")
    if not t.panel:
        out.append("decided on the module's own page")
    return out


def registry(modules=None) -> dict[str, Workflow]:
    """Workflows of the given (default: enabled) modules, by name."""
    if modules is None:
        modules = current_app.extensions["egovkit"].modules
    out = {}
    for module in modules:
        for wf in module.load("workflows") or ():
            wf.check()
            out[wf.name] = wf
    return out


def rules(name: str) -> Rules:
    ext = current_app.extensions["egovkit"]
    wf = ext.workflows[name]
    override = ext.profile.schema.workflows.get(name)
    roles = {t.name: frozenset(t.roles) for t in wf.transitions}
    sla = dict(wf.sla)
    separate = {t.name: t.separate for t in wf.transitions}
    named = set()
    if override is not None:
        named = {t for t, o in override.transitions.items() if o.roles is not None}
        roles.update({t: frozenset(override.transitions[t].roles) for t in named})
        separate.update({t: o.separate for t, o in override.transitions.items() if o.separate is not None})
        sla.update(override.sla)
    for t in wf.transitions:  # e.g. permits' bill decides like approve: a profile's delegate holds both
        if t.roles_from is not None and t.name not in named:
            roles[t.name] = roles[t.roles_from]
    return Rules(wf, roles, sla, separate)


# ----------------------------------------------------------------- tables
class Case(db.Model):
    """One record moving through a workflow."""

    __tablename__ = "core_case"
    # A service level of a period (workflow.service_level) reads these columns only: counted from the index
    # alone at a regency's size (core_0023).
    __table_args__ = (Index("ix_core_case_module_level", "module", "created_at", "closed", "late", "state", "due_at",
                            "state_since"),
                      Index("ix_core_case_workflow_level", "workflow", "created_at", "closed", "late", "state",
                            "due_at", "state_since", "region_code"))
    __scope__ = scope.Scope(region="region_code", agency="agency_code", owner="owner_id")
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workflow: Mapped[str] = mapped_column(String(80), index=True)
    state: Mapped[str] = mapped_column(String(40), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    module: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str | None] = mapped_column(String(13), index=True)
    agency_code: Mapped[str | None] = mapped_column(String(32), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    state_since: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    # The whole case's deadline when the record sets one (e.g. an SLA per letter or permit type).
    deadline: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set when the case left a state after that state's due date: it is not within its SLA, whatever happens next.
    late: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    @property
    def overdue(self) -> bool:
        return self.due_at is not None and not self.closed and as_utc(self.due_at) < utcnow()


class Step(db.Model):
    """One transition of a case: the timeline."""

    __tablename__ = "core_case_step"
    __audit__ = False  # audited as a decision, with its meaning, by fire()
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("core_case.id"), index=True)
    transition: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(40))
    to_state: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    actor: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[str] = mapped_column(Text, default="{}")

    @property
    def who(self) -> str:
        """Who made the step, fit to show anyone (position and name; never an email or NIK)."""
        return people.shown(self.actor, self.actor_id)


# ----------------------------------------------------------------- errors
class WorkflowError(Exception):
    """A transition that cannot happen; the message is for the person who tried."""


class Forbidden(WorkflowError):
    pass


class Conflict(WorkflowError):
    pass


class Invalid(WorkflowError):
    pass


# ----------------------------------------------------------------- operations
def _(message: str, **params) -> str:
    """A refusal in the reader's language on a page or API call; English elsewhere (CLI, jobs, threads)."""
    if has_request_context():
        from flask_babel import gettext

        return gettext(message, **params)
    return message % params if params else message


def _due(state: str, r: Rules, since: datetime, deadline: datetime | None = None) -> datetime | None:
    """When the case must leave ``state``: the state's SLA, never later than the case's deadline."""
    if state in r.workflow.final:
        return None
    due = _after_working_days(r.sla.get(state), since)
    if deadline is not None:
        deadline = as_utc(deadline)
        due = deadline if due is None else min(due, deadline)
    return due


TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at a counter


def tracking_code() -> str:
    """A public code for following a request without signing in (status only, never personal data)."""
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(8))


def set_deadline(case: Case, days: int) -> None:
    """Give an open case its deadline ``days`` working days from now, for a promise that starts late
    (a permit's SLA runs from the day its file is complete); the current state's due date is capped by it."""
    now = utcnow()
    case.deadline = _after_working_days(days, now)
    case.due_at = _due(case.state, rules(case.workflow), case.state_since or now, case.deadline)


def _after_working_days(days: int | None, since: datetime) -> datetime | None:
    """The end of the working day ``days`` working days after ``since``, in the regency's time zone."""
    if not days:
        return None
    profile = current_app.extensions["egovkit"].profile
    tz = ZoneInfo(profile.timezone)
    extra = frozenset(profile.schema.holidays)
    local_day = as_utc(since).astimezone(tz).date()
    due_day = workdays.add_working_days(local_day, days, extra)
    return datetime.combine(due_day, time(23, 59, 59), tz).astimezone(timezone.utc)


def _who(user):
    """(user id, how the timeline and documents show them): position and name, never email or NIK."""
    return people.acting(user)


def start(name: str, record_id, title: str, *, module: str, region_code: str | None = None,
          agency_code: str | None = None, owner_id: int | None = None, note: str | None = None, user=None,
          deadline_days: int | None = None) -> Case:
    """Open a case in the workflow's initial state (in the caller's transaction).

    ``deadline_days``: working days for the whole case (the record's own SLA); each state's due
    date is then capped by it."""
    r = rules(name)
    now = utcnow()
    deadline = _after_working_days(deadline_days, now)
    case = Case(workflow=name, state=r.workflow.initial, version=1, module=module, record_id=str(record_id),
                title=title[:200], region_code=region_code, agency_code=agency_code, owner_id=owner_id,
                created_at=now, state_since=now, deadline=deadline,
                due_at=_due(r.workflow.initial, r, now, deadline), closed=r.workflow.initial in r.workflow.final)
    db.session.add(case)
    db.session.flush()
    actor_id, actor = _who(user)
    db.session.add(Step(case_id=case.id, transition="start", from_state=None, to_state=case.state,
                        actor_id=actor_id, actor=actor, note=note, data="{}"))
    audit.record("start", module, "core_case", case.id, workflow=name, state=case.state, record=str(record_id))
    _tell(case, r.workflow, "start", note, actor_id)
    return case


def allowed(case: Case, user=None) -> list[Transition]:
    """Transitions from the case's state that this user may fire on this case."""
    r = rules(case.workflow)
    out = []
    user_id = getattr(scope._user(user), "id", None)
    last_actor = None
    if any(r.separate.values()):
        last = db.session.scalars(select(Step).where(Step.case_id == case.id)
                                  .order_by(Step.at.desc(), Step.id.desc()).limit(1)).first()
        last_actor = last.actor_id if last else None
    for t in r.workflow.transitions:
        if r.separate[t.name] and user_id is not None and user_id == last_actor:
            continue
        if case.state in t.source and not case.closed and (t.when is None or import_path(t.when)(case)):
            # Only the roles the workflow (or the profile) names: an administrator does not decide cases.
            held = scope.grants(user, r.roles[t.name])
            if any(scope.covers(g, case) for g in held):
                out.append(t)
    return out


def fire(case: Case, transition: str, *, note: str | None = None, data: dict | None = None, user=None) -> Step:
    """Move a case along ``transition`` in the caller's transaction; raises a WorkflowError."""
    r = rules(case.workflow)
    try:
        t = r.workflow.transition(transition)
    except KeyError:
        raise Invalid(f"{case.workflow} has no transition {transition!r}") from None
    if case.state not in t.source or case.closed:
        raise Conflict(_("This case has moved on (%(state)s): the decision is no longer possible.",
                         state=case.state))
    if t.when and not import_path(t.when)(case):
        raise Invalid(_("This decision does not apply to this case."))
    if t not in allowed(case, user):
        raise Forbidden(f"you may not {transition} this case")
    data = dict(data or {})
    missing = [f for f in t.requires if not (note if f == "note" else data.get(f))]
    if missing == ["note"]:
        raise Invalid(_("Write a note: this decision needs a reason."))
    if missing:  # a module's own form names its fields in its page; this is the fallback
        raise Invalid(_("This decision needs: %(fields)s.", fields=", ".join(missing)))
    if t.check:
        problems = import_path(t.check)(case)
        if problems:
            raise Invalid("; ".join(str(p) for p in problems))
    actor_id, actor = _who(user)
    return _move(case, r, t, note, data, actor_id, actor)


def fire_system(case: Case, transition: str, *, note: str | None = None, actor: str = "system") -> Step:
    """Move a case along a transition no person takes (declared with ``roles=()``), from the core or a
    module's event handler: the same state check, conditional update, step, audit, hook and event as
    ``fire()``, without roles or scope; ``actor`` names the cause on the timeline (e.g. "resident.died")."""
    r = rules(case.workflow)
    try:
        t = r.workflow.transition(transition)
    except KeyError:
        raise Invalid(f"{case.workflow} has no transition {transition!r}") from None
    if t.roles or r.roles[t.name]:
        raise Invalid(f"{case.workflow}.{transition} is taken by people: use fire()")
    if case.state not in t.source or case.closed:
        raise Conflict(_("This case has moved on (%(state)s): the decision is no longer possible.",
                         state=case.state))
    return _move(case, r, t, note, {}, None, actor[:120])


def _move(case: Case, r: Rules, t: Transition, note: str | None, data: dict, actor_id: int | None,
          actor: str) -> Step:
    now = utcnow()
    seen = case.version
    late = bool(case.late) or (case.due_at is not None and as_utc(case.due_at) < now)
    moved = db.session.execute(
        update(Case).where(Case.id == case.id, Case.version == seen, Case.state == case.state)
        .values(state=t.target, version=seen + 1, state_since=now, due_at=_due(t.target, r, now, case.deadline),
                closed=t.target in r.workflow.final, late=late)
        .execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        raise Conflict(_("Someone else decided on this case a moment ago: reload the page to see its state."))
    from_state = case.state
    db.session.expire(case)
    step = Step(case_id=case.id, transition=t.name, from_state=from_state, to_state=t.target, actor_id=actor_id,
                actor=actor, at=now, note=note, data=json.dumps(data, ensure_ascii=False, sort_keys=True, default=str))
    db.session.add(step)
    audit.record("transition", case.module, "core_case", case.id, workflow=case.workflow, transition=t.name,
                 from_state=from_state, to_state=t.target, note=note)
    hook = r.workflow.on_enter.get(t.target)
    if hook:
        import_path(hook)(case, step)
    _tell(case, r.workflow, t.name, note, actor_id)
    events.publish(f"workflow.{case.workflow}.{t.name}", case_id=case.id, record_id=case.record_id,
                   module=case.module, from_state=from_state, to_state=t.target)
    return step


def _tell(case: Case, wf: Workflow, transition: str, note: str | None, actor_id: int | None) -> None:
    """The step's messages, in its transaction: to the applicant (Workflow.notify), and to staff who asked
    to be told when a case arrives in their inbox."""
    from . import notifications

    spec = wf.notify
    template = spec.on.get(transition) if spec is not None else None
    if template:
        found = import_path(spec.person)(case)
        if found is not None:
            person, code, what = found
            url = notifications.public_link(spec.track, code=code) if spec.track and code else None
            notifications.tell(person, template, url=url, what=what, code=code or "-",
                               note=(note or "-").strip())
    if not case.closed:
        _tell_staff(case, wf, actor_id)


def _tell_staff(case: Case, wf: Workflow, actor_id: int | None) -> None:
    """Staff who may decide the case now and asked to be told (core_notify_pref), except who just acted."""
    from ..models import RoleAssignment, User
    from .notifications import NotifyPref, public_link, send

    r = rules(case.workflow)
    roles = set().union(*(r.roles[t.name] for t in wf.transitions if case.state in t.source)) - {"admin", "citizen"}
    if not roles:
        return
    users = db.session.scalars(
        select(User).join(NotifyPref, NotifyPref.user_id == User.id)
        .where(NotifyPref.case_arrival.is_(True), User.active.is_(True), User.pending.is_(False),
               User.roles.any(RoleAssignment.role.in_(roles)))).all()
    link = None
    for user in users:
        if user.id == actor_id or not allowed(case, user):
            continue
        pref = db.session.get(NotifyPref, user.id)
        if pref.channel == "phone" and user.phone:
            from ..auth.identity import phone_channel

            channel, to = phone_channel(), user.phone
        elif user.email:
            channel, to = "email", user.email
        else:
            continue
        link = link or public_link("cases.inbox") or "/inbox"
        send(channel, to, "case.arrived", locale=user.locale, what=wf.t(user.locale or "id"), title=case.title,
             url=link)


def cases_of(records) -> dict[int, Case]:
    """The cases of a page of records (their ``case_id``), by id, in one query; none for records without one."""
    ids = {r.case_id for r in records if r.case_id}
    return {c.id: c for c in db.session.scalars(select(Case).where(Case.id.in_(ids)))} if ids else {}


def timeline(case: Case) -> list[Step]:
    return db.session.scalars(select(Step).where(Step.case_id == case.id).order_by(Step.at, Step.id)).all()


def waiting_condition(user=None):
    """WHERE clause for the open cases this user may act on now."""
    held = {g.role for g in scope.grants(user)}
    # One clause per workflow and set of the user's roles that may act, over all the states they act in:
    # transitions of roles the user does not hold are left out before any SQL is built (the inbox is on
    # every signed-in page's path, and building expressions was most of its time).
    states: dict[tuple[str, frozenset[str]], set[str]] = {}
    for name, wf in current_app.extensions["egovkit"].workflows.items():
        r = rules(name)
        for t in wf.transitions:
            mine = frozenset(r.roles[t.name]) & held
            if mine:
                states.setdefault((name, mine), set()).update(t.source)
    clauses = [and_(Case.workflow == name, Case.state.in_(sorted(sources)), scope.condition(Case, user, roles))
               for (name, roles), sources in states.items()]
    return and_(Case.closed.is_(False), or_(*clauses)) if clauses else and_(False)


def inbox(user=None, limit: int = 200) -> list[Case]:
    """Cases waiting on this user, overdue (earliest due) first."""
    stmt = (select(Case).where(waiting_condition(user))
            .order_by(Case.due_at.is_(None), Case.due_at, Case.created_at).limit(limit))
    return db.session.scalars(stmt).all()


# ----------------------------------------------------------------- service levels (dashboards, SPBE evidence)
@dataclass(frozen=True)
class ServiceLevel:
    """How a set of cases is served: counted from the cases alone, so any module's figures come from here."""

    started: int  # cases opened since the start of the window
    closed: int  # of them, closed
    on_time: int  # of the closed ones, never past a due date (``Case.late`` unset)
    open: int  # of them, still open
    overdue: int  # of the open ones, past their due date now
    median_hours: float | None  # opening to closing of the served ones (when asked for)

    @property
    def within_sla(self) -> float | None:
        return self.on_time / self.closed if self.closed else None


def _selected(stmt, module, workflows, where):
    if module is not None:
        stmt = stmt.where(Case.module == module)
    if workflows is not None:
        stmt = stmt.where(Case.workflow.in_(tuple(workflows)))
    return stmt if where is None else stmt.where(where)


def service_level(*, since: datetime, module: str | None = None, workflows=None, where=None,
                  final: tuple[str, ...] | None = None, median: bool = False) -> ServiceLevel:
    """The service level of the cases opened since ``since`` (of a module, of some workflows, and within
    ``where``, a clause on Case such as a dashboard's reach). ``final``: the closing states that count as
    served (e.g. a letter's "issued", not "refused"); None: any final state. ``median``: also the median
    time to serve (a sort of the served cases' durations, the costly part; else ``median_hours`` is None)."""
    now = utcnow()
    served_state = and_(Case.closed, Case.state.in_(final)) if final is not None else Case.closed
    counts = db.session.execute(_selected(
        select(func.count(), func.coalesce(func.sum(sql_case((Case.closed, 1), else_=0)), 0),
               func.coalesce(func.sum(sql_case((and_(Case.closed, Case.late.is_(False)), 1), else_=0)), 0),
               func.coalesce(func.sum(sql_case((and_(Case.closed.is_(False), Case.due_at < now), 1), else_=0)), 0),
               func.coalesce(func.sum(sql_case((served_state, 1), else_=0)), 0))
        .where(Case.created_at >= since), module, workflows, where)).one()
    started, closed, on_time, overdue, count = (int(n or 0) for n in counts)
    hours = _hours(Case.created_at, Case.state_since)
    middle = None
    if median and count:  # the median in SQL: the one or two middle durations of the sorted list, not every row in Python
        served = _selected(select(hours).where(Case.created_at >= since, served_state), module, workflows, where)
        values = [float(v) for v in db.session.scalars(
            served.order_by(hours).limit(1 if count % 2 else 2).offset((count - 1) // 2))]
        middle = round(sum(values) / len(values), 1)
    return ServiceLevel(started, closed, on_time, started - closed, overdue, middle)


def _hours(start, end):
    """``end - start`` in hours, in SQL, on SQLite and PostgreSQL."""
    if db.engine.dialect.name == "postgresql":
        return func.extract("epoch", end - start) / 3600.0
    return (func.julianday(end) - func.julianday(start)) * 24.0


def _month(column):
    """YYYY-MM of a UTC timestamp column, in SQL, on SQLite and PostgreSQL."""
    if db.engine.dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM")
    return func.strftime("%Y-%m", column)


def requests_per_month(*, since: datetime, where=None) -> dict[str, dict[str, int]]:
    """{module: {"YYYY-MM": cases opened}} since ``since``: the online requests each service received."""
    month = _month(Case.created_at)
    out: dict[str, dict[str, int]] = {}
    for module, ym, n in db.session.execute(_selected(
            select(Case.module, month, func.count()).where(Case.created_at >= since)
            .group_by(Case.module, month), None, None, where)):
        out.setdefault(module, {})[ym] = int(n)
    return out
