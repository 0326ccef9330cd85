"""The APBDes from and to Siskeudes (docs/moving-in.md): its Access database (.mdb/.mde) or its database
export as a CSV bundle (a zip of its Ref_* and Ta_* tables), both read by egovkit.services.sourcetables,
into the right desa and year, with a report of what mapped; and the kit's APBDes and realisation written
back in the same layout, which imports again into an identical APBDes.

Siskeudes codes carry trailing dots and the village's own prefix: Kd_Desa ``01.2001.``, Kd_Keg
``01.2001.02.04.02.`` (bidang, sub-bidang, kegiatan after the village), Kd_Rincian ``5.2.2.01.``;
the chart writes ``2.4.02`` and ``5.2.2.01``."""
from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from egovkit.db import db
from egovkit.i18n import N_
from egovkit.services import audit, sourcetables
from egovkit.services.csvimport import RowError

from . import budget as service
from .models import Budget, Entry, Line

TABLES = {"ta_anggaran", "ta_anggaranrinci", "ta_anggaranlog", "ta_kegiatan", "ta_desa", "ref_sumber"}
ANGGARAN = ("KdPosting", "Tahun", "KURincianSD", "Kd_Rincian", "RincianSD", "Anggaran", "AnggaranPAK",
            "AnggaranStlhPAK", "Belanja", "Kd_Keg", "SumberDana", "Kd_Desa", "TglPosting")
RINCI = ("KdPosting", "Tahun", "Kd_Desa", "Kd_Keg", "Kd_Rincian", "Kd_SubRinci", "No_Urut", "Uraian", "SumberDana",
         "JmlSatuan", "HrgSatuan", "Satuan", "Anggaran", "JmlSatuanPAK", "HrgSatuanPAK", "AnggaranStlhPAK",
         "AnggaranPAK")
LOG = ("KdPosting", "Tahun", "Kd_Desa", "No_Perdes", "TglPosting", "UserID", "Kunci")
KEGIATAN = ("Tahun", "Kd_Desa", "Kd_Bid", "Kd_Keg", "ID_Keg", "Nama_Kegiatan", "Pagu", "Pagu_PAK", "Nm_PPTKD",
            "NIP_PPTKD", "Lokasi", "Waktu", "Keluaran", "Sumberdana")
DESA = ("Tahun", "Kd_Desa", "Nm_Kades", "Jbt_Kades", "No_Perdes", "Tgl_Perdes", "Alamat", "Status")
SUMBER = ("Kode", "Nama_Sumber", "Urut")
TBP = ("Tahun", "No_Bukti", "Tgl_Bukti", "Kd_Desa", "Uraian", "Nm_Penyetor", "Alamat_Penyetor", "TTD_Penyetor",
       "NoRek_Bank", "Nama_Bank", "Jumlah", "Nm_Bendahara", "Jbt_Bendahara", "Status", "KdBayar", "Ref_Bayar")
TBP_RINCI = ("Tahun", "No_Bukti", "Kd_Desa", "Kd_Keg", "Kd_Rincian", "RincianSD", "SumberDana", "Nilai")
SPP = ("Tahun", "No_SPP", "Tgl_SPP", "Jn_SPP", "Kd_Desa", "Keterangan", "Jumlah", "Potongan", "Status")
SPP_RINCI = ("Tahun", "Kd_Desa", "No_SPP", "Kd_Keg", "Kd_Rincian", "Sumberdana", "Nilai")


@lru_cache(maxsize=1)
def _codes() -> dict:
    text = resources.files("egovkit_modules.village_finance").joinpath("data/siskeudes.yaml").read_text("utf-8")
    return yaml.safe_load(text)


@dataclass
class Report:
    village: str
    year: int
    posting: str | None = None  # KdPosting read (the latest of the year)
    perdes: str | None = None
    tables: dict[str, int] = field(default_factory=dict)
    lines: int = 0  # lines the bundle gives
    imported: int = 0
    outcome: str = ""  # created | replaced | unchanged
    not_mapped: list[tuple[str, RowError]] = field(default_factory=list)  # (Siskeudes row, reason)
    sources: Counter = field(default_factory=Counter)  # Siskeudes code -> lines

    def as_dict(self, translate: bool = False) -> dict:
        """JSON-able; reasons in English, or with ``translate`` in the current UI language."""
        return {"village": self.village, "year": self.year, "posting": self.posting, "perdes": self.perdes,
                "tables": self.tables, "lines": self.lines, "imported": self.imported, "outcome": self.outcome,
                "not_mapped": [(ref, why.describe() if translate else str(why)) for ref, why in self.not_mapped[:200]],
                "sources": dict(self.sources)}


