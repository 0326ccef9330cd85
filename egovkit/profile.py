"""Profiles: one regency's choice of modules and settings, in YAML.

Loading reads the file and every profile it ``extends``, merges them (maps
deep-merge, lists and the ``regency`` block replace, ``modules.X: false``
switches a parent's module off), validates the result against one typed
declaration per setting, and reports every problem as ``file:line: field:
message``.
"""
from __future__ import annotations

import copy
import difflib
import re
from datetime import date
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin  # noqa: F401

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .modules import Module, ModuleError, Settings, available, broken, resolve
from .wilayah import data as wilayah

PROFILE_NAME = r"^[a-z][a-z0-9-]{1,62}$"
TIMEZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")


# ----------------------------------------------------------------- schema
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Colors(_Strict):
    primary: str = Field("#0b6e4f", pattern=r"^#[0-9a-fA-F]{6}$", description="Main colour of the header and buttons (#rrggbb).")
    secondary: str = Field("#f4a259", pattern=r"^#[0-9a-fA-F]{6}$", description="Accent colour (#rrggbb).")


class Regency(_Strict):
    code: str = Field(pattern=r"^\d{2}\.\d{2}$", description="Kemendagri code of the regency or city, e.g. \"35.10\" (quote it in YAML).")
    name: str = Field(min_length=3, description="Official name, e.g. Kabupaten Banyuwangi.")
    capital: str | None = Field(None, description="Seat of government (ibu kota), e.g. Banyuwangi.")
    tagline: str | None = Field(None, description="Short motto shown under the name.")
    logo: str | None = Field(None, pattern=r"^[A-Za-z0-9_][A-Za-z0-9_/-]*\.(png|jpg|jpeg|svg|webp)$",
                             description="Logo image (.png, .jpg, .svg or .webp) beside the profile file; init copies "
                                         "it into the instance folder.")
    colors: Colors = Field(default_factory=Colors, description="Colours of the web pages.")


class Agency(_Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,31}$", description="Short code, lowercase, e.g. diskominfo.")
    name: str = Field(min_length=3, description="Full name of the agency (OPD).")
    head_title: str = Field("Kepala", description="Title of its head, e.g. Kepala Dinas.")


class Office(_Strict):
    address: str = Field(min_length=3, max_length=200, description="Street address printed in the letterhead, "
                                                                   "e.g. Jl. Raya Sarongan No. 1.")
    postcode: str | None = Field(None, pattern=r"^\d{5}$", description="Postcode (kode pos), five digits.")
    phone: str | None = Field(None, max_length=30, description="Office telephone printed in the letterhead.")
    email: str | None = Field(None, max_length=120, description="Office email printed in the letterhead.")
    place: str | None = Field(None, max_length=60, description="Place written before the date of its letters "
                                                               "(default: the village or district name, or the "
                                                               "regency's capital).")


class Terminology(_Strict):
    regency: Literal["kabupaten", "kota"] | None = Field(None, description="What the regency is called; default from the region data.")
    district: str | None = Field(None, description="What a district is called (kecamatan, distrik); default from the region data.")
    village: str | None = Field(None, description="What a village is called (desa, gampong, nagari); default from the region data.")


class RoleDef(_Strict):
    scope: Literal["regency", "district", "village", "agency", "self"] = Field(
        description="What an assignment of the role is tied to: the whole regency, one district, one village, "
                    "one agency (OPD), or a citizen's own records.")
    title: dict[Literal["id", "en"], str] = Field(description="Name of the role in each language.")


class TransitionOverride(_Strict):
    roles: list[str] | None = Field(None, description="The roles that may fire it, instead of the module's default.")
    separate: bool | None = Field(None, description="Four eyes: whoever made the case's previous step may not fire "
                                                    "it (e.g. whoever verified a letter does not sign it), even when "
                                                    "they hold both roles; the module's default when absent.")


class WorkflowOverride(_Strict):
    transitions: dict[str, TransitionOverride] = Field(default_factory=dict,
                                                       description="Transition name -> who may fire it.")
    sla: dict[str, int] = Field(default_factory=dict,
                                description="State -> working days a case may wait there (0: no limit).")


