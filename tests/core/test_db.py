"""unit_of_work: one commit on success, nothing left on failure, nested blocks join."""

import datetime as dt

import pytest
import sqlalchemy as sa

from wallet.core.db import unit_of_work
from wallet.funds.models import Fund
from wallet.ledger.models import AccountKind, LedgerAccount


def _pot(session) -> int:
    account = LedgerAccount(
        code=f"pot:{session.scalar(sa.select(sa.func.count(LedgerAccount.id)))}",
        kind=AccountKind.FUND_POT,
    )
    session.add(account)
    session.flush()
    return account.id


def _fund_names(observer_engine) -> list[str]:
    with observer_engine.connect() as conn:
        return sorted(conn.scalars(sa.select(Fund.name)))


def test_a_unit_of_work_commits_once_at_the_end(observer_engine, app_ctx):
    with unit_of_work() as session:
        session.add(Fund(name="Fonds A", pot_account_id=_pot(session)))
        session.flush()
        assert _fund_names(observer_engine) == []  # flushed, not yet visible to another connection
    assert _fund_names(observer_engine) == ["Fonds A"]


def test_a_failure_inside_leaves_nothing_behind(observer_engine, app_ctx):
    def fail_halfway():
        with unit_of_work() as session:
            session.add(Fund(name="Fonds B", pot_account_id=_pot(session)))
            session.flush()
            raise RuntimeError("boom halfway")

    with pytest.raises(RuntimeError):
        fail_halfway()
    assert _fund_names(observer_engine) == []


def test_nested_units_commit_with_the_outer_one(observer_engine, app_ctx):
    def fail_after_inner():
        with unit_of_work() as session:
            with unit_of_work():
                session.add(Fund(name="Fonds C", pot_account_id=_pot(session)))
            raise RuntimeError("outer fails after inner finished")

    with pytest.raises(RuntimeError):
        fail_after_inner()
    assert _fund_names(observer_engine) == []


def test_datetimes_come_back_aware_in_utc_on_every_database(app_ctx):
    moment = dt.datetime(2027, 3, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    with unit_of_work() as session:
        fund = Fund(name="Fonds D", created_at=moment, pot_account_id=_pot(session))
        session.add(fund)
    app_ctx.expire_all()
    loaded = app_ctx.scalar(sa.select(Fund).where(Fund.name == "Fonds D"))
    assert loaded.created_at == moment
    assert loaded.created_at.tzinfo == dt.UTC


def test_naive_datetimes_are_refused_on_write(app_ctx):
    with pytest.raises(sa.exc.StatementError), unit_of_work() as session:
        session.add(Fund(name="Fonds E", created_at=dt.datetime(2027, 1, 1), pot_account_id=1))


def test_a_nested_failure_caught_by_the_outer_block_commits_nothing(observer_engine, app_ctx):
    def swallow_inner_failure():
        with unit_of_work() as session:
            session.add(Fund(name="Fonds F", pot_account_id=_pot(session)))
            try:
                with unit_of_work():
                    raise ValueError("inner step refused")
            except ValueError:
                pass  # a careless caller carries on
            session.add(Fund(name="Fonds G", pot_account_id=_pot(session)))

    with pytest.raises(RuntimeError, match="nested unit of work failed"):
        swallow_inner_failure()
    assert _fund_names(observer_engine) == []


def test_functions_that_commit_themselves_refuse_to_run_inside_a_unit(app_ctx, make_fund):
    from wallet.core.idempotency import run_once

    with pytest.raises(RuntimeError, match="outside"), unit_of_work():
        run_once("test", "key", {}, lambda: 1)


def test_earlier_outcome_finds_a_recorded_key_and_refuses_another_request(app_ctx):
    from wallet.core.errors import Conflict
    from wallet.core.idempotency import earlier_outcome, run_once

    assert earlier_outcome("test", None, {"a": 1}) is None
    assert earlier_outcome("test", "key", {"a": 1}) is None  # not used yet
    assert run_once("test", "key", {"a": 1}, lambda: 7).replayed is False
    found = earlier_outcome("test", "key", {"a": 1})
    assert (found.result_id, found.replayed) == (7, True)
    assert earlier_outcome("other scope", "key", {"a": 1}) is None
    with pytest.raises(Conflict):
        earlier_outcome("test", "key", {"a": 2})
    with pytest.raises(RuntimeError, match="outside"), unit_of_work():
        earlier_outcome("test", "key", {"a": 1})
