"""`egovkit apbdes ...`: village budgets from the shell (Siskeudes in and out, docs/moving-in.md)."""
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from egovkit.db import db
from egovkit.models import Region
from egovkit.services.csvimport import RowError

from . import budget as service
from . import siskeudes

group = AppGroup("apbdes", help="Village budgets (APBDes).")


def _village(code: str) -> str:
    region = db.session.get(Region, code)
    if region is None or region.level != "village":
        raise click.ClickException(f"{code} is not a desa of this instance")
    return code


@group.command("import-siskeudes")
@click.argument("file", type=click.Path(exists=True, path_type=Path))
@click.option("--desa", "village", required=True, help="The desa the budget is for (Kemendagri code).")
@click.option("--tahun", "year", type=int, help="The fiscal year (when the export holds several).")
def import_siskeudes(file, village, year):
    """Import the APBDes from a Siskeudes database (.mdb/.mde, read with mdbtools) or its export (a zip or
    folder of its CSV tables)."""
    village = _village(village)
    with click.progressbar(length=siskeudes.STEPS, label=f"Importing {file.name}", file=sys.stderr) as bar:
        done = {"step": 0}

        def progress(step):  # read, checked, written
            bar.update(step - done["step"])
            done["step"] = step
        try:
            report = siskeudes.import_bundle(file, village, year, progress=progress)
        except (RowError, service.BudgetError) as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"APBDes {report.year} of {report.village}: posting {report.posting}, Perdes {report.perdes or '-'}; "
               f"{report.lines} lines read, {report.imported} imported ({report.outcome})")
    click.echo("read " + ", ".join(f"{t} {n}" for t, n in sorted(report.tables.items())))
    for ref, reason in report.not_mapped:
        click.echo(f"  not mapped: {ref}: {reason}")


@group.command("export-siskeudes")
@click.option("--desa", "village", required=True)
@click.option("--tahun", "year", type=int, required=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def export_siskeudes(village, year, out):
    """Write the APBDes (in force, else the latest version) and its realisation as Siskeudes' tables (zip)."""
    try:
        out.write_bytes(siskeudes.export(_village(village), year))
    except RowError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"wrote {out}")


@group.command("konsolidasi")
@click.option("--tahun", "year", type=int, required=True)
@click.option("--semester", type=click.Choice(("1", "2")), default="2", show_default=True,
              help="1: until 30 June; 2: the whole year.")
@click.option("--kecamatan", "district", help="Only the desa of this kecamatan (Kemendagri code).")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="A .csv or .xlsx file.")
def konsolidasi(year, semester, district, out):
    """Write the consolidated realisation of the desa's APBDes (Konsolidasi APBDesa, one row per desa)."""
    import csv
    import io

    from egovkit.services.csvimport import safe_cell
    from egovkit.web.export import xlsx_response

    from . import konsolidasi as report

    if out.suffix.lower() not in (".csv", ".xlsx"):
        raise click.ClickException(f"{out.name}: a .csv or .xlsx file, please")
    if district and (db.session.get(Region, district) is None or db.session.get(Region, district).level
                     != "district"):
        raise click.ClickException(f"{district} is not a kecamatan of this instance")
    rows = report.rows(year, int(semester), district)
    if out.suffix.lower() == ".csv":
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(report.HEADER)
        writer.writerows([safe_cell(v) for v in row] for row in rows)
        data = ("\ufeff" + text.getvalue()).encode("utf-8")  # as the page's CSV: a BOM for spreadsheets
    else:
        data = xlsx_response(out.name, [(f"Konsolidasi {year} S{semester}", f"Konsolidasi APBDesa {year} "
                                         f"semester {semester}", report.HEADER, rows)],
                             money=set(range(report.MONEY_FROM, len(report.HEADER)))).get_data()
    out.write_bytes(data)
    budgets = sum(1 for r in rows[:-1] if r[4] != "")
    click.echo(f"wrote {out}: {len(rows) - 1} desa, {budgets} with an APBDes {year} in force")
