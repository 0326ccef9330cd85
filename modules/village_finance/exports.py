"""The realisation report of one desa as a PDF (the LRA) for the finance office; its spreadsheets are
the core's (egovkit.web.export.xlsx_response)."""
from __future__ import annotations

from datetime import date

from flask import current_app
from fpdf import FPDF

from egovkit.services.documents import latin1

PARTS = (("4", "PENDAPATAN"), ("5", "BELANJA"), ("6.1", "PENERIMAAN PEMBIAYAAN"), ("6.2", "PENGELUARAN PEMBIAYAAN"))


def _money(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def lra_pdf(region_name: str, district_name: str, year: int, until: date, data: dict) -> bytes:
    """Laporan Realisasi Anggaran of one desa: each part with its total, then its lines."""
    profile = current_app.extensions["egovkit"].profile
    pdf = FPDF(orientation="L", format="A4")
    pdf.set_creator("egovkit")
    pdf.set_title(latin1(f"LRA APBDes {year} {region_name}"))
    pdf.set_auto_page_break(True, 15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 6, latin1(f"LAPORAN REALISASI ANGGARAN PENDAPATAN DAN BELANJA DESA {region_name.upper()}"),
             align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(0, 5, latin1(f"Kecamatan {district_name}, {profile.regency.name}. Tahun anggaran {year}, "
                          f"sampai {until:%d-%m-%Y}"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    widths = (30, 122, 18, 38, 38, 20)
    heads = ("Kode", "Uraian", "Sumber", "Anggaran (Rp)", "Realisasi (Rp)", "%")

    def row(cells, bold=False):
        pdf.set_font("Helvetica", "B" if bold else "", 8)
        for i, (width, cell) in enumerate(zip(widths, cells, strict=True)):
            text = latin1(str(cell))
            while pdf.get_string_width(text) > width - 2 and len(text) > 3:
                text = text[:-4] + "..."
            pdf.cell(width, 5, text, border=1, align="R" if i >= 3 else "L")
        pdf.ln()

    row(heads, bold=True)
    for part, title in PARTS:
        budget, realised = data["totals"][part]
        row((part, title, "", _money(budget), _money(realised),
             f"{realised * 100 / budget:.1f}" if budget else "-"), bold=True)
        for r in data["rows"]:
            if r.account.startswith(part):
                row((r.kegiatan or r.account, r.name, r.source, _money(r.budget), _money(r.realised),
                     f"{r.share * 100:.1f}" if r.share is not None else "-"))
    t = data["totals"]
    surplus = [t["4"][i] - t["5"][i] for i in (0, 1)]
    financing = [t["6.1"][i] - t["6.2"][i] for i in (0, 1)]
    row(("", "SURPLUS / (DEFISIT)", "", _money(surplus[0]), _money(surplus[1]), ""), bold=True)
    row(("", "PEMBIAYAAN NETTO", "", _money(financing[0]), _money(financing[1]), ""), bold=True)
    row(("", "SISA LEBIH / (KURANG) PEMBIAYAAN ANGGARAN TAHUN BERJALAN", "", _money(surplus[0] + financing[0]),
         _money(surplus[1] + financing[1]), ""), bold=True)
    return bytes(pdf.output())
