"""The page that follows a background job: a progress bar that refreshes itself (no script needed)."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user, login_required

from ..db import db
from ..services.jobs import Job

bp = Blueprint("jobs", __name__)


@bp.get("/jobs/<int:job_id>")
@login_required
def status(job_id: int):
    job = db.session.get(Job, job_id)
    if job is None or job.owner_id != current_user.id:  # a job and its result are its owner's alone
        abort(404)
    if job.state == "done" and job.result_endpoint:
        return redirect(url_for(job.result_endpoint, job_id=job.id))
    return render_template("jobs/status.html", job=job)
