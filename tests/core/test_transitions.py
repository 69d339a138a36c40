"""Transition tables and `advance`: every allowed pair leads where the table says, every other
pair is refused with a clear message, and of two racing moves exactly one wins."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from wallet.core.db import unit_of_work
from wallet.core.transitions import TransitionRefused, advance
from wallet.funds.models import Fund, FundStatus
from wallet.funds.transitions import FUND_TRANSITIONS
from wallet.payments.models import BatchStatus, CopaymentStatus, ItemStatus
from wallet.payments.transitions import (
    BATCH_TRANSITIONS,
    COPAYMENT_TRANSITIONS,
    ITEM_TRANSITIONS,
)
from wallet.schemes.models import SchemeStatus
from wallet.schemes.transitions import SCHEME_TRANSITIONS

ALLOWED = {
    "batch": (
        BATCH_TRANSITIONS,
        BatchStatus,
        {
            (BatchStatus.DRAFT, "submit"): BatchStatus.SUBMITTED,
            (BatchStatus.DRAFT, "discard"): BatchStatus.DISCARDED,
            (BatchStatus.SUBMITTED, "close"): BatchStatus.CLOSED,
        },
    ),
    "item": (
        ITEM_TRANSITIONS,
        ItemStatus,
        {
            (ItemStatus.DRAFT, "submit"): ItemStatus.SUBMITTED,
            (ItemStatus.SUBMITTED, "pay"): ItemStatus.PAID,
            (ItemStatus.SUBMITTED, "fail"): ItemStatus.FAILED,
            (ItemStatus.SUBMITTED, "return"): ItemStatus.FAILED,
            (ItemStatus.PAID, "return"): ItemStatus.FAILED,
        },
    ),
    "copayment": (
        COPAYMENT_TRANSITIONS,
        CopaymentStatus,
        {
            (CopaymentStatus.PENDING, "receive"): CopaymentStatus.SUCCEEDED,
            (CopaymentStatus.FAILED, "receive"): CopaymentStatus.SUCCEEDED,
            (CopaymentStatus.PENDING, "fail"): CopaymentStatus.FAILED,
            (CopaymentStatus.SUCCEEDED, "refund"): CopaymentStatus.REFUNDED,
        },
    ),
    "scheme": (
        SCHEME_TRANSITIONS,
        SchemeStatus,
        {
            (SchemeStatus.DRAFT, "change"): SchemeStatus.DRAFT,
            (SchemeStatus.DRAFT, "activate"): SchemeStatus.ACTIVE,
            (SchemeStatus.DRAFT, "close"): SchemeStatus.CLOSED,
            (SchemeStatus.ACTIVE, "close"): SchemeStatus.CLOSED,
        },
    ),
    "fund": (
        FUND_TRANSITIONS,
        FundStatus,
        {
            (FundStatus.OPEN, "close"): FundStatus.CLOSED,
        },
    ),
}


def _every_pair():
    for name, (_table, states, allowed) in ALLOWED.items():
        actions = sorted({action for _state, action in allowed})
        for state in states:
            for action in actions:
                yield pytest.param(
                    name,
                    state,
                    action,
                    allowed.get((state, action)),
                    id=f"{name}-{state.value}-{action}",
                )


@pytest.mark.parametrize(("name", "state", "action", "expected"), list(_every_pair()))
def test_every_state_and_action_goes_where_the_table_says(app, name, state, action, expected):
    table = ALLOWED[name][0]
    with app.test_request_context():
        if expected is None:
            with pytest.raises(TransitionRefused) as refused:
                table.target(state, action)
            assert refused.value.status == 409
            assert refused.value.detail
            assert "%(" not in refused.value.detail
        else:
            assert table.target(state, action) == expected
            assert (state, action) in table


def test_the_tables_hold_exactly_the_tested_pairs():
    for table, _states, allowed in ALLOWED.values():
        assert dict(table.items()) == allowed


def test_a_refusal_names_the_state_for_people(app):
    with app.test_request_context():  # Dutch, the default language
        with pytest.raises(TransitionRefused) as refused:
            ITEM_TRANSITIONS.target(ItemStatus.DRAFT, "pay")
        assert refused.value.detail == "Dit kan niet bij een betaling met de status Concept."
        with pytest.raises(TransitionRefused) as refused:
            SCHEME_TRANSITIONS.target(SchemeStatus.ACTIVE, "activate")
        assert refused.value.detail == (
            "Alleen een regeling die nog een concept is, kan worden geactiveerd."
        )


def test_advance_moves_a_row_only_from_the_states_given(app_ctx, make_fund):
    fund = make_fund(0)
    with unit_of_work():
        assert not advance(Fund, fund.id, FundStatus.CLOSED, FundStatus.OPEN)
        assert advance(Fund, fund.id, [FundStatus.OPEN], FundStatus.CLOSED)
        assert not advance(Fund, fund.id, FundStatus.OPEN, FundStatus.CLOSED)
    assert app_ctx.scalar(sa.select(Fund.status).where(Fund.id == fund.id)) == FundStatus.CLOSED


def _race(app, fund_id: int, clients: int) -> list[bool]:
    barrier = threading.Barrier(clients)
    results: list[bool] = []
    lock = threading.Lock()

    def client() -> None:
        with app.app_context():
            barrier.wait()
            with unit_of_work():
                moved = advance(Fund, fund_id, FundStatus.OPEN, FundStatus.CLOSED)
        with lock:
            results.append(moved)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_of_two_racing_advances_exactly_one_wins(app, make_fund):
    fund = make_fund(0)
    assert sorted(_race(app, fund.id, 2)) == [False, True]


@pytest.mark.postgres
def test_of_twenty_racing_advances_on_postgresql_exactly_one_wins(app, make_fund):
    fund = make_fund(0)
    assert sorted(_race(app, fund.id, 20)) == [False] * 19 + [True]
