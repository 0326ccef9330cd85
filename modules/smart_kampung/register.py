"""The population register at the village office counter: the residents list (paged, searched, sorted),
adding / correcting / moving a resident and a family card, arrivals from other villages of the regency,
and the mutation book (Buku Mutasi Penduduk) written on every change, also from letters' events."""
from __future__ import annotations

import json
from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from sqlalchemy import and_, func, literal_column, select, text
from sqlalchemy.exc import IntegrityError

from egovkit.auth import scope
from egovkit.auth.nik import NikError, check_kk
from egovkit.db import db
from egovkit.models import Region, utcnow
from egovkit.services import audit
from egovkit.web.forms import Form

from . import codes, importer
from .models import Arrival, Family, Letter, Mutation, Resident, StatCount
from .views import bp

FILTERS_KEY = "smart_kampung.filters"  # the list's search and filters, in the session: never in a URL
COUNT_LIMIT = 10_000  # filtered counts stop here ("more than 10,000")
MAX_OFFSET = 10_000  # deeper pages: narrow the search
FTS = "fts_smart_kampung_resident"  # migration smart_kampung_0008 (SQLite with the trigram tokenizer)
SORTS = {"name": ("name_key",), "age": ("birth_date",), "rtrw": ("village_code", "rw", "rt", "name_key")}
STATUSES = ("alive", "moved", "died")


def _settings():
    return current_app.extensions["egovkit"].profile.modules["smart_kampung"]


def _page_size() -> int:
    return _settings().search_limit


# ----------------------------------------------------------------- the list
def _fts_available() -> bool:
    cache = current_app.extensions.setdefault("smart_kampung_fts", {})
    url = str(db.engine.url)
    if url not in cache:
        cache[url] = db.engine.dialect.name == "sqlite" and db.session.scalar(
            text("SELECT count(*) FROM sqlite_master WHERE name = :n"), {"n": FTS}) == 1
    return cache[url]


def _trgm_available() -> bool:
    cache = current_app.extensions.setdefault("smart_kampung_trgm", {})
    url = str(db.engine.url)
    if url not in cache:
        cache[url] = db.engine.dialect.name == "postgresql" and db.session.scalar(
            text("SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_smart_kampung_resident_name_trgm'")) == 1
    return cache[url]


def own_village() -> str | None:
    """The one village the viewer reaches through the view's permission, or None (a district, the regency)."""
    villages = {g.region for g in scope.grants(None, current_app.extensions["egovkit"].profile.roles_with(
        "smart_kampung.residents.read"))}
    if len(villages) == 1:
        (village,) = villages
        if village and village.count(".") == 3:
            return village
    return None


def clean_filters(form) -> dict:
    """The list's filters from a submitted form, each bounded; unknown values dropped."""
    out = {"q": " ".join((form.get("q") or "").split())[:120]}
    for key in ("rt", "rw"):
        value = (form.get(key) or "").strip().lstrip("0")
        out[key] = value.zfill(3) if value.isascii() and value.isdigit() and len(value) <= 3 else ""
    out["status"] = form.get("status") if form.get("status") in (*STATUSES, "all") else "alive"
    village = (form.get("village") or "").strip()
    # a village within reach narrows a district's or the regency's list (a region code: nothing personal)
    out["village"] = village if village.count(".") == 3 and len(village) == 13 and scope.can_see(
        Resident(village_code=village)) else ""
    return out


def _number(q: str) -> bool:
    return q.isascii() and q.isdigit() and len(q) == 16


def _base(filters: dict):
    stmt = scope.visible(select(Resident), Resident)
    status = filters.get("status", "alive")
    if status == "alive" and db.engine.dialect.name == "sqlite":
        # Most residents are alive: said so, SQLite walks the index in list order instead of reading every
        # living resident through the status index and sorting them (it keeps no statistics by default).
        stmt = stmt.where(func.likelihood(Resident.status == "alive", literal_column("0.9")))
    elif status != "all":
        stmt = stmt.where(Resident.status == status)
    for key in ("rt", "rw", "village"):
        if filters.get(key):
            stmt = stmt.where(getattr(Resident, key + ("_code" if key == "village" else "")) == filters[key])
    return stmt


