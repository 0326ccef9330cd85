"""`egovkit social-aid ...`: the decile import from the shell."""
from pathlib import Path

import click
from flask.cli import AppGroup

from egovkit.services.csvimport import RowError

from . import importer

group = AppGroup("social-aid", help="Social aid (bansos): DTSEN deciles.")


@group.command("import-deciles")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_deciles(file):
    """Import DTSEN/BNBA deciles from a CSV or XLSX file (no_kk, nik, desil, tanggal_data, optional kode_desa;
    upsert by KK, else NIK;
    bad rows go to FILE.rejects.csv)."""
    try:
        summary, older = importer.import_file(file)
    except RowError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{summary.rows} rows: {summary.written} written, {summary.unchanged} unchanged, "
               f"{summary.rejected} rejected")
    for line, held in older[:20]:
        click.echo(f"  line {line}: older than the data held ({held.isoformat()}), kept as held")
    if summary.rejects_file:
        click.echo(f"rejected rows with their line number and reason: {summary.rejects_file}")
