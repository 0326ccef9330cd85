"""spbe: the regency's SPBE self-assessment (Perpres 95/2018, PermenPANRB 59/2020), pre-filled from what the
kit runs, with the index, the predicate and the evidence pack for the evaluators."""
from pydantic import Field

from egovkit.modules import Module, NavItem, Settings, Tile


class SpbeSettings(Settings):
    edition: str = Field("permenpanrb-59-2020", description="The decree whose structure, weights and criteria "
                                                             "the assessment follows (a file in the module's data/).")
    coordinator: str = Field("diskominfo", description="Agency that runs the assessment (its heads and staff "
                                                       "assess; the SPBE coordination team's secretariat).")

    def check_profile(self, schema) -> list[tuple[tuple, str]]:
        from .catalogue import CatalogueError, edition, editions

        out = []
        try:
            edition(self.edition)
        except CatalogueError as exc:
            out.append((("edition",), f"{exc} (known: {', '.join(editions())})"))
        if self.coordinator not in {a.code for a in schema.agencies}:
            out.append((("coordinator",), f"unknown agency {self.coordinator!r}: add it under agencies"))
        return out


MODULE = Module(
    name="spbe",
    version="0.1.0",
    title={"id": "Evaluasi SPBE", "en": "SPBE assessment"},
    description={"id": "Penilaian mandiri SPBE tiap tahun: 47 indikator, indeks dan predikat, bukti dukung yang "
                       "diisi dari layanan yang berjalan.",
                 "en": "The yearly SPBE self-assessment: 47 indicators, index and predicate, evidence pre-filled "
                       "from the services the kit runs."},
    settings=SpbeSettings,
    permissions={
        # regency-wide roles, or the coordinating agency's (views.allowed)
        "spbe.read": ("bupati", "sekda", "opd_head", "opd_staff"),
        "spbe.assess": ("opd_head", "opd_staff"),
    },
    models="egovkit_modules.spbe.models",
    blueprint="egovkit_modules.spbe.views:bp",
    demo="egovkit_modules.spbe.demo:seed",
    nav=(NavItem("spbe.index", {"id": "Evaluasi SPBE", "en": "SPBE assessment"}, public=False,
                 permission="spbe.read", when="egovkit_modules.spbe.views:may_read"),),
    tiles=(Tile("index", {"id": "Indeks SPBE", "en": "SPBE index"}, "egovkit_modules.spbe.tiles:index"),),
)
