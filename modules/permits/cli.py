"""`egovkit permits ...`: jobs for the shell or cron."""
import click
from flask.cli import AppGroup

from egovkit.db import db

from . import views

permits = AppGroup("permits", help="One-stop online permits.")


@permits.command("expire")
def expire():
    """Mark permits past their validity as expired and publish permit.expired (run daily, e.g. from cron)."""
    done = views.expire_due()
    db.session.commit()
    click.echo(f"{done} permit(s) expired")
