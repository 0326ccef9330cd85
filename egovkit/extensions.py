"""The Flask extensions, created here once and bound to the app by create_app.

Everything that needs one imports it from here (never from app.py), which
keeps app, api, auth and web free of import circles. The database's ``db``
and ``migrate`` live in db.py beside the Session they use and are bound the
same way.
"""
from __future__ import annotations

from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from .db import db, migrate

csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()

__all__ = ["babel", "csrf", "db", "login_manager", "migrate"]
