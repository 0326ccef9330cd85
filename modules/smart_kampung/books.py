"""Population statistics (tables, SVG charts, CSV/XLSX), the printable family card and the Buku Administrasi
Desa population books of Permendagri 47/2016 (Buku Induk Penduduk, Buku Mutasi Penduduk Desa, Buku
Rekapitulasi Jumlah Penduduk, Buku KTP dan KK) as PDF or XLSX, made by a background job.

Statistics come from the counter tables the database triggers keep (PopulationCount: sex and birth year;
StatCount: education, occupation, religion, marital status, RW/RT, status), never from the resident rows."""
from __future__ import annotations

import csv
import io
import secrets
from datetime import date
from pathlib import Path

from flask import Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from egovkit.auth import scope
from egovkit.db import db
from egovkit.models import Region
from egovkit.services import documents, jobs, uploads
from egovkit.services.csvimport import safe_cell

from .dashboard import AGE_GROUPS
from .models import Family, Mutation, PopulationCount, PopulationTotal, Resident, StatCount
from .register import members, own_village
from .views import bp

DIMS = (("edu", "Education"), ("occ", "Occupation"), ("rel", "Religion"), ("mar", "Marital status"),
        ("rtrw", "RW/RT"), ("status", "Status"))


def _village_param() -> str | None:
    """?village=CODE (a region code, nothing personal) narrows a wide viewer's figures; within reach only."""
    code = request.args.get("village") or own_village()
    if code:
        region = db.session.get(Region, code)
        if region is None or region.level != "village" or not scope.can_see(StatCount(village_code=code)):
            abort(404)
    return code


def figures(village: str | None, today: date | None = None) -> dict:
    """{"age": [(label, men, women)], dim: [(value, men, women)], "areas": [(code, name, men, women)]}."""
    year = (today or date.today()).year
    if not village and scope.reaches_all():  # the regency's totals (~190 rows), as the dashboard does
        stmt = select(PopulationTotal.sex, PopulationTotal.birth_year, PopulationTotal.n)
    else:
        stmt = scope.visible(select(PopulationCount.sex, PopulationCount.birth_year, func.sum(PopulationCount.n))
                             .group_by(PopulationCount.sex, PopulationCount.birth_year), PopulationCount)
        if village:
            stmt = stmt.where(PopulationCount.village_code == village)
    counts = {(lo, s): 0 for lo, _hi in AGE_GROUPS for s in "LP"}
    for sex, born, n in db.session.execute(stmt):
        age = year - int(born)
        lo = next(lo for lo, hi in AGE_GROUPS if lo <= age <= hi) if age >= 0 else 0
        counts[(lo, sex)] += int(n)
    out = {"age": [(f"{lo}-{hi}" if hi < 200 else f"{lo}+", counts[(lo, "L")], counts[(lo, "P")])
                   for lo, hi in AGE_GROUPS]}
    for dim, _label in DIMS:
        if dim == "rtrw" and not village:
            continue  # RW/RT numbers mean something within one village only
        stmt = select(StatCount.value, StatCount.sex, func.sum(StatCount.n)).where(StatCount.dim == dim)
        if village:
            stmt = stmt.where(StatCount.village_code == village)
        table: dict[str, list[int]] = {}
        for value, sex, n in db.session.execute(scope.visible(stmt.group_by(StatCount.value, StatCount.sex),
                                                              StatCount)):
            if n:
                table.setdefault(value, [0, 0])[0 if sex == "L" else 1] += int(n)
        out[dim] = sorted(((v, m, w) for v, (m, w) in table.items()), key=lambda r: (-(r[1] + r[2]), r[0])) \
            if dim in ("occ",) else sorted((v, m, w) for v, (m, w) in table.items())
    # per district (regency) or per village (a district), living residents
    if not village:
        width = 8 if scope.reaches_all() else 13
        area = func.substr(StatCount.village_code, 1, width)
        rows = db.session.execute(scope.visible(
            select(area, StatCount.sex, func.sum(StatCount.n)).where(StatCount.dim == "status",
                                                                     StatCount.value == "alive")
            .group_by(area, StatCount.sex), StatCount)).all()
        areas: dict[str, list[int]] = {}
        for code, sex, n in rows:
            areas.setdefault(code, [0, 0])[0 if sex == "L" else 1] += int(n)
        names = dict(db.session.execute(select(Region.code, Region.name).where(Region.code.in_(list(areas)))).all())
        out["areas"] = [(c, names.get(c, c), m, w) for c, (m, w) in sorted(areas.items())]
    return out


