"""`flask funds ...`: open a fund and deposit into it from the command line."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from wallet.core.errors import DomainError
from wallet.core.money import Money, MoneyError

funds_cli = AppGroup("funds", help="Funds and deposits.")


@funds_cli.command("create")
@click.argument("name")
def create_command(name: str) -> None:
    """Open a fund called NAME."""
    from wallet.funds.services import create_fund

    try:
        fund = create_fund(name)
    except DomainError as error:
        raise click.ClickException(error.detail) from None
    click.echo(f"Fund {fund.id} opened: {fund.name}")


@funds_cli.command("deposit")
@click.argument("fund_id", type=int)
@click.argument("amount")
@click.option("--reference", required=True, help="Bank statement line or decision number.")
@click.option("--idempotency-key", help="Makes a retried deposit count once.")
def deposit_command(fund_id: int, amount: str, reference: str, idempotency_key: str | None) -> None:
    """Deposit AMOUNT (euros, e.g. 250000 or 250.000,00) into fund FUND_ID."""
    from wallet.funds.services import deposit

    try:
        cents = Money.parse(amount).cents
        outcome = deposit(fund_id, cents, reference=reference, idempotency_key=idempotency_key)
    except MoneyError as error:
        raise click.ClickException(str(error)) from None
    except DomainError as error:
        raise click.ClickException(error.detail) from None
    note = " (replayed: nothing new written)" if outcome.replayed else ""
    click.echo(f"Deposited {Money(cents).format()} as transaction {outcome.result_id}{note}.")
