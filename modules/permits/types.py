"""Permit types (jenis izin) handled by the regency outside OSS: declared as
settings, so a profile adds a type or changes its agency, documents, fee, SLA
or template. The defaults are the common non-OSS permits of a regency."""
from __future__ import annotations

import string
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from egovkit.formfields import FormField, field

KINDS = ("pdf", "jpg", "png")
TEMPLATE_KEYS = ("applicant", "nik", "nib", "business", "address", "regency", "valid_until")
MAX_UPLOAD_MB = 15  # all documents of one application together, under the request limit (16 MB)
TAX_OBJECTS = ("restoran", "hotel", "hiburan", "parkir", "reklame")


class Requirement(BaseModel):
    """A document the applicant uploads."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,30}$")
    label: dict[Literal["id", "en"], str]
    kinds: list[Literal["pdf", "jpg", "png"]] = Field(default_factory=lambda: ["pdf", "jpg", "png"], min_length=1)
    max_mb: int = Field(5, ge=1, le=20, description="Largest file accepted, in MB.")
    required: bool = True


class PermitType(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: dict[Literal["id", "en"], str]
    agency: str = Field(description="Code of the agency (OPD) that verifies the technical side, e.g. dinkes.")
    code: str = Field("503", description="Classification code in the permit number (503: licensing).")
    fields: list[FormField] = Field(default_factory=list)
    documents: list[Requirement] = Field(default_factory=list)
    fee: int = Field(0, ge=0, le=10**10, description="Retribusi in Rupiah (0: free).")
    sla_days: int = Field(5, ge=1, le=90, description="Working days from a complete application to the permit.")
    valid_months: int = Field(0, ge=0, le=240, description="How long the permit is valid (0: no expiry).")
    template: list[str] = Field(description="Paragraphs; {applicant}, {nik}, {nib}, {business}, {address}, "
                                            "{regency}, {valid_until} and {field} of the application.")
    tax_object: Literal["restoran", "hotel", "hiburan", "parkir", "reklame"] | None = Field(
        None, description="The local tax object the permitted business becomes (for etax), if any.")

    @model_validator(mode="after")
    def _unique(self):
        names = [f.name for f in self.fields] + [d.name for d in self.documents]
        if len(names) != len(set(names)):
            raise ValueError("field and document names must be unique within a permit type")
        known = set(TEMPLATE_KEYS) | {f.name for f in self.fields}
        for paragraph in self.template:
            try:
                used = {name for _, name, _, _ in string.Formatter().parse(paragraph) if name is not None}
            except ValueError as exc:
                raise ValueError(f"template paragraph {paragraph[:40]!r}...: {exc}") from None
            unknown = sorted(n for n in used if n not in known)
            if unknown:
                raise ValueError(f"the template names unknown field(s) {', '.join(unknown)}; known: "
                                 f"{', '.join(sorted(known))}")
        if sum(d.max_mb for d in self.documents) > MAX_UPLOAD_MB:
            raise ValueError(f"the documents' max_mb add up to more than the {MAX_UPLOAD_MB} MB one application "
                             "may send")
        return self


OPENING = ("Kepala Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu {regency}, berdasarkan permohonan "
           "dan hasil verifikasi teknis, memberikan izin kepada:")
HOLDER = "Nama: {applicant}; NIK: {nik}; usaha/kegiatan: {business}; alamat: {address}."
CLOSING = "Izin ini berlaku sampai {valid_until} dan dapat dicabut apabila pemegang izin melanggar ketentuan."

DEFAULT_TYPES: dict[str, PermitType] = {
    "reklame": PermitType(
        title={"id": "Izin Penyelenggaraan Reklame", "en": "Billboard permit"}, agency="bapenda", code="510",
        fields=[field("location", "Lokasi reklame", "Billboard location"),
                field("size_m2", "Luas bidang (m2)", "Area (m2)", "decimal"),
                field("kind", "Jenis reklame", "Kind", "choice", choices=("Papan/billboard", "Baliho", "Neon box"))],
        documents=[Requirement(name="design", label={"id": "Desain reklame", "en": "Design"}),
                   Requirement(name="site_photo", label={"id": "Foto lokasi", "en": "Site photo"},
                               kinds=["jpg", "png"])],
        fee=250_000, sla_days=5, valid_months=12, tax_object="reklame",
        template=[OPENING, HOLDER, "untuk menyelenggarakan reklame {kind} seluas {size_m2} m2 di {location}.",
                  CLOSING]),
    "pbg_rekomendasi": PermitType(
        title={"id": "Rekomendasi Teknis Persetujuan Bangunan Gedung (PBG)",
               "en": "Technical recommendation for a building approval (PBG)"}, agency="dpupr", code="640",
        fields=[field("building_use", "Fungsi bangunan", "Building use"),
                field("floor_area", "Luas lantai (m2)", "Floor area (m2)", "decimal"),
                field("floors", "Jumlah lantai", "Floors", "number")],
        documents=[Requirement(name="land_title", label={"id": "Bukti kepemilikan tanah", "en": "Land title"},
                               max_mb=3),
                   Requirement(name="drawings", label={"id": "Gambar rencana", "en": "Drawings"}, kinds=["pdf"],
                               max_mb=12)],
        sla_days=10, template=[OPENING, HOLDER, "rekomendasi teknis bangunan gedung fungsi {building_use}, luas "
                                                "lantai {floor_area} m2, {floors} lantai.", CLOSING]),
    "sip_nakes": PermitType(
        title={"id": "Surat Izin Praktik Tenaga Kesehatan", "en": "Health practitioner practice permit"},
        agency="dinkes", code="445",
        fields=[field("profession", "Profesi", "Profession", "choice",
                      choices=("Dokter", "Dokter gigi", "Bidan", "Perawat", "Apoteker")),
                field("str_number", "Nomor STR", "Registration (STR) number"),
                field("practice_address", "Alamat praktik", "Practice address")],
        documents=[Requirement(name="str", label={"id": "Surat Tanda Registrasi (STR)", "en": "Registration (STR)"}),
                   Requirement(name="recommendation", label={"id": "Rekomendasi organisasi profesi",
                                                             "en": "Professional body recommendation"})],
        sla_days=5, valid_months=60,
        template=[OPENING, HOLDER, "untuk berpraktik sebagai {profession} (STR {str_number}) di {practice_address}.",
                  CLOSING]),
    "keramaian": PermitType(
        title={"id": "Rekomendasi Izin Keramaian", "en": "Crowd event recommendation"}, agency="satpolpp",
        fields=[field("event", "Nama acara", "Event"), field("event_date", "Tanggal acara", "Date", "date"),
                field("venue", "Tempat", "Venue"), field("attendance", "Perkiraan pengunjung", "Expected attendance",
                                                         "number")],
        documents=[Requirement(name="site_plan", label={"id": "Denah lokasi", "en": "Site plan"})],
        sla_days=3, template=[OPENING, HOLDER, "untuk menyelenggarakan {event} pada {event_date} di {venue} dengan "
                                               "perkiraan {attendance} pengunjung.", CLOSING]),
    "restoran": PermitType(
        title={"id": "Sertifikat Laik Higiene Sanitasi Rumah Makan", "en": "Restaurant hygiene certificate"},
        agency="dinkes", code="445",
        fields=[field("seats", "Jumlah kursi", "Seats", "number"),
                field("business_address", "Alamat usaha", "Business address")],
        documents=[Requirement(name="lab_test", label={"id": "Hasil uji laboratorium", "en": "Laboratory test"}),
                   Requirement(name="photo", label={"id": "Foto dapur", "en": "Kitchen photo"}, kinds=["jpg", "png"])],
        sla_days=7, valid_months=36, tax_object="restoran",
        template=[OPENING, HOLDER, "sertifikat laik higiene sanitasi untuk rumah makan dengan {seats} kursi di "
                                   "{business_address}.", CLOSING]),
}
