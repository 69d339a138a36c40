"""The ledger: balanced transactions, no balance below zero, append-only, holds once."""

import pytest
import sqlalchemy as sa

from wallet.core.db import unit_of_work
from wallet.core.errors import Conflict, ValidationFailed
from wallet.ledger import services as ledger
from wallet.ledger.models import AccountKind, Hold, HoldStatus, LedgerTransaction, Posting


@pytest.fixture
def funded(app_ctx):
    """funded(cents) -> (account id) of a grant-like account holding `cents`."""
    counter = iter(range(1, 1000))

    def make(cents: int) -> int:
        with unit_of_work():
            account = ledger.open_account(f"test:{next(counter)}", AccountKind.GRANT)
            if cents:
                ledger.transfer(
                    ledger.funding_source().id, account.id, cents, kind="deposit", description="t"
                )
        return account.id

    return make


@pytest.fixture
def sink(app_ctx) -> int:
    with unit_of_work():
        return ledger.open_account("test:payable", AccountKind.PAYABLE).id


def _total_postings(session) -> int:
    return session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Posting.amount_cents), 0)))


def test_a_transfer_moves_money_and_balances_to_zero(app_ctx, funded, sink):
    source = funded(10_000)
    with unit_of_work():
        ledger.transfer(source, sink, 2_500, kind="test", description="pay")
    assert ledger.balance(source).available_cents == 7_500
    assert ledger.balance(sink).posted_cents == 2_500
    assert _total_postings(app_ctx) == 0


def test_a_transfer_beyond_the_balance_is_refused_and_writes_nothing(app_ctx, funded, sink):
    source = funded(1_000)
    before = app_ctx.scalar(sa.select(sa.func.count(LedgerTransaction.id)))
    with pytest.raises(ledger.InsufficientFunds), unit_of_work():
        ledger.transfer(source, sink, 1_001, kind="test", description="too much")
    assert ledger.balance(source).posted_cents == 1_000
    assert app_ctx.scalar(sa.select(sa.func.count(LedgerTransaction.id))) == before


@pytest.mark.parametrize("cents", [0, -5, 10_000_000_01, 12.5, True])
def test_zero_negative_absurd_and_non_integer_amounts_are_refused(app_ctx, funded, sink, cents):
    source = funded(1_000)
    with pytest.raises(ValidationFailed), unit_of_work():
        ledger.transfer(source, sink, cents, kind="test", description="bad")


def test_postings_that_do_not_sum_to_zero_are_refused(app_ctx, funded, sink):
    source = funded(1_000)
    with pytest.raises(ValidationFailed, match="samen op nul uitkomen"), unit_of_work():
        ledger.record([(source, -500), (sink, 400)], kind="test", description="unbalanced")


def test_a_failure_halfway_through_a_multi_posting_transaction_leaves_nothing(
    app_ctx, funded, sink
):
    rich, poor = funded(5_000), funded(100)

    def pay_twice():
        with unit_of_work():
            ledger.record([(sink, 1_100), (rich, -1_000), (poor, -100)], kind="t", description="ok")
            # The sink is credited first; then this debit fails: all of it must go.
            ledger.record([(sink, 500), (poor, -500)], kind="test", description="fails")

    with pytest.raises(ledger.InsufficientFunds):
        pay_twice()
    assert ledger.balance(sink).posted_cents == 0
    assert ledger.balance(rich).posted_cents == 5_000
    assert ledger.balance(poor).posted_cents == 100
    assert _total_postings(app_ctx) == 0


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_postings SET amount_cents = 1",
        "DELETE FROM ledger_postings",
        "UPDATE ledger_transactions SET description = 'x'",
        "DELETE FROM ledger_transactions",
    ],
)
def test_the_database_refuses_to_change_or_delete_ledger_rows(app, app_ctx, funded, statement):
    funded(1_000)
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), unit_of_work() as session:
        session.execute(sa.text(statement))


def test_blnk_case_six_holds_of_1000_on_5000_exactly_five_succeed(app_ctx, funded, sink):
    grant = funded(5_000)
    placed, refused = 0, 0
    for _ in range(6):
        try:
            with unit_of_work():
                ledger.place_hold(grant, sink, 1_000)
            placed += 1
        except ledger.InsufficientFunds:
            refused += 1
    assert (placed, refused) == (5, 1)
    assert ledger.balance(grant).available_cents == 0
    assert ledger.balance(grant).held_cents == 5_000


