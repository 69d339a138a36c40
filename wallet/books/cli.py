"""`flask ledger verify`, added to the ledger's command group."""

from __future__ import annotations

import click

from wallet.ledger.cli import ledger_cli


@ledger_cli.command("verify")
def verify_command() -> None:
    """Check every money invariant; exit 1 with a report when one is broken."""
    from wallet.books.verify import verify
    from wallet.core import clock
    from wallet.ledger import last_verify

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