def _labels() -> dict:
    return {"age": _("Age group"), "edu": _("Education"), "occ": _("Occupation"), "rel": _("Religion"),
            "mar": _("Marital status"), "rtrw": "RW/RT", "status": _("Status")}


@bp.get("/statistics")
@scope.require("smart_kampung.residents.read")
def statistics():
    from egovkit.web.cache import memo

    village = _village_param()
    reach = tuple(sorted((g.region or "", g.agency or "", g.owner or 0) for g in scope.grants()))
    data = memo(("smart_kampung.statistics", reach, village, date.today()), 300, lambda: figures(village))
    region = db.session.get(Region, village) if village else None
    return render_template("smart_kampung/statistics.html", data=data, labels=_labels(), village=village,
                           region=region, dims=[d for d, _label in (("age", ""), *DIMS)] if village else
                           [d for d, _label in (("age", ""), *DIMS) if d != "rtrw"])


def _rows(data: dict):
    labels = _labels()
    yield [_("Table"), _("Value"), _("Men"), _("Women"), _("Total")]
    for dim in ("age", *[d for d, _label in DIMS]):
        for value, men, women in data.get(dim, []):
            yield [labels[dim], value, men, women, men + women]
    for code, name, men, women in data.get("areas", []):
        yield [_("Area"), f"{name} ({code})", men, women, men + women]


@bp.get("/statistics.csv")
@scope.require("smart_kampung.residents.read")
def statistics_csv():
    village = _village_param()
    out = io.StringIO()
    writer = csv.writer(out)
    for row in _rows(figures(village)):
        writer.writerow([safe_cell(c) for c in row])
    return Response(out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=statistik-{village or 'wilayah'}.csv"})


@bp.get("/statistics.xlsx")
@scope.require("smart_kampung.residents.read")
def statistics_xlsx():
    import xlsxwriter

    village = _village_param()
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet(_("Statistics")[:31])
    for i, row in enumerate(_rows(figures(village))):
        sheet.write_row(i, 0, row)
    book.close()
    return Response(out.getvalue(), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename=statistik-{village or 'wilayah'}.xlsx"})


# ----------------------------------------------------------------- the family card
@bp.get("/families/<int:family_id>/card")
@scope.require("smart_kampung.residents.read")
def family_card(family_id: int):
    found = scope.get_or_404(Family, family_id)
    return render_template("smart_kampung/family_card.html", family=found, members=members(found, alive_only=True),
                           **_places(found.village_code))


def _places(village_code: str) -> dict:
    village = db.session.get(Region, village_code)
    district = db.session.get(Region, village.parent_code) if village else None
    return {"village": village, "district": district}


@bp.get("/families/<int:family_id>/card.pdf")
@scope.require("smart_kampung.residents.read")
def family_card_pdf(family_id: int):
    found = scope.get_or_404(Family, family_id)
    places = _places(found.village_code)
    people = members(found, alive_only=True)
    head = next((m.name for m in people if m.relation == "KEPALA KELUARGA"), "-")
    pdf = _pdf("KARTU KELUARGA", f"No. {found.kk_number}", [
        ("Nama Kepala Keluarga", head), ("Alamat", found.address), ("RT/RW", f"{found.rt}/{found.rw}"),
        ("Desa/Kelurahan", places["village"].name), ("Kecamatan", places["district"].name if places["district"]
                                                    else "-")],
        ["No", "Nama", "NIK", "L/P", "Tempat lahir", "Tgl lahir", "Agama", "Pendidikan", "Pekerjaan",
         "Status kawin", "Hubungan"],
        [[i, m.name, m.nik or "-", m.sex, m.birth_place, f"{m.birth_date:%d-%m-%Y}", m.religion, m.education,
          m.occupation, m.marital_status, m.relation] for i, m in enumerate(people, 1)],
        [8, 45, 32, 9, 28, 20, 20, 25, 35, 25, 30])
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f"inline; filename=kk-{found.id}.pdf"})


