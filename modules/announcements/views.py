from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, select
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from egovkit.auth import scope
from egovkit import events
from egovkit.db import db
from egovkit.models import Agency
from egovkit.web.cache import invalidate, public_page
from egovkit.web.forms import Form

from .models import Notice

bp = Blueprint("announcements", __name__, url_prefix="/announcements", template_folder="templates")


def _settings():
    return current_app.extensions["egovkit"].profile.modules["announcements"]


@bp.get("/")
@public_page()
def index():
    per_page = _settings().per_page
    page = request.args.get("page", 1, type=int)
    if not 1 <= page <= 100_000:
        abort(404)
    total = db.session.scalar(select(func.count()).select_from(Notice))
    notices = db.session.scalars(select(Notice).order_by(Notice.published_at.desc(), Notice.id.desc())
                                 .limit(per_page).offset((page - 1) * per_page)).all()
    return render_template("announcements/index.html", notices=notices, page=page,
                           has_next=page * per_page < total, can_publish=_can_publish())


@bp.get("/<int:notice_id>")
@public_page()
def show(notice_id: int):
    notice = db.session.get(Notice, notice_id) or abort(404)
    return render_template("announcements/show.html", notice=notice, can_publish=_can_publish())


class NoticeForm(Form):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    body = TextAreaField("Text", validators=[DataRequired(), Length(max=20000)])
    agency_code = SelectField("Agency", choices=[], validate_choice=True)


def _can_publish() -> bool:
    return scope.can("announcements.publish")


@bp.route("/new", methods=["GET", "POST"])
@scope.require("announcements.publish")
def create():
    form = NoticeForm()
    agencies = db.session.scalars(select(Agency).where(Agency.active).order_by(Agency.name)).all()
    form.agency_code.choices = [SelectChoice("", _("(none)"))] + [SelectChoice(a.code, a.name) for a in agencies]
    if form.validate_on_submit():
        notice = Notice(title=form.title.data.strip(), body=form.body.data.strip(),
                        agency_code=form.agency_code.data or None, author_id=current_user.id)
        db.session.add(notice)
        db.session.flush()
        events.publish("announcement.published", id=notice.id, title=notice.title, agency=notice.agency_code)
        db.session.commit()
        invalidate()
        flash(_("Announcement published."), "success")
        return redirect(url_for(".show", notice_id=notice.id))
    return render_template("announcements/new.html", form=form), (400 if form.errors else 200)


@bp.route("/<int:notice_id>/delete", methods=["GET", "POST"])
@scope.require("announcements.publish")
def delete(notice_id: int):
    notice = db.session.get(Notice, notice_id) or abort(404)
    form = Form()
    if form.validate_on_submit():
        db.session.delete(notice)
        db.session.commit()
        invalidate()
        flash(_("Announcement deleted."), "success")
        return redirect(url_for(".index"))
    return render_template("announcements/delete.html", notice=notice, form=form)


def home_widget():
    limit = _settings().show_on_home
    if not limit:
        return None
    notices = db.session.scalars(select(Notice).order_by(Notice.published_at.desc()).limit(limit)).all()
    return Markup(render_template("announcements/_widget.html", notices=notices))
