"""The one app factory. It reads the instance's profile, registers the core
and every enabled module, and runs no database query (forked server
workers must never share a connection)."""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Rule

from . import __version__
from . import i18n
from . import profile as profiles
from .extensions import babel, csrf, db, login_manager, migrate
from .instance import Instance, InstanceError

LOCALES = ("id", "en")


def _select_locale() -> str:
    chosen = request.cookies.get("lang")
    if chosen in LOCALES:
        return chosen
    from flask import current_app

    return current_app.extensions["egovkit"].profile.locale


class BoundedInt(IntegerConverter):
    """<int:...> in every route stops at the largest 32-bit id: bigger numbers are a 404, not a database error."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


class LazyBuildRule(Rule):
    """A URL rule that writes its url_for builder on the first url_for, not when it is registered.

    Werkzeug compiles two Python builders per rule at registration: for the ~280 rules of a regency
    that was ~85% of create_app (0.15-0.5 s of every process start and CLI command), for builders most
    processes never call. Matching is unchanged; a rule's first url_for pays its own compile."""

    def _compile_builder(self, append_unknown: bool = True):
        def build(rule, *args, **kwargs):
            real = Rule._compile_builder(rule, append_unknown).__get__(rule, None)
            setattr(rule, "_build_unknown" if append_unknown else "_build", real)  # later calls skip this
            return real(*args, **kwargs)

        return build


def proxy_hops() -> int:
    """EGOVKIT_PROXY_HOPS: how many reverse proxies in front of the app set X-Forwarded-For/-Proto (0: none)."""
    value = os.environ.get("EGOVKIT_PROXY_HOPS", "0").strip() or "0"
    if not value.isdigit() or int(value) > 10:
        raise InstanceError(f"EGOVKIT_PROXY_HOPS must be a number of proxies from 0 to 10, not {value!r}")
    return int(value)


class App(Flask):
    """Flask, asking once per function whether it is async: Flask asks for every hook, context processor
    and view of every request (~20 a page), through inspect's unwrapping each time."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._synced: dict = {}

    def ensure_sync(self, func):
        try:
            return self._synced[func]
        except KeyError:
            synced = self._synced[func] = super().ensure_sync(func)
            return synced
        except TypeError:  # not hashable
            return super().ensure_sync(func)


class Egovkit:
    """What the app knows of its instance: profile and enabled modules."""

    def __init__(self, instance: Instance, profile: profiles.Profile):
        self.instance = instance
        self.profile = profile
        self.modules = profile.enabled()
        self.modules_by_name = {m.name: m for m in self.modules}
        self.region_counts: dict[str, int] | None = None  # filled on first use, not at start-up
        self.menus: dict = {}  # (locale, roles held, script root) -> menu entries (egovkit.web.views)
        self.nav_rules: list | None = None  # (endpoint, NavItem.when's function), resolved on first use
        from .services.workflow import registry

        self.workflows = registry(self.modules)

    @property
    def key(self) -> str:
        """This instance's name in stores shared by several instances (a Redis queue, cache keys)."""
        return f"egovkit-{self.profile.regency.code}-{self.instance.path.name}"


def create_app(instance: str | os.PathLike | None = None, config: dict | None = None) -> Flask:
    inst = Instance.at(instance)
    if not inst.exists():
        raise InstanceError(f"no egovkit instance at {inst.path} (run: egovkit init --profile NAME)")
    profile = profiles.load(inst.profile_path)

    app = App("egovkit", instance_path=str(inst.path), template_folder="web/templates",
                static_folder="web/static", root_path=str(Path(__file__).parent))
    app.url_rule_class = LazyBuildRule
    app.url_map.converters["int"] = BoundedInt
    from .web import inputs

    inputs.init_app(app)  # bounded numbers, checked text, JSON depth: before any other hook
    from .ops import metrics

    metrics.init_app(app)  # request id and timing: before the hooks whose time it measures
    translations = [str(Path(__file__).parent / "translations")]
    database_url = inst.database_url()
    app.config.update(
        SECRET_KEY=inst.secret_key(),
        SQLALCHEMY_DATABASE_URI=database_url,
        # hide_parameters: a failed statement's values (NIKs, names) stay out of tracebacks and logs;
        # pre-ping where a server can drop a pooled connection (an SQLite file cannot: no query per request)
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": not database_url.startswith("sqlite"), "hide_parameters": True},
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=os.environ.get("EGOVKIT_SECURE_COOKIES") == "1",
        REMEMBER_COOKIE_HTTPONLY=True,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,
        BABEL_DEFAULT_LOCALE=profile.locale,
        BABEL_DEFAULT_TIMEZONE=profile.timezone,
        EGOVKIT_VERSION=__version__,
        EGOVKIT_EVENT_BACKEND=os.environ.get("EGOVKIT_EVENT_BACKEND", "inprocess"),
        # The address citizens use (behind a proxy the app cannot tell): QR codes on documents point there.
        EGOVKIT_PUBLIC_URL=os.environ.get("EGOVKIT_PUBLIC_URL"),
    )
    app.config.update(config or {})
    app.extensions["egovkit"] = Egovkit(inst, profile)
    hops = proxy_hops()
    if hops:  # only the addresses those proxies appended are believed; anything a client sent before is ignored
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0)

    db.init_app(app)
    migrate.init_app(app, db)
    csrf.init_app(app)
    login_manager.init_app(app)

    from . import api as _api, models  # noqa: F401  (core tables)
    from .services import audit, documents, events, jobs, notifications, payments, printcodes, workflow  # noqa: F401  (core tables)
    from .auth import views as auth_views
    from .web import cases, errors, once, views as core_views

    app.register_blueprint(core_views.bp)
    auth_views.init_app(app)
    for module in app.extensions["egovkit"].modules:
        module.load("models")
        for attr in ("blueprint", "api"):
            blueprint = module.load(attr)
            if blueprint is not None:
                app.register_blueprint(blueprint)
        commands = module.load("cli")
        if commands is not None:
            app.cli.add_command(commands)
        module_translations = module.root / "translations"
        if module_translations.is_dir():
            translations.append(str(module_translations))
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(translations)
    babel.init_app(app, locale_selector=_select_locale)
    i18n.install_template_gettext(app)
    core_views.init_app(app)
    errors.init_app(app)
    once.init_app(app)
    from . import admin

    admin.init_app(app)
    cases.init_app(app)
    from .web import documents as document_views

    app.register_blueprint(document_views.bp)
    from .web import jobs as job_views

    app.register_blueprint(job_views.bp)
    from .web import kiosk

    kiosk.init_app(app)
    from .web import mydata

    app.register_blueprint(mydata.bp)
    from .web import prefs

    app.register_blueprint(prefs.bp)
    from .web import opendata as opendata_views

    app.register_blueprint(opendata_views.bp)
    from .web import portal

    portal.init_app(app)
    from .web import dashboard

    app.register_blueprint(dashboard.bp)
    events.init_app(app)
    notifications.init_app(app)
    from .ops import worker

    worker.init_app(app)  # EGOVKIT_JOB_QUEUE=huey: jobs go to the queue `egovkit worker` runs
    from . import api

    api.init_app(app)  # last: it exempts every API blueprint from CSRF
    return app
