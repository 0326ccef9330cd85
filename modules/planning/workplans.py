"""Ceilings and Renja versions per agency and year: lines within the ceiling, TAPD review (planning.renja),
amendments as new versions, the export in SIPD's layout (CSV, XLSX) and the import of DPA and realisation
back from SIPD or the finance system (the same columns; a bad row is named by its row number)."""
from __future__ import annotations

import csv
import io

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from egovkit.auth import scope
from egovkit.db import db
from egovkit.formfields import rupiah
from egovkit.models import Agency
from egovkit.services import workflow
from egovkit.services.csvimport import safe_cell
from egovkit.web import once
from egovkit.web.forms import Form
from egovkit.services.uploads import private_bytes

from . import codes
from .models import Ceiling, Line, Proposal, Renja
from .views import _get, _roles, _year_now, agency_names, bappeda, bp, sees_all, villages

COLUMNS = ["kode_skpd", "nama_skpd", "tahun", "versi", "kode_urusan", "nama_urusan", "kode_bidang_urusan",
           "nama_bidang_urusan", "kode_program", "nama_program", "kode_kegiatan", "nama_kegiatan",
           "kode_sub_kegiatan", "nama_sub_kegiatan", "indikator", "target", "satuan", "pagu_indikatif",
           "kode_lokasi", "lokasi", "pagu_dpa", "realisasi"]
IMPORTED = ("kode_skpd", "tahun", "kode_sub_kegiatan", "kode_lokasi", "pagu_dpa", "realisasi")


def _editor(renja: Renja) -> bool:
    return renja.agency_code in {gr.agency for gr in scope.grants(None, _roles("planning.renja.edit"))}


@bp.get("/renja")
@login_required
def renja_index():
    if not (bappeda() or scope.grants(None, _roles("planning.read"))):
        abort(403)
    year = request.args.get("year", type=int) or _year_now() + 1
    stmt = select(Renja).where(Renja.year == year).order_by(Renja.agency_code, Renja.number)
    if not sees_all():
        stmt = stmt.where(scope.condition(Renja, roles=_roles("planning.read")))
    ceilings = dict(db.session.execute(select(Ceiling.agency_code, Ceiling.amount).where(Ceiling.year == year)).all())
    mine = sorted({gr.agency for gr in scope.grants(None, _roles("planning.renja.edit")) if gr.agency})
    return render_template("planning/renja_index.html", year=year, rows=db.session.scalars(stmt).all(),
                           ceilings=ceilings, agencies=agency_names(), bappeda=bappeda(), mine=mine, form=Form())


@bp.post("/renja/pagu")
@login_required
def set_ceiling():
    """Bappeda sets (or corrects) an agency's ceiling for a year; never below what its plan already holds."""
    if not bappeda():
        abort(403)
    if not Form().validate_on_submit():
        abort(400)
    agency, year = request.form.get("agency_code") or "", request.form.get("year", type=int)
    amount = rupiah(request.form.get("amount"))
    back = url_for(".renja_index", year=year or "")
    if agency not in agency_names() or year is None or not _year_now() <= year <= _year_now() + 2 or amount is None:
        flash(_("Not done: %(reason)s", reason=_("choose the agency and the year, and give the amount in Rupiah")),
              "error")
        return redirect(back, 303)
    planned = db.session.scalar(select(func.max(Renja.total)).where(Renja.agency_code == agency, Renja.year == year,
                                                                    Renja.status != "superseded")) or 0
    if amount < planned:
        flash(_("Not done: %(reason)s", reason=_("the plan already holds Rp %(planned)s", planned=f"{planned:,}"
                                                 .replace(",", "."))), "error")
        return redirect(back, 303)
    row = db.session.scalar(select(Ceiling).where(Ceiling.agency_code == agency, Ceiling.year == year))
    if row is None:
        db.session.add(Ceiling(agency_code=agency, year=year, amount=amount, set_by=current_user.id))
    else:
        row.amount, row.set_by = amount, current_user.id
    try:
        db.session.commit()
    except IntegrityError:  # a racing first setting: the other one stands
        db.session.rollback()
        flash(_("Not done: %(reason)s", reason=_("the ceiling was set at the same moment: look again")), "error")
        return redirect(back, 303)
    flash(_("Ceiling saved."), "success")
    return redirect(back, 303)


