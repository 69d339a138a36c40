"""`flask ledger expire-holds` (`flask ledger verify` is wallet.books.cli's, on the same group)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

ledger_cli = AppGroup("ledger", help="The ledger.")


@ledger_cli.command("expire-holds")
def expire_holds_command() -> None:
    """Release every pending hold whose time is up."""
    from wallet.ledger.services import expire_due_holds

    click.echo(f"{expire_due_holds()} holds expired.")
