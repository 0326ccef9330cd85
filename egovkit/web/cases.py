"""Workflow pages every module shares: the inbox, and deciding on a case."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from ..services import workflow
from ..auth import scope
from ..auth.views import safe_next
from ..db import db
from .forms import Form

bp = Blueprint("cases", __name__)


def case_url(case: workflow.Case) -> str:
    wf = current_app.extensions["egovkit"].workflows.get(case.workflow)
    if wf is None or wf.view is None:
        return url_for("cases.inbox")
    return url_for(wf.view, record_id=case.record_id)


def state_title(case: workflow.Case, locale: str) -> str:
    wf = current_app.extensions["egovkit"].workflows.get(case.workflow)
    titles = wf.states.get(case.state, {}) if wf else {}
    return titles.get(locale) or titles.get("en") or case.state


def state_tone(case: workflow.Case) -> str:
    """The meaning of the case's state, for its badge's colour (Workflow.tones)."""
    wf = current_app.extensions["egovkit"].workflows.get(case.workflow)
    return wf.tone(case.state) if wf else "waiting"


@bp.get("/inbox")
@login_required
def inbox():
    cases = workflow.inbox()
    return render_template("cases/inbox.html", cases=cases, where=_where(cases))


def _where(cases) -> dict[int, str]:
    """Each case's place by name ("Sarongan, Pesanggaran") or agency name, never a bare code."""
    from sqlalchemy import select

    from ..models import Agency, Region

    codes = {c.region_code for c in cases if c.region_code}
    parents = {code.rsplit(".", 1)[0] for code in codes if code.count(".") == 3}
    names = dict(db.session.execute(select(Region.code, Region.name).where(Region.code.in_(codes | parents)))
                 .all()) if codes else {}
    agencies = {c.agency_code for c in cases if c.agency_code}
    agency_names = dict(db.session.execute(select(Agency.code, Agency.name).where(Agency.code.in_(agencies)))
                        .all()) if agencies else {}
    where = {}
    for c in cases:
        if c.region_code:
            name = names.get(c.region_code, c.region_code)
            parent = names.get(c.region_code.rsplit(".", 1)[0]) if c.region_code.count(".") == 3 else None
            where[c.id] = f"{name}, {parent}" if parent else name
        elif c.agency_code:
            where[c.id] = agency_names.get(c.agency_code, c.agency_code)
    return where


@bp.post("/cases/<int:case_id>/<transition>")
@login_required
def decide(case_id: int, transition: str):
    form = Form()
    if not form.validate_on_submit():
        abort(400)
    case = scope.get_or_404(workflow.Case, case_id)
    wf = current_app.extensions["egovkit"].workflows.get(case.workflow)
    if wf is None or not any(t.name == transition and t.panel for t in wf.transitions):
        abort(404)  # unknown, or decided on the module's own page with its own form
    back = safe_next(request.form.get("next")) if request.form.get("next") else case_url(case)
    note = (request.form.get("note") or "").strip()[:2000] or None
    try:
        workflow.fire(case, transition, note=note)
        db.session.commit()
        from .cache import invalidate

        invalidate()  # after commit: a page cached meanwhile would show the old state
    except workflow.Forbidden:
        db.session.rollback()
        abort(403)
    except workflow.WorkflowError as exc:
        db.session.rollback()
        flash(_("Not done: %(reason)s", reason=str(exc)), "error")
        return redirect(back)
    flash(_("Done: %(transition)s.", transition=_transition_title(case, transition)), "success")
    return redirect(back)


def _transition_title(case, name: str) -> str:
    from flask_babel import get_locale

    t = current_app.extensions["egovkit"].workflows[case.workflow].transition(name)
    locale = str(get_locale())
    return t.title.get(locale) or t.title.get("en") or name


def init_app(app) -> None:
    app.register_blueprint(bp)

    @app.context_processor
    def _helpers():
        from flask_babel import get_locale

        def panel(case):
            """Timeline and the decisions this user may take, for a module's record page (staff only)."""
            if case is None or not current_user.is_authenticated or not scope.can_see(case):
                return ""
            locale = str(get_locale())
            wf = app.extensions["egovkit"].workflows[case.workflow]
            steps = workflow.timeline(case)
            actions = [t for t in workflow.allowed(case) if t.panel]
            forward = [t for t in actions if "note" not in t.requires]  # refusals need a reason: after these
            backward = [t for t in actions if "note" in t.requires]
            return Markup(render_template("cases/_panel.html", case=case, steps=steps, wf=wf, locale=locale,
                                          actions=actions, forward=forward, backward=backward,
                                          state=state_title(case, locale),
                                          tone=state_tone(case)))

        return {"case_panel": panel, "case_url": case_url, "case_state": state_title, "case_tone": state_tone}


