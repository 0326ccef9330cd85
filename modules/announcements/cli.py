"""`egovkit announcements ...`: publish and list notices from the shell."""
import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from egovkit.services import events
from egovkit.db import db
from egovkit.models import Agency, utcnow

from .models import Notice

group = AppGroup("announcements", help="The regency's public notices.")


@group.command("publish")
@click.option("--title", required=True, help="Title, at most 200 characters.")
@click.option("--body", required=True, help="Text of the notice.")
@click.option("--agency", help="Code of the publishing agency (OPD).")
def publish(title, body, agency):
    """Publish a notice."""
    title, body = title.strip(), body.strip()
    if not title or len(title) > 200:
        raise click.BadParameter("must be 1 to 200 characters", param_hint="--title")
    if not body:
        raise click.BadParameter("must not be empty", param_hint="--body")
    if agency and db.session.get(Agency, agency) is None:
        codes = ", ".join(db.session.scalars(select(Agency.code).order_by(Agency.code)))
        raise click.BadParameter(f"no agency {agency!r}; known: {codes}", param_hint="--agency")
    notice = Notice(title=title, body=body, agency_code=agency, published_at=utcnow())
    db.session.add(notice)
    db.session.flush()
    pdf = bool(current_app.config.get("EGOVKIT_PUBLIC_URL"))
    if pdf:
        from .views import issue_pdf

        issue_pdf(notice)
    events.publish("announcement.published", id=notice.id, title=notice.title, agency=notice.agency_code)
    db.session.commit()
    click.echo(f"published #{notice.id}: {title}")
    if not pdf:
        click.echo("  (no PDF: set EGOVKIT_PUBLIC_URL so its QR code can carry the public address)")


@group.command("list")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
def list_notices(limit):
    """The latest notices."""
    stmt = select(Notice).order_by(Notice.published_at.desc().nulls_first(), Notice.id.desc()).limit(limit)
    for notice in db.session.scalars(stmt):
        when = f"{notice.published_at:%Y-%m-%d}" if notice.published_at else "draft     "
        click.echo(f"#{notice.id:<5} {when}  {notice.title}")


@group.command("delete")
@click.argument("notice_id", type=int, required=False)
@click.option("--demo", is_flag=True, help="Delete every demo notice (from `init --demo`).")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
def delete(notice_id, demo, yes):
    """Delete a notice by number, or all demo notices."""
    if (notice_id is None) == (not demo):
        raise click.UsageError("give a notice number or --demo (not both)")
    stmt = select(Notice).where(Notice.demo) if demo else select(Notice).where(Notice.id == notice_id)
    notices = db.session.scalars(stmt).all()
    if not notices:
        raise click.ClickException("no such notice" if notice_id else "no demo notices")
    if not yes:
        click.confirm(f"Delete {len(notices)} notice(s): {', '.join(n.title for n in notices)}?", abort=True)
    from .views import withdraw

    for notice in notices:
        withdraw(notice)
        db.session.delete(notice)
    db.session.commit()
    click.echo(f"deleted {len(notices)} notice(s)")
