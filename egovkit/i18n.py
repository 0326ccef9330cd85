"""Messages that are translated when shown, not where they are written.

``N_("...")`` marks an English msgid for extraction (scripts/update_translations.py
collects ``N_`` like ``_``) and returns it unchanged, so that an error can carry
its message and parameters and be rendered later, in the language of whoever
reads it: ``gettext(msgid, **params)`` on a page, ``msgid % params`` (English)
in the shell.
"""
from __future__ import annotations


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
