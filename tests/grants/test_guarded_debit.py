"""The cap and the pot's debit of a first-come grant as one step (ledger.take_after with the
scheme's cap_claim): both happen, or neither does, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from wallet.core.db import session, unit_of_work
from wallet.funds.models import Fund
from wallet.grants.cap import cap_claim
from wallet.ledger import services as ledger
from wallet.ledger.services import InsufficientFunds
from wallet.schemes.models import Scheme


def _state(scheme_id: int, fund_id: int) -> tuple[int, int]:
    session.expire_all()
    scheme = session.get_one(Scheme, scheme_id)
    pot = ledger.balance(session.get_one(Fund, fund_id).pot_account_id).posted_cents
    return scheme.committed_cents, pot


def test_the_cap_claimed_and_the_pot_debited_together(app_ctx, make_fund, make_windowed_scheme):
    fund = make_fund(deposit_cents=500_000)
    scheme = make_windowed_scheme(fund, "first_come", grants=2)
    with unit_of_work():
        assert ledger.take_after(cap_claim(scheme.id, 100_000), fund.pot_account_id, 100_000)
    assert _state(scheme.id, fund.id) == (100_000, 400_000)


def test_a_full_cap_takes_nothing_from_the_pot(app_ctx, make_fund, make_windowed_scheme):
    fund = make_fund(deposit_cents=500_000)
    scheme = make_windowed_scheme(fund, "first_come", grants=1)
    with unit_of_work():
        assert ledger.take_after(cap_claim(scheme.id, 100_000), fund.pot_account_id, 100_000)
    with unit_of_work():
        assert not ledger.take_after(cap_claim(scheme.id, 100_000), fund.pot_account_id, 100_000)
    assert _state(scheme.id, fund.id) == (100_000, 400_000)


def test_an_empty_pot_leaves_the_cap_unclaimed(app_ctx, make_fund, make_windowed_scheme):
    fund = make_fund(deposit_cents=50_000)
    scheme = make_windowed_scheme(fund, "first_come", grants=3)
    with pytest.raises(InsufficientFunds), unit_of_work():
        ledger.take_after(cap_claim(scheme.id, 100_000), fund.pot_account_id, 100_000)
    assert _state(scheme.id, fund.id) == (0, 50_000)
