"""The ledger's set-based operations: many movements as one balanced transaction, or nothing.

Property-based: random batches over a handful of fresh accounts, given as a list and as a
SELECT, against what the movements should do to each balance.
"""

from __future__ import annotations

import itertools
from collections import defaultdict

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wallet.books.verify import verify_ledger
from wallet.core.db import unit_of_work
from wallet.core.errors import ValidationFailed
from wallet.ledger import services as ledger
from wallet.ledger.models import AccountKind, LedgerAccount, LedgerTransaction, Posting

ACCOUNTS = 5
_codes = itertools.count(1)

movement = st.tuples(
    st.integers(0, ACCOUNTS - 1), st.integers(0, ACCOUNTS - 1), st.integers(1, 5_000)
).filter(lambda m: m[0] != m[1])


def _open_accounts(start: list[int]) -> list[int]:
    """Fresh accounts holding `start` cents each, paid in from the outside world."""
    with unit_of_work():
        outside = ledger.funding_source().id
        ids = []
        for cents in start:
            account = ledger.open_account(f"test:batch:{next(_codes)}", AccountKind.GRANT)
            if cents:
                ledger.transfer(outside, account.id, cents, kind="deposit", description="t")
            ids.append(account.id)
    return ids


def _as_select(rows: list[tuple[int, int, int]]) -> sa.Select:
    """The movements as a SELECT the database evaluates, as bulk jobs pass them."""
    union = sa.union_all(
        *[
            sa.select(
                sa.literal(debit).label("debit"),
                sa.literal(credit).label("credit"),
                sa.literal(cents, sa.BigInteger).label("cents"),
            )
            for debit, credit, cents in rows
        ]
    ).subquery()
    return sa.select(union.c.debit, union.c.credit, union.c.cents)


def _balances(session, ids: list[int]) -> list[int]:
    rows = dict(
        session.execute(
            sa.select(LedgerAccount.id, LedgerAccount.posted_cents).where(LedgerAccount.id.in_(ids))
        ).all()
    )
    return [rows[i] for i in ids]


def _postings_per_account(session, ids: list[int]) -> list[int]:
    rows = dict(
        session.execute(
            sa.select(Posting.account_id, sa.func.sum(Posting.amount_cents))
            .where(Posting.account_id.in_(ids))
            .group_by(Posting.account_id)
        ).all()
    )
    return [int(rows.get(i, 0)) for i in ids]


def _count(session, model) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model))


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    start=st.lists(st.integers(0, 10_000), min_size=ACCOUNTS, max_size=ACCOUNTS),
    batch=st.lists(movement, min_size=1, max_size=12),
    as_select=st.booleans(),
)
def test_a_batch_moves_exactly_its_movements_or_nothing(app_ctx, start, batch, as_select):
    ids = _open_accounts(start)
    rows = [(ids[d], ids[c], cents) for d, c, cents in batch]
    net: dict[int, int] = defaultdict(int)
    for debit, credit, cents in rows:
        net[debit] -= cents
        net[credit] += cents
    before = _balances(app_ctx, ids)
    counts = _count(app_ctx, LedgerTransaction), _count(app_ctx, Posting)
    overdrawn = any(b + net[i] < 0 for i, b in zip(ids, before, strict=True))
    nothing_moves = not any(net.values())

    movements = _as_select(rows) if as_select else rows
    if overdrawn or nothing_moves:
        expected = ledger.InsufficientFunds if overdrawn else ValidationFailed
        with pytest.raises(expected), unit_of_work():
            ledger.move_many(movements, kind="test", description="batch")
        assert _balances(app_ctx, ids) == before
        assert (_count(app_ctx, LedgerTransaction), _count(app_ctx, Posting)) == counts
        return

    with unit_of_work():
        transaction_id = ledger.move_many(movements, kind="test", description="batch")
    after = _balances(app_ctx, ids)
    assert after == [b + net[i] for i, b in zip(ids, before, strict=True)]
    # Total debits equal total credits, one posting per account that changed.
    lines = app_ctx.execute(
        sa.select(Posting.account_id, Posting.amount_cents).where(
            Posting.transaction_id == transaction_id
        )
    ).all()
    assert sum(cents for _a, cents in lines) == 0
    assert dict(lines) == {a: c for a, c in net.items() if c}
    # Every balance is the sum of its postings.
    assert after == _postings_per_account(app_ctx, ids)