# SQLite, a district's reach (its villages as a code range, OR-ed with the district's own code by
# scope.visible): without a hint it sorts the whole district; the list-order index, read in order,
# finds the district's residents every few entries.
_ORDER_INDEX = {"name": "ix_smart_kampung_resident_name_key", "age": "ix_smart_kampung_resident_birth",
                "rtrw": "ix_smart_kampung_resident_village_rwrt"}


def _fts_phrase(q: str) -> str:
    return '"' + q.replace('"', '""') + '"'


def _name_clause(q: str):
    """Residents whose name contains ``q`` (from 3 characters; 1-2 characters: names starting with it)."""
    key = q.lower()
    if len(key) < 3:  # a range, not LIKE 'q%': both databases answer it from the name indexes
        return and_(Resident.name_key >= key, Resident.name_key < key[:-1] + chr(ord(key[-1]) + 1))
    if db.engine.dialect.name == "postgresql":
        pattern = "%" + key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        return func.lower(Resident.name).like(pattern, escape="\\")  # the pg_trgm index, if there
    # one village (~8,000 names), or a common substring found every few entries of the name index in
    # list order: instr() on the index's own name_key
    return func.instr(Resident.name_key, key) > 0


SEARCH_PAGES = 20  # a common substring over a wide reach: pages 1-20 (narrow the search for more)