def _ceiling(renja: Renja) -> int | None:
    return db.session.scalar(select(Ceiling.amount).where(Ceiling.agency_code == renja.agency_code,
                                                          Ceiling.year == renja.year))


@bp.post("/renja/baru")
@login_required
def renja_new():
    """The agency's first Renja of a year (its draft, under the year's code-list edition)."""
    if not Form().validate_on_submit():
        abort(400)
    again = once.replay()
    if again is not None:
        return again
    agency, year = request.form.get("agency_code") or "", request.form.get("year", type=int)
    mine = {gr.agency for gr in scope.grants(None, _roles("planning.renja.edit")) if gr.agency}
    if agency not in mine:
        abort(403)
    if year is None or not _year_now() <= year <= _year_now() + 2:
        flash(_("Not done: %(reason)s", reason=_("a plan year from %(a)s to %(b)s", a=_year_now(),
                                                 b=_year_now() + 2)), "error")
        return redirect(url_for(".renja_index"), 303)
    existing = db.session.scalar(select(Renja).where(Renja.agency_code == agency, Renja.year == year)
                                 .order_by(Renja.number.desc()).limit(1))
    if existing is not None:
        return redirect(url_for(".renja", record_id=existing.id), 303)
    renja = _make(agency, year, 1, "murni")
    url = url_for(".renja", record_id=renja.id)
    once.record(url)
    db.session.commit()
    return redirect(url, 303)


def _make(agency: str, year: int, number: int, kind: str) -> Renja:
    renja = Renja(agency_code=agency, year=year, number=number, kind=kind, status="rancangan",
                  edition=codes.edition_for(year).id, total=0)
    db.session.add(renja)
    db.session.flush()
    name = db.session.get(Agency, agency)
    case = workflow.start("planning.renja", renja.id, f"Renja {year} {name.name if name else agency} v{number}",
                          module="planning", agency_code=agency, user=current_user)
    renja.case_id = case.id
    return renja


@bp.get("/renja/<int:record_id>")
@login_required
def renja(record_id: int):
    item = _get(Renja, record_id)
    case = db.session.get(workflow.Case, item.case_id)
    lines = db.session.scalars(select(Line).where(Line.renja_id == item.id).order_by(Line.subactivity_code,
                                                                                    Line.id)).all()
    editable = _editor(item) and case.state == "rancangan"
    used = {line.proposal_id for line in lines if line.proposal_id}
    waiting = db.session.execute(
        select(Proposal).join(workflow.Case, workflow.Case.id == Proposal.case_id)
        .where(Proposal.agency_code == item.agency_code, Proposal.rkpd_year == item.year,
               workflow.Case.state == "accepted").order_by(Proposal.id)).scalars().all() if editable else []
    newer = db.session.scalar(select(func.max(Renja.number)).where(Renja.agency_code == item.agency_code,
                                                                   Renja.year == item.year))
    return render_template("planning/renja.html", item=item, case=case, lines=lines, form=Form(),
                           editable=editable, ceiling=_ceiling(item), agency=agency_names().get(item.agency_code),
                           waiting=[p for p in waiting if p.id not in used],
                           villages=villages(False), edition=codes.load(item.edition),
                           places={c: n for c, n, _d in villages(False)},
                           can_amend=_editor(item) and item.status == "final" and newer == item.number,
                           can_import=_editor(item) or bappeda(),
                           report=None)


