"""Core tables: regions, agencies, users and the modules state of an instance."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import db


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(value: datetime | None) -> datetime | None:
    """An aware UTC datetime: SQLite hands back naive values, which egovkit always stores in UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class Region(db.Model):
    """A province, regency/city, district or village (Kemendagri code)."""

    __tablename__ = "core_region"
    code: Mapped[str] = mapped_column(String(13), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(String(10))  # province | regency | district | village
    kind: Mapped[str] = mapped_column(String(12))  # provinsi | kabupaten | kota | kecamatan | desa | kelurahan
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("core_region.code"), index=True)


class RegionHistory(db.Model):
    """A region code as it was before an edition change: renamed, moved, split, merged or retired.

    Records that pointed to a moved, split or merged code point to its successor; the old code,
    its name and parent stay here, so nothing tied to a village loses where it came from.
    """

    __tablename__ = "core_region_history"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(13), index=True)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(String(10))
    parent_code: Mapped[str | None] = mapped_column(String(13))
    change: Mapped[str] = mapped_column(String(10))  # renamed | moved | split | merged | retired | outside
    successor_codes: Mapped[str | None] = mapped_column(String(200))  # comma-separated
    edition_from: Mapped[str] = mapped_column(String(40))
    edition_to: Mapped[str] = mapped_column(String(40))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CodeListEdition(db.Model):
    """Which edition of a code list (egovkit/services/codelists.py) this instance uses: newest row wins."""

    __tablename__ = "core_codelist_edition"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_name: Mapped[str] = mapped_column(String(40), index=True)
    edition: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(String(200), default="")
    applied_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Agency(db.Model):
    """An agency (OPD) of the regency, from the profile."""

    __tablename__ = "core_agency"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    head_title: Mapped[str] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class User(db.Model):
    """An account: staff sign in with their email, citizens with their NIK."""

    __tablename__ = "core_user"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    nik: Mapped[str | None] = mapped_column(String(16), unique=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(120))
    # Civil servant number (NIP, 18 digits), printed under the name of an official who signs documents.
    nip: Mapped[str | None] = mapped_column(String(18))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Part of every session's id: bumping it (sign-out, password reset, disabling) ends all sessions.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    # A registered citizen account is pending until activated (a code sent to the phone in the population
    # register, or the village office): signed in, it holds no permission (egovkit.auth.scope).
    pending: Mapped[bool] = mapped_column(Boolean, default=False)
    locale: Mapped[str | None] = mapped_column(String(8))  # the language of messages to this person
    roles: Mapped[list["RoleAssignment"]] = relationship(back_populates="user", cascade="all, delete-orphan")

    # Flask-Login
    @property
    def is_active(self) -> bool:
        return self.active

    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_epoch}"

    def end_sessions(self) -> None:
        """Invalidate every open session of this account (on every device)."""
        self.session_epoch = (self.session_epoch or 0) + 1

    def has_role(self, role: str) -> bool:
        return any(r.role == role for r in self.roles)

    @property
    def login(self) -> str:
        return self.email or self.nik or f"user {self.id}"


class RoleAssignment(db.Model):
    """A role held by a user, optionally scoped to a region subtree and/or an agency."""

    __tablename__ = "core_role_assignment"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(40))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("core_region.code"))
    agency_code: Mapped[str | None] = mapped_column(ForeignKey("core_agency.code"))
    user: Mapped[User] = relationship(back_populates="roles")


class ModuleState(db.Model):
    """Which modules an instance has installed, at which version, and whether enabled."""

    __tablename__ = "core_module"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[str] = mapped_column(String(32))
    enabled: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class LoginCounter(db.Model):
    """Sign-in attempts counted per bucket (an account and an address, an account, a trusted browser, an
    account's two-factor codes) since the start of its window; reserved atomically before a password or a code
    is checked (egovkit.auth.throttle). Bucket names are hashes: no login or address is kept here."""

    __tablename__ = "core_login_counter"
    __audit__ = False  # sign-ins are audited as such (egovkit.auth.views)
    bucket: Mapped[str] = mapped_column(String(80), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    count: Mapped[int] = mapped_column(Integer)


class UserTotp(db.Model):
    """An account's confirmed authenticator (TOTP) secret, encrypted with a key derived from the instance
    secret; last_step is the last accepted 30-second step, so a code is accepted once."""

    __tablename__ = "core_user_totp"
    __audit_redact__ = ("secret",)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id", ondelete="CASCADE"), primary_key=True)
    secret: Mapped[str] = mapped_column(String(255))
    last_step: Mapped[int | None] = mapped_column(BigInteger)
    enrolled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RecoveryCode(db.Model):
    """A single-use recovery code for two-factor sign-in (its SHA-256; the code is shown once)."""

    __tablename__ = "core_recovery_code"
    __audit__ = False  # enrolment and resets are audited as such (egovkit.auth.signin, users reset-2fa)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PortalHome(db.Model):
    """What the regency edits of its portal home (one row, id 1): the profile's values are the defaults
    (egovkit.web.portal). Logo and banner are stored uploads (egovkit.services.uploads)."""

    __tablename__ = "core_portal_home"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    welcome: Mapped[str | None] = mapped_column(String(400))
    services: Mapped[str | None] = mapped_column(String(2000))  # JSON list of module names, in order; None: all
    address: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(30))
    email: Mapped[str | None] = mapped_column(String(120))
    hours: Mapped[str | None] = mapped_column(String(1000))  # opening hours, one line each
    logo: Mapped[str | None] = mapped_column(String(40))
    banner: Mapped[str | None] = mapped_column(String(40))
    banner_size: Mapped[str | None] = mapped_column(String(20))  # "1200x300": width and height for the page
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
