"""Core pages: portal home, regions, language switch, health check, logo."""
from __future__ import annotations

import json


from flask import (Blueprint, abort, current_app, g, get_template_attribute, jsonify, redirect, render_template,
                   request, send_from_directory, session, url_for)
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import func, select, text

from ..app import LOCALES
from ..auth import scope
from ..auth.views import safe_next
from ..db import db
from ..services import payments
from ..models import Region, as_utc
from ..modules import import_path
from ..wilayah.data import Region as RegionFact, display_name
from .cache import public_fragment, public_page

bp = Blueprint("core", __name__)
def egov():
    return current_app.extensions["egovkit"]


def init_app(app) -> None:
    @app.context_processor
    def _layout():
        ext = app.extensions["egovkit"]
        entries, page, locale = menus()
        return {"profile": ext.profile, "regency": ext.profile.regency, "nav": page["nav"], "menu": page["menu"],
                "admin_menu": page["admin"], "chrome": Chrome(page), "urls": entries["urls"], "locale": locale,
                "locales": LOCALES, "modules": ext.modules, "term": ext.profile.terminology}

    headers = [("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
               ("Referrer-Policy", "same-origin"),
               ("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                                           "script-src 'self'; frame-ancestors 'none'; form-action 'self'")]
    hsts = ("Strict-Transport-Security", "max-age=31536000")

    @app.after_request
    def _security_headers(response):
        # Each header unless the view set its own (one pass over the response's headers, not one per header).
        present = {key.lower() for key in response.headers.keys()}
        for key, value in (*headers, hsts) if app.config["SESSION_COOKIE_SECURE"] else headers:
            if key.lower() not in present:
                response.headers.add(key, value)
        # A session naming an account (Flask-Login's key) gets pages for it only: no shared cache keeps them.
        # Read from the session, not by loading the account: a stylesheet or /healthz needs no query.
        if "cache-control" not in present and session.get("_user_id"):
            response.headers.add("Cache-Control", "no-store, private")
        return response

    app.jinja_env.filters["number"] = lambda n: format_decimal(n)
    app.jinja_env.filters["isotime"] = _isotime
    app.jinja_env.filters["rupiah"] = rupiah
    app.jinja_env.globals["here"] = _here
    app.jinja_env.globals["can"] = scope.can
    app.jinja_env.globals["payment_fields"] = lambda: payments.FORM_FIELDS  # macros/payment.html


_MENU_KEYS = 64  # languages x sets of roles (x hidden entries) kept with their rendered menus per process


def menus() -> tuple[dict, dict, str]:
    """(the menu's entries for this viewer, this page's menus, the language). The entries are worked out once
    per language and set of roles in this process: which entries a viewer sees depends on nothing else (only
    which one is current does, per page)."""
    app = current_app._get_current_object()
    ext = app.extensions["egovkit"]
    locale = str(get_locale() or ext.profile.locale)
    held, hidden = _viewer(ext)
    key = (locale, held, hidden, request.script_root)
    entries = ext.menus.get(key)
    if entries is None:
        if len(ext.menus) >= _MENU_KEYS:  # rendered menus are ~10 KB a page for an administrator: bounded
            ext.menus.clear()
        entries = ext.menus[key] = _menu_entries(ext, locale, held, hidden)
    here = request.endpoint
    page = entries["pages"].get(here)
    if page is None:  # this page's menus (its current entry marked), at most one per endpoint
        page = entries["pages"][here] = _page_menus(app, entries, here, signed_in=held is not None)
    return entries, page, locale


def _viewer(ext) -> tuple[frozenset[str] | None, frozenset[str]]:
    """(roles held, or None when not signed in; endpoints hidden by their NavItem.when), worked out once per
    request and again whenever the viewer's grants are (egovkit.auth.scope drops them on any change)."""
    if not current_user.is_authenticated:
        return None, frozenset()
    every = scope.grants()
    known = g.get("egovkit_viewer")
    if known is None or known[0] is not every:
        known = g.egovkit_viewer = (every, frozenset(grant.role for grant in every), _hidden(ext))
    return known[1], known[2]


def _hidden(ext) -> frozenset[str]:
    """The endpoints whose NavItem.when says this viewer's reach holds nothing there (asked per request:
    it may depend on the viewer's records, which the roles alone do not say)."""
    if ext.nav_rules is None:
        ext.nav_rules = [(item.endpoint, import_path(item.when)) for module in ext.modules for item in module.nav
                         if item.when is not None]
    return frozenset(endpoint for endpoint, rule in ext.nav_rules if not rule())


def _menu_entries(ext, locale: str, held: frozenset[str] | None, hidden: frozenset[str]) -> dict:
    """The menu's entries (no `active` flag) for viewers holding the roles `held` (None: not signed in),
    without the `hidden` endpoints."""
    profile = ext.profile

    def allowed(permission: str | None) -> bool:
        return permission is None or bool(held and held & profile.roles_with(permission))

    menu = []
    for module in ext.modules:
        items = []
        for item in module.nav:
            if (item.public or held is not None) and allowed(item.permission) and item.endpoint not in hidden:
                title = item.title.get(locale) or item.title.get("en") or next(iter(item.title.values()))
                items.append({"url": url_for(item.endpoint), "title": title, "endpoint": item.endpoint})
        if items:  # one menu entry (and one home card) per module the viewer may open something of
            menu.append({"name": module.name, "title": module.t("title", locale), "module": module,
                         "items": items})
    admin = [{"url": url_for(endpoint), "title": title, "endpoint": endpoint}
             for endpoint, permission, title in (("dashboard.index", "dashboard.read", _("Regent's dashboard")),
                                                 ("admin.home", "users.manage", _("Administration")),
                                                 ("admin.event_log", "events.manage", _("Events")),
                                                 ("portal.edit", "portal.edit", _("Portal home")),
                                                 ("admin.payments_report", "payments.read", _("Payments")),
                                                 ("admin.audit_log", "audit.read", _("Audit trail")))
             if held is not None and allowed(permission)]
    # The layout's own links (egovkit.css, the footer's), which depend on nothing but the script root.
    urls = {"favicon": url_for("static", filename="favicon.svg"), "css": url_for("static", filename="egovkit.css"),
            "theme": url_for("core.theme_css"), "home": url_for("core.home"),
            "opendata": url_for("opendata.catalogue"), "regions": url_for("core.regions")}
    return {"menu": menu, "admin": admin, "urls": urls, "pages": {}}


# Stand-ins in the menus rendered once per process, filled in per request: markup, so that nothing escaped
# (a name, a title) can ever read as one.
_NAME, _TOKEN = Markup("<!--account-name-->"), Markup("<!--csrf-token-->")


def _page_menus(app, entries: dict, here: str | None, signed_in: bool) -> dict:
    """The menus of the pages of one endpoint, for the viewers of one menu key: the entries with the current
    one marked, and the header's menus rendered (the account's name and CSRF token as stand-ins)."""
    nav, menu = [], []
    for entry in entries["menu"]:
        items = [dict(item, active=item["endpoint"] == here) for item in entry["items"]]
        nav += items
        menu.append(dict(entry, items=items, active=any(i["active"] for i in items)))
    admin = [dict(item, active=item["endpoint"] == here) for item in entries["admin"]]
    macros = app.jinja_env.get_template("macros/menu.html").module
    links = macros.module_links(menu)
    account = macros.account_menu(admin, here, _NAME, _TOKEN) if signed_in else Markup()
    return {"nav": nav, "menu": menu, "admin": admin, "account": account,
            "desk": macros.menu_links(links, account, signed_in, here, with_account=False),
            "phone": macros.menu_links(links, account, signed_in, here)}


class Chrome:
    """The header's menus of this page for this viewer (base.html): rendered once per menu key and page,
    the viewer's name and the sign-out form's token put in on first use in the request."""

    def __init__(self, page: dict):
        self._page, self._done = page, {}

    def _part(self, name: str) -> Markup:
        part = self._done.get(name)
        if part is None:
            part = self._page[name]
            if _NAME in part:  # only a signed-in viewer's menus hold the account
                from flask_wtf.csrf import generate_csrf

                part = Markup(part.replace(_NAME, escape(current_user.name)).replace(_TOKEN, generate_csrf()))
            self._done[name] = part
        return part

    @property
    def account(self) -> Markup:
        return self._part("account")

    @property
    def desk(self) -> Markup:
        return self._part("desk")

    @property
    def phone(self) -> Markup:
        return self._part("phone")


def rupiah(amount) -> str:
    """Rupiah for the visitor's language: 'Rp 1.250.000' (id), 'Rp 1,250,000' (en); no cents."""
    return "Rp " + format_decimal(round(amount), format="#,##0")


def _isotime(value) -> str:
    """ISO 8601 with offset; SQLite hands back naive datetimes, which are UTC."""
    return as_utc(value).isoformat()


def _here() -> str:
    """This page's path and query, for ?next= links."""
    query = request.query_string.decode("latin-1")
    return request.path + ("?" + query if query else "")


def region_counts() -> dict[str, int]:
    """Districts and villages of the regency; regions change only at init, so once per process."""
    ext = egov()
    if ext.region_counts is None:
        prefix = ext.profile.regency.code + ".%"
        ext.region_counts = dict(db.session.execute(
            select(Region.level, func.count()).where(Region.code.like(prefix)).group_by(Region.level)).all())
    return ext.region_counts


@bp.get("/")
@public_page()
def home():
    counts = region_counts()
    from . import portal

    widgets = [w for w in (_widget(m) for m in egov().modules if m.home) if w]
    shown = portal.home()
    # The service cards follow the viewer's menu and the regency's choice of services: rendered once for each.
    _entries, page, locale = menus()
    key = ("cards", json.dumps(shown["services"], sort_keys=True))
    cards = page.get(key)
    if cards is None:
        cards = page[key] = get_template_attribute("macros/cards.html", "service_cards")(
            portal.service_cards(page["menu"]), locale)
    return render_template("home.html", districts=counts.get("district", 0), villages=counts.get("village", 0),
                           widgets=widgets, home=shown, cards=cards)


def _widget(module):
    """A module's box on the home: what anyone may see (Module.home), kept like a public page per language."""
    return public_fragment(("home", module.name, str(get_locale()), request.script_root), 30, module.load("home"))


@bp.get("/wilayah/")
@bp.get("/wilayah/<code>")
@public_page()
def regions(code: str | None = None):
    code = code or egov().profile.regency.code
    region = db.session.get(Region, code)
    if region is None:
        abort(404)
    children = db.session.scalars(select(Region).where(Region.parent_code == code).order_by(Region.code)).all()
    parent = db.session.get(Region, region.parent_code) if region.parent_code and region.level != "regency" else None
    title = _region_title(region)
    return render_template("regions.html", region=region, title=title, children=children, parent=parent,
                           parent_title=_region_title(parent) if parent else None)


def _region_title(region: Region) -> str:
    fact = RegionFact(region.code, region.name, region.level, region.kind)
    return display_name(fact, egov().profile.terminology["regency"])


@bp.get("/lang/<code>")
def set_language(code: str):
    if code not in LOCALES:
        abort(404)
    response = redirect(safe_next(request.args.get("next")))
    response.set_cookie("lang", code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


_SCHEMA_VERSION = text("SELECT version_num FROM alembic_version_core")


@bp.get("/healthz")
def healthz():
    ext = egov()
    try:
        # Reads the schema, not just the connection: an empty or replaced database is not ok. On a pooled
        # connection of its own (no ORM session: a monitor asks often).
        with db.engine.connect() as conn:
            conn.execute(_SCHEMA_VERSION).one()
        database = "ok"
    except Exception as exc:  # the point of a health check is to report, not raise
        current_app.logger.warning("health check: database not usable: %s", exc.__class__.__name__)
        database = "unreachable"
    body = {
        "status": "ok" if database == "ok" else "degraded",
        "version": current_app.config["EGOVKIT_VERSION"],
        "profile": ext.profile.name,
        "regency": {"code": ext.profile.regency.code, "name": ext.profile.regency.name},
        "modules": {m.name: m.version for m in ext.modules},
        "database": database,
    }
    return jsonify(body), 200 if database == "ok" else 503


@bp.get("/theme.css")
def theme_css():
    colors = egov().profile.regency.colors  # validated #rrggbb, safe to inline
    body = f":root{{--primary:{colors.primary};--accent:{colors.secondary}}}\n"
    return current_app.response_class(body, mimetype="text/css", headers={"Cache-Control": "max-age=3600"})


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page says: send them to the bundled icon."""
    return redirect(url_for("static", filename="favicon.svg"), 301)


@bp.get("/logo")
def logo():
    ext = egov()
    if not ext.profile.regency.logo:
        abort(404)
    return send_from_directory(ext.instance.path, ext.profile.regency.logo, max_age=3600)
