"""Jobs: leases keep two schedulers from running one job at once; CLI commands work."""

import datetime as dt

import sqlalchemy as sa

from wallet.core import clock
from wallet.core.db import unit_of_work
from wallet.scheduler import locks
from wallet.scheduler.jobs import JOBS, run_job


def test_a_lease_is_held_by_one_owner_until_it_runs_out(app_ctx):
    ttl = dt.timedelta(minutes=10)
    assert locks.acquire("expire-holds", ttl, owner="a")
    assert not locks.acquire("expire-holds", ttl, owner="b")
    later = clock.now() + ttl + dt.timedelta(seconds=1)
    with clock.frozen_at(later):
        assert locks.acquire("expire-holds", ttl, owner="b")  # a crashed holder's lease ran out
    locks.release("expire-holds", owner="a")  # not a's any more: changes nothing
    assert not locks.acquire("expire-holds", ttl, owner="c")


def test_a_job_whose_lease_is_taken_is_skipped(app_ctx):
    assert locks.acquire("verify-ledger", dt.timedelta(hours=1), owner="other scheduler")
    assert run_job("verify-ledger").startswith("skipped")


def test_every_job_runs_from_the_command_line(runner):
    for name in JOBS:
        result = runner.invoke(args=["jobs", "run", name])
        assert result.exit_code == 0, result.output
        assert result.output.startswith(f"{name}: ")
        assert "skipped" not in result.output


def test_ledger_verify_exits_1_with_a_readable_report_when_money_is_wrong(app, runner, make_fund):
    assert runner.invoke(args=["ledger", "verify"]).exit_code == 0
    fund = make_fund(10_000)
    with app.app_context(), unit_of_work() as db:
        # Tamper with a cached balance behind the ledger's back.
        db.execute(
            sa.text("UPDATE ledger_accounts SET posted_cents = posted_cents + 1 WHERE id = :id"),
            {"id": fund.pot_account_id},
        )
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 1
    assert "balance 10001 but postings say 10000" in result.output


def test_funds_and_grants_from_the_command_line(app, runner, make_scheme, make_worker):
    created = runner.invoke(args=["funds", "create", "CLI-fonds"])
    assert created.exit_code == 0, created.output
    deposit = ["funds", "deposit", "1", "25.000,00", "--reference", "r", "--idempotency-key", "k"]
    assert "Deposited" in runner.invoke(args=deposit).output
    assert "replayed" in runner.invoke(args=deposit).output
    wrong = runner.invoke(args=["funds", "deposit", "1", "abc", "--reference", "r"])
    assert wrong.exit_code != 0
    assert "geen bedrag in euro" in wrong.output  # the CLI speaks the default language, Dutch

    from wallet.funds.models import Fund

    with app.app_context():
        from wallet.core.db import session

        fund = session.scalar(sa.select(Fund))
    scheme = make_scheme(fund, allocation_mode="entitlement", amount_cents=10_000_00)
    make_worker()
    make_worker()
    allocated = runner.invoke(args=["grants", "allocate", "--scheme", str(scheme.id)])
    assert "2 grants" in allocated.output
    assert "Nobody left" in runner.invoke(args=["grants", "allocate"]).output
