"""A plan's goals and indicators from the spreadsheet Bappeda or the Bagian Organisasi keeps (docs/sakip.md,
"Import file"): one row per indicator with its tujuan and sasaran, CSV or XLSX. All rows or none: a file
with a rejected row writes nothing; the same file again changes nothing (upserted by code)."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import select

from egovkit.db import db
from egovkit.i18n import N_
from egovkit.services.csvimport import RowError, Summary, run, xlsx_to_csv

from .models import Goal, Indicator, Plan, Target

BASE_COLUMNS = ("tujuan_kode", "tujuan", "sasaran_kode", "sasaran", "indikator_kode", "indikator", "satuan",
                "arah", "agregasi", "baseline")
CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,19}")
DIRECTIONS = {"naik": "up", "turun": "down", "up": "up", "down": "down"}
AGGREGATIONS = {"akhir": "last", "jumlah": "sum", "rata-rata": "average", "rata2": "average",
                "last": "last", "sum": "sum", "average": "average"}


def columns(plan: Plan) -> list[str]:
    return [*BASE_COLUMNS, *(f"target_{y}" for y in plan.years)]


def number(text: str, field: str) -> Decimal:
    """85, 85.5, 85,5, 1.234,5 or 12%: a decimal, at most 14 digits before the point."""
    raw = text.strip().removesuffix("%").strip().replace(" ", "")
    if "," in raw:
        raw = raw.replace(".", "").replace(",", ".")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or abs(value) >= Decimal(10) ** 14:
        raise RowError("not_a_number", N_("%(value)r is not a number"), field=field, value=text[:40])
    return value.quantize(Decimal("0.0001"))


def check_code(text: str, field: str) -> str:
    if not CODE.fullmatch(text):
        raise RowError("bad_code", N_("%(value)r is not a code (letters, digits, . _ -; at most 20)"), field=field,
                       value=text[:40])
    return text


class Parser:
    """Checks one row and the rows before it: a code means one thing in the whole file."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.tujuan: dict[str, tuple[str, int]] = {}
        self.sasaran: dict[str, tuple[str, str, int]] = {}
        self.indicators: dict[str, int] = {}

    def __call__(self, row: dict, line: int) -> dict:
        rec = {"line": line}
        for column in ("tujuan_kode", "sasaran_kode", "indikator_kode"):
            rec[column] = check_code(row.get(column, ""), column)
        for column, limit in (("tujuan", 300), ("sasaran", 300), ("indikator", 300), ("satuan", 40)):
            value = row.get(column, "")
            if not value:
                raise RowError("empty", N_("empty"), field=column)
            if len(value) > limit:
                raise RowError("too_long", N_("longer than %(limit)s characters"), field=column, limit=limit)
            rec[column] = value
        direction = DIRECTIONS.get(row.get("arah", "").lower())
        if direction is None:
            raise RowError("bad_direction", N_("%(value)r is not naik or turun"), field="arah",
                           value=row.get("arah", "")[:40])
        aggregation = AGGREGATIONS.get(row.get("agregasi", "").lower())
        if aggregation is None:
            raise RowError("bad_aggregation", N_("%(value)r is not akhir, jumlah or rata-rata"), field="agregasi",
                           value=row.get("agregasi", "")[:40])
        rec["direction"], rec["aggregation"] = direction, aggregation
        rec["baseline"] = number(row["baseline"], "baseline") if row.get("baseline") else None
        rec["targets"] = {y: number(row[f"target_{y}"], f"target_{y}") for y in self.plan.years
                          if row.get(f"target_{y}")}
        tujuan, sasaran, code = rec["tujuan_kode"], rec["sasaran_kode"], rec["indikator_kode"]
        if tujuan == sasaran:
            raise RowError("same_code", N_("the sasaran needs a code of its own, not its tujuan's"),
                           field="sasaran_kode")
        if tujuan in self.sasaran or sasaran in self.tujuan:
            raise RowError("code_reused", N_("%(value)r is a tujuan and a sasaran code in this file"),
                           field="sasaran_kode" if tujuan not in self.sasaran else "tujuan_kode",
                           value=tujuan if tujuan in self.sasaran else sasaran)
        if tujuan in self.tujuan and self.tujuan[tujuan][0] != rec["tujuan"]:
            raise RowError("other_name", N_("tujuan %(code)s is named differently on line %(line)s"),
                           field="tujuan", code=tujuan, line=self.tujuan[tujuan][1])
        if sasaran in self.sasaran and self.sasaran[sasaran][:2] != (rec["sasaran"], tujuan):
            raise RowError("other_name", N_("sasaran %(code)s is named or placed differently on line %(line)s"),
                           field="sasaran", code=sasaran, line=self.sasaran[sasaran][2])
        if code in self.indicators:
            raise RowError("duplicate", N_("indicator %(code)s is already on line %(line)s"), field="indikator_kode",
                           code=code, line=self.indicators[code])
        self.tujuan.setdefault(tujuan, (rec["tujuan"], line))
        self.sasaran.setdefault(sasaran, (rec["sasaran"], tujuan, line))
        self.indicators[code] = line
        return rec


