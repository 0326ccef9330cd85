"""Module manifests, discovery and the enabled set.

A module declares itself once, in its package's ``MODULE`` object. Everything
heavy (models, views, CLI, demo data) is named by import path and imported
only when the module is enabled, so a disabled module leaves no routes, no
menu entry and no tables.
"""
from __future__ import annotations

import importlib
import re
import pkgutil
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

ENTRY_POINT_GROUP = "egovkit.modules"
BUNDLED_PACKAGE = "egovkit_modules"


def import_path(target: str) -> Any:
    """What "package.module" or "package.module:attribute" names (manifests, event handlers, hooks)."""
    module_name, _, attribute = target.partition(":")
    imported = importlib.import_module(module_name)
    return getattr(imported, attribute) if attribute else imported


class Settings(BaseModel):
    """Base for a module's settings: unknown keys are profile errors."""

    model_config = ConfigDict(extra="forbid")

    def check_profile(self, schema) -> list[tuple[tuple, str]]:
        """Problems of these settings against the rest of the profile (e.g. an agency code the profile
        does not define), as (path under the module's settings, message); none by default."""
        return []


class ModuleError(Exception):
    """A module set that cannot be enabled (unknown, missing requirement, cycle)."""


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    title: dict[str, str]  # {"id": ..., "en": ...}
    public: bool = True  # shown to visitors who are not signed in
    permission: str | None = None  # when set, shown only to holders of this permission
    # "package.module:function" -> bool, asked per page after the permission: whether the viewer's reach
    # holds anything here (e.g. a role that has the permission in another agency reaches no record)
    when: str | None = None


@dataclass(frozen=True)
class DocumentType:
    """A kind of document a module issues (egovkit.services.documents): its classification code and numbering."""

    name: str  # "<module>.<thing>"
    code: str  # e.g. "470" (population affairs) or "PENG"
    numbering: str = "{seq:03d}/{code}/{scope}/{year}"
    # The workflow whose case is about the same record (who may act on the document, e.g. make a one-time
    # print code for it: egovkit.services.printcodes); None: the workflow named like the type.
    workflow: str | None = None


@dataclass(frozen=True)
class Tracking:
    """A module's public tracking by code (workflow.tracking_code()): the kiosk sends a typed or scanned
    code to the module that knows it, and a one-time print code finds the document through it."""

    endpoint: str  # the public tracking page; it takes ?code=...
    find: str  # "package.module:function": tracking code -> the record's id (str) or None
    document: str | None = None  # the DocumentType name a tracked record is issued as (self-print), if any


COLUMN_TYPES = ("string", "integer", "number", "year", "month", "count", "money")
# Columns that would carry a person: an open dataset cannot declare them (egovkit.services.opendata).
PERSONAL_COLUMNS = re.compile(r"(^|_)(nik|kk|no_kk|name|nama|address|alamat|phone|telepon|hp|email|birth|lahir|"
                              r"npwp|npwpd|nib|rt|rw|user|person|orang|penduduk_id|resident)(_|$)")


@dataclass(frozen=True)
class DatasetColumn:
    """One column of an open dataset. ``count``: a number of records, suppressed below the profile's
    threshold; ``money``: a sum in Rupiah, suppressed with the row when the dataset's ``guard`` count is."""

    name: str
    type: str
    title: dict[str, str]

    def __post_init__(self):
        if self.type not in COLUMN_TYPES:
            raise ValueError(f"dataset column {self.name!r}: type {self.type!r} is not one of {COLUMN_TYPES}")
        if not re.match(r"^[a-z][a-z0-9_]{0,39}$", self.name) or PERSONAL_COLUMNS.search(self.name):
            raise ValueError(f"dataset column {self.name!r}: not a column an open dataset may have (lowercase "
                             "name; never a person's NIK, name, address or contact)")


