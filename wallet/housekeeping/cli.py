"""`flask housekeeping run [--dry-run]` and `flask housekeeping close-account`: the same
services as the scheduled jobs, for operators. Dutch by default, like every CLI."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from wallet.core.errors import DomainError

housekeeping_cli = AppGroup("housekeeping", help="Retention sweeps and pseudonymisation.")


@housekeeping_cli.command("run")
@click.option("--dry-run", is_flag=True, help="Count what would be removed; change nothing.")
def run_command(dry_run: bool) -> None:
    """Remove what is past its retention and pseudonymise closed accounts past theirs."""
    from wallet.housekeeping.pseudonyms import pseudonymise_closed_accounts
    from wallet.housekeeping.services import sweep_all

    if dry_run:
        click.echo(_("Dry run: nothing is changed."))
    for table, count in sweep_all(dry_run=dry_run).items():
        if dry_run:
            click.echo(_("%(table)s: %(count)d would be removed", table=table, count=count))
        else:
            click.echo(_("%(table)s: %(count)d removed", table=table, count=count))
    accounts = pseudonymise_closed_accounts(dry_run=dry_run)
    if dry_run:
        click.echo(_("users: %(count)d closed accounts would be pseudonymised", count=accounts))
    else:
        click.echo(_("users: %(count)d closed accounts pseudonymised", count=accounts))


@housekeeping_cli.command("close-account")
@click.argument("user_id", type=int)
@click.option("--reason", required=True, help="Why, e.g. the owner's written request.")
def close_account_command(user_id: int, reason: str) -> None:
    """Close an account for good (on the owner's request); pseudonymised after retention."""
    from wallet.housekeeping.closing import close_account

    try:
        user = close_account(user_id, reason=reason)
    except DomainError as error:
        raise click.ClickException(error.detail) from None
    click.echo(_("Account %(id)d closed.", id=user.id))
