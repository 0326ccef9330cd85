from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import func, select
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from egovkit.services import documents, events, uploads, workflow
from egovkit.auth import scope
from egovkit.db import db
from egovkit.models import Agency, utcnow
from egovkit.web.cache import invalidate, public_page
from egovkit.web.export import csv_response, keyset
from egovkit.web import once
from egovkit.web.forms import Form

from .models import Notice

bp = Blueprint("announcements", __name__, url_prefix="/announcements", template_folder="templates")


def _settings():
    return current_app.extensions["egovkit"].profile.modules["announcements"]


def _published():
    return select(Notice).where(Notice.published_at.is_not(None))


@bp.get("/")
@public_page()
def index():
    per_page = _settings().per_page
    page = request.args.get("page", 1, type=int)
    if not 1 <= page <= 100_000:
        abort(404)
    total = db.session.scalar(select(func.count()).select_from(_published().subquery()))
    notices = db.session.scalars(_published().order_by(Notice.published_at.desc(), Notice.id.desc())
                                 .limit(per_page).offset((page - 1) * per_page)).all()
    return render_template("announcements/index.html", notices=notices, page=page,
                           has_next=page * per_page < total, can_draft=_can_draft())


@bp.get("/<int:record_id>")
@public_page()
def show(record_id: int):
    notice = db.session.get(Notice, record_id)
    if notice is None or (notice.published_at is None and not _can_draft()):
        abort(404)
    if notice.published_at is None:
        notice = scope.get_or_404(Notice, record_id)  # a draft: only within the reader's reach
    case = db.session.get(workflow.Case, notice.case_id) if notice.case_id else None
    return render_template("announcements/show.html", notice=notice, case=case, has_pdf=_pdf_of(notice) is not None,
                           can_delete=_can_publish() or (notice.published_at is None and scope.can_see(notice)))


class NoticeForm(Form):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    body = TextAreaField("Text", validators=[DataRequired(), Length(max=20000)])
    agency_code = SelectField("Agency", choices=[], default="", validate_choice=True)


def _can_publish() -> bool:
    return scope.can("announcements.publish")


def _can_draft() -> bool:
    return scope.can("announcements.draft") or _can_publish()


def _reach() -> tuple[str | None, str | None]:
    """(region, agency) a new notice of this user belongs to: their village, district or agency."""
    for grant in scope.grants(None, current_app.extensions["egovkit"].profile.roles_with("announcements.draft")):
        if grant.region or grant.agency:
            return grant.region, grant.agency
    return None, None


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    if not _can_draft():
        abort(403)
    form = NoticeForm()
    region, agency = _reach()
    # A village or district notice belongs to that region only; an agency's to that agency; only
    # regency-wide accounts (no region, no agency) may name the publishing agency.
    agencies = db.session.scalars(select(Agency).where(Agency.active).order_by(Agency.name)).all()
    if agency or region:
        agencies = [a for a in agencies if a.code == agency]
    form.agency_code.choices = ([] if agency else [SelectChoice("", _("(none)"))]) + [
        SelectChoice(a.code, a.name) for a in agencies]
    if form.validate_on_submit():
        if (first := once.replay()) is not None:  # the same form sent again: one notice, not two
            return first
        direct = _can_publish() and request.form.get("action") != "draft"
        notice = Notice(title=form.title.data.strip(), body=form.body.data.strip(), region_code=region,
                        agency_code=form.agency_code.data or agency, author_id=current_user.id,
                        published_at=utcnow() if direct else None)
        db.session.add(notice)
        db.session.flush()
        if direct:
            issue_pdf(notice)
            events.publish("announcement.published", id=notice.id, title=notice.title, agency=notice.agency_code)
            flash(_("Announcement published."), "success")
        else:
            case = workflow.start("announcements.notice", notice.id, notice.title, module="announcements",
                                  region_code=region, agency_code=notice.agency_code, user=current_user)
            notice.case_id = case.id
            flash(_("Draft saved. Submit it for approval when it is ready."), "success")
        once.record(url_for(".show", record_id=notice.id))
        db.session.commit()
        invalidate()
        return redirect(url_for(".show", record_id=notice.id))
    return render_template("announcements/new.html", form=form, can_publish=_can_publish(), region=region), \
        (400 if form.errors else 200)


