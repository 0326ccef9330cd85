"""Messages that are translated when shown, not where they are written.

``N_("...")`` marks an English msgid for extraction (scripts/update_translations.py
collects ``N_`` like ``_``) and returns it unchanged, so that an error can carry
its message and parameters and be rendered later, in the language of whoever
reads it: ``gettext(msgid, **params)`` on a page, ``msgid % params`` (English)
in the shell.
"""
from __future__ import annotations

from flask import g
from flask_babel import get_translations
from jinja2 import pass_context
from markupsafe import Markup


def N_(message: str) -> str:
    """Mark ``message`` for translation; it is translated when rendered."""
    return message


def english(message: str, params: dict) -> str:
    """The message as written (English), with its parameters."""
    return message % params if params else message


def translated(message: str, params: dict) -> str:
    """The message in the current UI language (Flask-Babel), with its parameters."""
    from flask_babel import gettext

    return gettext(message, **params)


def _catalogue():
    """Flask-Babel's catalogue for this request's language, looked up once per request: a page's
    template asks for dozens of messages. Kept where Flask-Babel keeps a request's translations, which
    its ``refresh()`` and ``force_locale()`` clear when the language changes mid-request."""
    try:
        space = g._flask_babel
    except (AttributeError, RuntimeError):  # nothing asked Flask-Babel yet in this request, or no request
        return get_translations()
    catalogue = getattr(space, "babel_translations", None)
    if catalogue is None:
        catalogue = space.babel_translations = get_translations()
    return catalogue


@pass_context
def _template_gettext(context, string: str, **variables) -> str:
    """A template's ``_()``: what Jinja's newstyle gettext does (markup when autoescaping, the message
    always a format string), in one call instead of the four layers of wrappers it goes through."""
    message = _catalogue().ugettext(string)
    if context.eval_ctx.autoescape:
        message = Markup(message)
    return message % variables if variables or "%" in message else message


def install_template_gettext(app) -> None:
    """Templates' ``_()``/``ngettext()`` through the per-request catalogue (after ``babel.init_app``)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _catalogue().ugettext(s),
        ngettext=lambda s, p, n: _catalogue().ungettext(s, p, n),
        pgettext=lambda c, s: _catalogue().upgettext(c, s),
        npgettext=lambda c, s, p, n: _catalogue().unpgettext(c, s, p, n),
        newstyle=True)
    app.jinja_env.globals.update(_=_template_gettext, gettext=_template_gettext)
