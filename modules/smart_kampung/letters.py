"""Village letter types (surat keterangan): declared as settings, so a profile
can add a type or change a field, a template or a classification code."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from egovkit.formfields import FormField, field


BIRTH_FIELDS = ("child_name", "child_birth_date", "child_birth_place", "child_sex")


LetterField = FormField  # a letter type's fields are the core's declared form fields


class LetterType(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: dict[Literal["id", "en"], str]
    code: str = Field("470", description="Classification code in the letter number (470: population affairs).")
    archive_code: str = Field("400.12", pattern=r"^\d{3}(\.\d{1,2}){0,4}$",
                              description="Archive classification code (kode klasifikasi arsip, Permendagri 83/2022) "
                                          "recorded in the register of issued letters for the hand-over to "
                                          "SRIKANDI, e.g. 400.12.2.1.")
    fields: list[LetterField] = Field(default_factory=list)
    template: list[str] = Field(description="Paragraphs; {name}, {nik}, {birth_place}, {birth_date}, {address}, "
                                            "{village}, {district}, {regency}, {occupation}, {religion}, {sex} of the "
                                            "resident, {reporter} (family letters) and {field} of the request: a "
                                            "date in Indonesian words, a rupiah field as 1.500.000 with "
                                            "{field_rp} (Rp 1.500.000) and {field_terbilang} (in words).")
    sla_days: int = Field(2, ge=1, le=60, description="Working days from the request to the signed letter; "
                                                      "the request is flagged overdue after that.")
    about: Literal["self", "family"] = Field(
        "self", description="Whom a citizen files it for: self (themselves) or family (another member of their "
                            "family card, never themselves: a death, a move). A family letter records its "
                            "reporter, shown as {reporter} in the template.")
    effect: Literal["none", "died", "born", "moved"] = Field(
        "none", description="What issuing the letter does to the register: died marks the resident as died "
                            "and publishes resident.died (needs a date_of_death field); born adds the child to "
                            "the requester's family and publishes resident.born (needs the fields "
                            f"{', '.join(BIRTH_FIELDS)}); moved marks the resident as moved away and publishes "
                            "resident.moved.")

    @model_validator(mode="after")
    def _effect_fields(self):
        needed = {"died": ("date_of_death",), "born": BIRTH_FIELDS}.get(self.effect, ())
        missing = [n for n in needed if n not in {f.name for f in self.fields if f.required}]
        if missing:
            raise ValueError(f"effect {self.effect} needs the required field(s) {', '.join(missing)}")
        by_name = {f.name: f for f in self.fields}
        if self.effect == "born":
            if by_name["child_sex"].type != "choice" or set(by_name["child_sex"].choices) != {"L", "P"}:
                raise ValueError("effect born needs child_sex as a choice of L and P")
            if by_name["child_birth_date"].type != "date" or not by_name["child_birth_date"].required:
                raise ValueError("effect born needs child_birth_date as a required date")
        if self.effect == "died" and by_name["date_of_death"].type != "date":
            raise ValueError("effect died needs date_of_death as a date")
        if self.effect in ("died", "moved") and self.about != "family":
            raise ValueError(f"effect {self.effect} needs about: family (reported by a family member)")
        return self


_f = field

OPENING = ("Yang bertanda tangan di bawah ini Kepala Desa {village}, Kecamatan {district}, {regency}, "
           "menerangkan bahwa:")
PERSON = "Nama: {name}; NIK: {nik}; tempat/tanggal lahir: {birth_place}, {birth_date}; alamat: {address}."
CLOSING = "Demikian surat keterangan ini dibuat untuk dipergunakan sebagaimana mestinya."

DEFAULT_TYPES: dict[str, LetterType] = {
    "domisili": LetterType(
        title={"id": "Surat Keterangan Domisili", "en": "Certificate of domicile"}, archive_code="400.12.2.1",
        fields=[_f("since", "Tinggal sejak", "Living here since", "date"),
                _f("purpose", "Keperluan", "Purpose")],
        template=[OPENING, PERSON, "benar berdomisili di alamat tersebut sejak {since}. Surat ini diberikan untuk "
                                   "keperluan {purpose}.", CLOSING], sla_days=1),
    "usaha": LetterType(
        title={"id": "Surat Keterangan Usaha", "en": "Business certificate"}, code="503", archive_code="500.2.2.4",
        fields=[_f("business_name", "Nama usaha", "Business name"), _f("business_type", "Jenis usaha", "Kind of business"),
                _f("business_address", "Alamat usaha", "Business address"),
                _f("since", "Berdiri sejak", "Running since", "date")],
        template=[OPENING, PERSON, "benar memiliki usaha {business_name} ({business_type}) di {business_address} "
                                   "sejak {since}.", CLOSING], sla_days=2),
    "sktm": LetterType(
        title={"id": "Surat Keterangan Tidak Mampu", "en": "Certificate of low income"}, code="400",
        archive_code="400.3.3.2",
        fields=[_f("income", "Penghasilan keluarga per bulan (Rp)", "Household income per month (Rp)", "rupiah"),
                _f("purpose", "Keperluan", "Purpose", "choice", choices=("Sekolah", "Rumah sakit", "Lainnya"))],
        template=[OPENING, PERSON, "benar termasuk keluarga kurang mampu dengan penghasilan keluarga sekitar "
                                   "{income_rp} ({income_terbilang}) per bulan. Surat ini diberikan untuk keperluan "
                                   "{purpose}.", CLOSING],
        sla_days=1),
    "pengantar_ktp_kk": LetterType(
        title={"id": "Surat Pengantar KTP/KK", "en": "Cover letter for ID card / family card"},
        archive_code="400.12.2.1",
        fields=[_f("document", "Dokumen", "Document", "choice", choices=("KTP", "KK")),
                _f("reason", "Alasan", "Reason", "choice", choices=("Baru", "Hilang", "Perubahan data"))],
        template=[OPENING, PERSON, "mengajukan permohonan {document} ({reason}) kepada Dinas Kependudukan dan "
                                   "Pencatatan Sipil.", CLOSING], sla_days=1),
    "kelahiran": LetterType(
        title={"id": "Surat Keterangan Kelahiran", "en": "Birth certificate letter"}, archive_code="400.12.3.1",
        fields=[_f("child_name", "Nama anak", "Child's name"), _f("child_birth_date", "Tanggal lahir anak",
                                                                   "Child's date of birth", "date"),
                _f("child_birth_place", "Tempat lahir anak", "Child's place of birth"),
                _f("child_sex", "Jenis kelamin anak", "Child's sex", "choice", choices=("L", "P")),
                _f("birth_order", "Anak ke-", "Birth order", "number")],
        template=[OPENING, "telah lahir seorang anak bernama {child_name} ({child_sex}), anak ke-{birth_order}, di "
                           "{child_birth_place} pada {child_birth_date}, dari orang tua:", PERSON, CLOSING],
        sla_days=2, effect="born"),
    "kematian": LetterType(
        title={"id": "Surat Keterangan Kematian", "en": "Death certificate letter"}, archive_code="400.12.3.1",
        fields=[_f("date_of_death", "Tanggal meninggal", "Date of death", "date"),
                _f("place_of_death", "Tempat meninggal", "Place of death"), _f("cause", "Sebab", "Cause"),
                _f("relation", "Hubungan pelapor", "Reporter's relation")],
        template=[OPENING, PERSON, "telah meninggal dunia pada {date_of_death} di {place_of_death} karena {cause}. "
                                   "Dilaporkan oleh {reporter} ({relation}).", CLOSING],
        sla_days=1, about="family", effect="died"),
    "pindah": LetterType(
        title={"id": "Surat Keterangan Pindah", "en": "Certificate of moving away"}, archive_code="400.12.2.2",
        fields=[_f("destination", "Alamat tujuan", "New address"), _f("reason", "Alasan pindah", "Reason"),
                _f("moving_on", "Tanggal pindah", "Moving on", "date"),
                _f("relation", "Hubungan pelapor", "Reporter's relation")],
        template=[OPENING, PERSON, "pindah ke {destination} pada {moving_on} dengan alasan {reason}. "
                                   "Dilaporkan oleh {reporter} ({relation}).", CLOSING],
        sla_days=2, about="family", effect="moved"),
    "pengantar_skck": LetterType(
        title={"id": "Surat Pengantar SKCK", "en": "Cover letter for a police certificate (SKCK)"},
        code="300", archive_code="300.1",
        fields=[_f("purpose", "Keperluan", "Purpose")],
        template=[OPENING, PERSON, "adalah warga kami yang berkelakuan baik dan sepanjang pengetahuan kami tidak "
                                   "sedang tersangkut perkara pidana. Surat pengantar ini diberikan untuk mengurus "
                                   "Surat Keterangan Catatan Kepolisian (SKCK) guna keperluan {purpose}.", CLOSING],
        sla_days=1),
    "pengantar_nikah": LetterType(
        title={"id": "Surat Pengantar Nikah", "en": "Cover letter for marriage"}, code="474.2",
        archive_code="400.12.3.2",
        fields=[_f("partner_name", "Nama calon pasangan", "Name of the future spouse"),
                _f("wedding_on", "Rencana tanggal nikah", "Planned wedding date", "date"),
                _f("office", "Dituju (KUA/Dukcapil)", "To (KUA or civil registry)")],
        template=[OPENING, PERSON, "akan melangsungkan pernikahan dengan {partner_name} yang direncanakan pada "
                                   "{wedding_on}. Surat pengantar ini ditujukan kepada {office}.", CLOSING],
        sla_days=2),
    "datang": LetterType(
        title={"id": "Surat Keterangan Datang", "en": "Certificate of arrival"}, code="474.4",
        archive_code="400.12.2.2",
        fields=[_f("origin", "Alamat asal", "Previous address"),
                _f("arrived_on", "Tanggal datang", "Arrived on", "date")],
        template=[OPENING, PERSON, "benar telah datang dari {origin} dan bertempat tinggal di alamat tersebut "
                                   "sejak {arrived_on}.", CLOSING],
        sla_days=2),
    "ahli_waris": LetterType(
        title={"id": "Surat Keterangan Ahli Waris", "en": "Certificate of heirs"}, code="474.3",
        archive_code="400.12.3.1",
        fields=[_f("deceased_name", "Nama almarhum/almarhumah", "Name of the deceased"),
                _f("deceased_on", "Tanggal meninggal", "Date of death", "date"),
                _f("heirs", "Para ahli waris (nama dan hubungan)", "The heirs (names and relation)"),
                _f("purpose", "Keperluan", "Purpose")],
        template=[OPENING, PERSON, "adalah salah seorang ahli waris dari almarhum/almarhumah {deceased_name} yang "
                                   "meninggal dunia pada {deceased_on}. Para ahli waris yang sah: {heirs}. Surat "
                                   "ini diberikan untuk keperluan {purpose}.", CLOSING],
        sla_days=3),
    "beda_nama": LetterType(
        title={"id": "Surat Keterangan Beda Nama", "en": "Certificate of a name difference"},
        archive_code="400.12.2.1",
        fields=[_f("other_name", "Nama yang tertulis di dokumen lain", "Name written in the other document"),
                _f("other_document", "Dokumen lain", "Other document"), _f("purpose", "Keperluan", "Purpose")],
        template=[OPENING, PERSON, "adalah orang yang sama dengan yang tertulis bernama {other_name} pada "
                                   "{other_document}. Surat ini diberikan untuk keperluan {purpose}.", CLOSING],
        sla_days=1),
    "belum_menikah": LetterType(
        title={"id": "Surat Keterangan Belum Menikah", "en": "Certificate of being unmarried"}, code="474.2",
        archive_code="400.12.3.2",
        fields=[_f("purpose", "Keperluan", "Purpose")],
        template=[OPENING, PERSON, "sepanjang catatan register penduduk desa belum pernah menikah. Surat ini "
                                   "diberikan untuk keperluan {purpose}.", CLOSING],
        sla_days=1),
    "penghasilan_ortu": LetterType(
        title={"id": "Surat Keterangan Penghasilan Orang Tua", "en": "Certificate of parents' income"},
        code="400", archive_code="400.3.3.2",
        fields=[_f("income", "Penghasilan orang tua per bulan (Rp)", "Parents' income per month (Rp)", "rupiah"),
                _f("child_name", "Nama anak", "Child's name"), _f("purpose", "Keperluan", "Purpose")],
        template=[OPENING, PERSON, "adalah orang tua dari {child_name} dengan penghasilan sekitar {income_rp} "
                                   "({income_terbilang}) per bulan. Surat ini diberikan untuk keperluan {purpose}.",
                  CLOSING],
        sla_days=1),
    "pengantar_kk": LetterType(
        title={"id": "Surat Pengantar Perubahan KK", "en": "Cover letter for a family card change"},
        archive_code="400.12.2.1",
        fields=[_f("change", "Perubahan", "Change", "choice",
                   choices=("Tambah anggota", "Kurang anggota", "Perubahan data", "Pisah KK")),
                _f("detail", "Keterangan perubahan", "What changes")],
        template=[OPENING, PERSON, "mengajukan perubahan Kartu Keluarga ({change}): {detail}. Surat pengantar ini "
                                   "ditujukan kepada Dinas Kependudukan dan Pencatatan Sipil.", CLOSING],
        sla_days=1),
}