@bp.get("/drafts")
@login_required
def drafts():
    if not _can_draft():
        abort(403)
    rows = db.session.scalars(scope.visible(select(Notice).where(Notice.published_at.is_(None)), Notice)
                              .order_by(Notice.id.desc()).limit(500)).all()
    cases = workflow.cases_of(rows)
    return render_template("announcements/drafts.html", notices=rows, cases=cases)


@bp.get("/export.csv")
@login_required
def export():
    """Every notice within the user's reach, drafts included."""
    if not _can_draft():
        abort(403)
    rows = ((n.id, n.title, n.region_code, n.agency_code, n.published_at.isoformat() if n.published_at else "")
            for n in keyset(scope.visible(select(Notice), Notice), Notice.id))
    return csv_response("pengumuman.csv", ["id", "title", "region_code", "agency_code", "published_at"], rows)


def issue_pdf(notice: Notice) -> documents.Document:
    """The notice as a numbered PDF with a verification QR code, made when it is published."""
    doc_type = current_app.extensions["egovkit"].modules_by_name["announcements"].documents[0]
    agency = db.session.get(Agency, notice.agency_code) if notice.agency_code else None
    facts = [("Judul", notice.title),
             ("Diterbitkan oleh", agency.name if agency else current_app.extensions["egovkit"].profile.regency.name)]
    return documents.issue(doc_type, module="announcements", record_id=notice.id, title=notice.title,
                           paragraphs=notice.body.split("\n"), facts=facts,
                           scope=notice.region_code or notice.agency_code or None,
                           region_code=notice.region_code, agency_code=notice.agency_code)


def _pdf_of(notice: Notice | None) -> documents.Document | None:
    """The published notice's PDF; None for a draft, or a notice published without one (a demo notice, or one
    published from the command line without EGOVKIT_PUBLIC_URL for its QR code)."""
    if notice is None or not notice.published_at:
        return None
    return db.session.scalar(select(documents.Document).where(
        documents.Document.doc_type == "announcements.notice", documents.Document.record_id == str(notice.id),
        documents.Document.revoked.is_(False)))


@bp.get("/<int:record_id>/pdf")
def pdf(record_id: int):
    doc = _pdf_of(db.session.get(Notice, record_id))
    if doc is None:
        abort(404)
    try:
        return uploads.send_public(documents.storage(doc.code), mimetype="application/pdf",
                                   download_name=f"{doc.code}.pdf")
    except FileNotFoundError:
        abort(404)


def on_published(case, step):
    """Workflow hook: the notice goes public in the same transaction as the approval."""
    notice = db.session.get(Notice, int(case.record_id))
    if notice is None:
        raise workflow.Conflict("this notice was deleted")
    notice.published_at = step.at
    issue_pdf(notice)
    events.publish("announcement.published", id=notice.id, title=notice.title, agency=notice.agency_code)


@bp.route("/<int:record_id>/delete", methods=["GET", "POST"])
@login_required
def delete(record_id: int):
    notice = scope.get_or_404(Notice, record_id) if not _can_publish() else db.session.get(Notice, record_id)
    if notice is None:
        abort(404)
    if not (_can_publish() or (notice.published_at is None and _can_draft())):
        abort(403)
    form = Form()
    if form.validate_on_submit():
        withdraw(notice)
        db.session.delete(notice)
        db.session.commit()
        invalidate()
        flash(_("Announcement deleted."), "success")
        return redirect(url_for(".index"))
    return render_template("announcements/delete.html", notice=notice, form=form)


def withdraw(notice: Notice) -> None:
    """Before deleting a notice: close its open case and revoke its documents."""
    if notice.case_id:
        case = db.session.get(workflow.Case, notice.case_id)
        notice.case_id = None
        if case is not None and not case.closed:
            case.closed = True
    for doc in db.session.scalars(select(documents.Document).where(
            documents.Document.doc_type == "announcements.notice", documents.Document.record_id == str(notice.id))):
        documents.revoke(doc)


def home_widget():
    limit = _settings().show_on_home
    if not limit:
        return None
    notices = db.session.scalars(_published().order_by(Notice.published_at.desc()).limit(limit)).all()
    return Markup(render_template("announcements/_widget.html", notices=notices))
