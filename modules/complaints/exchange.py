"""Keeping complaints in step with SP4N-LAPOR!: export every case in the layout of docs/complaints.md, and
import that layout back: a row with a tracking code of ours records its LAPOR! number; a row with only a
LAPOR! number we do not know yet files a new complaint (anonymous: LAPOR! keeps the reporter). One
transaction: a file with any bad row changes nothing, and each error names its row and column."""
from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, time

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from egovkit.db import db
from egovkit.models import as_utc, utcnow
from egovkit.services import audit, workflow
from egovkit.web.export import csv_response
from egovkit.web.forms import Form

from .models import Complaint
from .views import _exchanger, _settings, _zone, bp, file_complaint, unit_name, villages

COLUMNS = ["tracking_code", "lapor_number", "filed_on", "category", "subject", "description", "village_code",
           "latitude", "longitude", "unit", "status", "state", "due_on", "overdue", "verified_on",
           "followed_up_on", "closed_on", "rating", "source"]
NEEDED = {"tracking_code", "lapor_number", "filed_on", "category", "subject", "description", "village_code"}
LAPOR_NUMBER = re.compile(r"^[A-Za-z0-9./-]{3,30}$")
MAX_ROWS = 5000


def _require():
    if not _exchanger():
        abort(403)


@bp.get("/tukar")
@login_required
def exchange():
    _require()
    return render_template("complaints/exchange.html", form=Form(), columns=COLUMNS, errors=[])


def _day(value) -> str:
    return as_utc(value).astimezone(_zone()).date().isoformat() if value else ""


def export_rows():
    states = current_app.extensions["egovkit"].workflows["complaints.complaint"].states
    items = db.session.execute(select(Complaint, workflow.Case).join(workflow.Case,
                                                                     workflow.Case.id == Complaint.case_id)
                               .order_by(Complaint.id)).all()
    steps: dict = {}
    for case_id, transition, at in db.session.execute(
            select(workflow.Step.case_id, workflow.Step.transition, workflow.Step.at)
            .where(workflow.Step.transition.in_(("verify", "follow_up", "finish", "archive")))
            .order_by(workflow.Step.at)):
        steps.setdefault((case_id, "closed" if transition in ("finish", "archive") else transition), at)
    for item, case in items:
        yield [item.tracking_code, item.lapor_number or "", _day(item.created_at), item.category, item.subject,
               item.description, item.village_code, "" if item.latitude is None else item.latitude,
               "" if item.longitude is None else item.longitude, unit_name(item.unit_agency, item.unit_region),
               states[case.state]["id"], case.state, _day(case.due_at) if not case.closed else "",
               int(case.overdue), _day(steps.get((case.id, "verify"))), _day(steps.get((case.id, "follow_up"))),
               _day(steps.get((case.id, "closed"))), item.rating or "", item.source]


@bp.get("/tukar/export.csv")
@login_required
def export_csv():
    _require()
    audit.record("export", "complaints", "complaints_complaint", None, layout="lapor")
    db.session.commit()
    return csv_response(f"pengaduan-{date.today().isoformat()}.csv", COLUMNS, export_rows())


def _parse(text: str) -> tuple[list[tuple[int, dict]], list[str]]:
    reader = csv.DictReader(io.StringIO(text))
    header = {h.strip() for h in (reader.fieldnames or []) if h}
    missing = sorted(NEEDED - header)
    if missing:
        return [], [_("The file lacks the columns: %(columns)s.", columns=", ".join(missing))]
    rows = []
    for line, row in enumerate(reader, start=2):
        if line - 1 > MAX_ROWS:
            return [], [_("At most %(n)s rows per file.", n=MAX_ROWS)]
        rows.append((line, {k.strip(): (v or "").strip() for k, v in row.items() if k}))
    return rows, []


