"""Money under concurrency: many clients at once, each in its own app context and connection.

The 200-client tests need PostgreSQL (row locks, many connections); the smaller races run on
SQLite too, where transactions are serialized.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from wallet.books.verify import verify_ledger as verify
from wallet.core import clock
from wallet.core.db import unit_of_work
from wallet.core.errors import DomainError
from wallet.funds.services import deposit, fund_figures
from wallet.grants import applying, expiry
from wallet.grants.models import Grant
from wallet.ledger import services as ledger
from wallet.ledger.models import AccountKind, Hold, HoldStatus


def run_concurrently(app, count: int, work: Callable[[int], str]) -> Counter:
    """Run work(i) in `count` threads started together; count what each returned or raised."""
    barrier = threading.Barrier(count)
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def client(i: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                result = work(i)
            except DomainError as error:
                result = type(error).__name__
            except Exception as error:  # counted, so the test shows it
                result = f"unexpected {type(error).__name__}: {error}"
        with lock:
            outcomes[result] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


@pytest.fixture
def funded_grant(app, make_fund, make_scheme, make_worker, make_grant):
    """funded_grant(cents) -> (grant, payable account id)."""

    def make(cents: int):
        fund = make_fund(cents)
        grant = make_grant(make_scheme(fund, amount_cents=cents), make_worker())
        with app.app_context(), unit_of_work():
            payable = ledger.open_account("provider:race:payable", AccountKind.PAYABLE).id
        return grant, payable

    return make


def _hold(grant, payable, cents):
    def work(_i: int) -> str:
        with unit_of_work():
            ledger.place_hold(grant.account_id, payable, cents)
        return "held"

    return work


@pytest.mark.postgres
def test_200_clients_reserving_from_one_grant_get_exactly_what_fits(app, funded_grant):
    grant, payable = funded_grant(150 * 1_000)
    outcomes = run_concurrently(app, 200, _hold(grant, payable, 1_000))
    assert outcomes == Counter({"held": 150, "InsufficientFunds": 50})
    with app.app_context():
        assert ledger.balance(grant.account_id) == ledger.Balance(150_000, 150_000)
        assert verify() == []


def test_clients_racing_for_one_grant_never_overdraw_it(app, funded_grant):
    grant, payable = funded_grant(5 * 1_000)
    outcomes = run_concurrently(app, 8, _hold(grant, payable, 1_000))
    assert outcomes == Counter({"held": 5, "InsufficientFunds": 3})
    with app.app_context():
        assert ledger.balance(grant.account_id).available_cents == 0
        assert verify() == []


@pytest.mark.postgres
def test_200_workers_applying_to_a_first_come_scheme_get_exactly_the_cap(
    app, make_fund, make_windowed_scheme, make_worker
):
    fund = make_fund(1_000_000_00)
    scheme = make_windowed_scheme(fund, "first_come", grants=120, closes=1, amount_cents=50_000)
    workers = [make_worker() for _ in range(200)]

    def apply(i: int) -> str:
        applying.apply_for_grant(scheme.id, workers[i].id)
        return "granted"

    outcomes = run_concurrently(app, 200, apply)
    assert outcomes == Counter({"granted": 120, "SchemeCapReached": 80})
    with app.app_context():
        from wallet.core.db import session

        assert session.scalar(sa.select(sa.func.count(Grant.id))) == 120
        assert fund_figures(fund.id).granted_cents == 120 * 50_000
        assert verify() == []


def test_two_threads_with_one_idempotency_key_have_one_effect(app, make_fund):
    fund = make_fund()

    def pay(_i: int) -> str:
        outcome = deposit(fund.id, 12_345, reference="dubbel", idempotency_key="same-key")
        return "replayed" if outcome.replayed else "written"

    outcomes = run_concurrently(app, 6, pay)
    assert outcomes == Counter({"written": 1, "replayed": 5})
    with app.app_context():
        assert ledger.balance(fund.pot_account_id).posted_cents == 12_345
        assert verify() == []


def test_expiring_and_posting_one_hold_at_once_exactly_one_wins(app, funded_grant):
    grant, payable = funded_grant(100 * 1_000)
    with app.app_context(), unit_of_work():
        hold_ids = [ledger.place_hold(grant.account_id, payable, 1_000).id for _ in range(20)]
    for hold_id in hold_ids:

        def race(i: int, hold_id=hold_id) -> str:
            with unit_of_work():
                if i == 0:
                    ledger.post_hold(hold_id, description="claim approved")
                else:
                    ledger.expire_hold(hold_id)
            return "won"

        outcomes = run_concurrently(app, 2, race)
        assert outcomes == Counter({"won": 1, "HoldNotPending": 1})
    with app.app_context():
        from wallet.core.db import session

        statuses = Counter(session.scalars(sa.select(Hold.status)))
        posted = statuses[HoldStatus.POSTED]
        assert posted + statuses[HoldStatus.EXPIRED] == 20
        assert ledger.balance(payable).posted_cents == posted * 1_000
        assert ledger.balance(grant.account_id).held_cents == 0
        assert verify() == []


def test_the_hold_expiry_job_run_twice_at_once_expires_each_hold_once(app, funded_grant):
    grant, payable = funded_grant(10 * 1_000)
    soon = clock.now() + dt.timedelta(minutes=5)
    with app.app_context(), unit_of_work():
        for _ in range(10):
            ledger.place_hold(grant.account_id, payable, 1_000, expires_at=soon)
    later = soon + dt.timedelta(minutes=1)
    counted = Counter()

    def job(_i: int) -> str:
        counted[_i] = ledger.expire_due_holds(later)
        return "ran"

    assert run_concurrently(app, 2, job) == Counter({"ran": 2})
    assert sum(counted.values()) == 10
    with app.app_context():
        assert ledger.balance(grant.account_id) == ledger.Balance(10_000, 0)
        assert verify() == []


def test_grant_expiry_run_twice_at_once_returns_the_budget_once(app, funded_grant):
    grant, _payable = funded_grant(10_000)
    later = grant.expires_at + dt.timedelta(days=1)

    def job(_i: int) -> str:
        return str(expiry.expire_grants(later))

    outcomes = run_concurrently(app, 2, job)
    assert outcomes == Counter({"1": 1, "0": 1})
    with app.app_context():
        assert ledger.balance(grant.account_id).posted_cents == 0
        assert fund_figures(grant.fund_id).available_cents == 10_000
        assert verify() == []


def test_clients_opening_one_account_at_once_all_get_it(app):
    opened: list[int] = []

    def open_it(_i: int) -> str:
        with unit_of_work():
            opened.append(ledger.open_account("provider:new:payable", AccountKind.PAYABLE).id)
        return "opened"

    assert run_concurrently(app, 8, open_it) == Counter({"opened": 8})
    assert len(set(opened)) == 1


def while_one_is_open(app, first: Callable[[], None], second: Callable[[], None]) -> str:
    """Run first() in a transaction held open, and second() meanwhile in another connection:
    "done" (or its error's name) when second() finished without waiting, else "blocked"."""
    opened, release = threading.Event(), threading.Event()
    outcome: list[str] = []

    def hold() -> None:
        with app.app_context():
            try:
                with unit_of_work():
                    first()
                    opened.set()
                    release.wait(60)
            finally:
                opened.set()

    def other() -> None:
        with app.app_context():
            try:
                second()
                outcome.append("done")
            except Exception as error:  # shown by the test's assertion
                outcome.append(f"{type(error).__name__}: {error}")

    holder = threading.Thread(target=hold)
    holder.start()
    opened.wait(60)
    runner = threading.Thread(target=other)
    runner.start()
    runner.join(timeout=5)  # a lock wait shows as a timeout here, not as a hung suite
    blocked = runner.is_alive()
    release.set()
    runner.join(60)
    holder.join(60)
    return "blocked" if blocked else outcome[0]
