"""The portal home the regency edits (welcome, the services shown, contacts, opening hours, logo, banner)
at /admin/portal, over the profile's values, which stay the defaults; and /sitemap.xml of the public pages.

The home must stay light for phones on slow links (bench/page_weight.py: under 50 KB with its stylesheet and
images), so the logo and banner are capped in bytes and checked by content (egovkit.services.uploads)."""
from __future__ import annotations

import json
import re
from xml.sax.saxutils import escape

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import StringField, TextAreaField
from wtforms.validators import Length, Optional

from ..auth import scope
from ..db import db
from ..models import PortalHome
from ..services import uploads
from .cache import invalidate, memo, remember
from .forms import Form

bp = Blueprint("portal", __name__)

FOLDER = "portal"
LOGO_BYTES = 8 * 1024  # with the banner, the stylesheet and the page: the home under 50 KB
BANNER_BYTES = 16 * 1024
LOGO_MAX_SIDE = 512
BANNER_MIN_WIDTH = 600
_KEY = ("portal.home",)
_TTL = 30.0


def _row() -> dict:
    row = db.session.get(PortalHome, 1)
    if row is None:
        return {}
    return {"welcome": row.welcome, "services": json.loads(row.services) if row.services else None,
            "address": row.address, "phone": row.phone, "email": row.email, "hours": row.hours,
            "logo": row.logo, "banner": row.banner, "banner_size": row.banner_size}


def home() -> dict:
    """The home's settings as shown: what the regency edited, else the profile's values (the regency's office
    in ``offices``, its logo); read at most every 30 s per process."""
    edited = memo(_KEY, _TTL, _row)
    profile = current_app.extensions["egovkit"].profile
    office = profile.schema.offices.get(profile.regency.code)
    out = {"welcome": edited.get("welcome"), "services": edited.get("services"), "hours": edited.get("hours"),
           "logo": edited.get("logo"), "banner": edited.get("banner"), "banner_size": edited.get("banner_size")}
    for name in ("address", "phone", "email"):
        out[name] = edited.get(name) or (getattr(office, name) if office else None)
    out["hours_lines"] = [line for line in (out["hours"] or "").splitlines() if line.strip()]
    out["has_logo"] = bool(out["logo"] or profile.regency.logo)
    width, _sep, height = (out["banner_size"] or "").partition("x")
    out["banner_width"], out["banner_height"] = (int(width), int(height)) if height else (None, None)
    return out


def service_cards(menu: list[dict]) -> list[dict]:
    """The home's service cards: the viewer's menu entries, those the regency chose in its order (modules
    it did not place come after them, so a newly enabled module is not hidden)."""
    chosen = home()["services"]
    if chosen is None:
        return menu
    rank = {name: i for i, name in enumerate(chosen.get("order", []))}
    hidden = set(chosen.get("hidden", []))
    shown = [entry for entry in menu if entry["name"] not in hidden]
    return sorted(shown, key=lambda e: rank.get(e["name"], len(rank)))


def public_modules() -> list:
    """Enabled modules with a public page (the ones a visitor's home shows a card for)."""
    return [m for m in current_app.extensions["egovkit"].modules if any(i.public for i in m.nav)]


class HomeForm(Form):
    welcome = TextAreaField("Welcome", validators=[Optional(), Length(max=400)])
    address = StringField("Address", validators=[Optional(), Length(max=200)])
    phone = StringField("Telephone", validators=[Optional(), Length(max=30)])
    email = StringField("Email", validators=[Optional(), Length(max=120)])
    hours = TextAreaField("Opening hours", validators=[Optional(), Length(max=1000)])


