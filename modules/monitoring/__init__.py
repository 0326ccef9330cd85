"""monitoring: e-monitoring of development (simpelbang): every funded project as a point on a map with its
physical progress, photos at 0/50/100%, financial realisation, contractor and dates; late and stalled
projects flagged; a public map per desa, kecamatan and regency; progress per OPD and desa."""
from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from egovkit.modules import Dataset, DatasetColumn, Module, NavItem, Settings

class MonitoringSettings(Settings):
    late_points: int = Field(20, ge=0, le=100,
                             description="A project is late when its physical progress is more than this many "
                                         "percentage points behind the planned schedule (a straight line from 0% "
                                         "on its start date to 100% on its end date), or past its end date "
                                         "unfinished.")
    stall_days: int = Field(45, ge=1, le=365,
                            description="A started, unfinished project is stalled when its progress was not "
                                        "updated for more than this many days.")
    kinds: dict[str, str] = Field(default_factory=lambda: {
        "jalan": "Jalan dan jembatan", "gedung": "Gedung dan bangunan", "air": "Air bersih dan sanitasi",
        "irigasi": "Irigasi dan drainase", "pengadaan": "Pengadaan barang",
        "keamanan": "Sarana keamanan dan persandian", "lain": "Lainnya"},
        description="Kinds of project: code -> name shown.")
    default_kind: str = Field("lain", description="Kind given to a project that arrives by event.")
    internal_kinds: list[str] = Field(default_factory=list,
                                      description="Kinds never shown on the public map or in open data "
                                                  "(e.g. security works).")
    internal_fields: list[Literal["contractor", "budget", "realised", "dates", "photos"]] = Field(
        default_factory=list, description="Fields of a project the public map does not show.")
    village_kegiatan: list[str] = Field(default_factory=lambda: ["2."],
                                        description="Prefixes of APBDes kegiatan codes whose approved activities "
                                                    "become projects (2.: Pelaksanaan Pembangunan Desa).")
    tile_url: str | None = Field(None, description="Map tiles, e.g. a regency tile server "
                                                   "https://peta.example.go.id/{z}/{x}/{y}.png; none: a plain "
                                                   "layer of points, which works offline.")
    tile_attribution: str = Field("", max_length=200, description="Attribution shown with the tiles.")
    tile_max_zoom: int = Field(18, ge=1, le=22)

    @field_validator("tile_url")
    @classmethod
    def _tiles(cls, value: str | None) -> str | None:
        if value is not None and not (re.match(r"^https?://[A-Za-z0-9.-]+(:\d+)?/", value)
                                      and all(p in value for p in ("{z}", "{x}", "{y}"))):
            raise ValueError("tile_url must be an http(s) address with {z}, {x} and {y}")
        return value

    @model_validator(mode="after")
    def _known(self):
        for kind in [self.default_kind, *self.internal_kinds]:
            if kind not in self.kinds:
                raise ValueError(f"kind {kind!r} is not one of kinds ({', '.join(self.kinds)})")
        return self


def _col(name, kind, id_, en):
    return DatasetColumn(name, kind, {"id": id_, "en": en})


MODULE = Module(
    name="monitoring",
    version="0.1.0",
    service_kind="planning",  # development control (e-monev), part of the planning service
    title={"id": "Pembangunan", "en": "Development"},  # short: one entry of the desk menu
    description={"id": "Setiap proyek yang didanai di peta: kemajuan fisik dan foto, realisasi keuangan, "
                       "proyek terlambat dan macet.",
                 "en": "Every funded project on a map: physical progress and photos, financial realisation, "
                       "late and stalled projects."},
    settings=MonitoringSettings,
    permissions={
        "monitoring.read": ("opd_staff", "opd_head", "camat", "bupati", "operator_desa", "kepala_desa"),
        "monitoring.edit": ("opd_staff", "opd_head", "operator_desa", "kepala_desa"),
    },
    models="egovkit_modules.monitoring.models",
    blueprint="egovkit_modules.monitoring.views:bp",
    demo="egovkit_modules.monitoring.demo:seed",
    events={"planning.subactivity_funded": "egovkit_modules.monitoring.handlers:on_subactivity_funded",
            "apbdes.approved": "egovkit_modules.monitoring.handlers:on_apbdes_approved"},
    datasets=(Dataset("projects-per-kecamatan",
                      {"id": "Proyek pembangunan dan kemajuannya per kecamatan",
                       "en": "Development projects and their progress per kecamatan"},
                      {"id": "Jumlah proyek yang didanai (OPD dan APBDes), rata-rata kemajuan fisik, pagu dan "
                             "realisasi keuangan, per kecamatan dan tahun; tanpa proyek internal.",
                       "en": "Funded projects (agencies' and villages'), average physical progress, budget and "
                             "financial realisation, per kecamatan and year; internal projects left out."},
                      rows="egovkit_modules.monitoring.datasets:per_district",
                      columns=(_col("year", "year", "Tahun", "Year"),
                               _col("district_code", "string", "Kode kecamatan", "Kecamatan code"),
                               _col("district", "string", "Kecamatan", "Kecamatan"),
                               _col("projects", "integer", "Jumlah proyek", "Projects"),
                               _col("average_progress", "number", "Rata-rata kemajuan fisik (%)",
                                    "Average physical progress (%)"),
                               _col("budget", "money", "Pagu", "Budget"),
                               _col("realised", "money", "Realisasi keuangan", "Financial realisation")),
                      frequency="daily", keywords=("simpelbang", "e-monitoring", "pembangunan")),),
    nav=(NavItem("monitoring.public_map", {"id": "Peta proyek", "en": "Project map"}),
         NavItem("monitoring.dashboard", {"id": "Kemajuan proyek", "en": "Project progress"}, public=False,
                 permission="monitoring.read"),
         NavItem("monitoring.create", {"id": "Daftarkan proyek", "en": "Register a project"}, public=False,
                 permission="monitoring.edit")),
)