TWO_FACTOR_ROLES = ("admin", "bupati", "sekda", "opd_head", "camat", "kepala_desa")


class SignIn(_Strict):
    two_factor_roles: list[str] = Field(
        default_factory=lambda: list(TWO_FACTOR_ROLES),
        description="Roles whose holders must confirm every sign-in with a code from an authenticator app (TOTP) "
                    "after the password; at their first sign-in they enrol by scanning a QR code. `[]` turns "
                    "two-factor sign-in off. API tokens are not affected.")
    attempts_per_address: int = Field(
        5, ge=1, le=100,
        description="Passwords that may be tried against one account from one address (or from one browser the "
                    "account signed in from before) in the window; further attempts from there wait. Also the "
                    "number of wrong two-factor codes an account may enter in the window.")
    attempts_per_account: int = Field(
        20, ge=1, le=1000,
        description="Passwords that may be tried against one account from all addresses together in the window, "
                    "not counting browsers the account signed in from before (their owner is never locked out "
                    "by others).")
    window_minutes: int = Field(15, ge=1, le=1440, description="How long failed sign-in attempts are counted.")


class OpenData(_Strict):
    """The regency's open data (Satu Data Indonesia): aggregate datasets of its modules (docs/open-data.md)."""

    suppress_below: int = Field(
        5, ge=2, le=100,
        description="Counts from 1 to this number minus one are published as suppressed (small cells could "
                    "single a person out); sums guarded by such a count are suppressed with it.")
    licence: str = Field("https://creativecommons.org/licenses/by/4.0/",
                         description="Licence of the datasets (a URL), unless a dataset names its own.")
    publisher: str | None = Field(None, description="Publisher named in the catalogue (the data custodian, "
                                                    "wali data); default: the regency's government.")


class Kiosk(_Strict):
    """The public information lounge (anjungan): a touch screen in kiosk mode (docs/kiosk.md)."""

    idle_seconds: int = Field(
        90, ge=5, le=3600,
        description="Seconds without a touch after which a kiosk screen goes back to its start page and forgets "
                    "everything (session, filled forms, a letter on screen).")
    services: list[str] = Field(
        default_factory=list,
        description="The tiles of the kiosk start page, in order: endpoints of public menu entries of enabled "
                    "modules (e.g. announcements.index), `kiosk.track` (track any request by code) and "
                    "`kiosk.print` (print an issued letter with a one-time code). Empty: all of them.")
    print_code_hours: int = Field(
        4, ge=1, le=72,
        description="Hours a one-time print code stays valid (it works once).")
    print_attempts: int = Field(
        5, ge=1, le=50,
        description="Wrong print codes a kiosk accepts for one tracking code in the sign-in window "
                    "(sign_in.window_minutes); further attempts wait.")


class Retention(_Strict):
    """How long personal data kept for a purpose stays (UU 27/2022 PDP: no longer than the purpose needs)."""

    import_files_days: int = Field(
        7, ge=1, le=366,
        description="Days an uploaded import file (e.g. residents CSV) and its rejects file are kept before "
                    "`egovkit files expire` removes them. An upload is removed as soon as its import ends; "
                    "the rejects file stays this long for the operator to correct and send again.")
    audit_personal_years: int = Field(
        5, ge=1, le=30,
        description="Years after which `egovkit audit redact` replaces personal values (NIK, KK number, phone, "
                    "birth date, residents' names) in audit entries by their keyed hash: the trail keeps what "
                    "changed, who and when. 5 years covers the period in which a tax assessment may still be "
                    "issued or corrected (UU KUP art. 13) and complaints about a service are decided; set "
                    "your own from the regency's Jadwal Retensi Arsip.")


def _default_roles() -> dict[str, RoleDef]:
    from .auth.roles import default_roles

    return {name: RoleDef.model_validate(value) for name, value in default_roles().items()}