def test_a_hold_posted_in_part_releases_the_rest(app_ctx, funded, sink):
    grant = funded(5_000)
    with unit_of_work():
        hold = ledger.place_hold(grant, sink, 3_000)
    with unit_of_work():
        ledger.post_hold(hold.id, 2_000, description="claim")
    assert ledger.balance(grant) == ledger.Balance(posted_cents=3_000, held_cents=0)
    assert ledger.balance(sink).posted_cents == 2_000
    assert app_ctx.get(Hold, hold.id).status == HoldStatus.POSTED
    assert app_ctx.get(Hold, hold.id).posted_cents == 2_000


def test_a_post_never_exceeds_the_hold(app_ctx, funded, sink):
    grant = funded(5_000)
    with unit_of_work():
        hold = ledger.place_hold(grant, sink, 1_000)
    with pytest.raises(ValidationFailed), unit_of_work():
        ledger.post_hold(hold.id, 1_001, description="over")
    assert app_ctx.get(Hold, hold.id).status == HoldStatus.PENDING


@pytest.mark.parametrize("first", ["post", "void", "expire"])
@pytest.mark.parametrize("second", ["post", "void", "expire"])
def test_every_move_out_of_a_final_state_is_refused(app_ctx, funded, sink, first, second):
    grant = funded(5_000)
    with unit_of_work():
        hold = ledger.place_hold(grant, sink, 1_000)
    actions = {
        "post": lambda: ledger.post_hold(hold.id, description="p"),
        "void": lambda: ledger.void_hold(hold.id),
        "expire": lambda: ledger.expire_hold(hold.id),
    }
    with unit_of_work():
        actions[first]()
    after_first = (ledger.balance(grant), ledger.balance(sink))
    with pytest.raises(ledger.HoldNotPending), unit_of_work():
        actions[second]()
    assert (ledger.balance(grant), ledger.balance(sink)) == after_first
    assert ledger.balance(grant).held_cents == 0


def test_a_transaction_is_reversed_once_and_a_reversal_not_at_all(app_ctx, funded, sink):
    grant = funded(5_000)
    with unit_of_work():
        original = ledger.transfer(grant, sink, 1_200, kind="test", description="oops")
    with unit_of_work():
        reversal = ledger.reverse(original.id, reason="entered twice")
    assert ledger.balance(grant).posted_cents == 5_000
    assert ledger.balance(sink).posted_cents == 0
    with pytest.raises(Conflict), unit_of_work():
        ledger.reverse(original.id, reason="again")
    with pytest.raises(Conflict), unit_of_work():
        ledger.reverse(reversal.id, reason="undo the undo")


def test_a_reversal_that_would_take_a_balance_below_zero_is_refused(app_ctx, funded, sink):
    grant = funded(1_000)
    with unit_of_work():
        deposit_into_sink = ledger.transfer(grant, sink, 1_000, kind="test", description="t")
    other = funded(0)
    with unit_of_work():
        ledger.transfer(sink, other, 1_000, kind="test", description="moved on")
    with pytest.raises(ledger.InsufficientFunds), unit_of_work():
        ledger.reverse(deposit_into_sink.id, reason="too late")


def test_statement_lists_every_movement_with_running_balance(app_ctx, funded, sink):
    grant = funded(5_000)
    with unit_of_work():
        ledger.transfer(grant, sink, 1_500, kind="test", description="one")
        ledger.transfer(grant, sink, 500, kind="test", description="two")
    lines = ledger.statement(grant)
    assert [line["amount_cents"] for line in lines] == [5_000, -1_500, -500]
    assert [line["balance_cents"] for line in lines] == [5_000, 3_500, 3_000]


@pytest.mark.parametrize("per_page", [1, 2, 3, 7])
def test_a_statement_page_is_that_slice_of_the_whole_statement(app_ctx, funded, sink, per_page):
    """Pages, oldest or newest first, are slices of the full statement with its balances."""
    grant = funded(10_000)
    with unit_of_work():
        for cents in (1_500, 500, 250, 2_000, 1):
            ledger.transfer(grant, sink, cents, kind="test", description="spent")
    whole = ledger.statement(grant)
    for newest_first, expected in ((False, whole), (True, whole[::-1])):
        shown = []
        for page in range(1, 8 // per_page + 2):
            lines, total = ledger.statement_page(
                grant, page=page, per_page=per_page, newest_first=newest_first
            )
            assert total == len(whole)
            shown += lines
        assert shown == expected
