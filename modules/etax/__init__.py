"""etax: local taxes (PBJT and reklame, UU 1/2022): taxpayers and their objects, monthly declarations (SPTPD)
of PBJT turnover and the agency's assessments (SKPD) of reklame on its tax base value from a tariff table,
each with a billing code, payments and late interest, and monitoring of real turnover through point-of-sale
devices ("tapping box")."""
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, field_validator

from egovkit.modules import Dataset, DatasetColumn, Module, NavItem, Settings, Tile

# Tax type -> (lowest, highest) legal rate in percent, UU 1/2022 on HKPD: PBJT at most 10% (art. 58),
# PBJT on discotheques, karaoke, night clubs, bars and steam baths/spas 40% to 75% (art. 58(2)),
# reklame at most 25% (art. 64).
CEILINGS: dict[str, tuple[float, float]] = {
    "restoran": (0, 10), "hotel": (0, 10), "hiburan": (0, 10), "hiburan_khusus": (40, 75),
    "parkir": (0, 10), "reklame": (0, 25),
}
TAX_TYPES = tuple(CEILINGS)


@dataclass(frozen=True)
class TaxRule:
    """What the law bases a tax type on, which form sets the tax and how it is monitored."""

    basis: str  # "turnover": the month's turnover (PBJT, Pasal 50-58); "nsr": nilai sewa reklame (Pasal 62-63)
    form: str  # "SPTPD": the taxpayer declares (self-assessment); "SKPD": the agency assesses (official)
    monitoring: str  # "tapping_box": point-of-sale devices report sales; "field_check": inspection on site


PBJT = TaxRule("turnover", "SPTPD", "tapping_box")
RULES: dict[str, TaxRule] = {"restoran": PBJT, "hotel": PBJT, "hiburan": PBJT, "hiburan_khusus": PBJT,
                             "parkir": PBJT, "reklame": TaxRule("nsr", "SKPD", "field_check")}


class Rates(BaseModel):
    """Rates in percent of the tax base, as the regency's Perda on local taxes sets them."""

    model_config = ConfigDict(extra="forbid")
    restoran: float = Field(10, description="PBJT on food and drink (makanan dan/atau minuman), at most 10%.")
    hotel: float = Field(10, description="PBJT on accommodation (jasa perhotelan), at most 10%.")
    hiburan: float = Field(10, description="PBJT on arts and entertainment (kesenian dan hiburan), at most 10%.")
    hiburan_khusus: float = Field(40, description="PBJT on discotheques, karaoke, night clubs, bars and steam "
                                                  "baths/spas: 40% to 75%.")
    parkir: float = Field(10, description="PBJT on parking services (jasa parkir), at most 10%.")
    reklame: float = Field(25, description="Billboard tax (pajak reklame), at most 25%.")

    @field_validator(*TAX_TYPES)
    @classmethod
    def _legal(cls, value: float, info) -> float:
        low, high = CEILINGS[info.field_name]
        legal = (0 < value <= high) if low == 0 else (low <= value <= high)
        if not legal:
            where = f"above 0% and at most {high:g}%" if low == 0 else f"from {low:g}% to {high:g}%"
            raise ValueError(f"{value:g}% is outside the legal range of UU 1/2022 for {info.field_name}: {where}")
        if round(value, 2) != value:
            raise ValueError("at most two decimals, e.g. 7.5")
        return value


class EtaxSettings(Settings):
    revenue_agency: str = Field("bapenda", description="Agency that administers local taxes (Bapenda): its staff "
                                                       "see every taxpayer, declaration and device.")
    rates: Rates = Field(default_factory=Rates, description="Tax rates per tax type, in percent, checked against "
                                                            "the legal ranges of UU 1/2022.")
    due_day: int = Field(10, ge=1, le=28, description="Day of the month after the tax period by which the "
                                                      "declared tax is to be paid.")
    penalty_percent: float = Field(1.0, ge=0, le=2, description="Interest for late payment, percent of the tax "
                                                                "per month or part of a month late (UU 1/2022: 1%).")
    penalty_max_months: int = Field(24, ge=0, le=24, description="Months of late interest at most (24).")
    under_reporting_threshold: float = Field(0.10, ge=0, lt=1,
                                             description="A month is flagged when the declared turnover is below "
                                                         "the tapped turnover by more than this share.")
    npwpd_prefix: str = Field("P", pattern=r"^[A-Z0-9.]{1,6}$",
                              description="Start of the NPWPD numbers this instance gives out.")

    def check_profile(self, schema) -> list[tuple[tuple, str]]:
        if self.revenue_agency not in {a.code for a in schema.agencies}:
            return [(("revenue_agency",), f"unknown agency {self.revenue_agency!r}: add it under agencies")]
        return []


MODULE = Module(
    name="etax",
    version="0.2.0",
    service_kind="public",
    title={"id": "Pajak Daerah", "en": "Local taxes"},
    description={"id": "Wajib pajak, SPTPD bulanan, kode billing, pembayaran dan pemantauan omzet (tapping box).",
                 "en": "Taxpayers, monthly self-assessment (SPTPD), billing codes, payments and turnover "
                       "monitoring (tapping box)."},
    settings=EtaxSettings,
    codelists="data/codelists.yaml",  # the reklame tariff table, by edition
    permissions={
        "etax.read": ("opd_staff", "opd_head", "bupati", "citizen"),
        "etax.declare": ("opd_staff", "citizen"),
        "etax.assess": ("opd_staff",),
        "etax.pay": ("opd_staff",),
        "etax.reverse": ("opd_head",),
        "etax.devices": ("opd_head", "opd_staff"),
        "etax.classify": ("opd_head",),
        "etax.dashboard": ("opd_staff", "opd_head", "bupati"),
    },
    models="egovkit_modules.etax.models",
    blueprint="egovkit_modules.etax.views:bp",
    api="egovkit_modules.etax.api:api",
    api_scopes=("etax:read", "etax:pay"),
    cli="egovkit_modules.etax.cli:group",
    events={"permit.issued": "egovkit_modules.etax.service:on_permit_issued"},
    datasets=(Dataset("revenue", {"id": "Penerimaan pajak daerah per jenis dan bulan",
                                  "en": "Local tax revenue per type and month"},
                      {"id": "Pembayaran pajak daerah yang diterima (SPTPD), per jenis pajak.",
                       "en": "Local tax payments received (SPTPD), per tax type."},
                      rows="egovkit_modules.etax.datasets:revenue",
                      columns=(DatasetColumn("month", "month", {"id": "Bulan", "en": "Month"}),
                               DatasetColumn("tax_type", "string", {"id": "Jenis pajak", "en": "Tax type"}),
                               DatasetColumn("payments", "count", {"id": "Jumlah pembayaran", "en": "Payments"}),
                               DatasetColumn("revenue", "money", {"id": "Penerimaan (Rp)", "en": "Revenue (Rp)"})),
                      guard="payments", frequency="daily", keywords=("pajak daerah", "PAD")),),
    nav=(NavItem("etax.index", {"id": "Pajak daerah", "en": "Local taxes"}, public=False, permission="etax.read",
                 when="egovkit_modules.etax.service:in_reach"),
         NavItem("etax.dashboard", {"id": "Dasbor pajak", "en": "Tax dashboard"}, public=False,
                 permission="etax.dashboard", when="egovkit_modules.etax.service:in_reach")),
    tiles=(Tile("revenue", {"id": "Pajak daerah", "en": "Local tax"}, "egovkit_modules.etax.tiles:revenue"),),
)
