"""complaints: public complaints (pengaduan) in the states of SP4N-LAPOR!, routed to the unit in charge."""
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from egovkit.modules import Dataset, DatasetColumn, Module, NavItem, Settings, Tile, Tracking

DESA = "desa"  # a category's unit: the desa where the complaint happened


class Category(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: dict[Literal["id", "en"], str] = Field(description="{id: ..., en: ...}")
    unit: str = Field(description="The agency (OPD) code in charge, or `desa`: the village of the location.")


DEFAULT_CATEGORIES = {
    "infrastruktur": Category(title={"id": "Jalan, jembatan dan drainase", "en": "Roads, bridges and drains"},
                              unit="dpupr"),
    "kesehatan": Category(title={"id": "Layanan kesehatan", "en": "Health services"}, unit="dinkes"),
    "kependudukan": Category(title={"id": "KTP, KK dan akta", "en": "ID cards, family cards and certificates"},
                             unit="dispendukcapil"),
    "bansos": Category(title={"id": "Bantuan sosial", "en": "Social aid"}, unit="dinsos"),
    "ketertiban": Category(title={"id": "Ketertiban umum", "en": "Public order"}, unit="satpolpp"),
    "pelayanan_desa": Category(title={"id": "Pelayanan kantor desa", "en": "Village office services"}, unit=DESA),
    "lingkungan_desa": Category(title={"id": "Lingkungan dan sampah di desa", "en": "Environment and waste in "
                                                                                     "the village"}, unit=DESA),
}


class ComplaintSettings(Settings):
    verifier: str = Field("diskominfo", description="Agency that verifies complaints and routes them (the "
                                                    "regency's SP4N-LAPOR! administrator).")
    categories: dict[str, Category] = Field(
        default_factory=lambda: dict(DEFAULT_CATEGORIES),
        description="Complaint categories and the unit in charge of each: an agency code, or `desa` for the "
                    "village where the complaint happened. Replaces the defaults when given.")
    anonymous_per_hour: int = Field(5, ge=1, le=1000, description="Complaints one address may file per hour "
                                                                  "without signing in.")
    max_photos: int = Field(3, ge=0, le=10, description="Photos a complaint may carry (JPG or PNG).")
    photo_mb: int = Field(5, ge=1, le=20, description="Largest photo, in MB.")

    def check_profile(self, schema) -> list[tuple[tuple, str]]:
        agencies = {a.code for a in schema.agencies}
        out = []
        if self.verifier not in agencies:
            out.append((("verifier",), f"unknown agency {self.verifier!r}: add it under agencies"))
        if not self.categories:
            out.append((("categories",), "declare at least one category"))
        for name, category in self.categories.items():
            if category.unit != DESA and category.unit not in agencies:
                out.append((("categories", name, "unit"),
                            f"unknown agency {category.unit!r}: add it under agencies, or write `desa`"))
        return out


MODULE = Module(
    name="complaints",
    version="0.1.0",
    service_kind="complaints",
    title={"id": "Pengaduan", "en": "Complaints"},
    description={"id": "Pengaduan masyarakat dengan status SP4N-LAPOR!, diteruskan ke OPD atau desa yang berwenang.",
                 "en": "Public complaints in the states of SP4N-LAPOR!, routed to the agency or village in charge."},
    settings=ComplaintSettings,
    permissions={
        "complaints.verify": ("opd_staff", "opd_head"),  # staff of the verifying agency only (views._verifier)
        "complaints.handle": ("opd_staff", "opd_head", "operator_desa", "kepala_desa"),
        "complaints.exchange": ("opd_head", "opd_staff"),  # export/import with LAPOR!, at the verifying agency
    },
    workflows="egovkit_modules.complaints.workflows:WORKFLOWS",
    models="egovkit_modules.complaints.models",
    blueprint="egovkit_modules.complaints.views:bp",
    nav=(NavItem("complaints.new", {"id": "Pengaduan", "en": "Complaints"}),
         NavItem("complaints.index", {"id": "Daftar pengaduan", "en": "Complaint list"}, public=False,
                 permission="complaints.handle")),
    tracking=Tracking("complaints.track", "egovkit_modules.complaints.views:tracked"),
    datasets=(Dataset("per-unit-month", {"id": "Pengaduan masyarakat per unit dan bulan",
                                         "en": "Public complaints per unit and month"},
                      {"id": "Jumlah pengaduan yang diterima, selesai dan terlambat per unit penanggung jawab "
                             "setiap bulan.",
                       "en": "Complaints received, resolved and overdue per unit in charge, each month."},
                      rows="egovkit_modules.complaints.views:dataset_rows",
                      columns=(DatasetColumn("month", "month", {"id": "Bulan", "en": "Month"}),
                               DatasetColumn("unit", "string", {"id": "Unit", "en": "Unit"}),
                               DatasetColumn("received", "count", {"id": "Diterima", "en": "Received"}),
                               DatasetColumn("resolved", "count", {"id": "Selesai", "en": "Resolved"}),
                               DatasetColumn("overdue", "count", {"id": "Terlambat", "en": "Overdue"})),
                      frequency="daily", keywords=("pengaduan", "SP4N-LAPOR!")),),
    tiles=(Tile("sla", {"id": "Pengaduan tepat waktu", "en": "Complaints within SLA"}, "egovkit_modules.complaints.tiles:within_sla"),),
)