def add_line(item: Renja, data: dict) -> tuple[Line | None, str | None]:
    """A line in a draft within the ceiling (the caller commits); (None, why) when refused."""
    ceiling = _ceiling(item)
    label = f"{data['subactivity_code']} {data['subactivity_name']}"
    if ceiling is None:
        return None, _("Bappeda has not set this agency's ceiling for %(year)s yet.", year=item.year)
    raised = db.session.execute(update(Renja).where(Renja.id == item.id, Renja.total + data["cost"] <= ceiling)
                                .values(total=Renja.total + data["cost"]))
    if raised.rowcount != 1:
        db.session.rollback()
        total = db.session.scalar(select(Renja.total).where(Renja.id == item.id)) or 0
        return None, _("The line %(line)s (Rp %(cost)s) would take the plan to Rp %(total)s, over the ceiling of "
                       "Rp %(ceiling)s.", line=label, cost=_dots(data["cost"]), total=_dots(total + data["cost"]),
                       ceiling=_dots(ceiling))
    line = Line(renja_id=item.id, **data)
    db.session.add(line)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return None, _("The line %(line)s is already in this plan for that location.", line=label)
    return line, None


def _dots(amount: int) -> str:
    return f"{amount:,}".replace(",", ".")


@bp.post("/renja/<int:record_id>/baris")
@login_required
def renja_line(record_id: int):
    item = _get(Renja, record_id)
    case = db.session.get(workflow.Case, item.case_id)
    if not _editor(item):
        abort(403)
    if not Form().validate_on_submit():
        abort(400)
    back = url_for(".renja", record_id=item.id)
    again = once.replay()
    if again is not None:
        return again
    edition = codes.load(item.edition)
    errors = []
    proposal = None
    if request.form.get("proposal_id"):
        proposal = db.session.get(Proposal, request.form.get("proposal_id", type=int) or 0)
        pcase = db.session.get(workflow.Case, proposal.case_id) if proposal else None
        if proposal is None or proposal.agency_code != item.agency_code or pcase.state != "accepted":
            errors.append(_("that proposal is not one accepted for this agency"))
    code = (request.form.get("subactivity_code") or (proposal.subactivity_code if proposal else "") or "").strip()
    sub = edition.subactivity(code)
    if sub is None:
        errors.append(_("%(code)s is not a sub-kegiatan of the code list %(edition)s", code=code or "-",
                        edition=item.edition))
    indicator = " ".join((request.form.get("indicator") or (sub.indicator if sub else "")).split())[:300]
    unit = " ".join((request.form.get("unit") or (sub.unit if sub else "")).split())[:60]
    target = " ".join((request.form.get("target") or "").split())[:30]
    if not indicator:
        errors.append(_("give the line's indicator"))
    if not unit:
        errors.append(_("give the unit of the target"))
    if not target:
        errors.append(_("give the target"))
    cost = rupiah(request.form.get("cost"))
    if cost is None:
        errors.append(_("give the cost in Rupiah"))
    location = request.form.get("location") or (proposal.village_code if proposal else "")
    if location and location not in {c for c, _n, _d in villages(False)}:
        errors.append(_("choose a village of the regency, or none"))
    if case.state != "rancangan":
        errors.append(_("only a draft takes new lines"))
    if errors:
        flash(_("Not done: %(reason)s", reason="; ".join(errors)), "error")
        return redirect(back, 303)
    line, problem = add_line(item, {"subactivity_code": sub.code, "subactivity_name": sub.name,
                                    "indicator": indicator, "unit": unit, "target": target, "cost": cost,
                                    "location": location,
                                    "latitude": proposal.latitude if proposal else None,
                                    "longitude": proposal.longitude if proposal else None,
                                    "proposal_id": proposal.id if proposal else None})
    if problem:
        flash(_("Not done: %(reason)s", reason=problem), "error")
        return redirect(back, 303)
    once.record(back)
    db.session.commit()
    flash(_("Line added: %(line)s.", line=f"{sub.code} {sub.name}"), "success")
    return redirect(back, 303)


