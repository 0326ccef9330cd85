"""The consolidated realisation of the villages' APBDes (laporan konsolidasi realisasi pelaksanaan APB Desa),
which the bupati sends each semester to the Minister of Home Affairs through the Directorate General of
Village Government (Permendagri 20/2018: semester one by the second week of August, the year by the second
week of March after it). One row per desa of the regency (or of one kecamatan), with the budget in force and
its realisation up to the semester's end, in the classification of the APB Desa itself: pendapatan by
kelompok and jenis (PADes, Dana Desa, bagi hasil, ADD, the two bantuan keuangan, lain-lain), belanja by
bidang, pembiayaan by kelompok, and the SiLPA of the year. A desa without a budget in force is listed with
empty figures, so the report shows who has not set one. Columns: docs/moving-in.md ("Konsolidasi APBDesa")."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from egovkit.db import db
from egovkit.models import Region

from .models import Budget, Entry, Line

# (key, heading, how a line is chosen): pendapatan by the account's prefix, belanja by the kegiatan's bidang
INCOME = (("pades", "Pendapatan Asli Desa", "4.1"), ("dana_desa", "Dana Desa", "4.2.1"),
          ("bagi_hasil", "Bagian dari Hasil Pajak dan Retribusi Daerah", "4.2.2"),
          ("add", "Alokasi Dana Desa", "4.2.3"), ("bankeu_provinsi", "Bantuan Keuangan Provinsi", "4.2.4"),
          ("bankeu_kabupaten", "Bantuan Keuangan Kabupaten/Kota", "4.2.5"),
          ("lain_lain", "Lain-lain Pendapatan Desa yang Sah", "4.3"))
BIDANG = (("bidang_1", "Bidang Penyelenggaraan Pemerintahan Desa", "1"),
          ("bidang_2", "Bidang Pelaksanaan Pembangunan Desa", "2"),
          ("bidang_3", "Bidang Pembinaan Kemasyarakatan", "3"),
          ("bidang_4", "Bidang Pemberdayaan Masyarakat", "4"),
          ("bidang_5", "Bidang Penanggulangan Bencana, Keadaan Darurat dan Mendesak Desa", "5"))
FIGURES = (*[(k, h) for k, h, _ in INCOME], ("pendapatan", "Jumlah Pendapatan"),
           *[(k, h) for k, h, _ in BIDANG], ("belanja", "Jumlah Belanja"), ("surplus_defisit", "Surplus/(Defisit)"),
           ("penerimaan_pembiayaan", "Penerimaan Pembiayaan"), ("pengeluaran_pembiayaan", "Pengeluaran Pembiayaan"),
           ("pembiayaan_netto", "Pembiayaan Netto"), ("silpa", "Sisa Lebih/(Kurang) Pembiayaan Anggaran Tahun Berjalan"))
HEAD = ("kode_desa", "nama_desa", "kode_kecamatan", "nama_kecamatan", "apbdes_versi", "nomor_perdes")
HEADER = [*HEAD, *[f"{side}_{key}" for key, _ in FIGURES for side in ("anggaran", "realisasi")]]
MONEY_FROM = len(HEAD)  # the columns from here on are Rupiah


def until(year: int, semester: int) -> date:
    """The last day a semester's report counts: 30 June, or 31 December for the second (the year)."""
    return date(year, 6, 30) if semester == 1 else date(year, 12, 31)


def _kind(account: str, kegiatan: str | None) -> str | None:
    """The column a line's amounts go to (pendapatan kelompok/jenis, belanja bidang, pembiayaan kelompok)."""
    if account.startswith("4"):
        return next((k for k, _, prefix in INCOME if account == prefix or account.startswith(prefix + ".")),
                    "lain_lain")
    if account.startswith("5"):
        bidang = (kegiatan or "").split(".")[0]
        return next((k for k, _, code in BIDANG if code == bidang), None)
    if account.startswith("6.1"):
        return "penerimaan_pembiayaan"
    if account.startswith("6.2"):
        return "pengeluaran_pembiayaan"
    return None


def _totals(figures: dict[str, list[int]]) -> None:
    for side in (0, 1):
        income = sum(figures[k][side] for k, _, _ in INCOME)
        spending = sum(figures[k][side] for k, _, _ in BIDANG)
        figures["pendapatan"][side], figures["belanja"][side] = income, spending
        figures["surplus_defisit"][side] = income - spending
        netto = figures["penerimaan_pembiayaan"][side] - figures["pengeluaran_pembiayaan"][side]
        figures["pembiayaan_netto"][side] = netto
        figures["silpa"][side] = income - spending + netto


def rows(year: int, semester: int, district: str | None = None, visible=None, reach=None) -> list[list]:
    """The report's rows (HEADER's columns): one per desa (not kelurahan: their budget is the regency's) of the
    instance or of ``district``, in code order, then the total. ``visible(stmt, model)`` narrows each query to
    what the viewer may read and ``reach(code)`` the desa listed (the web page passes the scope's; the command
    line reads everything)."""
    def narrowed(stmt, model):
        return visible(stmt, model) if visible else stmt

    last = until(year, semester)
    villages = (select(Region.code, Region.name).where(Region.level == "village", Region.kind == "desa")
                .order_by(Region.code))
    if district:
        villages = villages.where(Region.code.like(f"{district}.%"))
    villages = [(code, name) for code, name in db.session.execute(villages) if reach is None or reach(code)]
    names = dict(db.session.execute(select(Region.code, Region.name).where(Region.level == "district")).all())
    budgets = {b.village_code: b for b in db.session.scalars(narrowed(
        select(Budget).where(Budget.year == year, Budget.in_force.is_(True)), Budget))}
    lines = db.session.execute(narrowed(
        select(Line.village_code, Line.key, Line.account, Line.kegiatan, Line.amount)
        .join(Budget, Budget.id == Line.budget_id).where(Budget.year == year, Budget.in_force.is_(True)), Line)).all()
    done = {(v, k): int(s) for v, k, s in db.session.execute(narrowed(
        select(Entry.village_code, Entry.line_key, func.sum(Entry.amount))
        .where(Entry.year == year, Entry.day <= last).group_by(Entry.village_code, Entry.line_key), Entry))}
    per_village: dict[str, dict[str, list[int]]] = {}
    for village, key, account, kegiatan, amount in lines:
        kind = _kind(account, kegiatan)
        if kind is None:
            continue
        figures = per_village.setdefault(village, {k: [0, 0] for k, _ in FIGURES})
        figures[kind][0] += amount
        figures[kind][1] += done.get((village, key), 0)
    out, total = [], {k: [0, 0] for k, _ in FIGURES}
    for code, name in villages:
        budget = budgets.get(code)
        district_code = code.rsplit(".", 1)[0]
        head = [code, name, district_code, names.get(district_code, ""),
                budget.version if budget else "", (budget.perdes or "") if budget else ""]
        if budget is None:  # listed, so the report shows who has no APBDes in force
            out.append(head + [None] * (len(HEADER) - len(HEAD)))
            continue
        figures = per_village.get(code, {k: [0, 0] for k, _ in FIGURES})
        _totals(figures)
        for k, _ in FIGURES:
            total[k][0] += figures[k][0]
            total[k][1] += figures[k][1]
        out.append(head + [figures[k][side] for k, _ in FIGURES for side in (0, 1)])
    _totals(total)
    out.append(["", "JUMLAH", district or "", names.get(district or "", ""), "", ""]
               + [total[k][side] for k, _ in FIGURES for side in (0, 1)])
    return out