def _pdf(title: str, subtitle: str, facts, header, rows, widths, progress=None) -> bytes:
    """A landscape A4 table through the core's register-book layout (the bundled Unicode font)."""
    return documents.table_pdf(title, header, rows, widths, subtitle=subtitle, facts=facts, progress=progress)


# ----------------------------------------------------------------- Buku Administrasi Desa
BOOKS = {"induk": "Buku Induk Penduduk", "mutasi": "Buku Mutasi Penduduk Desa",
         "rekap": "Buku Rekapitulasi Jumlah Penduduk", "ktpkk": "Buku KTP dan KK"}
KIND_WORDS = {"born": "Lahir", "died": "Meninggal", "moved_out": "Pindah keluar", "moved_in": "Datang",
              "added": "Ditambahkan", "corrected": "Dikoreksi"}


@bp.route("/books", methods=["GET", "POST"])
@scope.require("smart_kampung.residents.read")
def books():
    from egovkit.web.forms import Form

    form = Form()
    village = _village_param()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        book, fmt = request.form.get("book"), request.form.get("format")
        village = request.form.get("village") or village
        if book not in BOOKS or fmt not in ("pdf", "xlsx") or not village:
            abort(400)
        region = db.session.get(Region, village)
        if region is None or region.level != "village" or not scope.can_see(StatCount(village_code=village)):
            abort(404)
        job = jobs.submit("smart_kampung.book", "egovkit_modules.smart_kampung.books:book_job",
                          owner_id=current_user.id, result_endpoint="smart_kampung.book_result",
                          book=book, village=village, fmt=fmt)
        return redirect(url_for("jobs.status", job_id=job.id))
    villages = [] if own_village() else db.session.execute(
        select(Region.code, Region.name).where(Region.level == "village").order_by(Region.name)).all()
    villages = [v for v in villages if scope.can_see(StatCount(village_code=v[0]))]
    return render_template("smart_kampung/books.html", form=form, books=BOOKS, village=village, villages=villages)


def _folder() -> Path:
    return uploads.scratch("smart_kampung-books")


def book_job(progress, book: str, village: str, fmt: str) -> dict:
    """Background job: one book of one village as a file in the private scratch folder."""
    region = db.session.get(Region, village)
    title = BOOKS[book]
    header, widths, rows = _book(book, village)
    progress.total(max(1, len(rows)))
    name = f"{secrets.token_hex(10)}.{fmt}"
    path = _folder() / name
    if fmt == "xlsx":
        import xlsxwriter

        workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False})
        sheet = workbook.add_worksheet(title[:31])
        sheet.write_row(0, 0, [f"{title} - {region.name} ({village})"])
        sheet.write_row(1, 0, header)
        for i, row in enumerate(rows):
            sheet.write_row(i + 2, 0, row)
            if i % 2000 == 0:
                progress(i)
        workbook.close()
    else:
        path.write_bytes(_pdf(title.upper(), f"Desa/Kelurahan {region.name} ({village}), {date.today():%d-%m-%Y}",
                              [], header, rows, widths, progress))
    progress(len(rows))
    return {"file": name, "download": f"{book}-{village}.{fmt}"}


