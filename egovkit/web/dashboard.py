"""The regent's dashboard (/dasbor): one page across the enabled modules, each contributing its tiles
(egovkit.services.tiles), for the viewer's reach, drilled down to a kecamatan and a desa."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import get_locale
from sqlalchemy import select

from ..auth import scope
from ..db import db
from ..models import Region
from ..services import tiles

bp = Blueprint("dashboard", __name__, url_prefix="/dasbor")


def _trail(code: str) -> list[Region]:
    """The regency, kecamatan and desa above and at ``code``, top first."""
    regency = current_app.extensions["egovkit"].profile.regency.code
    chain, at = [], db.session.get(Region, code)
    while at is not None and (at.code == regency or at.code.startswith(regency + ".")):
        chain.append(at)
        at = db.session.get(Region, at.parent_code) if at.parent_code else None
    return chain[::-1]


@bp.get("")
@scope.require(tiles.PERMISSION)
def index():
    reach = tiles.reach_of()
    if reach is None:
        abort(403)  # a role holding the permission without a region (an agency's): nothing to show
    regency = current_app.extensions["egovkit"].profile.regency.code
    code = request.args.get("region") or None
    if code is None and reach.regions is not None and len(reach.regions) == 1:
        code = reach.regions[0]
    if code is not None:
        region = db.session.get(Region, code)
        if region is None or not (code == regency or code.startswith(regency + ".")):
            abort(404)
        if code != regency and not reach.covers(code) or code == regency and reach.regions is not None:
            abort(404)  # outside the viewer's reach: as if it did not exist
    if code is None or code == regency:
        children = db.session.scalars(select(Region).where(Region.parent_code == regency).order_by(Region.code)).all() \
            if reach.regions is None else db.session.scalars(
                select(Region).where(Region.code.in_(reach.regions)).order_by(Region.code)).all()
    else:
        children = db.session.scalars(select(Region).where(Region.parent_code == code).order_by(Region.code)).all()
    locale = str(get_locale() or current_app.extensions["egovkit"].profile.locale)
    shown = tiles.collect(reach, None if code == regency else code, locale)
    return render_template("dashboard/index.html", tiles=shown, trail=_trail(code) if code else [],
                           children=children, whole=reach.regions is None, code=code, regency_code=regency)
