"""`egovkit residents ...`: the population register from the shell."""
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from egovkit.services.csvimport import RowError

from . import importer

residents = AppGroup("residents", help="The village population register.")


@residents.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--desa", "village", help="Import only this village's rows (kode_desa may then be left out).")
def import_residents(file, village):
    """Import residents from a CSV file (upsert by NIK; bad rows go to FILE.rejects.csv)."""
    settings = current_app.extensions["egovkit"].profile.modules["smart_kampung"]
    size = file.stat().st_size
    with click.progressbar(length=size, label=f"Importing {file.name}", show_percent=True, show_eta=True,
                           file=sys.stderr) as bar:
        state = {"done": 0}

        def progress(position):
            bar.update(max(0, min(position, size) - state["done"]))
            state["done"] = min(position, size)

        try:
            summary = importer.import_file(file, village, settings.import_batch, progress)
        except RowError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"{summary.rows} rows: {summary.written} written, {summary.unchanged} unchanged, "
               f"{summary.rejected} rejected")
    if summary.rejects_file:
        click.echo(f"rejected rows with their line number and reason: {summary.rejects_file}")
        for reason, n in sorted(summary.reasons.items(), key=lambda item: -item[1])[:5]:
            click.echo(f"  {n:>6} x {reason}")


@residents.command("generate")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--families", default=100, show_default=True, type=click.IntRange(1, 100_000),
              help="Families per village.")
@click.option("--seed", default=20261124, show_default=True)
def generate(file, families, seed):
    """Write a CSV of synthetic residents for every village of this instance (for demos and benchmarks)."""
    from . import demo

    n = demo.write_csv(file, demo.generate(demo.villages(), families, seed))
    click.echo(f"wrote {n} residents to {file}")