class ProfileSchema(_Strict):
    name: str = Field(pattern=PROFILE_NAME, description="Profile name: lowercase letters, digits and dashes.")
    extends: str | None = Field(None, description="Name (or path) of the profile this one copies and changes.")
    regency: Regency = Field(description="The regency or city this instance serves. Not inherited piecemeal: a child that sets it replaces it whole.")
    locale: Literal["id", "en"] = Field("id", description="Default language of the pages.")
    timezone: Literal[TIMEZONES] = Field("Asia/Jakarta", description="WIB Asia/Jakarta, WITA Asia/Makassar or WIT Asia/Jayapura.")
    terminology: Terminology = Field(default_factory=Terminology, description="Local words for regency, district and village.")
    agencies: list[Agency] = Field(default_factory=list, description="The agencies (OPD) of the regency.")
    roles: dict[str, RoleDef] = Field(
        default_factory=_default_roles,
        description="Roles users can hold. The defaults (egovkit/data/roles.yaml, listed in the default column) "
                    "are kept; entries here add roles or change them.")
    permissions: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Permission -> the roles that hold it, replacing the module's default (admin always holds "
                    "every permission). `egovkit profile describe` lists the permissions of each module.")
    workflows: dict[str, WorkflowOverride] = Field(
        default_factory=dict,
        description="Workflow name -> changes: who may fire each transition (delegation) and each state's SLA. "
                    "`egovkit workflows show NAME` lists a workflow's states, transitions and defaults.")
    numbering: dict[str, str] = Field(
        default_factory=dict,
        description="Document type -> numbering pattern, e.g. \"{seq:03d}/{code}/{scope}/{year}\". Fields: seq, code "
                    "(the type's classification code), regency, scope (e.g. the village code), year, month, roman "
                    "(the month in Roman numerals).")
    offices: dict[str, Office] = Field(
        default_factory=dict,
        description="Region code (the regency, a district or a village) or agency code -> its office: address, "
                    "postcode, phone, printed in the letterhead (kop surat) of the documents it issues.")
    holidays: list[date] = Field(default_factory=list,
                                 description="Extra days off (cuti bersama, local holidays) on top of the national "
                                             "public holidays, for SLAs in working days.")
    sign_in: SignIn = Field(default_factory=SignIn, description="Sign-in: two-factor codes and throttling.")
    retention: Retention = Field(default_factory=Retention,
                                 description="How long personal data kept for a while stays (docs/privacy.md).")
    kiosk: Kiosk = Field(default_factory=Kiosk, description="Kiosk mode of public touch screens (anjungan).")
    open_data: OpenData = Field(default_factory=OpenData, description="Open data: small-cell suppression, "
                                                                      "licence, publisher.")
    modules: dict[str, Any] = Field(
        default_factory=dict,
        description="Module name -> settings. `{}`, `true` or nothing switches it on with defaults, "
                    "`false` off; absent is off. In a profile that extends another, `{...}` changes only the "
                    "settings it names (maps merge) and `true` restores the module's defaults.")


# ----------------------------------------------------------------- errors
@dataclass
class Problem:
    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ProfileError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


