"""Move an instance's regions to another edition of the region list without losing a record.

plan() compares the regions in this instance's database with the target edition's
subtree of its regency and sorts every code into renamed, moved, split, merged,
new, retired (gone from the list) or outside (still listed, no longer part of this
regency). apply() then, in one transaction: adds the new regions, renames and
re-parents kept ones, points every record at a moved, split or merged code to its
successor, writes the old code to core_region_history and removes it. A code that
records point to and that has no single successor blocks the update: a split needs
``--map OLD=NEW`` to say where its records go; a retired code needs its records
moved first (or a ``--map``).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import inspect, text

from ..db import db
from ..models import Region, RegionHistory
from ..services import codelists
from . import data as wilayah

# Columns that hold a region code without a foreign key (e.g. per-village settings keyed by code).
CODE_COLUMNS = {"region_code", "village_code", "district_code", "regency_code"}
SKIP_TABLES = {"core_region", "core_region_history"}


@dataclass
class Plan:
    edition_from: str
    edition_to: str
    regency_from: str
    regency_to: str
    renamed: list[tuple[str, str, str]] = field(default_factory=list)  # code, old name, new name
    reparented: list[tuple[str, str | None, str | None]] = field(default_factory=list)  # code, old, new parent
    moved: dict[str, str] = field(default_factory=dict)  # old -> new code
    split: dict[str, list[str]] = field(default_factory=dict)  # old -> new codes
    merged: dict[str, list[str]] = field(default_factory=dict)  # new code -> old codes
    new: list[str] = field(default_factory=list)  # codes that succeed none of this instance's
    insert: list[str] = field(default_factory=list)  # every code to add (new and successors), parents first
    retired: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    references: dict[str, list[tuple[str, str, int]]] = field(default_factory=dict)  # code -> (table, col, n)
    successor: dict[str, str] = field(default_factory=dict)  # old code -> where its records go
    blocked: dict[str, str] = field(default_factory=dict)  # code -> why
    target: dict[str, wilayah.Region] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.renamed or self.reparented or self.moved or self.split or self.merged or self.new
                    or self.retired or self.outside or self.edition_from != self.edition_to)

    def lines(self) -> list[str]:
        """What changes, for people: one line per code (names from both editions)."""
        out = [f"regions: edition {self.edition_from} -> {self.edition_to}"]
        if self.regency_from != self.regency_to:
            out.append(f"  the regency's code changes: {self.regency_from} -> {self.regency_to}")
        def refs(code):
            found = self.references.get(code)
            return f"  [{', '.join(f'{t}.{c}: {n}' for t, c, n in found)}]" if found else ""
        for code, old, new in self.renamed:
            out.append(f"  renamed  {code}  {old} -> {new}")
        for code, old, new in self.reparented:
            out.append(f"  moved    {code}  now under {new} (was {old})")
        for old, new in self.moved.items():
            out.append(f"  recoded  {old} -> {new}  {self.target[new].name}{refs(old)}")
        for old, news in self.split.items():
            out.append(f"  split    {old} -> {', '.join(news)}{refs(old)}")
        for new, olds in self.merged.items():
            out.append(f"  merged   {', '.join(olds)} -> {new}  {self.target[new].name}"
                       + "".join(refs(o) for o in olds))
        for code in self.new:
            out.append(f"  new      {code}  {self.target[code].name}")
        for code in self.retired:
            out.append(f"  retired  {code}{refs(code)}")
        for code in self.outside:
            out.append(f"  outside  {code} (no longer part of this regency){refs(code)}")
        for code, why in self.blocked.items():
            out.append(f"  BLOCKED  {code}: {why}")
        return out


def derived_tables() -> set[str]:
    from ..modules import available

    return {t for m in available().values() for t in m.derived_tables}


def reference_columns(derived: bool = False) -> list[tuple[str, str]]:
    """(table, column) of every egovkit table column that holds a region code (or only of derived tables)."""
    from ..setup import egovkit_tables

    insp = inspect(db.engine)
    kept = derived_tables()
    out = []
    for table in egovkit_tables():
        if table in SKIP_TABLES or (table in kept) != derived:
            continue
        cols = {c["name"] for c in insp.get_columns(table)}
        found = {col for col in cols if col in CODE_COLUMNS}
        for fk in insp.get_foreign_keys(table):
            if fk.get("referred_table") == "core_region":
                found.update(fk["constrained_columns"])
        out.extend((table, col) for col in sorted(found))
    return out


def count_references(codes) -> dict[str, list[tuple[str, str, int]]]:
    codes = sorted(set(codes))
    out: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
    if not codes:
        return out
    for table, col in reference_columns():
        for i in range(0, len(codes), 500):
            chunk = codes[i:i + 500]
            marks = ", ".join(f":c{n}" for n in range(len(chunk)))
            rows = db.session.execute(
                text(f'SELECT "{col}", count(*) FROM "{table}" WHERE "{col}" IN ({marks}) GROUP BY "{col}"'),
                {f"c{n}": c for n, c in enumerate(chunk)})
            for code, n in rows:
                out[code].append((table, col, n))
    return out


def collisions(successor: dict[str, str]) -> dict[str, str]:
    """Codes whose records would clash once merged: rows of a unique key that differ only in the region."""
    groups: dict[str, list[str]] = defaultdict(list)
    for old, new in successor.items():
        groups[new].append(old)
    insp = inspect(db.engine)
    out = {}
    for table, col in reference_columns():
        keys = [u["column_names"] for u in insp.get_unique_constraints(table)]
        keys += [ix["column_names"] for ix in insp.get_indexes(table) if ix.get("unique")]
        keys.append(insp.get_pk_constraint(table).get("constrained_columns") or [])
        for key in keys:
            if col not in key:
                continue
            others = ", ".join(f'"{c}"' for c in key if c != col) or "1"
            for new, olds in groups.items():
                codes = sorted(set(olds + [new]))
                marks = ", ".join(f":c{n}" for n in range(len(codes)))
                clash = db.session.execute(text(
                    f'SELECT count(*) FROM (SELECT {others} FROM "{table}" WHERE "{col}" IN ({marks}) '
                    f"GROUP BY {others} HAVING count(*) > 1) AS clash"), {f"c{n}": c for n, c in enumerate(codes)}
                ).scalar()
                if clash:
                    out[new] = (f"{', '.join(o for o in olds)} would join {new}, but {table} has {clash} "
                                f"row(s) for more than one of them with the same {', '.join(k for k in key if k != col)}"
                                " : settle those records first")
    return out


def plan(edition_to: str | None = None, choices: dict[str, str] | None = None) -> Plan:
    """What moving this instance to an edition changes (nothing is written)."""
    edition_to = edition_to or wilayah.default_edition()
    codelists.edition(wilayah.LIST, edition_to)  # KeyError names the known editions
    edition_from = codelists.instance_edition(wilayah.LIST) or "pre-2022"
    choices = choices or {}
    current = {r.code: r for r in db.session.scalars(db.select(Region))}
    regency = next((r.code for r in current.values() if r.level == "regency"), None)
    if regency is None:
        raise LookupError("this instance has no regions")
    walk = codelists.crosswalk(wilayah.LIST, edition_from, edition_to) if edition_from != edition_to else {}
    regency_to = (walk.get(regency) or [regency])[0]
    if regency_to not in wilayah.regencies(edition_to):
        raise LookupError(f"edition {edition_to} has no regency {regency_to} (this instance's {regency})")
    target = {r.code: r for r in wilayah.subtree(regency_to, edition_to)}
    p = Plan(edition_from, edition_to, regency, regency_to, target=target)
    images: dict[str, list[str]] = defaultdict(list)
    for code, row in sorted(current.items()):
        if code in target:
            new = target[code]
            if new.name != row.name:
                p.renamed.append((code, row.name, new.name))
            if (new.parent_code if new.level != "province" else None) != row.parent_code:
                p.reparented.append((code, row.parent_code, new.parent_code))
            continue
        news = [n for n in walk.get(code, []) if n in target]
        if len(news) > 1:
            p.split[code] = news
        elif len(news) == 1:
            images[news[0]].append(code)
        elif wilayah.known(code, edition_to):
            p.outside.append(code)
        else:
            p.retired.append(code)
    for new, olds in images.items():
        if len(olds) > 1 or new in current:
            p.merged[new] = sorted(olds + ([new] if new in current else []))
        else:
            p.moved[olds[0]] = new
    images_all = set(images) | {n for news in p.split.values() for n in news}
    order = lambda c: (c.count("."), c)  # noqa: E731  (parents first)
    p.insert = sorted((c for c in target if c not in current), key=order)
    p.new = [c for c in p.insert if c not in images_all]
    gone = list(p.moved) + list(p.split) + [o for olds in p.merged.values() for o in olds if o not in target] \
        + p.retired + p.outside
    p.references = dict(count_references(gone))
    for old, new in p.moved.items():
        p.successor[old] = new
    for new, olds in p.merged.items():
        for old in olds:
            if old != new:
                p.successor[old] = new
    for old in list(p.split) + p.retired + p.outside:
        choice = choices.get(old)
        if choice:
            if choice not in target:
                p.blocked[old] = f"--map {old}={choice}: {choice} is not a region of this regency in {edition_to}"
            else:
                p.successor[old] = choice
        elif old in p.references:
            what = "split into " + ", ".join(p.split[old]) if old in p.split else "gone from the list"
            p.blocked[old] = (f"{what}, and records point to it: say where they go with --map {old}=NEW"
                              + _close_names(current[old], p))
    for new, why in collisions(p.successor).items():
        p.blocked[new] = why
    for old in choices:
        if old not in gone:
            p.blocked[old] = f"--map {old}=...: {old} is not a code this update removes"
    return p


def _close_names(region: Region, p: Plan) -> str:
    """A hint for the operator: new codes of the same level whose names are spelled alike (never applied)."""
    from difflib import get_close_matches

    fresh = {p.target[c].name: c for c in p.new if p.target[c].level == region.level}
    close = get_close_matches(region.name, list(fresh), n=3, cutoff=0.8)
    return f" (spelled alike in {p.edition_to}: {', '.join(f'{fresh[n]} {n}' for n in close)})" if close else ""


def apply(p: Plan) -> None:
    """Carry out a plan in the current transaction (the caller commits, or rolls back on error)."""
    if p.blocked:
        raise ValueError("; ".join(f"{c}: {why}" for c, why in p.blocked.items()))
    current = {r.code: r for r in db.session.scalars(db.select(Region))}
    for code in p.insert:  # parents first
        r = p.target[code]
        db.session.add(Region(code=r.code, name=r.name, level=r.level, kind=r.kind,
                              parent_code=r.parent_code if r.level != "province" else None))
    db.session.flush()
    history = []
    for code, old_name, new_name in p.renamed:
        row = current[code]
        history.append(RegionHistory(code=code, name=old_name, level=row.level, parent_code=row.parent_code,
                                     change="renamed", successor_codes=code,
                                     edition_from=p.edition_from, edition_to=p.edition_to))
        row.name = new_name
        row.kind = p.target[code].kind
    for code, _old, new_parent in p.reparented:
        current[code].parent_code = new_parent
    db.session.flush()
    columns, derived = reference_columns(), reference_columns(derived=True)
    for old, new in p.successor.items():
        for table, col in columns:
            db.session.execute(text(f'UPDATE "{table}" SET "{col}" = :new WHERE "{col}" = :old'),
                               {"new": new, "old": old})
    for old in set(p.successor) | set(p.retired) | set(p.outside):
        for table, col in derived:  # their triggers moved the counts; what is left for the old code is empty
            db.session.execute(text(f'DELETE FROM "{table}" WHERE "{col}" = :old'), {"old": old})
    gone = {}
    for old in p.moved:
        gone[old] = ("moved", [p.moved[old]])
    for old, news in p.split.items():
        gone[old] = ("split", news)
    for new, olds in p.merged.items():
        for old in olds:
            if old != new:
                gone[old] = ("merged", [new])
    for old in p.retired:
        gone[old] = ("retired", [p.successor[old]] if old in p.successor else [])
    for old in p.outside:
        gone[old] = ("outside", [p.successor[old]] if old in p.successor else [])
    for old, (change, news) in gone.items():
        row = current[old]
        history.append(RegionHistory(code=old, name=row.name, level=row.level, parent_code=row.parent_code,
                                     change=change, successor_codes=",".join(news) or None,
                                     edition_from=p.edition_from, edition_to=p.edition_to))
    db.session.add_all(history)
    # Children of a removed code that stay were re-parented above; remove deepest codes first.
    for old in sorted(gone, key=lambda c: -c.count(".")):
        db.session.execute(text("UPDATE core_region SET parent_code = NULL WHERE parent_code = :c"), {"c": old})
        db.session.delete(current[old])
        db.session.flush()
    codelists.record(wilayah.LIST, p.edition_to, note=f"update from {p.edition_from}")
