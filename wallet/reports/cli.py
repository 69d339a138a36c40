"""`flask reports period`: the period report's CSV files and workbook, written to a folder.

The same tables as the page's downloads, for a board pack made by a script or a cron job.
`flask reports rollup`: sum the ledger per complete day ahead of time, as the hourly job does.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

reports_cli = AppGroup("reports", help="Reports of a fund.")


@reports_cli.command("period")
@click.option("--fund", "fund_id", type=int, required=True, help="The fund's id.")
@click.option("--from", "start", required=True, help="2026-07-01, 2026-Q3 or 2026.")
@click.option("--to", "end", default="", help="The last day (inclusive), a quarter or a year.")
@click.option("--scheme", "scheme_id", type=int, default=None, help="Only this scheme.")
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="The folder to write into.",
)
def period_command(fund_id: int, start: str, end: str, scheme_id: int | None, out: Path) -> None:
    """Write the period report of a fund as CSV files (one per table) and an .xlsx."""
    from wallet.core.errors import DomainError
    from wallet.reports import exports
    from wallet.reports.period import period_report
    from wallet.reports.periods import parse_period

    try:
        report = period_report(fund_id, parse_period(start, end), scheme_id=scheme_id)
    except DomainError as problem:
        raise click.UsageError(problem.detail) from None
    out.mkdir(parents=True, exist_ok=True)
    stem = exports.file_stem(report)
    written = []
    for table in exports.tables(report):
        path = out / f"{stem}-{table.key}.csv"
        path.write_text("".join(exports.csv_text(table)), encoding="utf-8", newline="")
        written.append(path)
    book = out / f"{stem}.xlsx"
    book.write_bytes(exports.workbook(report))
    written.append(book)
    click.echo(f"Period report of fund {fund_id}, {report.period.first} to {report.period.last}:")
    for path in written:
        click.echo(f"  {path}")


@reports_cli.command("snapshots")
@click.option(
    "--full",
    is_flag=True,
    help="Recompute every report, final periods included, and forget what nobody asked for since.",
)
def snapshots_command(full: bool) -> None:
    """Compute the kept reports now, as the reports-snapshots job does: per open fund the
    default dashboard and the last complete quarter, then the public figures."""
    from wallet.reports.served import refresh_all

    click.echo(refresh_all(full=full, progress=click.echo))


@reports_cli.command("rollup")
@click.option(
    "--every", type=int, default=31, show_default=True, help="A progress line per N days."
)
def rollup_command(every: int) -> None:
    """Roll the days not rolled yet, up to the last day that ended over an hour ago (what the
    job does)."""
    from wallet.reports.rollup import roll_up

    days = roll_up(progress=click.echo, every=every)
    click.echo(f"{days} days rolled up.")
