"""The reports' money, read from the ledger: every flow and balance equals the books.

One fund's money goes every way it can through the services (granted, approved, paid in a
batch, clawed back, returned by the bank, expired, held for an open application), then each
figure of wallet.reports.money is checked against the accounts themselves.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
import sqlalchemy as sa

from tests.payments import fixtures
from tests.payments import test_returns as returns
from tests.payments.camt_builder import camt053
from wallet.accounts.models import Role, User
from wallet.claims import services as claims
from wallet.claims.models import Claim
from wallet.core import clock
from wallet.core.db import session
from wallet.funds.models import Fund
from wallet.funds.services import fund_figures
from wallet.grants.expiry import expire_grants
from wallet.grants.models import Grant
from wallet.ledger.models import AccountKind, LedgerAccount, LedgerTransaction, Posting
from wallet.payments.statements import import_statement
from wallet.reports import money

pytestmark = pytest.mark.usefixtures("app_ctx")
approved = fixtures.approved
make_journey = fixtures.make_journey


def _posted(*conditions) -> int:
    query = sa.select(sa.func.sum(LedgerAccount.posted_cents)).where(*conditions)
    return int(session.scalar(query) or 0)


@pytest.fixture
def fund(approved):
    """One fund whose money went every way; returns its id after the last step."""
    fund_id, _provider, a, b = returns._submitted(approved)
    import_statement(fund_id, camt053([returns._debit(a), returns._debit(b)]), actor=None)
    admin = session.scalar(
        sa.select(User).where(User.fund_id == fund_id, User.role == Role.FUND_ADMIN)
    )
    clawed = session.scalar(sa.select(Claim).where(Claim.reference == a[0]))
    claims.review(clawed.id, "claw_back", actor=admin, reason="Niet gegeven")
    import_statement(fund_id, camt053([returns._return(b)]), actor=None)
    approved((150_000,), onto=([{"admins": [admin]}], fund_id, []))  # approved, not batched
    later = max(session.scalars(sa.select(Grant.expires_at))) + dt.timedelta(days=1)
    with clock.frozen_at(later):
        expire_grants()
    session.expire_all()
    return fund_id


def test_the_balances_are_the_accounts(fund):
    """Fund by fund the books are their accounts; the shared payables split between funds.

    (The fixture's batch on one fund pays claims on other funds' grants too, so the split
    is tested, not just one fund.)"""
    funds = session.scalars(sa.select(Fund)).all()
    books = {row.id: money.balances_at(row.id, None) for row in funds}
    for row in funds:
        grants = sa.select(Grant.account_id).where(Grant.fund_id == row.id)
        assert books[row.id].pot == _posted(LedgerAccount.id == row.pot_account_id)
        assert books[row.id].grants == _posted(LedgerAccount.id.in_(grants))
        assert books[row.id].in_transit == _posted(
            LedgerAccount.code == f"fund:{row.id}:in_transit"
        )
        assert books[row.id].paid_out == _posted(LedgerAccount.code == f"fund:{row.id}:paid_out")
    receivable = sum(each.receivable for each in books.values())
    payable = sum(each.payable for each in books.values())
    assert receivable == _posted(LedgerAccount.kind == AccountKind.RECEIVABLE)
    assert payable == _posted(LedgerAccount.kind == AccountKind.PAYABLE)
    assert receivable < 0  # the clawback is owed
    assert payable > 0  # the returned and the open claim
    deposited = sum(money.flows(row.id, None, None)["deposited"] for row in funds)
    assert sum(each.total for each in books.values()) == deposited


def test_opening_plus_movements_is_closing_for_adjacent_periods(fund):
    moments = sorted(session.scalars(sa.select(LedgerTransaction.created_at)))
    splits = [moments[0], moments[len(moments) // 2], moments[-1] + dt.timedelta(seconds=1)]
    for start, end in itertools.pairwise(splits):
        opening, closing = money.balances_at(fund, start), money.balances_at(fund, end)
        moved = money.book_movements(fund, start, end)
        for book in money.BOOKS:
            assert getattr(opening, book) + sum(moved[book].values()) == getattr(closing, book)


def test_the_flows_explain_each_book(fund):
    flows = money.flows(fund, None, None)
    books = money.balances_at(fund, None)

    assert books.pot == (
        flows["deposited"]
        - flows["granted"]
        + flows["expired"]
        - flows["reimbursed"]
        + flows["clawed_back"]
    )
    assert books.grants == flows["granted"] - flows["expired"] - flows["approved"]
    assert books.in_transit + books.paid_out == flows["submitted"] - flows["returned"]
    assert flows["clawed_back"] == 240_000
    assert flows["returned"] == 200_000
    assert flows["paid"] == 440_000


def test_the_fund_page_figures_are_the_accounts(fund):
    """The start page's figures (now read through reports.money) against the accounts and
    holds themselves, summed here without it."""
    figures, pot = fund_figures(fund), session.get(Fund, fund).pot_account_id
    grants = sa.select(Grant.account_id).where(Grant.fund_id == fund)
    on_grants = sa.select(sa.func.sum(Posting.amount_cents)).join(LedgerTransaction)

    def summed(*conditions) -> int:
        return int(session.scalar(on_grants.where(*conditions)) or 0)

    deposits = sa.select(LedgerTransaction.id).where(LedgerTransaction.kind == "deposit")
    assert figures.deposited_cents == summed(
        Posting.account_id == pot,
        sa.or_(LedgerTransaction.kind == "deposit", LedgerTransaction.reverses_id.in_(deposits)),
    )
    assert figures.available_cents == _posted(LedgerAccount.id == pot)
    assert figures.granted_cents == _posted(LedgerAccount.id.in_(grants))
    assert figures.spent_cents == -summed(
        Posting.account_id.in_(grants), LedgerTransaction.kind == "hold_post"
    )
    assert figures.returned_cents == summed(
        Posting.account_id == pot, LedgerTransaction.kind == "grant_expiry"
    )
    held = sa.select(sa.func.sum(LedgerAccount.held_cents)).where(LedgerAccount.id.in_(grants))
    assert figures.held_cents == int(session.scalar(held) or 0)
    assert money.held_at(fund, clock.now() + dt.timedelta(days=3650)) == money.pending_held(fund)


def test_months_and_schemes_add_up_to_the_whole(fund):
    start = min(session.scalars(sa.select(LedgerTransaction.created_at)))
    end = max(session.scalars(sa.select(LedgerTransaction.created_at))) + dt.timedelta(days=1)
    whole = money.flows(fund, start, end)
    months = money.monthly_flows(fund, start, end)
    by_scheme = money.scheme_flows(fund, start, end)

    assert len(months) >= 2  # the expiry happened months after the rest
    for flow in money.FLOWS:
        assert sum(row[flow] for _month, row in months) == whole[flow]
    for flow in ("granted", "expired", "approved"):
        assert sum(row[flow] for row in by_scheme.values()) == whole[flow]
    scheme = next(iter(by_scheme))
    assert money.flows(fund, start, end, scheme_id=scheme) == by_scheme[scheme]


def test_period_bounds_are_amsterdam_days():
    start, end = money.period_bounds(dt.date(2026, 7, 1), dt.date(2026, 9, 30))

    assert start == dt.datetime(2026, 6, 30, 22, tzinfo=dt.UTC)  # summer time
    assert end == dt.datetime(2026, 9, 30, 22, tzinfo=dt.UTC)
    assert money.month_starts(start, end) == [
        dt.date(2026, 7, 1),
        dt.date(2026, 8, 1),
        dt.date(2026, 9, 1),
    ]


def test_the_fund_page_figures_count_an_open_reservation(make_journey):
    """A journey's application holds € 2.400 on its grant until its claim is approved."""
    journey = make_journey()
    figures = fund_figures(journey["fund"].id)

    assert figures.held_cents == 240_000
    assert figures.granted_cents == 300_000


def test_the_totals_are_the_flows_so_far_and_the_books_now(fund):
    flowed, books = money.totals(fund)

    assert flowed == money.flows(fund, None, None)
    assert books == money.balances_at(fund, None)
    assert flowed["deposited"] > 0
    assert books.total == flowed["deposited"]