@bp.post("/renja/<int:record_id>/perubahan")
@login_required
def amend(record_id: int):
    """An amendment (perubahan): a new draft version copied from this final one, which stays as it is."""
    item = _get(Renja, record_id)
    if not _editor(item):
        abort(403)
    if not Form().validate_on_submit():
        abort(400)
    newer = db.session.scalar(select(func.max(Renja.number)).where(Renja.agency_code == item.agency_code,
                                                                   Renja.year == item.year))
    if item.status != "final" or newer != item.number:
        flash(_("Not done: %(reason)s", reason=_("only the latest final version can be amended")), "error")
        return redirect(url_for(".renja", record_id=item.id), 303)
    copy = _make(item.agency_code, item.year, item.number + 1, "perubahan")
    copy.edition, copy.total = item.edition, item.total
    for line in db.session.scalars(select(Line).where(Line.renja_id == item.id)):
        db.session.add(Line(renja_id=copy.id, subactivity_code=line.subactivity_code,
                            subactivity_name=line.subactivity_name, indicator=line.indicator, target=line.target,
                            unit=line.unit, cost=line.cost, location=line.location, latitude=line.latitude,
                            longitude=line.longitude, proposal_id=line.proposal_id))
    try:
        db.session.commit()
    except IntegrityError:  # a racing amendment made the same version number
        db.session.rollback()
        flash(_("Not done: %(reason)s", reason=_("an amendment was started at the same moment")), "error")
        return redirect(url_for(".renja", record_id=item.id), 303)
    flash(_("Amendment %(n)s started from version %(m)s.", n=copy.number, m=item.number), "success")
    return redirect(url_for(".renja", record_id=copy.id), 303)


# ----------------------------------------------------------------- SIPD export and import
def export_rows(item: Renja) -> list[list]:
    edition = codes.load(item.edition)
    agency = agency_names().get(item.agency_code, item.agency_code)
    names = {c: n for c, n, _d in villages(False)}
    out = []
    for line in db.session.scalars(select(Line).where(Line.renja_id == item.id).order_by(Line.subactivity_code,
                                                                                        Line.location)):
        chain = edition.chain(line.subactivity_code)
        cell = []
        for level in ("urusan", "bidang", "program", "kegiatan"):
            found = chain[level]
            cell += [found.code if found else "", found.name if found else ""]
        out.append([item.agency_code, agency, item.year, item.number, *cell, line.subactivity_code,
                    line.subactivity_name, line.indicator, line.target, line.unit, line.cost, line.location,
                    names.get(line.location, ""), "" if line.dpa is None else line.dpa,
                    "" if line.realised is None else line.realised])
    return out


@bp.get("/renja/<int:record_id>/sipd.<fmt>")
@login_required
def export(record_id: int, fmt: str):
    item = _get(Renja, record_id)
    name = f"renja-{item.agency_code}-{item.year}-v{item.number}"
    rows = export_rows(item)
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        writer.writerows([[safe_cell(v) for v in row] for row in rows])
        return private_bytes(buf.getvalue().encode("utf-8"), "text/csv; charset=utf-8", f"{name}.csv")
    if fmt == "xlsx":
        import xlsxwriter

        buf = io.BytesIO()
        book = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False,
                                         "strings_to_numbers": False})
        sheet = book.add_worksheet("Renja")
        sheet.write_row(0, 0, COLUMNS)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                if isinstance(value, int):
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, str(value))
        book.close()
        return private_bytes(buf.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                             f"{name}.xlsx")
    abort(404)


def _read(upload) -> list[dict]:
    """The rows of an uploaded CSV or XLSX, as dicts of strings (raises ValueError naming what is wrong)."""
    blob = upload.read(5 * 1024 * 1024 + 1)
    if len(blob) > 5 * 1024 * 1024:
        raise ValueError(_("The file is larger than 5 MB."))
    if blob[:2] == b"PK":
        import openpyxl

        try:
            sheet = openpyxl.load_workbook(io.BytesIO(blob), read_only=True, data_only=True).worksheets[0]
        except Exception:  # noqa: BLE001 (any unreadable workbook)
            raise ValueError(_("The file is not a readable XLSX workbook.")) from None
        rows = [["" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
                 for v in row] for row in sheet.iter_rows(values_only=True)]
    else:
        try:
            text = blob.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValueError(_("The file is not UTF-8 text (save it as CSV UTF-8).")) from None
        rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise ValueError(_("The file is empty."))
    header = [h.strip().lower() for h in rows[0]]
    missing = [c for c in IMPORTED if c not in header]
    if missing:
        raise ValueError(_("Row 1: missing column(s) %(cols)s.", cols=", ".join(missing)))
    out = []
    for row in rows[1:]:
        if not any(v.strip() for v in row):
            out.append({})  # a blank row: kept, so the row numbers stay the file's
        elif len(row) != len(header):
            out.append({"": (len(row), len(header))})
        else:
            out.append(dict(zip(header, [v.strip() for v in row], strict=True)))
    return out


