"""Login throttling from a table, so it holds across worker processes
without an extra service: 5 failures for one account, or 100 from one
address, within 15 minutes lock further attempts until the window passes.
(Behind a reverse proxy every visitor may share one address: the address
limit is high for that reason; configure the proxy to pass the real one.)"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select

from ..db import db
from ..models import LoginAttempt, utcnow

WINDOW = timedelta(minutes=15)
PER_ACCOUNT = 5
PER_ADDRESS = 100


def locked(identifier: str, ip: str) -> bool:
    since = utcnow() - WINDOW
    failures = select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.at >= since, LoginAttempt.success.is_(False))
    return (db.session.scalar(failures.where(LoginAttempt.identifier == identifier)) >= PER_ACCOUNT
            or db.session.scalar(failures.where(LoginAttempt.ip == ip)) >= PER_ADDRESS)


def record(identifier: str, ip: str, success: bool) -> None:
    db.session.add(LoginAttempt(identifier=identifier, ip=ip, success=success))
    if not success:
        db.session.execute(delete(LoginAttempt).where(LoginAttempt.at < utcnow() - timedelta(days=1)))
    db.session.commit()