def find(filters: dict, sort: str = "name", descending: bool = False, page: int = 1):
    """(rows, total, exact, page, last page) of the residents list within the viewer's reach."""
    q = filters.get("q", "")
    village = own_village()
    stmt = _base(filters)
    columns = [getattr(Resident, c) for c in SORTS.get(sort, SORTS["name"])]
    total = exact = None
    last = None
    if q and village is None and len(q) >= 3 and db.engine.dialect.name == "sqlite" and _fts_available():
        ids = db.session.scalars(text(f"SELECT rowid FROM {FTS} WHERE {FTS} MATCH :p LIMIT :n"),
                                 {"p": _fts_phrase(q), "n": COUNT_LIMIT + 1}).all()
        if len(ids) <= COUNT_LIMIT:  # rare in the regency: from its matches, read once
            return _from_matches(stmt, ids, columns, descending, page)
        total, exact, last = COUNT_LIMIT, False, SEARCH_PAGES  # common: met every few entries in list order
    if q:
        stmt = stmt.where(_name_clause(q))
    order = [c.desc() for c in columns] if descending else columns
    order.append(Resident.id.desc() if descending else Resident.id)
    if (village is None and not filters.get("village") and db.engine.dialect.name == "sqlite"
            and not scope.reaches_all()):
        stmt = stmt.with_hint(Resident, f"INDEXED BY {_ORDER_INDEX.get(sort, _ORDER_INDEX['name'])}", "sqlite")
        last = last or SEARCH_PAGES  # deeper: choose a village
    if total is None:
        # with a name, counted in list order: SQLite then reads the names from the index it walks
        total, exact = _total(filters, stmt.order_by(*order) if q else stmt)
    pages = last or max(1, -(-min(total, MAX_OFFSET) // _page_size()))
    page = max(1, min(page, pages))
    # The page's ids first, then its rows: the walk to a deep page then reads index entries, not rows
    # (the regency's living residents in name order come from (status, name_key) alone).
    ids = db.session.scalars(stmt.with_only_columns(Resident.id).order_by(*order)
                             .offset((page - 1) * _page_size()).limit(_page_size())).all()
    return _by_id(ids), total, exact, page, pages


def _by_id(ids: list[int]) -> list[Resident]:
    """The residents of ``ids``, in that order."""
    found = {r.id: r for r in db.session.scalars(select(Resident).where(Resident.id.in_(ids)))} if ids else {}
    return [found[i] for i in ids]


def _from_matches(stmt, ids: list[int], columns, descending: bool, page: int):
    """The list for at most COUNT_LIMIT trigram matches: their sort keys within reach and filters in one
    query by id, sorted here (Python's string order is SQLite's BINARY collation), one page of rows."""
    keys = db.session.execute(stmt.with_only_columns(Resident.id, *columns).where(Resident.id.in_(ids))).all()
    keys.sort(key=lambda r: (*r[1:], r[0]), reverse=descending)
    size = _page_size()
    pages = max(1, -(-len(keys) // size))
    page = max(1, min(page, pages))
    return _by_id([r[0] for r in keys[(page - 1) * size:page * size]]), len(keys), True, page, pages


def _total(filters: dict, stmt) -> tuple[int, bool]:
    """How many residents the list holds: from the counters without a search (exact), else counted up to
    COUNT_LIMIT (exact below it)."""
    if not filters.get("q") and not filters.get("rt") and not filters.get("rw"):
        counted = select(func.coalesce(func.sum(StatCount.n), 0)).where(StatCount.dim == "status")
        if filters.get("status", "alive") != "all":
            counted = counted.where(StatCount.value == filters.get("status", "alive"))
        if filters.get("village"):
            counted = counted.where(StatCount.village_code == filters["village"])
        return int(db.session.scalar(scope.visible(counted, StatCount))), True
    n = db.session.scalar(select(func.count()).select_from(
        stmt.with_only_columns(Resident.id).limit(COUNT_LIMIT + 1).subquery()))
    return min(n, COUNT_LIMIT), n <= COUNT_LIMIT


@bp.route("/residents", methods=["GET", "POST"])
@scope.require("smart_kampung.residents.read")
def residents():
    """The list. Searches are POSTed, never put in a URL (a NIK in a URL ends up in access logs and browser
    history): a NIK or KK number leads straight to its resident or family card; names and filters are kept
    in the session and shown by a redirect to the bare address (?page= and ?sort= carry nothing personal)."""
    form = Form()
    sort = request.args.get("sort") if request.args.get("sort") in SORTS else "name"
    descending = request.args.get("desc") == "1"
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        if request.form.get("action") == "reset":
            session.pop(FILTERS_KEY, None)
            return redirect(url_for(".residents"), 303)
        filters = clean_filters(request.form)
        if _number(filters["q"]):
            found = db.session.scalar(scope.visible(select(Resident.id).where(Resident.nik == filters["q"]),
                                                    Resident))
            if found is not None:
                return redirect(url_for(".resident", resident_id=found), 303)
            family = db.session.scalar(scope.visible(select(Family.id).where(Family.kk_number == filters["q"]),
                                                     Family))
            if family is not None:
                return redirect(url_for(".family", family_id=family), 303)
            return _list_page(form, dict(filters, q=""), sort, descending, 1, number=filters["q"])
        session[FILTERS_KEY] = filters
        return redirect(url_for(".residents", sort=sort if sort != "name" else None,
                                desc="1" if descending else None), 303)
    filters = session.get(FILTERS_KEY) or clean_filters({})
    return _list_page(form, filters, sort, descending, request.args.get("page", 1, type=int) or 1)


def _list_page(form, filters, sort, descending, page, number=None):
    if number is not None:  # a 16-digit number matched nobody within reach: no list, no number kept
        rows, total, exact, pages = [], 0, True, 1
    else:
        rows, total, exact, page, pages = find(filters, sort, descending, page)
    size = _page_size()
    first = (page - 1) * size + 1 if rows else 0
    names = dict(db.session.execute(select(Region.code, Region.name).where(
        Region.code.in_({r.village_code for r in rows}))).all()) if rows else {}
    return render_template("smart_kampung/residents.html", rows=rows, filters=filters, form=form, total=total,
                           exact=exact, page=page, first=first, last=first + len(rows) - 1 if rows else 0,
                           more=page < pages, sort=sort,
                           descending=descending, names=names, wide=own_village() is None, number=number,
                           villages=_reach_villages() if own_village() is None else [],
                           deep=page >= pages and (total > page * size or not exact), today=date.today(),
                           can_import=scope.can("smart_kampung.residents.import"),
                           can_edit=scope.can("smart_kampung.residents.edit"))


def _reach_villages() -> list[tuple[str, str]]:
    """The villages a district or regency viewer may narrow the list to."""
    rows = db.session.execute(select(Region.code, Region.name).where(Region.level == "village")
                              .order_by(Region.name)).all()
    held = scope.grants()  # once, not per village (a regency holds hundreds)
    return [r for r in rows if any(scope.covers(g, _Village(r[0])) for g in held)]


class _Village:
    """A resident's region alone, for scope.covers (as cheap as a tuple, unlike a new Resident)."""

    __scope__ = Resident.__scope__
    __slots__ = ("village_code",)

    def __init__(self, code: str):
        self.village_code = code


@bp.get("/families/<int:family_id>")
@scope.require("smart_kampung.residents.read")
def family(family_id: int):
    """A family card, by its id: the KK number, like a NIK, stays out of URLs."""
    found = scope.get_or_404(Family, family_id)
    return render_template("smart_kampung/family.html", family=found, members=members(found),
                           village=db.session.get(Region, found.village_code),
                           can_edit=scope.can("smart_kampung.residents.edit", found))


def members(family: Family, alive_only: bool = False) -> list[Resident]:
    stmt = select(Resident).where(Resident.family_id == family.id)
    if alive_only:
        stmt = stmt.where(Resident.status == "alive")
    found = db.session.scalars(stmt.order_by(Resident.birth_date)).all()
    order = {r: i for i, r in enumerate(codes.RELATIONS)}
    found.sort(key=lambda m: (order.get(m.relation, 99), m.birth_date))
    return found


# ----------------------------------------------------------------- the mutation book
KINDS = ("born", "died", "moved_out", "moved_in", "added", "corrected")


def log(person: Resident, kind: str, on_date: date | None = None, *, village: str | None = None,
        other_village: str | None = None, letter_id: int | None = None, note: str = "",
        key: str | None = None) -> Mutation | None:
    """Write one line of the mutation book (in the caller's transaction); with ``key``, only once: None
    when that change is already in the book."""
    if key is not None and db.session.scalar(select(Mutation.id).where(Mutation.key == key)) is not None:
        return None
    entry = Mutation(resident_id=person.id, village_code=village or person.village_code, kind=kind,
                     on_date=on_date or date.today(), name=person.name, other_village=other_village,
                     letter_id=letter_id, note=note[:300], key=key)
    db.session.add(entry)
    return entry


def _letter_person(payload: dict, field: str = "resident_id") -> tuple[Letter | None, Resident | None]:
    letter = db.session.get(Letter, int(payload["letter"])) if payload.get("letter") else None
    person_id = payload.get("resident") if field == "child_id" else (
        payload.get("resident") or (letter.resident_id if letter else None))
    if field == "child_id" and letter is not None and letter.child_id:
        person_id = letter.child_id
    person = db.session.get(Resident, int(person_id)) if person_id else None
    if person is None and payload.get("nik"):
        person = db.session.scalar(select(Resident).where(Resident.nik == payload["nik"]))
    return letter, person


def _day(value, default: date | None = None) -> date:
    try:
        return date.fromisoformat(str(value)[:10])
    except (TypeError, ValueError):
        return default or date.today()


def on_born(event) -> None:
    """Event ``resident.born`` (a birth letter added a child): one line in the book, once."""
    payload = event.data
    letter, child = _letter_person(payload, "child_id")
    if child is not None:
        log(child, "born", _day(payload.get("birth_date"), child.birth_date), village=payload.get("village"),
            letter_id=letter.id if letter else None, key=f"event:{event.id}:born")


def on_died(event) -> None:
    """Event ``resident.died`` (a death letter was issued): one line in the book, once."""
    payload = event.data
    letter, person = _letter_person(payload)
    if person is not None:
        log(person, "died", _day(payload.get("date_of_death")), village=payload.get("village"),
            letter_id=letter.id if letter else None, key=f"event:{event.id}:died")


def on_moved(event) -> None:
    """Event ``resident.moved`` (a moving letter was issued): the move out in the book; when the destination
    (``to_village``) is a village of this regency, an arrival its operator accepts. Each once."""
    payload = event.data
    letter, person = _letter_person(payload)
    if person is None:
        return
    to_village = payload.get("to_village") or None
    moving_on = _day(payload.get("moving_on"))
    origin = payload.get("village") or person.village_code
    log(person, "moved_out", moving_on, village=origin, other_village=to_village,
        letter_id=letter.id if letter else None, key=f"event:{event.id}:moved_out")
    if to_village and to_village != origin and _is_village(to_village):
        arrive(person, origin, to_village, moving_on, letter.id if letter else None, key=f"event:{event.id}")


def _is_village(code: str) -> bool:
    return db.session.scalar(select(Region.code).where(Region.code == code, Region.level == "village")) is not None


def arrive(person: Resident, origin: str, to_village: str, moving_on: date, letter_id: int | None,
           key: str) -> Arrival | None:
    """An arrival waiting for the destination's operator (once per ``key``)."""
    if db.session.scalar(select(Arrival.id).where(Arrival.key == key)) is not None:
        return None
    arrival = Arrival(resident_id=person.id, from_village=origin, to_village=to_village, moving_on=moving_on,
                      letter_id=letter_id, state="pending", key=key)
    db.session.add(arrival)
    return arrival


# ----------------------------------------------------------------- forms: one resident
FORM_COLUMNS = ("nik", "nama", "jenis_kelamin", "tempat_lahir", "tanggal_lahir", "agama", "pendidikan",
                "pekerjaan", "status_perkawinan", "hubungan_keluarga", "no_kk", "alamat", "rt", "rw")
FIXED = ("nik", "jenis_kelamin", "tanggal_lahir")  # from Dukcapil: not corrected once a NIK is known
STATUS_CODES = {v: k for k, v in codes.STATUSES.items()}


def _as_row(person: Resident) -> dict:
    family = db.session.get(Family, person.family_id) if person.family_id else None
    return {"nik": person.nik or "", "nama": person.name, "jenis_kelamin": person.sex,
            "tempat_lahir": person.birth_place, "tanggal_lahir": person.birth_date.isoformat(),
            "agama": person.religion, "pendidikan": person.education, "pekerjaan": person.occupation,
            "status_perkawinan": person.marital_status, "hubungan_keluarga": person.relation,
            "no_kk": family.kk_number if family else "", "alamat": person.address, "rt": person.rt,
            "rw": person.rw}


def _editable_village() -> str:
    """The operator's own village (residents are added and moved by the office where they live)."""
    roles = current_app.extensions["egovkit"].profile.roles_with("smart_kampung.residents.edit")
    villages = {g.region for g in scope.grants(None, roles) if g.region and g.region.count(".") == 3}
    if len(villages) != 1:
        abort(403)
    return villages.pop()


def _check_resident(row: dict, village: str, person: Resident | None) -> tuple[dict | None, dict]:
    """The import's checks of one row, and the register's own: one head per family card, the family in this
    village, a NIK not yet in the register. Errors by form field, in the UI language."""
    record, problems = importer.check_one(row, village, nik_optional=person is not None and person.nik is None)
    errors = {field: problem.describe().split(": ", 1)[-1] for field, problem in problems.items()}
    if record is None:
        return None, errors
    if record["nik"] and (person is None or person.nik is None):
        other = db.session.scalar(select(Resident.id).where(Resident.nik == record["nik"]))
        if other is not None and (person is None or other != person.id):
            errors["nik"] = _("This NIK is already in the register.")
    if record["kk"] and record["relation"] == "KEPALA KELUARGA":
        head = db.session.scalar(select(Resident.id).join(Family, Family.id == Resident.family_id).where(
            Family.kk_number == record["kk"], Resident.relation == "KEPALA KELUARGA", Resident.status == "alive",
            Resident.id != (person.id if person else -1)))
        if head is not None:
            errors["hubungan_keluarga"] = _("This family card already has a living head of family.")
    if not record["kk"]:
        errors["no_kk"] = _("Every resident is on a family card: give its KK number.")
    return (None if errors else record), errors


def _apply(person: Resident, record: dict) -> None:
    family = db.session.scalar(select(Family).where(Family.kk_number == record["kk"]))
    if family is None:  # a new card, at the resident's address (as an import makes it)
        family = Family(kk_number=record["kk"], village_code=record["village_code"], address=record["address"],
                        rt=record["rt"], rw=record["rw"])
        db.session.add(family)
        db.session.flush()
    for field in ("nik", "name", "name_key", "sex", "birth_place", "birth_date", "religion", "education",
                  "occupation", "marital_status", "relation", "village_code", "address", "rt", "rw"):
        if field == "nik" and not record["nik"]:
            continue
        setattr(person, field, record[field])
    person.family_id = family.id


def changed_fields(person: Resident) -> list[str]:
    from sqlalchemy import inspect

    state = inspect(person)
    return [a.key for a in state.attrs if a.history.has_changes() and a.key != "updated_at"]


@bp.route("/residents/new", methods=["GET", "POST"])
@scope.require("smart_kampung.residents.edit")
def resident_new():
    village = _editable_village()
    form = Form()
    row = {c: "" for c in FORM_COLUMNS}
    errors = {}
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        row = {c: (request.form.get(c) or "")[:200] for c in FORM_COLUMNS}
        record, errors = _check_resident(row, village, None)
        if record is not None:
            person = Resident(status="alive")
            _apply(person, record)
            db.session.add(person)
            db.session.flush()
            log(person, "added", note=request.form.get("note", "")[:300])
            try:
                db.session.commit()  # the audit trail records the new row
            except IntegrityError:  # the same NIK saved by someone else a moment ago
                db.session.rollback()
                errors = {"nik": _("This NIK is already in the register.")}
            else:
                flash(_("Resident added."), "success")
                return redirect(url_for(".resident", resident_id=person.id))
    return render_template("smart_kampung/resident_form.html", row=row, errors=errors, person=None, form=form,
                           codes=codes, fixed=()), (400 if errors else 200)


@bp.route("/residents/<int:resident_id>/correct", methods=["GET", "POST"])
@scope.require("smart_kampung.residents.edit")
def resident_correct(resident_id: int):
    person = scope.get_or_404(Resident, resident_id)
    if not scope.can("smart_kampung.residents.edit", person) or person.status != "alive":
        abort(403)
    form = Form()
    row, errors = _as_row(person), {}
    fixed = FIXED if person.nik else ("jenis_kelamin", "tanggal_lahir")
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        row = {c: (row[c] if c in fixed else (request.form.get(c) or "")[:200]) for c in FORM_COLUMNS}
        record, errors = _check_resident(row, person.village_code, person)
        if record is not None:
            _apply(person, record)
            changed = changed_fields(person)
            if changed:
                log(person, "corrected", note=", ".join(sorted(changed)))
                db.session.commit()
                flash(_("Saved."), "success")
            return redirect(url_for(".resident", resident_id=person.id))
    return render_template("smart_kampung/resident_form.html", row=row, errors=errors, person=person, form=form,
                           codes=codes, fixed=fixed), (400 if errors else 200)


def _villages() -> list[tuple[str, str]]:
    return db.session.execute(select(Region.code, Region.name).where(Region.level == "village")
                              .order_by(Region.name)).all()


@bp.route("/residents/<int:resident_id>/move", methods=["GET", "POST"])
@scope.require("smart_kampung.residents.edit")
def resident_move(resident_id: int):
    """The origin village's operator records a move: to another village of the regency (its operator
    accepts the arrival) or away from the regency."""
    person = scope.get_or_404(Resident, resident_id)
    if not scope.can("smart_kampung.residents.edit", person) or person.status != "alive":
        abort(403)
    form = Form()
    errors, values = {}, {"to_village": "", "moving_on": date.today().isoformat(), "note": ""}
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        values = {k: (request.form.get(k) or "").strip()[:300] for k in values}
        to_village = values["to_village"] or None
        if to_village and (to_village == person.village_code or not _is_village(to_village)):
            errors["to_village"] = _("Choose another desa/kelurahan of this regency, or none.")
        try:
            moving_on = date.fromisoformat(values["moving_on"])
            if moving_on > date.today():
                errors["moving_on"] = _("The date cannot be in the future.")
        except ValueError:
            errors["moving_on"] = _("Not a date (YYYY-MM-DD).")
        if request.form.get("confirm") != "yes":
            errors["confirm"] = _("Confirm the move.")
        if not errors:
            origin = person.village_code
            person.status = "moved"
            entry = log(person, "moved_out", moving_on, other_village=to_village, note=values["note"])
            db.session.flush()
            if to_village:
                arrive(person, origin, to_village, moving_on, None, key=f"move:{entry.id}")
            db.session.commit()
            flash(_("Move recorded."), "success")
            return redirect(url_for(".residents"))
    return render_template("smart_kampung/move.html", person=person, form=form, errors=errors, values=values,
                           villages=[v for v in _villages() if v[0] != person.village_code]), \
        (400 if errors else 200)


# ----------------------------------------------------------------- forms: one family card
@bp.route("/families/new", methods=["GET", "POST"])
@bp.route("/families/<int:family_id>/correct", methods=["GET", "POST"])
@scope.require("smart_kampung.residents.edit")
def family_form(family_id: int | None = None):
    found = scope.get_or_404(Family, family_id) if family_id else None
    if found is not None and not scope.can("smart_kampung.residents.edit", found):
        abort(403)
    village = found.village_code if found else _editable_village()
    form = Form()
    row = {"no_kk": found.kk_number if found else "", "alamat": found.address if found else "",
           "rt": found.rt if found else "", "rw": found.rw if found else ""}
    errors = {}
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        row = {k: (request.form.get(k) or "")[:200].strip() for k in row}
        if found is not None:
            row["no_kk"] = found.kk_number  # a card's number is not corrected: it is another card
        record, problems = importer.check_one(
            {"alamat": row["alamat"], "rt": row["rt"], "rw": row["rw"], "no_kk": row["no_kk"]}, village, True)
        for field in ("alamat", "rt", "rw", "no_kk"):
            if field in problems:
                errors[field] = problems[field].describe().split(": ", 1)[-1]
        if not row["no_kk"]:
            errors["no_kk"] = _("Give the KK number.")
        else:
            try:
                check_kk(row["no_kk"])
            except NikError:
                errors.setdefault("no_kk", _("Not a valid KK number."))
        if found is None and not errors and db.session.scalar(
                select(Family.id).where(Family.kk_number == row["no_kk"])) is not None:
            errors["no_kk"] = _("This KK number is already in the register.")
        if not errors:
            rt = importer._neighbourhood(row, "rt", {})
            rw = importer._neighbourhood(row, "rw", {})
            address = " ".join(row["alamat"].split())
            if found is None:
                found = Family(kk_number=row["no_kk"], village_code=village, address=address, rt=rt, rw=rw)
                db.session.add(found)
            else:
                found.address, found.rt, found.rw = address, rt, rw
                for m in members(found, alive_only=True):  # the card's members live at its address
                    m.address, m.rt, m.rw = address, rt, rw
                    if changed_fields(m):
                        log(m, "corrected", note="address, rt, rw")
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for(".family", family_id=found.id))
    return render_template("smart_kampung/family_form.html", family=found, row=row, errors=errors, form=form), \
        (400 if errors else 200)


# ----------------------------------------------------------------- arrivals
@bp.get("/arrivals")
@scope.require("smart_kampung.residents.edit")
def arrivals():
    rows = db.session.scalars(scope.visible(select(Arrival).where(Arrival.state == "pending"), Arrival)
                              .order_by(Arrival.id)).all()
    people = {p.id: p for p in db.session.scalars(select(Resident).where(
        Resident.id.in_([a.resident_id for a in rows])))} if rows else {}
    names = dict(db.session.execute(select(Region.code, Region.name).where(
        Region.code.in_({a.from_village for a in rows}))).all()) if rows else {}
    return render_template("smart_kampung/arrivals.html", rows=rows, people=people, names=names)


@bp.route("/arrivals/<int:arrival_id>", methods=["GET", "POST"])
@scope.require("smart_kampung.residents.edit")
def arrival(arrival_id: int):
    """The destination's operator accepts the newcomer into a family card of the village (an existing one,
    by its KK number, or a new one); the resident then lives here, the book keeps both sides."""
    item = scope.get_or_404(Arrival, arrival_id)
    if item.state != "pending":
        abort(404)
    person = db.session.get(Resident, item.resident_id)
    form = Form()
    values = {"no_kk": "", "alamat": "", "rt": "", "rw": "", "hubungan_keluarga": person.relation}
    errors = {}
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        values = {k: (request.form.get(k) or "").strip()[:200] for k in values}
        family = None
        try:
            check_kk(values["no_kk"])
            family = db.session.scalar(select(Family).where(Family.kk_number == values["no_kk"]))
            if family is not None and family.village_code != item.to_village:
                errors["no_kk"] = _("This family card belongs to another village.")
        except NikError:
            errors["no_kk"] = _("Not a valid KK number.")
        if values["hubungan_keluarga"] not in codes.RELATIONS:
            errors["hubungan_keluarga"] = _("Not a valid choice.")
        if family is None and "no_kk" not in errors:  # a new card: its address is needed
            _record, problems = importer.check_one({"alamat": values["alamat"], "rt": values["rt"], "rw": values["rw"]},
                                             item.to_village, True)
            for field in ("alamat", "rt", "rw"):
                if field in problems:
                    errors[field] = problems[field].describe().split(": ", 1)[-1]
        if not errors:
            if family is None:
                family = Family(kk_number=values["no_kk"], village_code=item.to_village,
                                address=" ".join(values["alamat"].split()),
                                rt=importer._neighbourhood(values, "rt", {}),
                                rw=importer._neighbourhood(values, "rw", {}))
                db.session.add(family)
                db.session.flush()
            claimed = db.session.execute(Arrival.__table__.update().where(
                Arrival.id == item.id, Arrival.state == "pending").values(
                state="accepted", family_id=family.id, decided_at=utcnow()))
            if claimed.rowcount != 1:  # accepted by someone else a moment ago: once only
                db.session.rollback()
                abort(409)
            person.village_code, person.family_id, person.status = item.to_village, family.id, "alive"
            person.address, person.rt, person.rw = family.address, family.rt, family.rw
            person.relation = values["hubungan_keluarga"]
            log(person, "moved_in", item.moving_on, other_village=item.from_village, letter_id=item.letter_id)
            audit.record("accept_arrival", "smart_kampung", "smart_kampung_arrival", item.id,
                         resident=person.id, family=family.id)
            db.session.commit()
            flash(_("Arrival accepted."), "success")
            return redirect(url_for(".resident", resident_id=person.id))
    return render_template("smart_kampung/arrival.html", item=item, person=person, form=form, values=values,
                           errors=errors, origin=db.session.get(Region, item.from_village), codes=codes), \
        (400 if errors else 200)


@bp.get("/mutations")
@scope.require("smart_kampung.residents.read")
def mutations():
    """The latest lines of the mutation book within reach (the whole book: Buku Mutasi in /kampung/books)."""
    rows = db.session.scalars(scope.visible(select(Mutation), Mutation)
                              .order_by(Mutation.on_date.desc(), Mutation.id.desc()).limit(200)).all()
    names = dict(db.session.execute(select(Region.code, Region.name).where(Region.code.in_(
        {r.village_code for r in rows} | {r.other_village for r in rows if r.other_village}))).all()) \
        if rows else {}
    return render_template("smart_kampung/mutations.html", rows=rows, names=names)


def history(person: Resident) -> list[Mutation]:
    return db.session.scalars(select(Mutation).where(Mutation.resident_id == person.id)
                              .order_by(Mutation.on_date, Mutation.id)).all()


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)


from . import books  # noqa: E402,F401  (its routes: statistics, family card, village books)
