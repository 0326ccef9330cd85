"""planning: musrenbang proposals from the desa up to the RKPD (e-planning), and each OPD's Renja/RKA lines in
the codes of Permendagri 90/2019 within the ceiling Bappeda sets (e-budgeting), exported in SIPD's layout."""
from pydantic import Field

from egovkit.modules import Dataset, DatasetColumn, Module, NavItem, Settings, Tracking


class PlanningSettings(Settings):
    bappeda: str = Field("bappeda", description="Agency (OPD) that runs the musrenbang and sets the ceilings.")
    editions: dict[int, str] = Field(default_factory=dict,
                                     description="Edition of the code list planning.codes per planning year, e.g. "
                                                 "{2027: kepmendagri-050-5889-2021}; a year not named uses the "
                                                 "list's default.")
    max_photos: int = Field(3, ge=0, le=10, description="Photos a proposal may carry (JPG or PNG).")
    photo_mb: int = Field(5, ge=1, le=20, description="Largest photo, in MB.")

    def check_profile(self, schema) -> list[tuple[tuple, str]]:
        from egovkit.services import codelists

        out = []
        if self.bappeda not in {a.code for a in schema.agencies}:
            out.append((("bappeda",), f"unknown agency {self.bappeda!r}: add it under agencies"))
        known = codelists.get("planning.codes").editions
        for year, edition in self.editions.items():
            if edition not in known:
                out.append((("editions", year), f"unknown edition {edition!r} of planning.codes "
                                                f"(known: {', '.join(known)})"))
        return out


MODULE = Module(
    name="planning",
    version="0.1.0",
    service_kind="planning",
    codelists="data/codelists.yaml",  # Permendagri 90/2019 codes, by decree
    title={"id": "Perencanaan", "en": "Planning"},
    description={"id": "Musrenbang dari desa ke RKPD, Renja/RKA perangkat daerah dalam kode SIPD dan pagu indikatif.",
                 "en": "Musrenbang proposals from the village to the RKPD, agency work plans (Renja/RKA) in SIPD's "
                       "codes within their ceilings."},
    settings=PlanningSettings,
    permissions={
        "planning.propose": ("operator_desa", "kepala_desa"),
        "planning.read": ("operator_desa", "kepala_desa", "camat", "opd_staff", "opd_head", "tapd", "bupati"),
        "planning.renja.edit": ("opd_staff", "opd_head"),
    },
    workflows="egovkit_modules.planning.workflows:WORKFLOWS",
    models="egovkit_modules.planning.models",
    blueprint="egovkit_modules.planning.views:bp",
    demo="egovkit_modules.planning.demo:seed",
    nav=(NavItem("planning.proposals", {"id": "Usulan musrenbang", "en": "Musrenbang proposals"}, public=False,
                 permission="planning.read"),
         NavItem("planning.renja_index", {"id": "Renja perangkat daerah", "en": "Agency work plans"}, public=False,
                 permission="planning.read"),
         NavItem("planning.dashboard", {"id": "Dasbor perencanaan", "en": "Planning dashboard"}, public=False,
                 permission="planning.read"),
         NavItem("planning.track", {"id": "Lacak usulan", "en": "Track a proposal"})),
    tracking=Tracking("planning.track", "egovkit_modules.planning.views:tracked"),
    datasets=(Dataset("proposals-per-kecamatan", {"id": "Usulan musrenbang per kecamatan dan hasilnya",
                                                  "en": "Musrenbang proposals per district and their fate"},
                      {"id": "Jumlah usulan musrenbang per tahun, kecamatan, sumber (desa atau pokir) dan hasil "
                             "(diproses, masuk RKPD, ditolak, didanai desa).",
                       "en": "Musrenbang proposals per year, district, source (village or DPRD member) and fate "
                             "(in progress, in the RKPD, rejected, funded by the village)."},
                      rows="egovkit_modules.planning.views:dataset_rows",
                      columns=(DatasetColumn("year", "year", {"id": "Tahun", "en": "Year"}),
                               DatasetColumn("district_code", "string", {"id": "Kode kecamatan",
                                                                         "en": "District code"}),
                               DatasetColumn("district", "string", {"id": "Kecamatan", "en": "District"}),
                               DatasetColumn("source", "string", {"id": "Sumber", "en": "Source"}),
                               DatasetColumn("fate", "string", {"id": "Hasil", "en": "Fate"}),
                               DatasetColumn("proposals", "count", {"id": "Usulan", "en": "Proposals"}),
                               DatasetColumn("estimate", "money", {"id": "Perkiraan biaya",
                                                                   "en": "Cost estimate"})),
                      guard="proposals", frequency="daily", keywords=("musrenbang", "perencanaan", "RKPD")),),
)