def _plan(rows) -> tuple[list, list[str]]:
    """What each row will do, or the errors (row, column: message)."""
    settings, known_villages = _settings(), dict(villages())
    plan, errors, seen = [], [], set()

    def err(line, column, message):
        errors.append(_("Row %(line)s, column %(column)s: %(message)s", line=line, column=column, message=message))

    for line, row in rows:
        code, number = row.get("tracking_code", "").upper(), row.get("lapor_number", "")
        if number and not LAPOR_NUMBER.match(number):
            err(line, "lapor_number", _("letters, digits and . / - only, 3 to 30 characters"))
            continue
        if number in seen and number:
            err(line, "lapor_number", _("the same LAPOR! number is in the file twice"))
            continue
        seen.add(number)
        holder = db.session.scalar(select(Complaint).where(Complaint.lapor_number == number)) if number else None
        if code:
            item = db.session.scalar(select(Complaint).where(Complaint.tracking_code == code))
            if item is None:
                err(line, "tracking_code", _("no complaint has this tracking code"))
            elif holder is not None and holder.id != item.id:
                err(line, "lapor_number", _("this LAPOR! number belongs to complaint %(code)s",
                                            code=holder.tracking_code))
            elif number and item.lapor_number != number:
                plan.append(("link", item, number))
            continue
        if not number:
            err(line, "lapor_number", _("a row without our tracking code needs its LAPOR! number"))
            continue
        if holder is not None:
            continue  # imported before: nothing to do
        data, bad = {}, False
        if row.get("category") not in settings.categories:
            err(line, "category", _("unknown category %(value)s", value=row.get("category") or "-"))
            bad = True
        if row.get("village_code") not in known_villages:
            err(line, "village_code", _("not a village of this regency"))
            bad = True
        subject = " ".join(row.get("subject", "").split())
        if not 1 <= len(subject) <= 200:
            err(line, "subject", _("1 to 200 characters"))
            bad = True
        if not row.get("description"):
            err(line, "description", _("This field is required."))
            bad = True
        try:
            filed = date.fromisoformat(row.get("filed_on", ""))
            if filed > date.today():
                raise ValueError
        except ValueError:
            err(line, "filed_on", _("a past date as YYYY-MM-DD"))
            bad = True
        if not bad:
            data = {"category": row["category"], "subject": subject, "description": row["description"][:5000],
                    "village_code": row["village_code"], "latitude": None, "longitude": None, "mode": "anonymous"}
            plan.append(("new", data, number, filed))
    return plan, errors


@bp.post("/<int:record_id>/lapor")
@login_required
def lapor_number(record_id: int):
    """The verifying agency records (or corrects) the complaint's tracking number in SP4N-LAPOR!."""
    _require()
    if not Form().validate_on_submit():
        abort(400)
    item = db.session.get(Complaint, record_id)
    if item is None:
        abort(404)
    number = (request.form.get("lapor_number") or "").strip()
    holder = db.session.scalar(select(Complaint).where(Complaint.lapor_number == number)) if number else None
    if not LAPOR_NUMBER.match(number):
        flash(_("Not done: %(reason)s", reason=_("letters, digits and . / - only, 3 to 30 characters")), "error")
    elif holder is not None and holder.id != item.id:
        flash(_("Not done: %(reason)s", reason=_("this LAPOR! number belongs to complaint %(code)s",
                                                 code=holder.tracking_code)), "error")
    else:
        item.lapor_number = number
        audit.record("lapor_link", "complaints", "complaints_complaint", item.id, lapor_number=number)
        db.session.commit()
        flash(_("SP4N-LAPOR! number recorded."), "success")
    return redirect(url_for(".show", record_id=item.id), 303)


@bp.post("/tukar/import")
@login_required
def import_csv():
    _require()
    form = Form()
    if not form.validate_on_submit():
        abort(400)
    upload = request.files.get("file")
    raw = upload.read(5 * 1024 * 1024 + 1) if upload and upload.filename else b""
    errors = []
    if not raw:
        errors = [_("Choose a CSV file.")]
    elif len(raw) > 5 * 1024 * 1024:
        errors = [_("The file is larger than %(n)s MB.", n=5)]
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text, errors = "", [_("The file is not UTF-8 text.")]
        if not errors:
            rows, errors = _parse(text)
            plan, errors = _plan(rows) if not errors else ([], errors)
    if errors:
        db.session.rollback()
        return render_template("complaints/exchange.html", form=form, columns=COLUMNS, errors=errors), 400
    linked = created = 0
    for step in plan:  # the importing officer acts (and is audited): LAPOR! keeps the reporters
        if step[0] == "link":
            step[1].lapor_number = step[2]
            audit.record("lapor_link", "complaints", "complaints_complaint", step[1].id, lapor_number=step[2])
            linked += 1
        else:
            _kind, data, number, filed = step
            at = datetime.combine(filed, time(12), _zone())
            file_complaint(data, reporter_id=None, source="lapor", lapor_number=number,
                           created_at=min(as_utc(at), utcnow()))
            created += 1
    audit.record("import", "complaints", "complaints_complaint", None, linked=linked, created=created)
    db.session.commit()
    flash(_("Imported: %(linked)s LAPOR! numbers recorded, %(created)s complaints added.", linked=linked,
            created=created), "success")
    return redirect(url_for(".exchange"), 303)