def _amount(text) -> int | None:
    try:
        value = Decimal(str(text).strip().replace(",", "."))
    except (InvalidOperation, AttributeError):
        return None
    return int(value) if value == value.to_integral_value() else None


def _kegiatan(kd_keg: str, kd_desa: str) -> str | None:
    """2.4.02 from 01.2001.02.04.02. (the village's prefix, then bidang, sub-bidang and kegiatan)."""
    rest = kd_keg[len(kd_desa):] if kd_desa and kd_keg.startswith(kd_desa) else kd_keg
    parts = [p for p in rest.split(".") if p]
    if len(parts) < 3 or not all(p.isdigit() for p in parts[-3:]):
        return None
    bid, sub, keg = parts[-3:]
    return f"{int(bid)}.{int(sub)}.{int(keg):02d}"


def _kd_desa(village: str) -> str:
    """The Kd_Desa the export writes: the district's and the village's parts of the Kemendagri code."""
    parts = village.split(".")
    return f"{parts[2]}.{parts[3]}."


def _kd_keg(village: str, kegiatan: str) -> str:
    bid, sub, keg = kegiatan.split(".")
    return f"{_kd_desa(village)}{int(bid):02d}.{int(sub):02d}.{int(keg):02d}."


def read(path: Path, village: str, year: int | None = None, name: str | None = None
         ) -> tuple[Report, list[service.LineInput], str | None]:
    """The lines of the latest posted APBDes in a Siskeudes bundle; (report, lines, perdes)."""
    name = name or path.name
    tables = sourcetables.read(path, TABLES, name)
    anggaran = tables["ta_anggaran"]
    if not anggaran:
        raise RowError("no_budget", N_("%(file)s: no Ta_Anggaran rows (post the APBDes in Siskeudes, then export "
                                       "its database again)"), file=name)
    years = sorted({str(r.get("tahun") or "").strip() for r in anggaran})
    if year is None:
        if len(years) != 1:
            raise RowError("which_year", N_("%(file)s holds the years %(years)s: name the year"), file=name,
                           years=", ".join(years))
        year = int(years[0]) if years[0].isdigit() else 0
    rows = [r for r in anggaran if str(r.get("tahun") or "").strip() == str(year)]
    if not rows:
        raise RowError("no_year", N_("%(file)s has no APBDes for %(year)s (it holds %(years)s)"), file=name,
                       year=year, years=", ".join(years))
    villages = sorted({(r.get("kd_desa") or "").strip() for r in rows})
    if len(villages) != 1:
        raise RowError("which_village", N_("%(file)s holds the budgets of several villages (%(codes)s): export "
                                           "one village"), file=name, codes=", ".join(villages))
    kd_desa = villages[0]
    posting = max((r.get("kdposting") or "").strip() for r in rows)
    rows = [r for r in rows if (r.get("kdposting") or "").strip() == posting]
    report = Report(village, year, posting=posting or None,
                    tables={t: len(v) for t, v in tables.items() if v})
    log = [r for r in tables["ta_anggaranlog"] if (r.get("kdposting") or "").strip() == posting
           and str(r.get("tahun") or "").strip() == str(year)]
    perdes = (log[0].get("no_perdes") or "").strip() if log else None
    report.perdes = perdes or None
    details: dict[str, list[dict]] = {}
    for r in tables["ta_anggaranrinci"]:
        if (r.get("kdposting") or "").strip() == posting and str(r.get("tahun") or "").strip() == str(year):
            key = (r.get("kd_keg") or "").strip() + (r.get("kd_rincian") or "").strip() + \
                (r.get("sumberdana") or "").strip()
            details.setdefault(key, []).append(r)
    sources = _codes()["sources"]
    chart = service.chart()
    out: list[service.LineInput] = []
    for r in rows:
        kd_rincian = (r.get("kd_rincian") or "").strip()
        kd_keg = (r.get("kd_keg") or "").strip()
        code = (r.get("sumberdana") or "").strip()
        ref = (r.get("kurinciansd") or f"{kd_keg}{kd_rincian}{code}").strip()
        account = kd_rincian.rstrip(".")
        report.sources[code] += 1
        problem = None
        source = sources.get(code.upper())
        kegiatan = _kegiatan(kd_keg, kd_desa) if account.startswith("5") else None
        if source is None:
            problem = RowError("source", N_("%(value)r is not a Siskeudes source of funds the kit knows"),
                               field="SumberDana", value=code)
        elif not chart.is_postable(account):
            problem = RowError("account", N_("%(value)r is not an account (rincian objek) of the chart"),
                               field="Kd_Rincian", value=kd_rincian)
        elif account.startswith("5") and kegiatan is None:
            problem = RowError("kegiatan", N_("%(value)r does not end in bidang, sub-bidang and kegiatan"),
                               field="Kd_Keg", value=kd_keg)
        amount = _amount(r.get("anggaranstlhpak") or r.get("anggaran"))
        if problem is None and (amount is None or amount < 0):
            problem = RowError("amount", N_("%(value)r is not a whole amount of Rupiah"), field="AnggaranStlhPAK",
                               value=r.get("anggaranstlhpak") or r.get("anggaran"))
        if problem:
            report.not_mapped.append((ref, problem))
            continue
        parts = details.get(kd_keg + kd_rincian + code) or []
        if parts and sum(_amount(p.get("anggaranstlhpak") or p.get("anggaran")) or 0 for p in parts) == amount:
            for p in sorted(parts, key=lambda p: (p.get("kd_subrinci") or "", int(p.get("no_urut") or 0))):
                out.append(service.LineInput(account=account, kegiatan=kegiatan, source=source,
                                             amount=_amount(p.get("anggaranstlhpak") or p.get("anggaran")) or 0,
                                             description=(p.get("uraian") or "").strip()))
        else:
            out.append(service.LineInput(account=account, kegiatan=kegiatan, source=source, amount=amount))
    report.lines = len(out)
    return report, out, perdes


