"""`flask --app wallet payouts ...`: the same services as the pages, for operators and jobs."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from wallet.core.errors import DomainError
from wallet.payments import batches
from wallet.payments.models import PayoutMethod

payouts_cli = AppGroup("payouts", help="Payout batches, SEPA files, bank statements, Stripe.")


def _fail(error: DomainError) -> None:
    raise click.ClickException(error.detail)


@payouts_cli.command("create")
@click.option("--fund", "fund_id", type=int, required=True, help="The fund's id.")
@click.option("--method", type=click.Choice([m.value for m in PayoutMethod]), default="sepa")
def create_command(fund_id: int, method: str) -> None:
    """Make a draft batch of the fund's approved claims."""
    try:
        outcome = batches.create_batch(fund_id, method=PayoutMethod(method), actor=None)
    except DomainError as error:
        _fail(error)
    batch = outcome.batch
    click.echo(
        f"{batch.reference} (id {batch.id}): {batch.claim_count} claims, "
        f"{len(batch.items)} payees, {batch.amount_cents / 100:.2f} EUR"
    )
    for name, problem in outcome.left_out:
        click.echo(f"  left out: {name}: {problem}", err=True)


@payouts_cli.command("submit")
@click.argument("batch_id", type=int)
def submit_command(batch_id: int) -> None:
    """Submit a draft batch: its money goes in transit."""
    try:
        batch = batches.get_batch(batch_id)
        batches.submit_batch(batch_id, batch.fund_id, actor=None)
    except DomainError as error:
        _fail(error)
    click.echo(f"{batch.reference} submitted.")


@payouts_cli.command("export-sepa")
@click.argument("batch_id", type=int)
@click.option(
    "--schema",
    type=click.Choice(["pain.001.001.09", "pain.001.001.03"]),
    default="pain.001.001.09",
    help="pain.001.001.03 for banks that need it.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the file (default: the batch reference .xml).",
)
def export_sepa_command(batch_id: int, schema: str, output: Path | None) -> None:
    """Write the batch's SEPA credit-transfer file (validated against its XSD)."""
    from wallet.payments.sepa import sepa_file

    try:
        batch = batches.get_batch(batch_id)
        document = sepa_file(batch_id, batch.fund_id, schema)
    except DomainError as error:
        _fail(error)
    target = output or Path(f"{batch.reference}.xml")
    target.write_bytes(document)
    click.echo(f"{target}: {len(document):,} bytes, {schema}, validated against its XSD.")


@payouts_cli.command("import-statement")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--fund", "fund_id", type=int, required=True, help="The fund's id.")
def import_statement_command(path: Path, fund_id: int) -> None:
    """Mark payouts paid from a camt.053 bank statement; report what did not match."""
    from wallet.payments.statements import import_statement

    try:
        outcome = import_statement(fund_id, path.read_bytes(), actor=None)
    except DomainError as error:
        _fail(error)
    if outcome.duplicate:
        when = f"{outcome.imported_before:%Y-%m-%d %H:%M} UTC"
        click.echo(f"This bank statement was imported before ({when}); nothing was changed.")
        return
    click.echo(
        f"{outcome.matched} transfers matched, {len(outcome.paid_items)} payments paid, "
        f"{len(outcome.failed_items)} failed."
    )
    for reference in outcome.returned:
        click.echo(f"  returned by the bank, approved again: {reference}")
    for line in outcome.unmatched:
        click.echo(f"  not matched: {line}", err=True)


@payouts_cli.command("pay-stripe")
@click.argument("batch_id", type=int)
def pay_stripe_command(batch_id: int) -> None:
    """Send the Stripe transfers of a submitted Stripe batch."""
    from wallet.payments.connect import pay_stripe_batch

    try:
        batch = batches.get_batch(batch_id)
        problems = pay_stripe_batch(batch_id, batch.fund_id, actor=None)
    except DomainError as error:
        _fail(error)
    for problem in problems:
        click.echo(f"  not paid: {problem}", err=True)
    click.echo(f"{batch.reference}: transfers sent, {len(problems)} problems.")


@payouts_cli.command("reconcile")
def reconcile_command() -> None:
    """Compare the ledger with the payouts, Stripe and the bank statements; report mismatches.

    Exits with 1 when anything was found, so cron and monitoring notice."""
    from wallet.payments.reconcile import reconcile

    notes = reconcile()
    for note in notes:
        click.echo(note)
    if notes:
        click.echo(f"{len(notes)} findings.", err=True)
        click.get_current_context().exit(1)
    click.echo("Everything agrees.")
