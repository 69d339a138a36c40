"""Funds: a pot fed by deposits, never committing more than it holds, figures from the ledger."""

import pytest

from wallet.core.errors import Conflict, ValidationFailed
from wallet.core.idempotency import IdempotencyConflict
from wallet.funds import services
from wallet.funds.services import FundClosed
from wallet.ledger.services import balance


def test_a_deposit_fills_the_pot(app_ctx):
    fund = services.create_fund("Twents Fonds voor Vakmanschap")
    services.deposit(fund.id, 250_000_00, reference="Besluit GS 2027-14")
    figures = services.fund_figures(fund.id)
    assert figures.deposited_cents == figures.available_cents == 250_000_00
    assert figures.granted_cents == figures.spent_cents == 0


@pytest.mark.parametrize("cents", [0, -100, 10_000_000_01])
def test_zero_negative_and_absurd_deposits_are_refused(app_ctx, cents):
    fund = services.create_fund("Fonds")
    with pytest.raises(ValidationFailed):
        services.deposit(fund.id, cents, reference="x")
    assert balance(fund.pot_account_id).posted_cents == 0


def test_a_deposit_needs_a_reference(app_ctx):
    fund = services.create_fund("Fonds")
    with pytest.raises(ValidationFailed):
        services.deposit(fund.id, 100, reference="  ")


def test_a_closed_fund_takes_no_deposits(app_ctx):
    fund = services.create_fund("Fonds")
    services.close_fund(fund.id)
    with pytest.raises(FundClosed):
        services.deposit(fund.id, 100_00, reference="late")
    assert balance(fund.pot_account_id).posted_cents == 0


def test_two_funds_cannot_share_a_name(app_ctx):
    services.create_fund("Fonds")
    with pytest.raises(Conflict):
        services.create_fund("Fonds")


def test_a_replayed_deposit_counts_once_and_a_changed_one_is_refused(app_ctx):
    fund = services.create_fund("Fonds")
    first = services.deposit(fund.id, 1_000_00, reference="r1", idempotency_key="dep-1")
    again = services.deposit(fund.id, 1_000_00, reference="r1", idempotency_key="dep-1")
    assert again.replayed
    assert again.result_id == first.result_id
    assert balance(fund.pot_account_id).posted_cents == 1_000_00
    with pytest.raises(IdempotencyConflict):
        services.deposit(fund.id, 2_000_00, reference="r1", idempotency_key="dep-1")
    assert balance(fund.pot_account_id).posted_cents == 1_000_00