def _amount(text: str) -> int | None | bool:
    if text == "":
        return None
    value = rupiah(text, zero=True)
    return False if value is None else value


@bp.post("/renja/<int:record_id>/impor")
@login_required
def import_dpa(record_id: int):
    """DPA ceilings and realisation per line of a final version, all rows or none."""
    item = _get(Renja, record_id)
    if not (_editor(item) or bappeda()):
        abort(403)
    if not Form().validate_on_submit():
        abort(400)
    back = url_for(".renja", record_id=item.id)
    upload = request.files.get("file")
    if item.status != "final":
        flash(_("Not done: %(reason)s", reason=_("DPA and realisation are imported into a final version")), "error")
        return redirect(back, 303)
    if upload is None or not upload.filename:
        flash(_("Not done: %(reason)s", reason=_("choose a CSV or XLSX file")), "error")
        return redirect(back, 303)
    try:
        rows = _read(upload)
    except ValueError as exc:
        flash(_("Not done: %(reason)s", reason=str(exc)), "error")
        return redirect(back, 303)
    lines = {(line.subactivity_code, line.location): line
             for line in db.session.scalars(select(Line).where(Line.renja_id == item.id))}
    problems, changes, seen = [], [], set()
    for number, row in enumerate(rows, start=2):
        if not row:
            continue
        if "" in row:
            problems.append(_("Row %(n)s: %(found)s columns where the header has %(want)s.", n=number,
                              found=row[""][0], want=row[""][1]))
            continue
        key = (row.get("kode_sub_kegiatan", ""), row.get("kode_lokasi", ""))
        dpa, realised = _amount(row.get("pagu_dpa", "")), _amount(row.get("realisasi", ""))
        if row.get("kode_skpd") != item.agency_code:
            problems.append(_("Row %(n)s: kode_skpd %(v)s is not %(agency)s.", n=number, v=row.get("kode_skpd") or "-",
                              agency=item.agency_code))
        elif row.get("tahun") != str(item.year):
            problems.append(_("Row %(n)s: tahun %(v)s is not %(year)s.", n=number, v=row.get("tahun") or "-",
                              year=item.year))
        elif key not in lines:
            problems.append(_("Row %(n)s: sub-kegiatan %(code)s (location %(loc)s) is not a line of this version.",
                              n=number, code=key[0] or "-", loc=key[1] or "-"))
        elif key in seen:
            problems.append(_("Row %(n)s: sub-kegiatan %(code)s appears twice.", n=number, code=key[0]))
        elif dpa is False:
            problems.append(_("Row %(n)s: pagu_dpa %(v)s is not an amount in Rupiah.", n=number, v=row["pagu_dpa"]))
        elif realised is False:
            problems.append(_("Row %(n)s: realisasi %(v)s is not an amount in Rupiah.", n=number,
                              v=row["realisasi"]))
        elif dpa is not None and realised is not None and realised > dpa:
            problems.append(_("Row %(n)s: realisasi is above pagu_dpa.", n=number))
        else:
            seen.add(key)
            line = lines[key]
            if (line.dpa, line.realised) != (dpa, realised):
                changes.append((line, dpa, realised))
    if problems:
        flash(_("Nothing imported: %(n)s bad row(s).", n=len(problems)) + " " + " ".join(problems[:20]), "error")
        return redirect(back, 303)
    for line, dpa, realised in changes:
        line.dpa, line.realised = dpa, realised
    db.session.commit()
    flash(_("Imported: %(changed)s line(s) changed, %(same)s unchanged.", changed=len(changes),
            same=len(seen) - len(changes)), "success")
    return redirect(back, 303)