def _book(book: str, village: str):
    if book == "induk":
        kk = dict(db.session.execute(select(Family.id, Family.kk_number).where(Family.village_code == village)).all())
        rows = [[i, r.name, r.sex, r.marital_status, r.birth_place, f"{r.birth_date:%d-%m-%Y}", r.religion,
                 r.education, r.occupation, r.nik or "-", kk.get(r.family_id, "-"), r.relation,
                 f"{r.address} RT {r.rt}/RW {r.rw}", {"alive": "", "moved": "Pindah", "died": "Meninggal"}[r.status]]
                for i, r in enumerate(db.session.scalars(select(Resident).where(Resident.village_code == village)
                                                         .order_by(Resident.name_key, Resident.id)), 1)]
        return (["No", "Nama", "L/P", "Status kawin", "Tempat lahir", "Tgl lahir", "Agama", "Pendidikan",
                 "Pekerjaan", "NIK", "No KK", "Kedudukan", "Alamat", "Ket"],
                [8, 40, 8, 20, 25, 18, 18, 22, 30, 32, 32, 25, 45, 15], rows)
    if book == "mutasi":
        nik = {}
        entries = db.session.scalars(select(Mutation).where(Mutation.village_code == village)
                                     .order_by(Mutation.on_date, Mutation.id)).all()
        if entries:
            nik = dict(db.session.execute(select(Resident.id, Resident.nik).where(
                Resident.id.in_({m.resident_id for m in entries}))).all())
        rows = [[i, m.name, nik.get(m.resident_id) or "-", KIND_WORDS[m.kind], f"{m.on_date:%d-%m-%Y}",
                 m.other_village or "", m.note, m.letter_id or ""] for i, m in enumerate(entries, 1)]
        return (["No", "Nama", "NIK", "Mutasi", "Tanggal", "Desa asal/tujuan", "Keterangan", "Surat"],
                [8, 45, 32, 25, 20, 30, 70, 15], rows)
    if book == "rekap":
        month = date.today().replace(day=1)
        living: dict[str, list[int]] = {}
        for value, sex, n in db.session.execute(select(StatCount.value, StatCount.sex, StatCount.n).where(
                StatCount.dim == "rtrw", StatCount.village_code == village)):
            rw = value.split("/")[0]
            living.setdefault(rw, [0] * 10)[0 if sex == "L" else 1] += n
        kinds = {"born": 2, "died": 4, "moved_in": 6, "moved_out": 8}
        for rw, kind, sex, n in db.session.execute(
                select(Resident.rw, Mutation.kind, Resident.sex, func.count()).join(
                    Resident, Resident.id == Mutation.resident_id).where(
                    Mutation.village_code == village, Mutation.on_date >= month, Mutation.kind.in_(list(kinds)))
                .group_by(Resident.rw, Mutation.kind, Resident.sex)):
            living.setdefault(rw, [0] * 10)[kinds[kind] + (0 if sex == "L" else 1)] += n
        rows = [[f"RW {rw}", *counts, counts[0] + counts[1]] for rw, counts in sorted(living.items())]
        return (["Wilayah", "Penduduk L", "Penduduk P", "Lahir L", "Lahir P", "Mati L", "Mati P", "Datang L",
                 "Datang P", "Pindah L", "Pindah P", f"Jumlah ({month:%m-%Y})"], [20] + [12] * 11, rows)
    # ktpkk: every family card and its living members, KTP due from 17 years
    today = date.today()
    rows = []
    families = db.session.scalars(select(Family).where(Family.village_code == village)
                                  .order_by(Family.kk_number)).all()
    by_family: dict[int, list[Resident]] = {}
    for r in db.session.scalars(select(Resident).where(Resident.village_code == village,
                                                       Resident.status == "alive")):
        by_family.setdefault(r.family_id, []).append(r)
    for f in families:
        for r in sorted(by_family.get(f.id, []), key=lambda r: r.birth_date):
            age = today.year - r.birth_date.year - ((today.month, today.day) < (r.birth_date.month, r.birth_date.day))
            rows.append([len(rows) + 1, f.kk_number, r.name, r.nik or "-", r.sex, r.birth_place,
                         f"{r.birth_date:%d-%m-%Y}", r.relation, "Wajib KTP" if age >= 17 else "",
                         f"{f.address} RT {f.rt}/RW {f.rw}"])
    return (["No", "No KK", "Nama", "NIK", "L/P", "Tempat lahir", "Tgl lahir", "Hubungan", "KTP", "Alamat"],
            [8, 32, 40, 32, 8, 25, 18, 25, 18, 50], rows)


@bp.get("/books/<int:job_id>")
@scope.require("smart_kampung.residents.read")
def book_result(job_id: int):
    job = db.session.get(jobs.Job, job_id)
    if job is None or job.kind != "smart_kampung.book" or job.owner_id != current_user.id:
        abort(404)
    if job.state != "done":
        return redirect(url_for("jobs.status", job_id=job.id))
    outcome = job.outcome()
    path = _folder() / outcome["file"]
    if not path.exists():
        abort(404)
    kind = "application/pdf" if path.suffix == ".pdf" else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return uploads.send_private(path, mimetype=kind, as_attachment=True, download_name=outcome["download"])
