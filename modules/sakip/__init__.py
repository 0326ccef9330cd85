"""sakip: e-SAKIP, the performance accountability of the regency and its agencies (OPD): goals (tujuan,
sasaran) with key indicators (IKU), baselines and yearly targets from the RPJMD or Renstra, quarterly
realisation with evidence verified by the evaluator, achievement per indicator, the cascade to programmes
and activities, a scorecard per plan and the yearly performance report (LKjIP) as PDF and XLSX."""
from pydantic import Field, model_validator

from egovkit.modules import DocumentType, Module, NavItem, Settings, Tile


class SakipSettings(Settings):
    rpjmd_first_year: int = Field(2025, ge=2000, le=2100, description="First year of the RPJMD period; a new "
                                  "plan (RPJMD or Renstra) is offered this period.")
    rpjmd_last_year: int = Field(2029, ge=2000, le=2100, description="Last year of the RPJMD period.")
    planning_agency: str = Field("bappeda", description="The agency that keeps the regency's own plan (RPJMD "
                                 "goals and the regent's key indicators).")
    achievement_cap: int = Field(120, ge=100, le=1000, description="Achievement above this percentage is shown "
                                 "and averaged as this percentage (docs/sakip.md).")

    @model_validator(mode="after")
    def _period(self):
        if not 0 <= self.rpjmd_last_year - self.rpjmd_first_year <= 5:
            raise ValueError("rpjmd_last_year must be 0 to 5 years after rpjmd_first_year")
        return self

    def check_profile(self, schema) -> list[tuple[tuple, str]]:
        if self.planning_agency not in {a.code for a in schema.agencies}:
            return [(("planning_agency",), f"unknown agency {self.planning_agency!r}: add it under agencies")]
        return []


MODULE = Module(
    name="sakip",
    version="0.1.0",
    service_kind="performance",
    title={"id": "e-SAKIP", "en": "e-SAKIP"},
    description={"id": "Akuntabilitas kinerja: tujuan, sasaran dan IKU dari RPJMD/Renstra, target tahunan, "
                       "realisasi triwulan dengan bukti diverifikasi evaluator, capaian, kartu kinerja, LKjIP.",
                 "en": "Performance accountability: goals and key indicators from the RPJMD/Renstra, yearly "
                       "targets, quarterly realisation with evidence verified by the evaluator, achievement, "
                       "scorecards, the LKjIP report."},
    settings=SakipSettings,
    permissions={
        "sakip.read": ("opd_staff", "opd_head", "evaluator", "bupati", "admin"),
        "sakip.plan": ("opd_staff", "opd_head"),  # goals, indicators, targets, cascade, import
        "sakip.realise": ("opd_staff", "opd_head"),  # quarterly realisation with its evidence
        "sakip.report": ("opd_head",),  # issues the signed LKjIP
    },
    workflows="egovkit_modules.sakip.workflows:WORKFLOWS",
    documents=(DocumentType("sakip.lkjip", "LKjIP"),),
    models="egovkit_modules.sakip.models",
    blueprint="egovkit_modules.sakip.views:bp",
    demo="egovkit_modules.sakip.demo:seed",
    nav=(NavItem("sakip.index", {"id": "e-SAKIP", "en": "e-SAKIP"}, public=False, permission="sakip.read"),),
    tiles=(Tile("achievement", {"id": "Capaian kinerja (SAKIP)", "en": "Performance (SAKIP)"},
                "egovkit_modules.sakip.tiles:achievement_tile"),),
)