class Writer:
    """Upsert the goals, indicators and targets of the plan by their codes; (written, unchanged) by row."""

    def __init__(self, plan: Plan):
        self.plan = plan

    def __call__(self, batch: list[dict]) -> tuple[int, int]:
        plan = self.plan
        goals = {g.code: g for g in db.session.scalars(select(Goal).where(Goal.plan_id == plan.id))}
        held = {i.code: i for i in db.session.scalars(select(Indicator).where(Indicator.plan_id == plan.id))}
        targets = {(t.indicator_id, t.year): t for t in db.session.scalars(
            select(Target).where(Target.indicator_id.in_([i.id for i in held.values()])))} if held else {}
        written = unchanged = 0
        for rec in batch:
            changed = False
            tujuan = goals.get(rec["tujuan_kode"])
            if tujuan is None or tujuan.level != "tujuan":
                if tujuan is not None:
                    raise RowError("level", N_("line %(line)s: %(code)s is a sasaran of this plan, not a tujuan"),
                                   line=rec["line"], code=rec["tujuan_kode"])
                tujuan = goals[rec["tujuan_kode"]] = Goal(plan_id=plan.id, agency_code=plan.agency_code,
                                                          level="tujuan", code=rec["tujuan_kode"], name=rec["tujuan"])
                db.session.add(tujuan)
                db.session.flush()
                changed = True
            elif tujuan.name != rec["tujuan"]:
                tujuan.name, changed = rec["tujuan"], True
            sasaran = goals.get(rec["sasaran_kode"])
            if sasaran is None:
                sasaran = goals[rec["sasaran_kode"]] = Goal(plan_id=plan.id, agency_code=plan.agency_code,
                                                            level="sasaran", parent_id=tujuan.id,
                                                            code=rec["sasaran_kode"], name=rec["sasaran"])
                db.session.add(sasaran)
                db.session.flush()
                changed = True
            elif sasaran.level != "sasaran":
                raise RowError("level", N_("line %(line)s: %(code)s is a tujuan of this plan, not a sasaran"),
                               line=rec["line"], code=rec["sasaran_kode"])
            elif (sasaran.name, sasaran.parent_id) != (rec["sasaran"], tujuan.id):
                sasaran.name, sasaran.parent_id, changed = rec["sasaran"], tujuan.id, True
            values = {"goal_id": sasaran.id, "name": rec["indikator"], "unit": rec["satuan"],
                      "direction": rec["direction"], "aggregation": rec["aggregation"], "baseline": rec["baseline"]}
            ind = held.get(rec["indikator_kode"])
            if ind is None:
                ind = Indicator(plan_id=plan.id, agency_code=plan.agency_code, code=rec["indikator_kode"], **values)
                db.session.add(ind)
                db.session.flush()
                changed = True
            else:
                for key, value in values.items():
                    if getattr(ind, key) != value:
                        setattr(ind, key, value)
                        changed = True
            for year, value in rec["targets"].items():
                target = targets.get((ind.id, year))
                if target is None:
                    db.session.add(Target(indicator_id=ind.id, year=year, value=value))
                    changed = True
                elif target.value != value:
                    target.value, changed = value, True
            written, unchanged = (written + 1, unchanged) if changed else (written, unchanged + 1)
        db.session.flush()
        return written, unchanged


def import_file(plan: Plan, path: Path, *, translate: bool = False) -> Summary:
    """Import a CSV or XLSX file into ``plan`` (all rows or none)."""
    if path.suffix.lower() == ".xlsx":
        path = xlsx_to_csv(path)
    return run(path, columns=columns(plan), parse=Parser(plan), write=Writer(plan), audit_as=("sakip", "sakip_indicator"),
               translate=translate, atomic=True)