# ----------------------------------------------------------------- YAML
class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans (only true/false), no duplicate keys and no aliases."""

    def compose_node(self, parent, index):
        # An alias (*name) repeats a node; nested ones grow a 3 KB file into billions of values ("billion
        # laughs"), and a profile has nothing to repeat that `extends` does not already do.
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, f"aliases (*{event.anchor}) are not allowed in a "
                                              "profile: write the value out, or use extends", event.start_mark)
        return super().compose_node(parent, index)


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


_parsed: dict[tuple, tuple[dict, dict[tuple, int]]] = {}  # (shown name, text) -> parse (copies handed out)


def _read_yaml(path: Path) -> tuple[dict, dict[tuple, int]]:
    """Parse a file into plain data and a map of field path -> line number.

    Parses of the same text are kept per process: every app start and CLI command reads the profile and
    the bundled profiles it extends, and parsing with line numbers was the slow part of create_app."""
    shown = _display(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProfileError([Problem(shown, None, "", f"cannot read: {exc.strerror}")]) from None
    except UnicodeDecodeError:
        raise ProfileError([Problem(shown, None, "", "not UTF-8 text")]) from None
    key = (shown, text)
    if key not in _parsed:
        if len(_parsed) > 32:
            _parsed.clear()
        _parsed[key] = _parse_yaml(text, shown)
    data, lines = _parsed[key]
    return copy.deepcopy(data), dict(lines)


def _parse_yaml(text: str, shown: str) -> tuple[dict, dict[tuple, int]]:
    loader = _Loader(text)
    lines: dict[tuple, int] = {}
    try:
        node = loader.get_single_node()

        def walk(node, path):
            lines[path] = node.start_mark.line + 1
            if isinstance(node, yaml.MappingNode):
                loader.flatten_mapping(node)
                out = {}
                for key_node, value_node in node.value:
                    key = loader.construct_object(key_node, deep=True)
                    if not isinstance(key, str):
                        key = str(key)
                    if key in out:
                        raise ProfileError([Problem(shown, key_node.start_mark.line + 1,
                                                    ".".join(path + (key,)), "duplicate key")])
                    out[key] = walk(value_node, path + (key,))
                    lines[path + (key,)] = key_node.start_mark.line + 1
                return out
            if isinstance(node, yaml.SequenceNode):
                return [walk(item, path + (i,)) for i, item in enumerate(node.value)]
            return loader.construct_object(node, deep=True)

        data = walk(node, ()) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        message = getattr(exc, "problem", None) or str(exc)
        raise ProfileError([Problem(shown, mark.line + 1 if mark else None, "", f"invalid YAML: {message}")]) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise ProfileError([Problem(shown, 1, "", "a profile must be a mapping of keys to values")])
    return data, lines


# ----------------------------------------------------------------- lookup
def bundled_dir() -> Path:
    return Path(str(resources.files("egovkit_profiles")))


def bundled_names() -> list[str]:
    return sorted(p.stem for p in bundled_dir().glob("*.yaml"))


def find(ref: str, near: Path | None = None) -> Path:
    """A profile file from a path, or from a name: searched beside ``near`` (the file that extends it) or,
    from the command line, in ./profiles; then among the bundled profiles."""
    if ref.endswith((".yaml", ".yml")) or "/" in ref or "\\" in ref:
        base = near.parent if near else Path.cwd()
        path = (base / ref) if not Path(ref).is_absolute() else Path(ref)
        if path.exists() or near is None:
            return path
    first = near.parent if near else Path.cwd() / "profiles"
    candidates = [first / f"{ref}.yaml", bundled_dir() / f"{ref}.yaml"]
    for path in candidates:
        if path.exists():
            return path
    hint = _did_you_mean(ref, bundled_names())
    raise FileNotFoundError(f"no profile named {ref!r}{hint}; bundled: {', '.join(bundled_names())}")


def _did_you_mean(word: str, options) -> str:
    close = difflib.get_close_matches(str(word), [str(o) for o in options], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


# ----------------------------------------------------------------- merging
def _merge(base: dict, child: dict, base_src: dict, child_src: dict, path: tuple = ()) -> tuple[dict, dict]:
    out, src = dict(base), {k: v for k, v in base_src.items()}
    for key, value in child.items():
        here = path + (key,)
        if isinstance(value, dict) and isinstance(out.get(key), dict) and here != ("regency",):
            out[key], sub = _merge(out[key], value, _sub(src, here), _sub(child_src, here), here)
            src = {p: f for p, f in src.items() if p[:len(here)] != here} | sub
            src[here] = child_src[here]
        else:
            out[key] = value
            src = {p: f for p, f in src.items() if p[:len(here)] != here} | _sub(child_src, here)
    return out, src


def _sub(src: dict, prefix: tuple) -> dict:
    return {p: f for p, f in src.items() if p[:len(prefix)] == prefix}


def load_raw(ref: str | Path, near: Path | None = None, _seen: tuple = (),
             _seen_lines: tuple = ()) -> tuple[dict, dict, list[Path]]:
    """Merged data, its provenance (field path -> (file, line)) and the files read."""
    path = Path(ref) if isinstance(ref, Path) else find(ref, near)
    real = path.resolve()
    data, lines = _read_yaml(path)
    shown = _display(path)
    if real in _seen:
        chain = " -> ".join(_display(p) for p in _seen + (real,))
        raise ProfileError([Problem(_display(Path(_seen[-1])), _seen_lines[-1] if _seen_lines else None, "extends",
                                    f"extends forms a cycle: {chain}")])
    src = {p: (shown, line) for p, line in lines.items()}
    parent = data.get("extends")
    if parent is None:
        data.setdefault("name", None)
        return data, src, [path]
    if not isinstance(parent, str):
        raise ProfileError([Problem(shown, lines.get(("extends",)), "extends", "must be a profile name")])
    try:
        base, base_src, files = load_raw(parent, near=path, _seen=_seen + (real,),
                                         _seen_lines=_seen_lines + (lines.get(("extends",)),))
    except FileNotFoundError as exc:
        raise ProfileError([Problem(shown, lines.get(("extends",)), "extends", str(exc))]) from None
    merged, merged_src = _merge(base, data, base_src, src)
    if "name" not in data:  # a profile's name is its own, never inherited
        merged.pop("name", None)
        merged_src.pop(("name",), None)
    merged_src[()] = (shown, None)  # what no key of its own explains is the child's to answer for
    return merged, merged_src, files + [path]


# ----------------------------------------------------------------- result
@dataclass
class Profile:
    name: str
    schema: ProfileSchema
    modules: dict[str, Settings]  # enabled modules, requirements first -> validated settings
    files: list[Path]
    raw: dict
    terminology: dict[str, str] = field(default_factory=dict)
    permission_defaults: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def regency(self) -> Regency:
        return self.schema.regency

    @property
    def locale(self) -> str:
        return self.schema.locale

    @property
    def timezone(self) -> str:
        return self.schema.timezone

    @property
    def agencies(self) -> list[Agency]:
        return self.schema.agencies

    @property
    def roles(self) -> dict[str, RoleDef]:
        return self.schema.roles

    @property
    def sign_in(self) -> SignIn:
        return self.schema.sign_in

    def roles_with(self, permission: str) -> frozenset[str]:
        from .auth.roles import granted_roles

        return granted_roles(self, permission)

    def enabled(self) -> list[Module]:
        mods = available()
        return [mods[name] for name in self.modules]


def _message(err: dict) -> str:
    kind = err["type"]
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "literal_error":
        return "must be one of " + err["ctx"]["expected"]
    if kind == "string_type" and isinstance(err.get("input"), (int, float)):
        return f"must be text: write it in quotes, e.g. \"{err['input']}\" (YAML reads 35.10 as the number 35.1)"
    if kind == "string_pattern_mismatch":
        return f"{err['input']!r} does not have the expected form ({err['ctx']['pattern']})"
    if kind == "value_error":  # our own validators' messages, without pydantic's "Value error, "
        return str(err["ctx"]["error"])
    return err["msg"][0].lower() + err["msg"][1:]


def _locate(src: dict, path: tuple, fallback: str) -> tuple[str, int | None]:
    for cut in range(len(path), -1, -1):
        if path[:cut] in src:
            return src[path[:cut]]
    return fallback, None


def _problems(exc: ValidationError, src: dict, prefix: tuple, fallback: str, choices=None) -> list[Problem]:
    out = []
    for err in exc.errors():
        loc = prefix + tuple(err["loc"])
        file, line = _locate(src, loc, fallback)
        message = _message(err)
        if err["type"] == "extra_forbidden":
            parent = choices(loc[:-1]) if choices else []
            message += _did_you_mean(loc[-1], parent)
        out.append(Problem(file, line, ".".join(str(p) for p in loc), message))
    return out


def _field_names(model: type[BaseModel], path: tuple) -> list[str]:
    for part in path:
        if isinstance(part, int):
            continue
        info = model.model_fields.get(part)
        if info is None:
            return []
        inner = info.annotation
        args = [a for a in get_args(inner) if isinstance(a, type) and issubclass(a, BaseModel)]
        if get_origin(inner) is list and args:
            model = args[0]
        elif isinstance(inner, type) and issubclass(inner, BaseModel):
            model = inner
        elif args:
            model = args[0]
        else:
            return []
    return list(model.model_fields)


def load(ref: str | Path) -> Profile:
    """Read, merge and validate a profile; raises ProfileError."""
    try:
        raw, src, files = load_raw(ref)
    except FileNotFoundError as exc:
        raise ProfileError([Problem(str(ref), None, "", str(exc))]) from None
    top = _display(files[-1])
    if isinstance(raw.get("roles"), dict):
        from .auth.roles import default_roles

        raw = dict(raw, roles={**default_roles(), **raw["roles"]})
    try:
        schema = ProfileSchema.model_validate(raw)
    except ValidationError as exc:
        raise ProfileError(_problems(exc, src, (), top, lambda p: _field_names(ProfileSchema, p))) from None

    problems: list[Problem] = []
    code = schema.regency.code
    if not wilayah.regency_known(code):
        file, line = _locate(src, ("regency", "code"), top)
        problems.append(Problem(file, line, "regency.code",
                                f"{code} is not a regency or city code in the Kemendagri list"))
    seen_agencies = set()
    for i, agency in enumerate(schema.agencies):
        if agency.code in seen_agencies:
            file, line = _locate(src, ("agencies", i, "code"), top)
            problems.append(Problem(file, line, f"agencies.{i}.code", f"duplicate agency code {agency.code!r}"))
        seen_agencies.add(agency.code)

    mods = available()
    settings: dict[str, Settings] = {}
    for name, value in schema.modules.items():
        if name not in mods:
            file, line = _locate(src, ("modules", name), top)
            reason = broken().get(name)
            message = (f"installed but fails to load ({reason})" if reason
                       else "unknown module" + _did_you_mean(name, mods))
            problems.append(Problem(file, line, f"modules.{name}", message))
            continue
        if value is False:
            continue
        if not (value is True or value is None or isinstance(value, dict)):
            file, line = _locate(src, ("modules", name), top)
            problems.append(Problem(file, line, f"modules.{name}",
                                    "must be a mapping of settings ({} for the defaults), true or false"))
            continue
        try:
            settings[name] = mods[name].settings.model_validate(value if isinstance(value, dict) else {})
        except ValidationError as exc:
            model = mods[name].settings
            problems += _problems(exc, src, ("modules", name), top, lambda p, m=model: _field_names(m, p[2:]))
    if problems:
        raise ProfileError(problems)
    try:
        ordered = resolve(settings, mods)
    except ModuleError as exc:
        file, line = _locate(src, ("modules",), top)
        raise ProfileError([Problem(file, line, "modules", str(exc))]) from None

    from .auth.roles import all_permissions

    permission_defaults = all_permissions(ordered)
    for permission, roles in schema.permissions.items():
        file, line = _locate(src, ("permissions", permission), top)
        if permission not in permission_defaults:
            problems.append(Problem(file, line, f"permissions.{permission}", "unknown permission (of the core or "
                                    "an enabled module)" + _did_you_mean(permission, permission_defaults)))
        for role in roles:
            if role not in schema.roles:
                problems.append(Problem(file, line, f"permissions.{permission}",
                                        f"unknown role {role!r}" + _did_you_mean(role, schema.roles)))
    for role in schema.sign_in.two_factor_roles:
        if role not in schema.roles:
            file, line = _locate(src, ("sign_in", "two_factor_roles"), top)
            problems.append(Problem(file, line, "sign_in.two_factor_roles",
                                    f"unknown role {role!r}" + _did_you_mean(role, schema.roles)))
    problems += _check_workflows(schema, src, top)
    problems += _check_numbering(schema, src, top)
    problems += _check_kiosk(schema, ordered, src, top)
    problems += _check_offices(schema, src, top, code)
    for name, value in settings.items():  # checks of a module's settings against the rest of the profile
        for path, message in value.check_profile(schema):
            file, line = _locate(src, ("modules", name, *path), top)
            problems.append(Problem(file, line, ".".join(("modules", name, *map(str, path))), message))
    for permission, roles in permission_defaults.items():
        missing = [r for r in roles if r not in schema.roles]
        if missing:
            problems.append(Problem(top, None, "roles", f"permission {permission} needs the role(s) "
                                    f"{', '.join(missing)}, which the profile does not define"))
    if problems:
        raise ProfileError(problems)

    terminology = wilayah.default_terminology(code)
    terminology.update({k: v for k, v in schema.terminology.model_dump().items() if v})
    return Profile(name=schema.name, schema=schema, modules={m.name: settings[m.name] for m in ordered},
                   files=files, raw=raw, terminology=terminology, permission_defaults=permission_defaults)


KIOSK_SERVICES = ("kiosk.track", "kiosk.print")


def _check_kiosk(schema: ProfileSchema, modules: list[Module], src: dict, top: str) -> list[Problem]:
    known = [*KIOSK_SERVICES, *(item.endpoint for m in modules for item in m.nav if item.public)]
    out = []
    for index, endpoint in enumerate(schema.kiosk.services):
        if endpoint not in known:
            file, line = _locate(src, ("kiosk", "services", index), top)
            out.append(Problem(file, line, f"kiosk.services[{index}]", f"{endpoint!r} is not a public service of "
                               "the enabled modules" + _did_you_mean(endpoint, known)))
    return out


def _check_offices(schema: ProfileSchema, src: dict, top: str, regency_code: str) -> list[Problem]:
    agencies = {a.code for a in schema.agencies}
    out = []
    for key in schema.offices:
        if key in agencies or key == regency_code or key.startswith(regency_code + "."):
            if key not in agencies and not wilayah.known_in_any(key):
                file, line = _locate(src, ("offices", key), top)
                out.append(Problem(file, line, f"offices.{key}", "no such region in the region data"))
            continue
        file, line = _locate(src, ("offices", key), top)
        out.append(Problem(file, line, f"offices.{key}", "neither an agency of the profile nor a region of "
                                                        f"{regency_code}" + _did_you_mean(key, agencies)))
    return out


def _check_numbering(schema: ProfileSchema, src: dict, top: str) -> list[Problem]:
    types = {d.name for m in available().values() for d in m.documents}
    out = []
    for name, pattern in schema.numbering.items():
        file, line = _locate(src, ("numbering", name), top)
        if name not in types:
            out.append(Problem(file, line, f"numbering.{name}", "unknown document type" + _did_you_mean(name, types)))
            continue
        try:
            sample = pattern.format(seq=1, code="470", regency="35.10", scope="35.10.01.2001", year=2026, month=1,
                                    roman="I")
        except (KeyError, IndexError, ValueError) as exc:
            out.append(Problem(file, line, f"numbering.{name}", f"not a valid pattern ({exc.__class__.__name__}: "
                                                                f"{exc}); fields: seq, code, regency, scope, year, "
                                                                "month, roman"))
            continue
        if "{seq" not in pattern:
            out.append(Problem(file, line, f"numbering.{name}", f"has no {{seq}}: every document would get the "
                                                                f"same number ({sample})"))
    return out


def _check_workflows(schema: ProfileSchema, src: dict, top: str) -> list[Problem]:
    from .services.workflow import registry

    known = registry(list(available().values()))  # a disabled module's workflow may keep its settings
    out = []
    for name, override in schema.workflows.items():
        file, line = _locate(src, ("workflows", name), top)
        wf = known.get(name)
        if wf is None:
            out.append(Problem(file, line, f"workflows.{name}", "unknown workflow" + _did_you_mean(name, known)))
            continue
        names = [t.name for t in wf.transitions]
        for transition, change in override.transitions.items():
            file, line = _locate(src, ("workflows", name, "transitions", transition), top)
            if transition not in names:
                out.append(Problem(file, line, f"workflows.{name}.transitions.{transition}",
                                   "unknown transition" + _did_you_mean(transition, names)))
            for role in change.roles or []:
                if role not in schema.roles:
                    out.append(Problem(file, line, f"workflows.{name}.transitions.{transition}.roles",
                                       f"unknown role {role!r}" + _did_you_mean(role, schema.roles)))
        for state, days in override.sla.items():
            file, line = _locate(src, ("workflows", name, "sla", state), top)
            if state not in wf.states:
                out.append(Problem(file, line, f"workflows.{name}.sla.{state}",
                                   "unknown state" + _did_you_mean(state, wf.states)))
            elif days < 0:
                out.append(Problem(file, line, f"workflows.{name}.sla.{state}", "must be 0 or more working days"))
    return out


# ----------------------------------------------------------------- describe
def _type_name(annotation: Any) -> str:
    origin = get_origin(annotation)
    if origin is Literal:
        return " | ".join(repr(a) for a in get_args(annotation))
    if origin in (Union, type(int | None)):
        return " | ".join(_type_name(a) for a in get_args(annotation))
    if origin in (list, dict):
        return f"{origin.__name__}[{', '.join(_type_name(a) for a in get_args(annotation))}]"
    if annotation is type(None):
        return "null"
    if annotation is Any:
        return "any"
    return getattr(annotation, "__name__", str(annotation))


def describe(model: type[BaseModel], prefix: str = "") -> list[tuple[str, str, str, str]]:
    """(key, type, default, description) for every setting of a model, nested ones dotted."""
    rows = []
    for name, info in model.model_fields.items():
        key = prefix + name
        ann = info.annotation
        nested = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None
        items = [a for a in get_args(ann) if isinstance(a, type) and issubclass(a, BaseModel)]
        if info.is_required():
            default = "required"
        elif info.default_factory is not None:
            made = info.default_factory()
            if isinstance(made, BaseModel):
                default = "see below"
            elif isinstance(made, dict) and made:
                default = ", ".join(made)
            else:
                default = repr(made)
        else:
            default = repr(info.default)
        rows.append((key, "mapping" if nested else _type_name(ann), default, info.description or ""))
        if nested:
            rows += describe(nested, key + ".")
        elif get_origin(ann) is list and items:
            rows += describe(items[0], key + "[].")
        elif get_origin(ann) is dict and items:
            rows += describe(items[0], key + ".<name>.")
    return rows


def describe_markdown(modules: dict[str, Module] | None = None) -> str:
    """The profile reference page (docs/profile-reference.md)."""
    modules = available() if modules is None else modules
    out = ["# Profile reference", "",
           "Generated by `egovkit profile describe --markdown` from the same declarations that",
           "validate profiles; `tests/test_packaging.py` fails when this page is out of date.", "",
           "## Top-level keys", ""]
    out += _table(describe(ProfileSchema))
    from .auth.roles import CORE_PERMISSIONS

    out += ["", "Permissions of the core (grant them to other roles under `permissions:`):", ""]
    out += _permission_lines(CORE_PERMISSIONS)
    for name, module in sorted(modules.items()):
        out += ["", f"## modules.{name}", "", module.t("description", "en") or module.t("title", "en"), ""]
        rows = describe(module.settings)
        out += _table(rows) if rows else ["No settings: `{}` switches it on."]
        if module.permissions:
            out += ["", "Permissions:", ""] + _permission_lines(module.permissions)
        from .services.workflow import conditions, registry

        for wf in registry([module]).values():
            out += ["", f"Workflow `{wf.name}` (change under `workflows:`):", ""]
            for t in wf.transitions:
                sla = f"; SLA of `{t.target}`: {wf.sla[t.target]} working days" if wf.sla.get(t.target) else ""
                notes = "".join(f"; {c}" for c in conditions(t))
                out.append(f"- `{t.name}`: {' or '.join(t.source)} -> {t.target}, by default by "
                           f"{', '.join(t.roles)}{sla}{notes}")
    return "\n".join(out) + "\n"


def _permission_lines(permissions: dict[str, tuple[str, ...]]) -> list[str]:
    return [f"- `{name}`: by default {', '.join(roles)}" for name, roles in sorted(permissions.items())]


def _table(rows) -> list[str]:
    out = ["| key | type | default | description |", "|---|---|---|---|"]
    for key, kind, default, text in rows:
        cells = [f"`{key}`", kind, default, text]
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return out
