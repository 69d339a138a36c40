"""`flask ledger verify` and `flask ledger expire-holds`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

ledger_cli = AppGroup("ledger", help="The ledger.")


@ledger_cli.command("verify")
def verify_command() -> None:
    """Check every money invariant; exit 1 with a report when one is broken."""
    from wallet.core import clock
    from wallet.ledger import last_verify
    from wallet.ledger.verify import verify

    started_at = clock.now()
    problems = verify()
    last_verify.save(problems, started_at)
    if not problems:
        click.echo("Ledger verified: every invariant holds.")
        return
    click.echo(f"Ledger verification found {len(problems)} problems:", err=True)
    for problem in problems:
        click.echo(f"  [{problem.invariant}] {problem.detail}", err=True)
    raise SystemExit(1)


@ledger_cli.command("expire-holds")
def expire_holds_command() -> None:
    """Release every pending hold whose time is up."""
    from wallet.ledger.services import expire_due_holds

    click.echo(f"{expire_due_holds()} holds expired.")