def _image(field: str, max_bytes: int, check) -> tuple[str | None, str | None, str | None]:
    """(stored name, "WxH", error) of the image chosen in ``field``; (None, None, None) when none was."""
    storage = request.files.get(field)
    if storage is None or not storage.filename:
        return None, None, None
    data = storage.read(max_bytes + 1)
    storage.stream.seek(0)
    try:
        if len(data) > max_bytes:
            raise uploads.UploadError(_("The image is larger than %(n)s KB.", n=max_bytes // 1024))
        size = uploads.image_size(data)
        if data and size is None and data.startswith((uploads.KINDS["png"][0], uploads.KINDS["jpg"][0])):
            raise uploads.UploadError(_("The image cannot be read: send it again, or save it as PNG or JPG."))
        if size is not None and (problem := check(*size)):
            raise uploads.UploadError(problem)
        name = uploads.save(storage, FOLDER, kinds=("png", "jpg"), max_bytes=max_bytes)
    except uploads.UploadError as exc:
        return None, None, str(exc)
    return name, f"{size[0]}x{size[1]}", None


def _logo_check(width: int, height: int) -> str | None:
    if max(width, height) > LOGO_MAX_SIDE:
        return _("The logo may be at most %(n)s pixels wide and high.", n=LOGO_MAX_SIDE)
    return None


def _banner_check(width: int, height: int) -> str | None:
    if width < BANNER_MIN_WIDTH or width < 2 * height:
        return _("The banner must be at least %(n)s pixels wide and at least twice as wide as it is high.",
                 n=BANNER_MIN_WIDTH)
    return None


@bp.route("/admin/portal", methods=["GET", "POST"])
@scope.require("portal.edit")
def edit():
    row = db.session.get(PortalHome, 1)
    current = home()
    form = HomeForm(obj=row)
    modules = public_modules()
    chosen = current["services"] or {"order": [m.name for m in modules], "hidden": []}
    errors: dict[str, str] = {}
    if request.method == "POST":
        valid = form.validate_on_submit()
        lines = [line.strip() for line in (form.hours.data or "").splitlines() if line.strip()]
        if len(lines) > 10 or any(len(line) > 100 for line in lines):
            form.hours.errors = list(form.hours.errors) + [_("At most 10 lines of 100 characters.")]
            valid = False
        if form.email.data and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", form.email.data.strip()):
            form.email.errors = list(form.email.errors) + [_("An email address, e.g. layanan@example.go.id.")]
            valid = False
        order, hidden = [], []
        for module in modules:
            position = request.form.get(f"order-{module.name}", "").strip()
            if position and not (position.isdigit() and 1 <= int(position) <= 99):
                errors[f"order-{module.name}"] = _("A position from 1 to 99.")
            order.append((int(position) if position.isdigit() else 99, module.name))
            if request.form.get(f"show-{module.name}") != "1":
                hidden.append(module.name)
        logo, _size, errors["logo"] = _image("logo", LOGO_BYTES, _logo_check)
        banner, banner_size, errors["banner"] = _image("banner", BANNER_BYTES, _banner_check)
        errors = {k: v for k, v in errors.items() if v}
        if valid and not errors:
            if row is None:
                row = PortalHome(id=1)
                db.session.add(row)
            for name in ("welcome", "address", "phone", "email"):
                setattr(row, name, (getattr(form, name).data or "").strip() or None)
            row.hours = "\n".join(lines) or None
            row.services = json.dumps({"order": [n for _p, n in sorted(order)], "hidden": hidden})
            old = []
            if logo or request.form.get("remove-logo") == "1":
                old.append(row.logo)
                row.logo = logo
            if banner or request.form.get("remove-banner") == "1":
                old.append(row.banner)
                row.banner, row.banner_size = banner, banner_size if banner else None
            row.updated_by = current_user.id
            db.session.commit()
            for name in filter(None, old):  # the replaced files, once the new ones are saved
                uploads.path(name, FOLDER).unlink(missing_ok=True)
            remember(_KEY, _TTL, _row())
            invalidate()
            flash(_("The home page is saved."), "success")
            return redirect(url_for(".edit"))
        for name in filter(None, (logo, banner)):  # refused for another field: keep nothing half-saved
            uploads.path(name, FOLDER).unlink(missing_ok=True)
        chosen = {"order": [n for _p, n in sorted(order)], "hidden": hidden}
    rank = {name: i for i, name in enumerate(chosen["order"])}
    modules.sort(key=lambda m: rank.get(m.name, len(rank)))
    return render_template("admin/portal.html", form=form, current=current, modules=modules, chosen=chosen,
                           errors=errors, logo_kb=LOGO_BYTES // 1024, banner_kb=BANNER_BYTES // 1024), \
        (400 if form.errors or errors else 200)


@bp.get("/portal/<kind>/<name>")
def image(kind: str, name: str):
    """The edited logo or banner (public: shown on every page); its name changes with each upload."""
    if kind not in ("logo", "banner") or home().get(kind) != name:
        abort(404)
    try:
        path = uploads.path(name, FOLDER)
    except FileNotFoundError:
        abort(404)
    if not path.is_file():
        abort(404)
    from flask import send_file

    return send_file(path, max_age=7 * 24 * 3600)


def logo_url() -> str | None:
    """The header's logo: the edited one, else the profile's, else none."""
    shown = home()
    if shown["logo"]:
        return url_for("portal.image", kind="logo", name=shown["logo"])
    return url_for("core.logo") if current_app.extensions["egovkit"].profile.regency.logo else None


def sitemap_urls() -> list[str]:
    """Every public page the portal links to: the kit's own and each enabled module's public menu pages."""
    endpoints = ["core.home", "core.regions", "opendata.catalogue"]
    for module in current_app.extensions["egovkit"].modules:
        endpoints += [item.endpoint for item in module.nav if item.public and item.permission is None]
    base = (current_app.config.get("EGOVKIT_PUBLIC_URL") or request.url_root).rstrip("/")
    seen, out = set(), []
    for endpoint in endpoints:
        url = base + url_for(endpoint)
        if url not in seen:
            seen.add(url)
            out.append(url)
    return out


@bp.get("/sitemap.xml")
def sitemap():
    body = ['<?xml version="1.0" encoding="UTF-8"?>',
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    body += [f"  <url><loc>{escape(url)}</loc></url>" for url in sitemap_urls()]
    body.append("</urlset>\n")
    return current_app.response_class("\n".join(body), mimetype="application/xml",
                                      headers={"Cache-Control": "max-age=3600"})


def init_app(app) -> None:
    app.register_blueprint(bp)

    @app.context_processor
    def _portal():
        return {"portal_logo": logo_url}
