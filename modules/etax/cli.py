"""egovkit etax ...: register a point-of-sale device for a tax object (the token is printed once)."""
import click
from flask.cli import AppGroup

from egovkit.db import db

from . import service
from .models import TaxObject

group = AppGroup("etax", help="Local taxes: point-of-sale devices.")


@group.command("device-add")
@click.argument("object_id", type=int)
@click.option("--name", required=True, help="What the device is, e.g. 'Kasir depan'.")
def device_add(object_id, name):
    """Register a device for a tax object; its token is printed once."""
    obj = db.session.get(TaxObject, object_id)
    if obj is None:
        raise click.ClickException(f"no tax object #{object_id}")
    try:
        device, secret = service.register_device(obj, name)
    except service.TaxError as exc:
        raise click.BadParameter(exc.message, param_hint="--name") from None
    db.session.commit()
    click.echo(f"device #{device.id} for {obj.name}: {secret}")
    click.echo("  (shown once: put it in the device's settings, header X-Device-Token)")