@pytest.mark.parametrize("as_select", [False, True])
def test_a_batch_that_would_take_one_account_below_zero_changes_nothing(app_ctx, as_select):
    rich, poor, target = _open_accounts([10_000, 100, 0])
    rows = [(rich, target, 5_000), (poor, target, 101)]
    counts = _count(app_ctx, LedgerTransaction), _count(app_ctx, Posting)
    with pytest.raises(ledger.InsufficientFunds), unit_of_work():
        ledger.move_many(_as_select(rows) if as_select else rows, kind="t", description="t")
    assert _balances(app_ctx, [rich, poor, target]) == [10_000, 100, 0]
    assert (_count(app_ctx, LedgerTransaction), _count(app_ctx, Posting)) == counts


def test_held_money_is_not_available_to_a_batch(app_ctx):
    grant, target = _open_accounts([1_000, 0])
    with unit_of_work():
        ledger.place_hold(grant, target, 600)
    with pytest.raises(ledger.InsufficientFunds), unit_of_work():
        ledger.move_many([(grant, target, 500)], kind="t", description="t")
    with unit_of_work():
        ledger.move_many([(grant, target, 400)], kind="t", description="t")
    assert ledger.balance(grant).available_cents == 0
    assert ledger.balance(grant).held_cents == 600


@pytest.mark.parametrize(
    "rows", [[(1, 1, 5)], [(1, 2, 0)], [(1, 2, -5)], [(1, 2, 12.5)], [(1, 2, True)]]
)
def test_invalid_movements_are_refused(app_ctx, rows):
    a, b = _open_accounts([1_000, 0])
    real = [({1: a, 2: b}[d], {1: a, 2: b}[c], cents) for d, c, cents in rows]
    with pytest.raises(ValidationFailed), unit_of_work():
        ledger.move_many(real, kind="t", description="t")


def test_a_selected_batch_with_a_zero_amount_is_refused(app_ctx):
    a, b = _open_accounts([1_000, 0])
    with pytest.raises(ValidationFailed), unit_of_work():
        ledger.move_many(_as_select([(a, b, 5), (a, b, 0)]), kind="t", description="t")
    assert _balances(app_ctx, [a, b]) == [1_000, 0]


def test_an_empty_batch_writes_no_transaction(app_ctx):
    a, b = _open_accounts([1_000, 0])
    counts = _count(app_ctx, LedgerTransaction)
    with unit_of_work():
        assert ledger.move_many([], kind="t", description="t") is None
        empty = sa.select(sa.literal(a), sa.literal(b), sa.literal(5)).where(sa.false())
        assert ledger.move_many(empty, kind="t", description="t") is None
    assert _count(app_ctx, LedgerTransaction) == counts


def test_sweep_moves_what_is_available_and_leaves_holds(app_ctx):
    first, second, empty, pot = _open_accounts([1_000, 300, 0, 0])
    with unit_of_work():
        ledger.place_hold(first, pot, 250)
    pairs = sa.select(LedgerAccount.id, sa.literal(pot)).where(
        LedgerAccount.id.in_([first, second, empty])
    )
    with unit_of_work():
        transaction_id, moved = ledger.sweep(pairs, kind="t", description="t", limit=10)
    assert sorted(moved) == sorted([(first, pot, 750), (second, pot, 300)])
    assert transaction_id is not None
    assert _balances(app_ctx, [first, second, empty, pot]) == [250, 0, 0, 1_050]
    assert ledger.balance(first).held_cents == 250
    with unit_of_work():
        assert ledger.sweep(pairs, kind="t", description="t", limit=10) == (None, [])
    assert verify_ledger() == []
