""""Pengaturan notifikasi": the language of a person's messages and, for staff, whether to be told when a
case arrives in their inbox (and by which channel). Changes are audited by the ORM listener."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..db import db
from ..services.notifications import LOCALES, NotifyPref
from .forms import Form

bp = Blueprint("prefs", __name__)
CHANNELS = ("email", "phone")


def _staff(user) -> bool:
    return any(a.role != "citizen" for a in user.roles)


@bp.route("/me/notifications", methods=["GET", "POST"])
@login_required
def page():
    form = Form()
    pref = db.session.get(NotifyPref, current_user.id)
    staff = _staff(current_user)
    errors = {}
    if request.method == "POST" and form.validate_on_submit():
        locale = request.form.get("locale", "")
        channel = request.form.get("channel", "email")
        if locale not in LOCALES:
            errors["locale"] = _("Choose a language.")
        if staff and channel not in CHANNELS:
            errors["channel"] = _("Choose how to be told.")
        if staff and channel == "phone" and request.form.get("case_arrival") and not current_user.phone:
            errors["channel"] = _("Your account has no phone number: choose email, or ask the administrator.")
        if staff and channel == "email" and request.form.get("case_arrival") and not current_user.email:
            errors["channel"] = _("Your account has no email address: choose phone.")
        if not errors:
            current_user.locale = locale
            if staff:
                if pref is None:
                    pref = NotifyPref(user_id=current_user.id)
                    db.session.add(pref)
                pref.case_arrival = bool(request.form.get("case_arrival"))
                pref.channel = channel
            db.session.commit()
            flash(_("Notification settings saved."), "success")
            return redirect(url_for(".page"))
    elif request.method == "POST":
        errors["form"] = _("The form expired: send it again.")
    return render_template("me/notifications.html", form=form, pref=pref, staff=staff, errors=errors,
                           locale_value=request.form.get("locale") or current_user.locale or ""), \
        (400 if errors else 200)
