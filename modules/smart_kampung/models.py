from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from egovkit.auth.scope import Scope
from egovkit.db import db
from egovkit.models import utcnow


class Family(db.Model):
    """A household on one family card (KK)."""

    __tablename__ = "smart_kampung_family"
    __scope__ = Scope(region="village_code")
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kk_number: Mapped[str] = mapped_column(String(16), unique=True)
    village_code: Mapped[str] = mapped_column(ForeignKey("core_region.code"), index=True)
    address: Mapped[str] = mapped_column(String(200))
    rt: Mapped[str] = mapped_column(String(3))
    rw: Mapped[str] = mapped_column(String(3))


class Resident(db.Model):
    """A person in the village register, identified by NIK."""

    __tablename__ = "smart_kampung_resident"
    __scope__ = Scope(region="village_code")
    __table_args__ = (Index("ix_smart_kampung_resident_village_name", "village_code", "name_key"),
                      # the residents list's other orders (migration smart_kampung_0008)
                      Index("ix_smart_kampung_resident_village_birth", "village_code", "birth_date"),
                      Index("ix_smart_kampung_resident_village_rwrt", "village_code", "rw", "rt", "name_key"),
                      Index("ix_smart_kampung_resident_birth", "birth_date"),
                      # the regency's list in name order, read from the index alone (smart_kampung_0009)
                      Index("ix_smart_kampung_resident_status_name", "status", "name_key"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nik: Mapped[str | None] = mapped_column(String(16), unique=True)  # None: a newborn awaiting Dukcapil
    name: Mapped[str] = mapped_column(String(120))
    name_key: Mapped[str] = mapped_column(String(120), index=True)  # lower case, for prefix search
    sex: Mapped[str] = mapped_column(String(1))
    birth_place: Mapped[str] = mapped_column(String(60))
    birth_date: Mapped[date] = mapped_column(Date)
    religion: Mapped[str] = mapped_column(String(20))
    education: Mapped[str] = mapped_column(String(24))
    occupation: Mapped[str] = mapped_column(String(60))
    marital_status: Mapped[str] = mapped_column(String(16))
    relation: Mapped[str] = mapped_column(String(20))
    family_id: Mapped[int | None] = mapped_column(ForeignKey("smart_kampung_family.id"), index=True)
    # indexed as the first column of (village_code, name_key) and the others above
    village_code: Mapped[str] = mapped_column(ForeignKey("core_region.code"))
    address: Mapped[str] = mapped_column(String(200))
    rt: Mapped[str] = mapped_column(String(3))
    rw: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(8), default="alive")  # alive | moved | died
    # Recorded by the village office: where activation and password reset codes for this NIK's account go.
    phone: Mapped[str | None] = mapped_column(String(20))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class PopulationCount(db.Model):
    """Living residents per village, sex and birth year: the dashboard's figures without reading every
    resident. Kept exact by database triggers (migration smart_kampung_0005) on every change of
    smart_kampung_resident; the application never writes it."""

    __tablename__ = "smart_kampung_population"
    __table_args__ = {"sqlite_with_rowid": False}  # rows stored in key order: a trigger's update is one lookup
    __scope__ = Scope(region="village_code")
    __audit__ = False
    village_code: Mapped[str] = mapped_column(String(13), primary_key=True)
    sex: Mapped[str] = mapped_column(String(1), primary_key=True)
    birth_year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(Integer)


class PopulationTotal(db.Model):
    """PopulationCount summed over the regency (sex, birth year: ~190 rows), kept by the same triggers
    (migration smart_kampung_0006): the regency dashboard's pyramid without summing every village's rows."""

    __tablename__ = "smart_kampung_population_total"
    __table_args__ = {"sqlite_with_rowid": False}
    __audit__ = False
    sex: Mapped[str] = mapped_column(String(1), primary_key=True)
    birth_year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(Integer)


class FamilyCount(db.Model):
    """Family cards per village, kept by triggers on smart_kampung_family like PopulationCount."""

    __tablename__ = "smart_kampung_family_count"
    __table_args__ = {"sqlite_with_rowid": False}
    __scope__ = Scope(region="village_code")
    __audit__ = False
    village_code: Mapped[str] = mapped_column(String(13), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class Letter(db.Model):
    """A request for a village letter, followed through the smart_kampung.letter workflow."""

    __tablename__ = "smart_kampung_letter"
    __scope__ = Scope(region="village_code", owner="citizen_id")
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(12), unique=True)  # public: status only, no personal data
    letter_type: Mapped[str] = mapped_column(String(40))
    resident_id: Mapped[int] = mapped_column(ForeignKey("smart_kampung_resident.id"), index=True)
    village_code: Mapped[str] = mapped_column(ForeignKey("core_region.code"), index=True)
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), index=True)
    fields: Mapped[str] = mapped_column(Text)  # JSON: the answers to the letter type's fields
    case_id: Mapped[int | None] = mapped_column(ForeignKey("core_case.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    child_id: Mapped[int | None] = mapped_column(ForeignKey("smart_kampung_resident.id"))  # added by a birth letter
    # Who reported a letter about someone else (a death, a move): a member of the same family card.
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("smart_kampung_resident.id"))


class LetterHistory(db.Model):
    """A letter another system issued before the kit (OpenSID's log_surat), kept read-only on the resident's
    record: what it was, its number, date and signer as printed. Made and updated only by an import (upsert
    by ``source_key``); it has no case or document, and the kit never issues or changes it."""

    __tablename__ = "smart_kampung_letter_history"
    __scope__ = Scope(region="village_code")
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_key: Mapped[str] = mapped_column(String(80), unique=True)  # e.g. opensid:35.10.01.2001:log_surat.12
    resident_id: Mapped[int] = mapped_column(ForeignKey("smart_kampung_resident.id"), index=True)
    village_code: Mapped[str] = mapped_column(ForeignKey("core_region.code"), index=True)
    letter_type: Mapped[str | None] = mapped_column(String(40))  # one of the kit's letter types, when one matches
    kind: Mapped[str] = mapped_column(String(100))  # the source's name of the letter (tweb_surat_format.nama)
    number: Mapped[str] = mapped_column(String(40))
    issued_on: Mapped[date] = mapped_column(Date)
    signer: Mapped[str | None] = mapped_column(String(100))  # as printed (log_surat.nama_pamong), when recorded


class HousingProposal(db.Model):
    """An RTLH proposal: a household's house, surveyed and scored, with photos."""

    __tablename__ = "smart_kampung_rtlh"
    __scope__ = Scope(region="village_code")
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("smart_kampung_resident.id"), index=True)
    village_code: Mapped[str] = mapped_column(ForeignKey("core_region.code"), index=True)
    survey: Mapped[str] = mapped_column(Text)  # JSON: criterion -> answer
    score: Mapped[int] = mapped_column(Integer)
    photos: Mapped[str] = mapped_column(Text, default="[]")  # JSON: stored upload names
    case_id: Mapped[int | None] = mapped_column(ForeignKey("core_case.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Mutation(db.Model):
    """One line of the Buku Mutasi Penduduk Desa: a change of the register (born, died, moved out, moved in,
    added, corrected), in the village where it happened. ``key`` makes a change from an event happen once
    however often the event is delivered (e.g. ``letter:12:died``)."""

    __tablename__ = "smart_kampung_mutation"
    __table_args__ = (Index("ix_smart_kampung_mutation_village_date", "village_code", "on_date"),)
    __scope__ = Scope(region="village_code")
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("smart_kampung_resident.id"), index=True)
    village_code: Mapped[str] = mapped_column(ForeignKey("core_region.code"))
    kind: Mapped[str] = mapped_column(String(12))  # born | died | moved_out | moved_in | added | corrected
    on_date: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(120))  # as it was then: the book keeps history
    other_village: Mapped[str | None] = mapped_column(String(13))  # destination or origin of a move
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("smart_kampung_letter.id"))
    note: Mapped[str] = mapped_column(String(300), default="")
    key: Mapped[str | None] = mapped_column(String(60), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Arrival(db.Model):
    """A resident moving in from another village of the regency, waiting for the destination village's operator
    to accept them into a family card there. One per move (``key``), however often its event is delivered."""

    __tablename__ = "smart_kampung_arrival"
    __scope__ = Scope(region="to_village")
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("smart_kampung_resident.id"), index=True)
    from_village: Mapped[str] = mapped_column(String(13))
    to_village: Mapped[str] = mapped_column(ForeignKey("core_region.code"), index=True)
    moving_on: Mapped[date] = mapped_column(Date)
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("smart_kampung_letter.id"))
    state: Mapped[str] = mapped_column(String(10), default="pending")  # pending | accepted
    family_id: Mapped[int | None] = mapped_column(ForeignKey("smart_kampung_family.id"))
    key: Mapped[str] = mapped_column(String(60), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class StatCount(db.Model):
    """Residents per village, dimension (education, occupation, religion, marital, rtrw: living residents;
    status: every resident), value and sex. Kept exact by database triggers (migration smart_kampung_0008)
    like PopulationCount; the application never writes it."""

    __tablename__ = "smart_kampung_stat"
    __table_args__ = {"sqlite_with_rowid": False}
    __scope__ = Scope(region="village_code")
    __audit__ = False
    dim: Mapped[str] = mapped_column(String(10), primary_key=True)
    village_code: Mapped[str] = mapped_column(String(13), primary_key=True)
    value: Mapped[str] = mapped_column(String(60), primary_key=True)
    sex: Mapped[str] = mapped_column(String(1), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
