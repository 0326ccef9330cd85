"""Roles (from the profile, defaults in data/roles.yaml) and permissions
(declared by the core and by modules with default roles; the profile may
grant them to other roles)."""
from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml

ADMIN = "admin"
SCOPES = ("regency", "district", "village", "agency", "self")

# Permissions the core itself checks, with the roles that hold them by default.
CORE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "users.manage": (ADMIN,),
    "audit.read": (ADMIN,),
    "events.manage": (ADMIN,),
    "portal.edit": (ADMIN,),  # the portal home: welcome, services, contacts, opening hours, logo, banner
    "payments.read": (ADMIN, "bupati"),  # the regency-wide payments report
    # The regent's dashboard (egovkit/web/dashboard.py), within the role's region: a camat sees the kecamatan.
    "dashboard.read": (ADMIN, "bupati", "sekda", "camat"),
    # Make a one-time code to print an issued document at a kiosk, for a case within the role's reach (a
    # citizen: their own; counter staff: their village's or agency's).
    "documents.print_code": (ADMIN, "citizen", "operator_desa", "opd_staff"),
}


@lru_cache(maxsize=1)
def default_roles() -> dict:
    return yaml.safe_load(resources.files("egovkit").joinpath("data/roles.yaml").read_text(encoding="utf-8"))


def all_permissions(modules) -> dict[str, tuple[str, ...]]:
    """Every permission of the core and the given modules -> default roles."""
    out = dict(CORE_PERMISSIONS)
    for module in modules:
        out.update(module.permissions)
    return out


def granted_roles(profile, permission: str) -> frozenset[str]:
    """The roles holding a permission under this profile (admin always does)."""
    override = profile.schema.permissions.get(permission)
    if override is not None:
        return frozenset(override) | {ADMIN}
    return frozenset(profile.permission_defaults.get(permission, ())) | {ADMIN}