@dataclass(frozen=True)
class Dataset:
    """An aggregate dataset a module publishes as open data (egovkit.services.opendata): never rows about
    one person. ``rows``: "pkg.mod:func() -> iterable of dicts" keyed by the columns' names."""

    name: str  # unique within the module: the address is /data/<module>/<name>
    title: dict[str, str]
    description: dict[str, str]
    rows: str
    columns: tuple[DatasetColumn, ...]
    frequency: str = "monthly"  # daily | weekly | monthly | annual (dct:accrualPeriodicity)
    licence: str | None = None  # a licence URL; None: the profile's open_data.licence
    # A count column: a row's money columns are suppressed with it (a sum of few payers is one payer's
    # figure). None: money is published as it is (public finances, such as a desa's APBDes).
    guard: str | None = None
    keywords: tuple[str, ...] = ()

    def __post_init__(self):
        if not re.match(r"^[a-z][a-z0-9-]{1,59}$", self.name):
            raise ValueError(f"dataset name {self.name!r}: lowercase letters, digits and dashes")
        if self.frequency not in FREQUENCIES:
            raise ValueError(f"dataset {self.name}: frequency {self.frequency!r} is not one of {tuple(FREQUENCIES)}")
        names = [c.name for c in self.columns]
        if not names or len(set(names)) != len(names):
            raise ValueError(f"dataset {self.name}: columns must be given, each once")
        if self.guard is not None and self.guard not in {c.name for c in self.columns if c.type == "count"}:
            raise ValueError(f"dataset {self.name}: its guard {self.guard!r} is not one of its count columns")


@dataclass(frozen=True)
class Tile:
    """A figure a module gives the regent's dashboard (egovkit/web/dashboard.py). ``figure``:
    "pkg.mod:func", ``func(reach, region) -> egovkit.services.tiles.Figure | None`` (None: nothing to show
    for that region); the core calls it only while the module is enabled, within the viewer's reach, and
    caches what it returns."""

    name: str  # unique within the module
    title: dict[str, str]
    figure: str


# The kinds of government service a module may be (Perpres 95/2018 art. 34: the administration services
# of a government; art. 35: public services), which the SPBE evaluation's service indicators ask about.
SERVICE_KINDS = {
    "planning": "development planning (perencanaan)",
    "budgeting": "budgeting (penganggaran)",
    "finance": "financial administration (keuangan)",
    "procurement": "procurement of goods and services (pengadaan barang dan jasa)",
    "staffing": "staff administration (kepegawaian)",
    "archives": "dynamic archives (kearsipan dinamis)",
    "assets": "regional property (pengelolaan barang milik daerah)",
    "supervision": "internal supervision (pengawasan internal)",
    "performance": "performance accountability of the organisation (akuntabilitas kinerja)",
    "staff_performance": "staff performance (kinerja pegawai)",
    "complaints": "public complaints (pengaduan pelayanan publik)",
    "legal_information": "legal documentation and information (JDIH)",
    "public": "a public service of a sector (layanan publik sektor: letters, permits, social aid, ...)",
}


FREQUENCIES = {"daily": "http://purl.org/cld/freq/daily", "weekly": "http://purl.org/cld/freq/weekly",
               "monthly": "http://purl.org/cld/freq/monthly", "annual": "http://purl.org/cld/freq/annual"}


@dataclass(frozen=True)
class Module:
    name: str
    version: str
    title: dict[str, str]
    description: dict[str, str] = field(default_factory=dict)
    requires: tuple[str, ...] = ()
    settings: type[Settings] = Settings
    permissions: dict[str, tuple[str, ...]] = field(default_factory=dict)  # permission -> default roles
    # "package.module" or "package.module:attribute", imported only when enabled
    models: str | None = None
    blueprint: str | None = None
    cli: str | None = None
    demo: str | None = None  # seed(app) -> None: demo data for `init --demo`
    # widget() -> Markup | None: a box on the portal home page, the same for every viewer (public content:
    # kept up to 30 s per language like a public page, until the module calls egovkit.web.cache.invalidate())
    home: str | None = None
    events: dict[str, str] = field(default_factory=dict)  # event name -> "package.module:handler"
    # questions the core asks modules, hook name -> "package.module:function" (e.g. "identity.phone":
    # the phone number the module's register holds for a NIK; see egovkit.auth.identity)
    hooks: dict[str, str] = field(default_factory=dict)
    workflows: str | None = None  # "package.module:WORKFLOWS", a list of egovkit.services.workflow.Workflow
    api: str | None = None  # "package.module:api", an egovkit.api.ApiBlueprint
    api_scopes: tuple[str, ...] = ()  # token scopes its API checks, e.g. "announcements:read"
    documents: tuple[DocumentType, ...] = ()  # documents it issues; numbering may be changed by the profile
    nav: tuple[NavItem, ...] = ()
    tracking: Tracking | None = None  # public tracking by code (the kiosk, self-print of issued documents)
    datasets: tuple[Dataset, ...] = ()  # aggregate open data it publishes (egovkit.services.opendata)
    tiles: tuple[Tile, ...] = ()  # figures for the regent's dashboard (egovkit.services.tiles)
    # which kind of government service it is (SERVICE_KINDS), or None for none of them (an internal
    # tool such as the news desk's approvals): the SPBE evaluation counts its use under that kind
    service_kind: str | None = None
    # tables kept by database triggers from the module's other tables (per-village counters): moving
    # records to a new region code (egovkit wilayah update) leaves these to their triggers
    derived_tables: tuple[str, ...] = ()
    # a manifest of the module's versioned code lists, in its package (egovkit/services/codelists.py)
    codelists: str | None = None
    package: str = ""  # set by discovery when empty

    @property
    def table_prefix(self) -> str:
        return self.name + "_"

    @property
    def version_table(self) -> str:
        return f"alembic_version_{self.name}"

    @property
    def root(self) -> Path:
        return Path(importlib.import_module(self.package).__file__).parent

    @property
    def migrations_dir(self) -> Path:
        return self.root / "migrations" / "versions"

    def load(self, attr: str) -> Any:
        """Import what ``attr`` names (e.g. ``self.blueprint``)."""
        target = getattr(self, attr)
        return None if target is None else import_path(target)

    def t(self, field_name: str, locale: str) -> str:
        texts = getattr(self, field_name)
        return texts.get(locale) or texts.get("en") or next(iter(texts.values()), self.name)


