"""permits: one-stop online permits (perizinan) outside OSS, verified by the technical agency."""
from typing import Literal

from pydantic import Field

from egovkit.modules import Dataset, DatasetColumn, DocumentType, Module, NavItem, Settings, Tile, Tracking

from .types import DEFAULT_TYPES, PermitType


class PermitsSettings(Settings):
    front_office: str = Field("dpmptsp", description="Agency of the one-stop office (DPMPTSP): it checks that an "
                                                     "application is complete and its head decides.")
    types: dict[str, PermitType] = Field(default_factory=lambda: dict(DEFAULT_TYPES),
                                         description="Permit types: title, verifying agency, fields, documents, "
                                                     "fee, SLA, validity, template. Replaces the defaults "
                                                     "(reklame, pbg_rekomendasi, sip_nakes, keramaian, restoran) "
                                                     "when given.")
    payment_days: int = Field(14, ge=1, le=90, description="Days the applicant has to pay a permit's fee "
                                                          "(retribusi) once it is approved and billed.")
    payment_instructions: dict[Literal["id", "en"], str] = Field(
        default_factory=lambda: {"id": "Bayar di bank persepsi atau kantor pos dengan kode bayar ini, lalu tunjukkan "
                                       "bukti bayarnya ke loket DPMPTSP.",
                                 "en": "Pay at a collecting bank or post office with this billing code, then show "
                                       "the receipt at the DPMPTSP counter."},
        description="Where and how to pay a fee, shown with the billing code: {id: ..., en: ...}.")
    renew_days: int = Field(60, ge=0, le=365, description="Days before expiry from which the holder may apply "
                                                         "to renew a permit.")

    def check_profile(self, schema) -> list[tuple[tuple, str]]:
        agencies = {a.code for a in schema.agencies}
        out = []
        if self.front_office not in agencies:
            out.append((("front_office",), f"unknown agency {self.front_office!r}: add it under agencies"))
        for name, kind in self.types.items():
            if kind.agency not in agencies:
                out.append((("types", name, "agency"), f"unknown agency {kind.agency!r}: add it under agencies"))
        return out


MODULE = Module(
    name="permits",
    version="0.2.0",
    service_kind="public",
    title={"id": "Perizinan", "en": "Permits"},
    description={"id": "Perizinan daring satu pintu: permohonan, verifikasi teknis OPD, izin ber-QR.",
                 "en": "One-stop online permits: application, technical verification, permit with a QR code."},
    settings=PermitsSettings,
    permissions={
        "permits.apply": ("citizen",),
        "permits.read": ("opd_staff", "opd_head", "bupati"),
        "permits.revoke": ("opd_head",),
    },
    workflows="egovkit_modules.permits.workflows:WORKFLOWS",
    documents=(DocumentType("permits.permit", "503", "{code}/{seq:04d}/{regency}/{year}",
                            workflow="permits.application"),),
    models="egovkit_modules.permits.models",
    cli="egovkit_modules.permits.cli:permits",
    api="egovkit_modules.permits.api:api",
    api_scopes=("permits:read", "permits:pay"),
    blueprint="egovkit_modules.permits.views:bp",
    datasets=(Dataset("issued", {"id": "Izin yang diterbitkan per jenis dan bulan", "en": "Permits issued per "
                                                                                    "type and month"},
                      {"id": "Izin yang diterbitkan DPMPTSP di luar OSS.",
                       "en": "Permits issued by the one-stop office outside OSS."},
                      rows="egovkit_modules.permits.datasets:issued",
                      columns=(DatasetColumn("month", "month", {"id": "Bulan", "en": "Month"}),
                               DatasetColumn("permit_type", "string", {"id": "Jenis izin", "en": "Permit type"}),
                               DatasetColumn("permits", "count", {"id": "Jumlah izin", "en": "Permits"})),
                      frequency="daily", keywords=("perizinan",)),),
    nav=(NavItem("permits.index", {"id": "Perizinan", "en": "Permits"}, public=False),
         NavItem("permits.track", {"id": "Lacak izin", "en": "Track a permit"})),
    tracking=Tracking("permits.track", "egovkit_modules.permits.views:tracked", document="permits.permit"),
    tiles=(Tile("sla", {"id": "Izin tepat waktu", "en": "Permits within SLA"}, "egovkit_modules.permits.tiles:within_sla"),),
)