def _signature(lines) -> Counter:
    return Counter((line.account, line.kegiatan if line.account.startswith("5") else None, line.source,
                    line.amount, " ".join(line.description.split())[:200]) for line in lines)


STEPS = 3  # read, checked, written: what ``progress`` is told


def import_bundle(path: Path, village: str, year: int | None = None, user=None, name: str | None = None,
                  progress=None) -> Report:
    """Import a Siskeudes bundle's APBDes into a draft of the village's budget for its year, in one transaction:
    a new draft when the year has none; the draft's lines replaced when it is still a draft and differs;
    nothing when the budget already holds the same lines. A budget past its draft is not changed by an
    import (an amendment is made in the kit). ``progress(step)`` hears steps 1 to STEPS."""
    progress = progress or (lambda step: None)
    report, lines_, perdes = read(path, village, year, name)
    progress(1)
    year = report.year
    versions = service.versions(village, year)
    current = versions[-1] if versions else None
    wanted = _signature(lines_)
    line_problems = []
    for index, data in enumerate(lines_):
        try:
            service._checked(data)
        except service.BudgetError as exc:
            line_problems.append((f"{data.kegiatan or '-'} {data.account} {data.source}",
                                  RowError("rules", N_("%(reason)s"), reason=str(exc))))
            lines_[index] = None
    if line_problems:
        report.not_mapped.extend(line_problems)
        lines_ = [line for line in lines_ if line is not None]
        wanted = _signature(lines_)
    progress(2)
    if current is not None and _signature(service.lines(current)) == wanted:
        report.outcome, report.imported = "unchanged", 0
        progress(STEPS)
        return report
    if current is not None and not service.editable(current):
        raise RowError("not_draft", N_("The APBDes %(year)s of this village is past its draft (version %(version)s): "
                                       "change it by an amendment in the kit, not by an import"),
                       year=year, version=current.version)
    try:
        if current is None:
            current = service.start(village, year, user)
            report.outcome = "created"
        else:
            with db.session.no_autoflush:
                for line in service.lines(current):
                    service.remove_line(current, line)
            db.session.flush()
            report.outcome = "replaced"
        service.add_lines(current, lines_)
        db.session.flush()
        audit.record("siskeudes_import", "village_finance", "village_finance_budget", current.id,
                     file=name or path.name, year=year, posting=report.posting, lines=len(lines_),
                     not_mapped=len(report.not_mapped), outcome=report.outcome)
        db.session.commit()
    except IntegrityError:  # another import (or a click on "start") made the year's draft at the same moment
        db.session.rollback()
        raise RowError("busy", N_("The APBDes %(year)s of this village was started at the same moment: import "
                                  "again"), year=year) from None
    except BaseException:
        db.session.rollback()
        raise
    report.imported = len(lines_)
    progress(STEPS)
    return report


