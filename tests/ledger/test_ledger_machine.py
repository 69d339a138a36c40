"""A stateful hypothesis test of the money services against a simple in-memory model.

Deposits, grants, holds, full and partial posts, voids, expiries and reversals run in any
order hypothesis finds, including the 'concurrent-looking' ones (a post after an expiry, a
reversal after the money moved on). After every step the database must agree with the
model to the cent; after every example `ledger verify` must find nothing.
"""

from __future__ import annotations

import itertools
import os

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from wallet.books.verify import verify_ledger as verify
from wallet.core.db import session, unit_of_work
from wallet.core.errors import Conflict
from wallet.funds.services import create_fund, deposit
from wallet.grants.granting import create_grant
from wallet.grants.models import GrantSource
from wallet.ledger import services as ledger
from wallet.ledger.models import AccountKind
from wallet.schemes.services import SchemeTerms, activate_scheme, define_scheme

EXAMPLES = int(os.environ.get("WALLET_LEDGER_EXAMPLES", "2000"))
AMOUNTS = st.integers(1, 400_000)
HOLD_AMOUNTS = st.integers(1, 120_000)
_names = itertools.count()


class LedgerMachine(RuleBasedStateMachine):
    """The services against a model: account id -> [posted, held]; hold id -> state."""

    app = None
    workers: list[int] = []

    grants = Bundle("grants")
    holds = Bundle("holds")
    transactions = Bundle("transactions")

    def __init__(self) -> None:
        super().__init__()
        self.context = self.app.app_context()
        self.context.push()
        n = next(_names)
        self.fund = create_fund(f"Machinefonds {n}")
        scheme = define_scheme(
            self.fund.id,
            SchemeTerms(
                name="m", allocation_mode="manual", amount_cents=1, validity_months=12, rules={}
            ),
        )
        self.scheme = activate_scheme(scheme.id)
        with unit_of_work():
            self.payable = ledger.open_account(f"machine:{n}:payable", AccountKind.PAYABLE).id
        self.model: dict[int, list[int]] = {self.fund.pot_account_id: [0, 0], self.payable: [0, 0]}
        self.pending: dict[int, tuple[int, int]] = {}  # hold id -> (grant account, amount)
        self.moves: dict[int, list[tuple[int, int]]] = {}  # transaction -> postings
        self.reversed: set[int] = set()
        self.free_workers = list(self.workers)

    def teardown(self) -> None:
        try:
            assert verify() == []
        finally:
            session.rollback()
            self.context.pop()

    def available(self, account: int) -> int:
        posted, held = self.model[account]
        return posted - held

    @initialize(target=grants, cents=st.integers(1, 300_000))
    def start_with_a_grant(self, cents):
        self.deposit(600_000)
        return self.grant(cents)

    @rule(target=transactions, cents=AMOUNTS)
    def deposit(self, cents):
        outcome = deposit(self.fund.id, cents, reference="machine")
        self.model[self.fund.pot_account_id][0] += cents
        self.moves[outcome.result_id] = [(self.fund.pot_account_id, cents)]
        return outcome.result_id

    @precondition(lambda self: self.free_workers)
    @rule(target=grants, cents=AMOUNTS)
    def grant(self, cents):
        pot = self.fund.pot_account_id
        worker = self.free_workers[0]
        if self.available(pot) < cents:
            with pytest.raises(ledger.InsufficientFunds), unit_of_work():
                create_grant(self.scheme, worker, cents, period="m", source=GrantSource.MANUAL)
            return multiple()
        with unit_of_work():
            grant = create_grant(self.scheme, worker, cents, period="m", source=GrantSource.MANUAL)
        self.free_workers.pop(0)
        self.model[pot][0] -= cents
        self.model[grant.account_id] = [cents, 0]
        return grant.account_id

    @rule(target=holds, grant=grants, cents=HOLD_AMOUNTS)
    def hold(self, grant, cents):
        if self.available(grant) < cents:
            with pytest.raises(ledger.InsufficientFunds), unit_of_work():
                ledger.place_hold(grant, self.payable, cents)
            return multiple()
        with unit_of_work():
            hold = ledger.place_hold(grant, self.payable, cents)
        self.model[grant][1] += cents
        self.pending[hold.id] = (grant, cents)
        return hold.id

    @rule(hold=holds, share=st.integers(0, 100))
    def post(self, hold, share):
        if hold not in self.pending:
            with pytest.raises(ledger.HoldNotPending), unit_of_work():
                ledger.post_hold(hold, description="again")
            return
        grant, amount = self.pending.pop(hold)
        cents = amount * share // 100
        with unit_of_work():
            ledger.post_hold(hold, cents, description="machine")
        self.model[grant][1] -= amount
        self.model[grant][0] -= cents
        self.model[self.payable][0] += cents

    @rule(hold=holds, expire=st.booleans())
    def release(self, hold, expire):
        action = ledger.expire_hold if expire else ledger.void_hold
        if hold not in self.pending:
            with pytest.raises(ledger.HoldNotPending), unit_of_work():
                action(hold)
            return
        grant, amount = self.pending.pop(hold)
        with unit_of_work():
            action(hold)
        self.model[grant][1] -= amount

    @rule(transaction=consumes(transactions))
    def reverse(self, transaction):
        lines = self.moves[transaction]
        fits = all(self.available(account) >= cents for account, cents in lines if cents > 0)
        if not fits:
            with pytest.raises(Conflict), unit_of_work():
                ledger.reverse(transaction, reason="machine")
            return
        with unit_of_work():
            ledger.reverse(transaction, reason="machine")
        for account, cents in lines:
            self.model[account][0] -= cents
        with pytest.raises(Conflict), unit_of_work():
            ledger.reverse(transaction, reason="twice")

    @invariant()
    def database_agrees_with_the_model(self):
        for account, (posted, held) in self.model.items():
            actual = ledger.balance(account)
            assert (actual.posted_cents, actual.held_cents) == (posted, held), account
            assert actual.available_cents >= 0
        session.rollback()


def test_money_services_agree_with_the_model(app, make_worker):
    LedgerMachine.app = app
    LedgerMachine.workers = [make_worker().id for _ in range(4)]
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
