"""The rules an APBDes must keep before it leaves the desa and before it is set.
Pure functions over plain lines, so they are easy to test and reuse:

- every line on a rincian objek account of the chart, spending on a kegiatan,
  with a known source of funds (a receipt with the source its account brings),
  a positive whole number of Rupiah, never below what was already realised;
- balance: belanja <= pendapatan + pembiayaan netto;
- per source of funds: spending <= what that source brings in;
- fixed income and allowances of the kepala desa, perangkat and BPD (kegiatan
  1.1.01, 1.1.02, 1.1.05 by default) at most the profile's share of belanja
  (30% by PP 11/2019; running costs and RT/RW incentives are outside it);
- the profile's earmarks (e.g. at least 20% of Dana Desa for food security).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .accounts import Chart


@dataclass(frozen=True)
class DraftLine:
    ref: str
    account: str
    kegiatan: str | None
    source: str
    amount: int
    realised: int = 0


class Earmark(BaseModel):
    """A share of one source of funds that must (or may at most) go to some kegiatan."""

    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=120, description="What the earmark is for, e.g. Ketahanan pangan.")
    source: str = Field("DD", min_length=1, max_length=12, description="Source of funds it applies to.")
    kegiatan: list[str] = Field(min_length=1, description="Kegiatan codes or their prefixes (bidang, sub-bidang), "
                                                          "e.g. ['4.2'].")
    min_share: float | None = Field(None, gt=0, le=1, description="At least this share of the source, e.g. 0.2.")
    max_share: float | None = Field(None, ge=0, le=1, description="At most this share of the source.")

    @model_validator(mode="after")
    def _bounds(self):
        if self.min_share is None and self.max_share is None:
            raise ValueError("an earmark needs min_share or max_share")
        if self.min_share is not None and self.max_share is not None and self.min_share > self.max_share:
            raise ValueError("min_share is above max_share")
        return self

    def covers(self, kegiatan: str | None) -> bool:
        return bool(kegiatan) and any(kegiatan == k or kegiatan.startswith(k + ".") for k in self.kegiatan)


MESSAGES = {
    "empty": ("Anggaran belum berisi satu baris pun.", "The budget has no lines yet."),
    "account": ("Rekening {account} tidak ada di bagan akun (pakai kode rincian objek, mis. 5.2.1.01).",
                "Account {account} is not in the chart (use a rincian objek code, e.g. 5.2.1.01)."),
    "kegiatan": ("Belanja {account} perlu kegiatan dari daftar (mis. 2.3.10), bukan {kegiatan!r}.",
                 "Spending {account} needs a kegiatan from the list (e.g. 2.3.10), not {kegiatan!r}."),
    "source": ("Sumber dana {source!r} tidak dikenal.", "Source of funds {source!r} is unknown."),
    "receipt_source": ("Rekening {account} adalah penerimaan dari sumber {expected}, bukan {source}.",
                       "Account {account} brings in source {expected}, not {source}."),
    "amount": ("Jumlah harus bilangan bulat Rupiah di atas nol.", "The amount must be a whole number of Rupiah "
                                                                 "above zero."),
    "below_realised": ("Anggaran {amount} di bawah realisasi {realised}{where}.",
                       "Budget {amount} is below the {realised} already realised{where}."),
    "dropped": ("Baris {account} {kegiatan} sudah direalisasikan {realised}: perubahan anggaran harus "
                "mempertahankannya.",
                "Line {account} {kegiatan} was already realised ({realised}): the amendment must keep it."),
    "unbalanced": ("Belanja {spending} melebihi pendapatan ditambah pembiayaan netto {available} "
                   "(kurang {short}).",
                   "Spending {spending} exceeds revenue plus net financing {available} (short by {short})."),
    "source_short": ("Belanja dari sumber {source} {spending} melebihi penerimaannya {receipts}.",
                     "Spending from source {source} {spending} exceeds its receipts {receipts}."),
    "income_cap": ("Penghasilan tetap dan tunjangan (kegiatan {kegiatan}) {amount} = {share} dari belanja, "
                   "melebihi batas {cap}.",
                   "Fixed income and allowances (kegiatan {kegiatan}) {amount} = {share} of spending, above "
                   "the cap of {cap}."),
    "earmark_min": ("{title}: {share} dari {source} ({amount}), kurang dari minimal {bound}.",
                    "{title}: {share} of {source} ({amount}), below the minimum of {bound}."),
    "earmark_max": ("{title}: {share} dari {source} ({amount}), melebihi maksimal {bound}.",
                    "{title}: {share} of {source} ({amount}), above the maximum of {bound}."),
}


def rupiah(value: int) -> str:
    return "Rp " + f"{value:,}".replace(",", ".")


def percent(value: float) -> str:
    return f"{value * 100:.1f}%".replace(".0%", "%")


@dataclass(frozen=True)
class Violation:
    code: str
    params: dict = field(default_factory=dict)
    ref: str | None = None  # the line concerned, if one

    def message(self, lang: str = "id") -> str:
        text = MESSAGES[self.code][1 if lang == "en" else 0]
        return text.format(**self.params)

    def __str__(self) -> str:
        return self.message("en")


def capped(account: str) -> bool:
    """Spending and financing outflows may not be realised above their line; receipts may exceed theirs."""
    return account.startswith("5") or account.startswith("6.2")


def is_receipt(account: str) -> bool:
    return account.startswith("4") or account.startswith("6.1")


def check_line(chart: Chart, line: DraftLine) -> list[Violation]:
    out = []
    if not chart.is_postable(line.account):
        out.append(Violation("account", {"account": line.account}, line.ref))
    elif line.account.startswith("5") and not chart.is_kegiatan(line.kegiatan):
        out.append(Violation("kegiatan", {"account": line.account, "kegiatan": line.kegiatan or ""}, line.ref))
    if not chart.is_source(line.source):
        out.append(Violation("source", {"source": line.source}, line.ref))
    elif chart.is_postable(line.account) and is_receipt(line.account):
        expected = chart.receipt_source(line.account)
        if expected and expected != line.source:
            out.append(Violation("receipt_source", {"account": line.account, "expected": expected,
                                                    "source": line.source}, line.ref))
    if not isinstance(line.amount, int) or isinstance(line.amount, bool) or line.amount <= 0:
        out.append(Violation("amount", {}, line.ref))
    elif line.amount < line.realised:
        out.append(Violation("below_realised", {"where": " (" + " ".join(filter(None, (line.account, line.kegiatan))) + ")",
                                                "amount": rupiah(line.amount),
                                                "realised": rupiah(line.realised)}, line.ref))
    return out


INCOME_KEGIATAN = ("1.1.01", "1.1.02", "1.1.05")  # siltap and tunjangan of kepala desa, perangkat; tunjangan BPD


def check(chart: Chart, lines: list[DraftLine], earmarks: list[Earmark] = (), income_cap: float = 0.30,
          income_kegiatan: tuple[str, ...] = INCOME_KEGIATAN) -> list[Violation]:
    """Every violation of the budget as a whole (empty: it may be submitted and set)."""
    if not lines:
        return [Violation("empty")]
    out = [v for line in lines for v in check_line(chart, line)]
    revenue = sum(x.amount for x in lines if x.account.startswith("4"))
    spending = sum(x.amount for x in lines if x.account.startswith("5"))
    net_financing = (sum(x.amount for x in lines if x.account.startswith("6.1"))
                     - sum(x.amount for x in lines if x.account.startswith("6.2")))
    if spending > revenue + net_financing:
        out.append(Violation("unbalanced", {"spending": rupiah(spending), "available": rupiah(revenue + net_financing),
                                            "short": rupiah(spending - revenue - net_financing)}))
    receipts, outflows = defaultdict(int), defaultdict(int)
    for x in lines:
        (receipts if is_receipt(x.account) else outflows)[x.source] += x.amount
    for source in sorted(outflows):
        if outflows[source] > receipts[source]:
            out.append(Violation("source_short", {"source": source, "spending": rupiah(outflows[source]),
                                                  "receipts": rupiah(receipts[source])}))
    income = sum(x.amount for x in lines if x.account.startswith("5") and x.kegiatan in income_kegiatan)
    if spending and income > income_cap * spending:
        out.append(Violation("income_cap", {"kegiatan": ", ".join(income_kegiatan), "amount": rupiah(income),
                                            "share": percent(income / spending), "cap": percent(income_cap)}))
    for mark in earmarks:
        base = receipts.get(mark.source, 0)
        if not base:
            continue
        amount = sum(x.amount for x in lines if x.account.startswith("5") and x.source == mark.source
                     and mark.covers(x.kegiatan))
        share = amount / base
        params = {"title": mark.title, "source": mark.source, "amount": rupiah(amount), "share": percent(share)}
        if mark.min_share is not None and share < mark.min_share:
            out.append(Violation("earmark_min", {**params, "bound": percent(mark.min_share)}))
        if mark.max_share is not None and share > mark.max_share:
            out.append(Violation("earmark_max", {**params, "bound": percent(mark.max_share)}))
    return out