MODULE_NAME = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


def _check(module: Any, origin: str) -> Module:
    if not isinstance(module, Module):
        raise ModuleError(f"{origin}: MODULE is not an egovkit.modules.Module")
    if not MODULE_NAME.match(module.name) or module.name == "core":
        raise ModuleError(f"{origin}: module name {module.name!r} must be lowercase letters, digits and "
                          "underscores (and not 'core'): it prefixes the module's tables")
    if module.service_kind is not None and module.service_kind not in SERVICE_KINDS:
        raise ModuleError(f"{origin}: service_kind {module.service_kind!r} is none of "
                          f"{', '.join(SERVICE_KINDS)}")
    return module


@lru_cache(maxsize=1)
def _discover() -> tuple[dict[str, Module], dict[str, str]]:
    found: dict[str, Module] = {}
    broken: dict[str, str] = {}
    bundled = importlib.import_module(BUNDLED_PACKAGE)
    for info in sorted(pkgutil.iter_modules(bundled.__path__), key=lambda i: i.name):
        if not info.ispkg:
            continue
        package = f"{BUNDLED_PACKAGE}.{info.name}"  # a bundled module that fails is a bug: let it raise
        module = _check(getattr(importlib.import_module(package), "MODULE", None), package)
        found[module.name] = _with_package(module, package)
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        # An installed package that fails to load must not take the kit down: it is reported instead.
        try:
            module = _check(ep.load(), f"entry point {ep.name} = {ep.value}")
        except Exception as exc:
            broken[ep.name] = f"{ep.value}: {exc.__class__.__name__}: {exc}"
            continue
        clash = next((n for n in found if n == module.name or n.startswith(module.name + "_")
                      or module.name.startswith(n + "_")), None)
        if clash:
            broken[module.name] = (f"{ep.value}: its name collides with module {clash!r} "
                                   "(names and table prefixes must not overlap)")
            continue
        found[module.name] = _with_package(module, ep.module)
    return found, broken


def available() -> dict[str, Module]:
    """Every module this installation can offer: bundled ones and entry points."""
    return _discover()[0]


def broken() -> dict[str, str]:
    """Installed modules that could not be loaded, with the reason."""
    return _discover()[1]


available.cache_clear = _discover.cache_clear  # tests install modules on the fly


def _with_package(module: Module, package: str) -> Module:
    return module if module.package else replace(module, package=package)


def resolve(names: list[str] | set[str], modules: dict[str, Module] | None = None) -> list[Module]:
    """The modules to enable, requirements first; raises ModuleError."""
    modules = available() if modules is None else modules
    wanted = set(names)
    for name in sorted(wanted):
        if name not in modules:
            raise ModuleError(f"unknown module {name!r}")
        for req in modules[name].requires:
            if req not in modules:
                raise ModuleError(f"module {name!r} requires {req!r}, which is not installed")
            if req not in wanted:
                raise ModuleError(f"module {name!r} requires {req!r}: enable {req!r} in the profile too")
    ordered: list[Module] = []
    state: dict[str, str] = {}

    def visit(name: str, path: list[str]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            raise ModuleError("module requirements form a cycle: " + " -> ".join(path + [name]))
        state[name] = "visiting"
        for req in modules[name].requires:
            visit(req, path + [name])
        state[name] = "done"
        ordered.append(modules[name])

    for name in sorted(wanted):
        visit(name, [])
    return ordered
