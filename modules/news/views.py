"""News pages: the public list and article, drafting by an agency's staff, approval through the core's
workflow (news.article: the case panel on the article's page), the home page's latest articles."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import func, select
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from egovkit.auth import scope
from egovkit.db import db
from egovkit.models import Agency, utcnow
from egovkit.services import events, workflow
from egovkit.web import once
from egovkit.web.cache import invalidate, public_page
from egovkit.web.forms import Form

from .models import Article

bp = Blueprint("news", __name__, url_prefix="/berita", template_folder="templates")


def _settings():
    return current_app.extensions["egovkit"].profile.modules["news"]


def _published():
    return select(Article).where(Article.published_at.is_not(None))


def _can_publish() -> bool:
    return scope.can("news.publish")


def _can_write() -> bool:
    return scope.can("news.write") or _can_publish()


@bp.get("/")
@public_page()
def index():
    per_page = _settings().per_page
    page = request.args.get("page", 1, type=int)
    if not 1 <= page <= 100_000:
        abort(404)
    total = db.session.scalar(select(func.count()).select_from(_published().subquery()))
    articles = db.session.scalars(_published().order_by(Article.published_at.desc(), Article.id.desc())
                                  .limit(per_page).offset((page - 1) * per_page)).all()
    return render_template("news/index.html", articles=articles, page=page, has_next=page * per_page < total,
                           can_write=_can_write())


@bp.get("/<int:record_id>")
@public_page()
def show(record_id: int):
    article = db.session.get(Article, record_id)
    if article is None:
        abort(404)
    if article.published_at is None:  # a draft: only within the writer's agency (or the regency's admin)
        article = scope.get_or_404(Article, record_id, permission="news.write")
    case = db.session.get(workflow.Case, article.case_id) if article.case_id else None
    agency = db.session.get(Agency, article.agency_code) if article.agency_code else None
    return render_template("news/show.html", article=article, case=case, agency=agency)


class ArticleForm(Form):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    summary = StringField("Summary", validators=[Optional(), Length(max=300)])
    body = TextAreaField("Text", validators=[DataRequired(), Length(max=20000)])
    agency_code = SelectField("Agency", choices=[], validate_choice=True)


@bp.route("/baru", methods=["GET", "POST"])
@login_required
def create():
    if not _can_write():
        abort(403)
    form = ArticleForm()
    granted = scope.grants(None, current_app.extensions["egovkit"].profile.roles_with("news.write"))
    agencies = db.session.scalars(select(Agency).where(Agency.active).order_by(Agency.name)).all()
    regency_wide = any(g.everything for g in granted)
    if not regency_wide:  # an agency's staff write for their agency only
        own = {g.agency for g in granted if g.agency}
        agencies = [a for a in agencies if a.code in own]
        if not agencies:
            abort(403)
    form.agency_code.choices = ([SelectChoice("", _("(none)"))] if regency_wide else []) + [
        SelectChoice(a.code, a.name) for a in agencies]
    if form.validate_on_submit():
        if (first := once.replay()) is not None:  # the same form sent again: one article, not two
            return first
        direct = _can_publish() and request.form.get("action") != "draft"
        article = Article(title=form.title.data.strip(), summary=(form.summary.data or "").strip(),
                          body=form.body.data.strip(), agency_code=form.agency_code.data or None,
                          author_id=current_user.id, published_at=utcnow() if direct else None, demo=False)
        db.session.add(article)
        db.session.flush()
        if direct:
            events.publish("news.published", id=article.id, title=article.title, agency=article.agency_code)
            flash(_("Article published."), "success")
        else:
            case = workflow.start("news.article", article.id, article.title, module="news",
                                  agency_code=article.agency_code, user=current_user)
            article.case_id = case.id
            flash(_("Draft saved. Submit it for approval when it is ready."), "success")
        once.record(url_for(".show", record_id=article.id))
        db.session.commit()
        invalidate()
        return redirect(url_for(".show", record_id=article.id))
    return render_template("news/new.html", form=form, can_publish=_can_publish()), (400 if form.errors else 200)


@bp.get("/draf")
@login_required
def drafts():
    if not _can_write():
        abort(403)
    rows = db.session.scalars(scope.visible(select(Article).where(Article.published_at.is_(None)), Article,
                                            permission="news.write").order_by(Article.id.desc()).limit(500)).all()
    cases = workflow.cases_of(rows)
    return render_template("news/drafts.html", articles=rows, cases=cases)


def on_published(case, step):
    """Workflow hook: the article goes public in the same transaction as the approval."""
    article = db.session.get(Article, int(case.record_id))
    if article is None:
        raise workflow.Conflict("this article was deleted")
    article.published_at = step.at
    events.publish("news.published", id=article.id, title=article.title, agency=article.agency_code)
    invalidate()


def home_widget():
    limit = _settings().show_on_home
    if not limit:
        return None
    articles = db.session.scalars(_published().order_by(Article.published_at.desc()).limit(limit)).all()
    if not articles:
        return None
    return Markup(render_template("news/_widget.html", articles=articles))