# ----------------------------------------------------------------- export
def _csv(columns, rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue()


def export(village: str, year: int, budget: Budget | None = None) -> bytes:
    """A zip of the Siskeudes tables for a village's APBDes (the version in force, else the latest) and its
    realisation: Ta_Anggaran, Ta_AnggaranRinci, Ta_AnggaranLog, Ta_Kegiatan, Ta_Desa, Ref_Sumber, and the
    realisation as Ta_TBP/Ta_TBPRinci (receipts) and Ta_SPP/Ta_SPPRinci (spending), one per entry."""
    versions = service.versions(village, year)
    budget = budget or service.in_force(village, year) or (versions[-1] if versions else None)
    if budget is None:
        raise RowError("no_budget", N_("No APBDes %(year)s for this village"), year=year)
    kd_desa = _kd_desa(village)
    back = _codes()["export_sources"]
    posting = str(budget.version)
    stamp = (budget.approved_at or budget.created_at or datetime(year, 1, 1)).strftime("%Y-%m-%d %H:%M:%S")
    chart = service.chart()
    groups: dict[tuple, list[Line]] = {}
    for line in service.lines(budget):
        groups.setdefault((line.kegiatan if line.account.startswith("5") else None, line.account, line.source),
                          []).append(line)
    anggaran, rinci, kegiatan = [], [], {}
    for (keg, account, source), members in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0] or "")):
        kd_keg = _kd_keg(village, keg) if keg else f"{kd_desa}00.00.00."
        kd_rincian = account + "."
        code = back.get(source, source)
        total = sum(m.amount for m in members)
        kind = "PDPT" if account.startswith("4") else "BOP" if account.startswith("5") else "PBY"
        anggaran.append((posting, year, f"{kd_keg}{kd_rincian}{code}", kd_rincian, f"{kd_rincian}{code}", total, 0,
                         total, kind, kd_keg, code, kd_desa, stamp))
        for n, m in enumerate(members, start=1):
            rinci.append((posting, year, kd_desa, kd_keg, kd_rincian, "01", n, m.description, code, 1, m.amount,
                          "paket", m.amount, 1, m.amount, m.amount, 0))
        if keg:
            kegiatan.setdefault(kd_keg, [year, kd_desa, kd_keg[:len(kd_desa) + 3], kd_keg, keg,
                                         chart.kegiatan_name(keg),
                                         0, 0, "", "", "", "", "", code])
            kegiatan[kd_keg][6] += total
            kegiatan[kd_keg][7] += total
    entries = db.session.scalars(select(Entry).where(Entry.village_code == village, Entry.year == year)
                                 .order_by(Entry.id)).all()
    by_key = {line.key: line for line in service.lines(budget)}
    tbp, tbp_rinci, spp, spp_rinci = [], [], [], []
    for entry in entries:
        line = by_key.get(entry.line_key)
        if line is None:
            continue
        kd_keg = _kd_keg(village, line.kegiatan) if line.account.startswith("5") and line.kegiatan else \
            f"{kd_desa}00.00.00."
        code = back.get(line.source, line.source)
        if line.account.startswith(("4", "6.1")):
            number = f"{entry.id:05d}/TBP/{kd_desa}{year}"
            tbp.append((year, number, entry.day.isoformat(), kd_desa, entry.description, "", "", "", "", "",
                        entry.amount, "", "", 1, 1, ""))
            tbp_rinci.append((year, number, kd_desa, kd_keg, line.account + ".", f"{line.account}.{code}", code,
                              entry.amount))
        else:
            number = f"{entry.id:05d}/SPP/{kd_desa}{year}"
            spp.append((year, number, entry.day.isoformat(), "LS", kd_desa, entry.description, entry.amount, 0, 1))
            spp_rinci.append((year, kd_desa, number, kd_keg, line.account + ".", code, entry.amount))
    names = service.chart().sources()
    used = sorted({back.get(s, s) for s in {line.source for line in service.lines(budget)}})
    inverse = {v: k for k, v in back.items()}
    sumber = [(code, dict(names).get(inverse.get(code, code), code), n) for n, code in enumerate(used, start=1)]
    blob = io.BytesIO()
    with zipfile.ZipFile(blob, "w", zipfile.ZIP_DEFLATED) as archive:
        for table, columns, rows in (
                ("Ta_Anggaran", ANGGARAN, anggaran), ("Ta_AnggaranRinci", RINCI, rinci),
                ("Ta_AnggaranLog", LOG, [(posting, year, kd_desa, budget.perdes or "", stamp, "egovkit", 1)]),
                ("Ta_Kegiatan", KEGIATAN, list(kegiatan.values())),
                ("Ta_Desa", DESA, [(year, kd_desa, "", "Kepala Desa", budget.perdes or "", "", "", 1)]),
                ("Ref_Sumber", SUMBER, sumber), ("Ta_TBP", TBP, tbp), ("Ta_TBPRinci", TBP_RINCI, tbp_rinci),
                ("Ta_SPP", SPP, spp), ("Ta_SPPRinci", SPP_RINCI, spp_rinci)):
            archive.writestr(f"{table}.csv", _csv(columns, rows))
    return blob.getvalue()

