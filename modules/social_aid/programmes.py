"""Aid programmes as the profile declares them, and the period a day falls in."""
from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

PROGRAMME_KEY = r"^[a-z][a-z0-9_]{0,14}$"  # short: it is part of the payment key (programme:period:NIK)


class Rules(BaseModel):
    """Eligibility as data: every rule given is checked for every proposal, each failure named."""

    model_config = ConfigDict(extra="forbid")
    max_decile: int | None = Field(None, ge=1, le=10, description="DTSEN welfare decile at most this (1: the "
                                                                  "poorest tenth); the household needs imported "
                                                                  "decile data. None: not checked.")
    min_age: int | None = Field(None, ge=0, le=150, description="Age in years on the day proposed, at least.")
    max_age: int | None = Field(None, ge=0, le=150, description="Age in years on the day proposed, at most.")
    alive: bool = Field(True, description="The register shows the person alive.")
    resident_of_regency: bool = Field(True, description="The register places the person in a desa of this "
                                                        "regency.")
    excludes: list[str] = Field(default_factory=list, description="Programmes whose current recipients may not "
                                                                  "receive this one (e.g. pkh for blt).")

    @model_validator(mode="after")
    def _ages(self):
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            raise ValueError("min_age is above max_age")
        return self


class Programme(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=3, max_length=120, description="Name shown to staff and on lists, e.g. "
                                                                "'BLT Dana Bagi Hasil Cukai'.")
    agency: str = Field(description="Code of the agency that verifies and pays, e.g. dinsos.")
    kind: Literal["person", "household"] = Field("person", description="Aid to a person, or to a household "
                                                                       "(one recipient per family card).")
    amount: int = Field(gt=0, lt=10**12, description="Rupiah paid to each beneficiary per period.")
    period: Literal["month", "quarter", "year"] = Field("quarter", description="At most one payment per "
                                                                               "beneficiary in each period.")
    quota_per_desa: int | None = Field(None, ge=1, le=100_000, description="Beneficiaries per desa and period "
                                                                           "at most (None: no quota).")
    documents: list[str] = Field(default_factory=lambda: ["Berita acara Musdesus"],
                                 description="Documents required with a proposal, in the order asked. The "
                                             "first is the Musdesus minutes (one PDF per proposal).")
    rules: Rules = Field(default_factory=Rules)
    public_list: bool = Field(False, description="Publish the list of beneficiaries per desa (names partly "
                                                 "masked, no NIK).")

    def period_of(self, day: date) -> str:
        return period_key(self.period, day)


def period_key(kind: str, day: date) -> str:
    """'2026' for a year, '2026-Q4' for a quarter, '2026-11' for a month."""
    if kind == "year":
        return f"{day.year}"
    if kind == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}-{day.month:02d}"


class DeathBenefit(BaseModel):
    """Santunan kematian: paid once to an heir of a resident whose death letter the desa issued."""

    model_config = ConfigDict(extra="forbid")
    agency: str = Field("dinsos", description="Code of the agency that verifies and pays, e.g. dinsos.")
    amount: int = Field(gt=0, lt=10**12, description="Rupiah paid once per deceased resident (Rp 750,000 to "
                                                     "2,500,000 in the seeds' regencies).")
    window_days: int = Field(30, ge=1, le=365, description="Days from the date of death within which an heir "
                                                           "applies; a later claim is refused.")
    sla_days: int = Field(14, ge=1, le=365, description="Days from the claim to the payment the agency promises "
                                                        "(the dashboard counts the benefits paid within it).")
    relations: list[str] = Field(default_factory=lambda: ["Suami/Istri", "Anak", "Orang tua", "Saudara kandung"],
                                 min_length=1, description="Relations an heir outside the deceased's family card "
                                                           "(KK) may state.")


class Spm(BaseModel):
    """SPM Online: the desa's poverty statement (Surat Pernyataan Miskin) for free hospital care."""

    model_config = ConfigDict(extra="forbid")
    max_decile: int = Field(4, ge=1, le=10, description="DTSEN welfare decile at most this for a statement.")
    valid_days: int = Field(30, ge=1, le=366, description="Days a statement is valid from its issue.")
    hospitals: list[str] = Field(default_factory=list, description="Agency codes of the hospitals (RSUD, "
                                                                   "puskesmas) whose staff acknowledge a "
                                                                   "statement with their account.")
    code_attempts: int = Field(5, ge=1, le=50, description="Wrong one-time codes accepted for one statement on its "
                                                           "QR page in the sign-in window (sign_in.window_minutes); "
                                                           "further attempts wait (against guessing the code).")


class Hibah(BaseModel):
    """Grants to organisations (e-hibah): the OPD evaluates, TAPD recommends, the NPHD is signed, paid, the
    LPJ is due."""

    model_config = ConfigDict(extra="forbid")
    agency: str = Field("bpkad", description="Code of the agency that disburses grants (BPKAD, the TAPD's "
                                             "secretariat).")
    evaluators: list[str] = Field(default_factory=lambda: ["dinsos"], min_length=1,
                                  description="Agency codes of the OPDs that evaluate proposals in their field.")
    max_amount: int = Field(500_000_000, gt=0, lt=10**13, description="Rupiah requested at most per proposal.")
    lpj_days: int = Field(90, ge=1, le=730, description="Days from the disbursement to the accountability "
                                                        "report (LPJ) due date.")
    documents: list[str] = Field(default_factory=lambda: ["Proposal dan RAB", "Akta / SK kepengurusan"],
                                 min_length=1, description="Documents required with a proposal (one PDF "
                                                           "holding them, in this order).")
