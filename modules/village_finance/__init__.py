"""village_finance: village planning and budgeting (APBDes) and e-monitoring of its realisation."""
from pydantic import Field, field_validator, model_validator

from egovkit.modules import Dataset, DatasetColumn, Module, NavItem, Settings, Tile

from . import accounts
from .rules import Earmark


class VillageFinanceSettings(Settings):
    earmarks: list[Earmark] = Field(default_factory=list,
                                    description="Shares of a source of funds that must (min_share) or may at most "
                                                "(max_share) go to some kegiatan, checked before an APBDes is "
                                                "submitted and set, e.g. Dana Desa for food security (4.2).")
    income_cap: float = Field(0.30, gt=0, le=1,
                              description="Largest share of belanja for the fixed income and allowances of the "
                                          "kepala desa and perangkat and the BPD's allowances; PP 11/2019 sets 30% "
                                          "(running costs and RT/RW incentives are outside it).")
    income_kegiatan: list[str] = Field(default_factory=lambda: ["1.1.01", "1.1.02", "1.1.05"], min_length=1,
                                       description="Kegiatan counted against income_cap (add 1.1.03, social "
                                                   "security, where the regency counts it).")
    extra_kegiatan: dict[str, str] = Field(default_factory=dict,
                                           description="Kegiatan the regency adds to the chart of accounts: "
                                                       "code (under an existing sub-bidang, e.g. 2.4.90) -> name.")
    rtlh_kegiatan: str = Field("2.4.01", description="Kegiatan an approved RTLH house becomes in the village plan.")
    rtlh_estimate: int = Field(20_000_000, ge=0, le=10**10,
                               description="Rupiah estimated per RTLH house in the plan (the desa adjusts it).")
    pace_yellow: float = Field(0.8, gt=0, le=1, description="Dashboard: absorption below this share of an even "
                                                            "pace through the year is yellow.")
    pace_red: float = Field(0.5, ge=0, le=1, description="Dashboard: below this share of an even pace is red.")
    demo_years: int = Field(3, ge=0, le=5, description="Fiscal years of demo budgets made by `init --demo`, "
                                                       "ending with the current one.")

    @field_validator("extra_kegiatan")
    @classmethod
    def _extra(cls, value: dict[str, str]) -> dict[str, str]:
        accounts.check_extra(value)
        return value

    @field_validator("pace_red")
    @classmethod
    def _pace(cls, value: float, info) -> float:
        if value > info.data.get("pace_yellow", 1):
            raise ValueError("pace_red is above pace_yellow")
        return value

    @model_validator(mode="after")
    def _in_chart(self):
        chart = accounts.chart(self.extra_kegiatan)
        if not chart.is_kegiatan(self.rtlh_kegiatan):
            raise ValueError(f"rtlh_kegiatan {self.rtlh_kegiatan!r} is not a kegiatan of the chart")
        for code in self.income_kegiatan:
            if not chart.is_kegiatan(code):
                raise ValueError(f"income_kegiatan: {code!r} is not a kegiatan of the chart")
        for mark in self.earmarks:
            if not chart.is_source(mark.source):
                raise ValueError(f"earmark {mark.title!r}: unknown source of funds {mark.source!r}")
            for prefix in mark.kegiatan:
                if not chart.kegiatan_name(prefix) or prefix.count(".") > 2 or not prefix[:1].isdigit():
                    raise ValueError(f"earmark {mark.title!r}: {prefix!r} is not a bidang, sub-bidang or "
                                     "kegiatan of the chart")
        return self


MODULE = Module(
    name="village_finance",
    version="0.1.0",
    service_kind="public",  # the regency's service to its villages (urusan PMD), for the SPBE evaluation
    codelists="data/codelists.yaml",  # the chart of accounts, by edition
    title={"id": "Keuangan Desa", "en": "Village finance"},
    description={"id": "Perencanaan, APBDes, realisasi dan laporan keuangan desa, dengan dasbor serapan.",
                 "en": "Village plans, budgets (APBDes), realisation and reports, with absorption dashboards."},
    settings=VillageFinanceSettings,
    permissions={
        "village_finance.budget.read": ("operator_desa", "kepala_desa", "camat", "bupati"),
        "village_finance.budget.edit": ("operator_desa", "kepala_desa"),
        "village_finance.realise": ("operator_desa",),
    },
    workflows="egovkit_modules.village_finance.workflows:WORKFLOWS",
    models="egovkit_modules.village_finance.models",
    blueprint="egovkit_modules.village_finance.views:bp",
    api="egovkit_modules.village_finance.api:api",
    api_scopes=("apbdes:read", "apbdes:write"),
    demo="egovkit_modules.village_finance.demo:seed",
    cli="egovkit_modules.village_finance.cli:group",
    events={"rtlh.approved": "egovkit_modules.village_finance.budget:on_rtlh_approved"},
    datasets=(Dataset("apbdes", {"id": "APBDes dan realisasinya per desa", "en": "Village budgets (APBDes) and "
                                                                               "their realisation"},
                      {"id": "Anggaran desa yang berlaku (pendapatan, belanja, pembiayaan) dan realisasinya, per "
                             "desa dan tahun.",
                       "en": "The budget in force (revenue, spending, financing) and its realisation, per village "
                             "and year."},
                      rows="egovkit_modules.village_finance.datasets:apbdes",
                      columns=(DatasetColumn("year", "year", {"id": "Tahun", "en": "Year"}),
                               DatasetColumn("village_code", "string", {"id": "Kode desa", "en": "Village code"}),
                               DatasetColumn("village", "string", {"id": "Desa", "en": "Village"}),
                               DatasetColumn("revenue_budget", "money", {"id": "Anggaran pendapatan",
                                                                         "en": "Revenue budgeted"}),
                               DatasetColumn("revenue_realised", "money", {"id": "Realisasi pendapatan",
                                                                           "en": "Revenue realised"}),
                               DatasetColumn("spending_budget", "money", {"id": "Anggaran belanja",
                                                                          "en": "Spending budgeted"}),
                               DatasetColumn("spending_realised", "money", {"id": "Realisasi belanja",
                                                                            "en": "Spending realised"}),
                               DatasetColumn("financing_budget", "money", {"id": "Anggaran pembiayaan",
                                                                           "en": "Financing budgeted"})),
                      frequency="daily", keywords=("APBDes", "keuangan desa", "transparansi")),),
    nav=(NavItem("village_finance.index", {"id": "APBDes", "en": "Village budgets"}, public=False,
                 permission="village_finance.budget.read"),
         NavItem("village_finance.dashboard", {"id": "Serapan dana desa", "en": "Budget absorption"}, public=False,
                 permission="village_finance.budget.read"),
         NavItem("village_finance.public_index", {"id": "Transparansi APBDes", "en": "Village budgets"})),
    tiles=(Tile("absorption", {"id": "Serapan APBDes", "en": "APBDes absorption"}, "egovkit_modules.village_finance.tiles:absorption"),),
)
