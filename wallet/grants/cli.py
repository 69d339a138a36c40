"""`flask grants ...`: allocation, expiry, CSV import and the lottery from the command line."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from wallet.core.errors import DomainError

grants_cli = AppGroup("grants", help="Grants: allocation, expiry, import, lottery.")


def _fail(error: DomainError) -> None:
    lines = [error.detail] + [f"  {key}: {value}" for key, value in error.errors.items()]
    raise click.ClickException("\n".join(lines))


@grants_cli.command("allocate")
@click.option(
    "--scheme", "scheme_id", type=int, help="One scheme (default: all entitlement schemes)."
)
@click.option("--period", help="Period label, default the current year.")
def allocate_command(scheme_id: int | None, period: str | None) -> None:
    """Grant every eligible worker the budget of an entitlement scheme."""
    from wallet.grants.allocation import allocate, allocate_all

    try:
        runs = [allocate(scheme_id, period)] if scheme_id else allocate_all(period)
    except DomainError as error:
        _fail(error)
    runs = [run for run in runs if run is not None]
    for run in runs:
        click.echo(
            f"scheme {run.scheme_id} {run.period}: {run.grants} grants, {run.total_cents} cents"
        )
    if not runs:
        click.echo("Nobody left to grant to.")


@grants_cli.command("expire")
def expire_command() -> None:
    """Expire grants whose time is up; unused budget returns to the fund."""
    from wallet.grants.expiry import expire_grants

    click.echo(f"{expire_grants()} grants expired.")


@grants_cli.command("import-csv")
@click.argument("scheme_id", type=int)
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--actor", "actor_id", type=int, required=True, help="Id of the administrator.")
def import_command(scheme_id: int, path: Path, actor_id: int) -> None:
    """Grant budgets to the workers in a CSV file (columns: email, optional amount)."""
    from wallet.grants.imports import import_grants

    try:
        report = import_grants(scheme_id, path.read_bytes(), actor_id=actor_id)
    except DomainError as error:
        _fail(error)
    click.echo(f"{report.granted} grants, {report.total_cents} cents in total.")


@grants_cli.command("draw")
@click.argument("scheme_id", type=int)
@click.option("--seed", required=True, help="The seed, for example the date of the draw.")
def draw_command(scheme_id: int, seed: str) -> None:
    """Draw the lottery of a scheme whose window has closed."""
    from wallet.grants.lottery import draw_lottery

    try:
        draw = draw_lottery(scheme_id, seed)
    except DomainError as error:
        _fail(error)
    click.echo(f"{draw.winners} of {draw.applicants} applicants won.")
