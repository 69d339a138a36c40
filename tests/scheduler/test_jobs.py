"""Jobs: leases and run slots keep two schedulers from running one job twice; CLI works."""

import datetime as dt

import click
import pytest
import sqlalchemy as sa

from wallet.core import clock
from wallet.core.db import unit_of_work
from wallet.scheduler import locks
from wallet.scheduler.cli import TIMEZONE, schedules, slot_of
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


def test_two_schedulers_firing_one_slot_run_it_once(app_ctx):
    """The second scheduler fires the same cron time after the first released its lease."""
    slot = dt.datetime(2026, 12, 2, 10, 10, tzinfo=dt.UTC)
    first = run_job("expire-sessions", slot)
    assert first.endswith("expired sessions deleted")
    assert run_job("expire-sessions", slot) == "skipped: this run is taken by another process"
    assert run_job("expire-sessions", slot + dt.timedelta(minutes=10)) == first  # the next slot
    runs = app_ctx.execute(sa.select(locks.JobRun).order_by(locks.JobRun.slot)).scalars().all()
    assert [(run.job, run.slot, run.outcome) for run in runs] == [
        ("expire-sessions", slot, first),
        ("expire-sessions", slot + dt.timedelta(minutes=10), first),
    ]
    assert all(run.owner == locks.OWNER and run.finished_at is not None for run in runs)


def test_runs_by_hand_are_recorded_and_never_refused_for_their_slot(app_ctx):
    assert not run_job("expire-sessions").startswith("skipped")
    with clock.frozen_at(clock.now() + dt.timedelta(seconds=1)):
        assert not run_job("expire-sessions").startswith("skipped")
    assert app_ctx.scalar(sa.select(sa.func.count()).select_from(locks.JobRun)) == 2


def test_runs_by_hand_in_the_same_instant_all_run(app_ctx):
    with clock.frozen_at(clock.now()):
        outcomes = [run_job("expire-sessions") for _ in range(3)]
    assert not any(outcome.startswith("skipped") for outcome in outcomes)
    assert app_ctx.scalar(sa.select(sa.func.count()).select_from(locks.JobRun)) == 3


def test_a_failed_run_is_written_down_and_its_slot_not_run_again(app_ctx, monkeypatch):
    from wallet.scheduler import jobs

    def broken() -> str:
        raise RuntimeError("boom")

    job = jobs.JOBS["expire-sessions"]
    monkeypatch.setitem(jobs.JOBS, "expire-sessions", jobs.Job(broken, job.cron, job.lease))
    slot = dt.datetime(2026, 12, 2, 10, 20, tzinfo=dt.UTC)
    with pytest.raises(RuntimeError):
        run_job("expire-sessions", slot)
    assert run_job("expire-sessions", slot).startswith("skipped")
    assert app_ctx.scalar(sa.select(locks.JobRun.outcome)) == "failed"


def test_run_rows_older_than_two_weeks_are_pruned(app_ctx):
    old = clock.now() - locks.KEEP_RUNS - dt.timedelta(minutes=1)
    run_job("expire-sessions", old)
    run_job("expire-sessions", clock.now())
    slots = app_ctx.scalars(sa.select(locks.JobRun.slot)).all()
    assert old not in slots
    assert len(slots) == 1


@pytest.mark.parametrize(
    ("cron", "now", "slot"),
    [
        ({"minute": "*/5"}, "10:05:20.250", "10:05:00"),
        ({"minute": "*/5"}, "10:05:00", "10:05:00"),
        ({"minute": "*/5"}, "10:05:29", "10:05:00"),
        ({"second": "*"}, "10:07:03.400", "10:07:03"),
        ({"hour": 3, "minute": 30}, "03:30:12", "03:30:00"),
    ],
)
def test_every_scheduler_computes_the_same_slot_for_a_run(cron, now, slot):
    from apscheduler.triggers.cron import CronTrigger

    def at(clock_time: str) -> dt.datetime:
        return dt.datetime.fromisoformat(f"2026-12-02T{clock_time}+01:00")

    trigger = CronTrigger(timezone=TIMEZONE, **cron)
    assert slot_of(trigger, at(now)) == at(slot)


def test_scheduler_cron_overrides_a_jobs_schedule_and_refuses_nonsense():
    cron = schedules('{"expire-sessions": {"second": "*"}}')
    assert cron["expire-sessions"] == {"second": "*"}
    assert cron["expire-holds"] == JOBS["expire-holds"].cron
    assert schedules(None) == {name: job.cron for name, job in JOBS.items()}
    for wrong in ('{"no-such-job": {}}', '{"expire-holds": {"minute": "x"}}', "{"):
        with pytest.raises(click.UsageError):
            schedules(wrong)
