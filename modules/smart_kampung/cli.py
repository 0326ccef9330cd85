"""`egovkit residents ...`: the population register from the shell."""
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from egovkit.services.csvimport import RowError

from . import importer, moving_in

residents = AppGroup("residents", help="The village population register.")


@residents.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--desa", "village", help="Import only this village's rows (kode_desa may then be left out).")
@click.option("--from", "source", type=click.Choice(("csv", *moving_in.SOURCES)), default="csv", show_default=True,
              help="csv: the register's own columns (docs/residents-csv.md); opensid: OpenSID's tables as a MySQL "
                   "dump (.sql) or a zip of their CSV exports; siak: a SIAK population extract (.csv or .zip) "
                   "(docs/moving-in.md).")
def import_residents(file, village, source):
    """Import residents from a file (upsert by NIK; bad rows go to a .rejects.csv beside it)."""
    settings = current_app.extensions["egovkit"].profile.modules["smart_kampung"]
    state = {"done": 0, "size": file.stat().st_size}
    with click.progressbar(length=1000, label=f"Importing {file.name}", show_percent=True, show_eta=True,
                           file=sys.stderr) as bar:

        def progress(position):  # bytes of the file being imported, shown as thousandths
            done = int(1000 * min(position, state["size"]) / max(state["size"], 1))
            bar.update(max(0, done - state["done"]))
            state["done"] = done

        def sized(converted):
            state["size"] = converted.stat().st_size

        report = None
        try:
            if source == "csv":
                summary = importer.import_file(file, village, settings.import_batch, progress)
            else:
                summary, report = moving_in.import_source(source, file, village, settings.import_batch, progress,
                                                          before_import=sized)
        except RowError as exc:
            raise click.ClickException(str(exc)) from None
    if report is not None:
        click.echo(f"{source}: village {report.village or '(per row)'}; read "
                   + ", ".join(f"{t} {n}" for t, n in sorted(report.tables.items())))
        for column, values in sorted(report.unmapped.items()):
            click.echo(f"  not mapped: {column}: " + ", ".join(f"{v} x{n}" for v, n in values.most_common(10)))
        for what, n in sorted(report.not_imported.items()):
            click.echo(f"  not imported (the register has no place for it): {what}: {n} rows")
    _summary(summary, "rows")
    if report is not None and report.letter_summary is not None:
        _summary(report.letter_summary, "letters (log_surat)")


def _summary(summary, what: str) -> None:
    click.echo(f"{summary.rows} {what}: {summary.written} written, {summary.unchanged} unchanged, "
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
