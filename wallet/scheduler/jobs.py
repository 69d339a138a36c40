"""The scheduled jobs. Each runs under a lease and claims its slot, so two schedulers never
run one at once, nor one scheduled run twice (wallet.scheduler.locks)."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from wallet.ops import logs, metrics
from wallet.scheduler.locks import claim_run, finish_run, lease

log = logging.getLogger("wallet.scheduler")


def _allocate() -> str:
    from wallet.grants.allocation import allocate_all

    runs = allocate_all()
    return f"{sum(run.grants for run in runs)} grants in {len(runs)} allocation runs"


def _expire_grants() -> str:
    from wallet.grants.expiry import expire_grants

    return f"{expire_grants()} grants expired"


def _grant_expiry_reminders() -> str:
    from wallet.grants.reminders import send_expiry_reminders

    return f"{send_expiry_reminders()} expiry reminders sent"


def _expire_holds() -> str:
    from wallet.ledger.services import expire_due_holds

    return f"{expire_due_holds()} holds expired"


def _lapse_commitments() -> str:
    from wallet.placements.followups import lapse_commitments

    return f"{lapse_commitments()} placements released what nobody claimed"


def _expire_applications() -> str:
    from wallet.applications.services import expire_unanswered

    return f"{expire_unanswered()} applications expired"


def _send_notifications() -> str:
    from wallet.notifications.services import send_pending

    sent, failed = send_pending()
    return f"{sent} e-mails sent, {failed} failed"


def _payout_batches() -> str:
    from wallet.payments.batches import make_due_batches

    outcomes = make_due_batches()
    return f"{len(outcomes)} draft payout batches made"


def _reconcile() -> str:
    from wallet.payments.reconcile import reconcile

    notes = reconcile()
    for note in notes:
        log.warning("reconciliation: %s", note)
    return f"{len(notes)} findings"


def _verify() -> str:
    from wallet.books.verify import verify
    from wallet.core import clock
    from wallet.ledger import last_verify

    started_at = clock.now()
    problems = verify()
    last_verify.save(problems, started_at)
    for problem in problems:
        log.error("ledger invariant %s broken: %s", problem.invariant, problem.detail)
    return f"{len(problems)} problems"


def _reports_rollup() -> str:
    from wallet.reports.rollup import roll_up

    return f"{roll_up()} days rolled up for the reports"


def _expire_sessions() -> str:
    from wallet.sessions.services import expire_sessions

    return f"{expire_sessions()} expired sessions deleted"


def _housekeeping() -> str:
    from wallet.housekeeping.services import sweep_all

    counts = sweep_all()
    details = ", ".join(f"{table} {count}" for table, count in counts.items())
    return f"{sum(counts.values())} rows past their retention removed ({details})"


def _pseudonymise() -> str:
    from wallet.housekeeping.pseudonyms import pseudonymise_closed_accounts

    return f"{pseudonymise_closed_accounts()} closed accounts pseudonymised"


def _follow_up_reminders() -> str:
    from wallet.placements.followups import send_reminders

    return f"{send_reminders()} follow-up reminders sent"


def _report_snapshots() -> str:
    from wallet.reports.served import refresh_all

    return refresh_all()


def _report_snapshots_full() -> str:
    from wallet.reports.served import refresh_all

    return refresh_all(full=True)


@dataclass(frozen=True)
class Job:
    """A job: what it does, when (APScheduler cron fields) and how long its lease lasts."""

    run: Callable[[], str]
    cron: dict
    lease: dt.timedelta


JOBS: dict[str, Job] = {
    "allocate-grants": Job(_allocate, {"hour": 2, "minute": 0}, dt.timedelta(hours=2)),
    "expire-grants": Job(_expire_grants, {"minute": 5}, dt.timedelta(minutes=50)),
    "expire-holds": Job(_expire_holds, {"minute": "*/5"}, dt.timedelta(minutes=4)),
    "expire-applications": Job(_expire_applications, {"minute": 20}, dt.timedelta(minutes=50)),
    "send-notifications": Job(_send_notifications, {"minute": "*"}, dt.timedelta(seconds=50)),
    "make-payout-batches": Job(
        _payout_batches, {"day_of_week": "mon", "hour": 6, "minute": 0}, dt.timedelta(hours=1)
    ),
    "reconcile-payouts": Job(_reconcile, {"hour": 4, "minute": 15}, dt.timedelta(hours=1)),
    "verify-ledger": Job(_verify, {"hour": 3, "minute": 30}, dt.timedelta(hours=2)),
    "grant-expiry-reminders": Job(
        _grant_expiry_reminders, {"hour": 8, "minute": 0}, dt.timedelta(hours=1)
    ),
    "expire-sessions": Job(_expire_sessions, {"minute": "*/10"}, dt.timedelta(minutes=9)),
    "reports-rollup": Job(_reports_rollup, {"minute": 35}, dt.timedelta(minutes=50)),
    "lapse-commitments": Job(_lapse_commitments, {"hour": 2, "minute": 40}, dt.timedelta(hours=1)),
    "follow-up-reminders": Job(
        _follow_up_reminders, {"hour": 7, "minute": 45}, dt.timedelta(hours=1)
    ),
    # Retention (wallet.housekeeping): short-lived rows at night, when little else runs,
    # then the closed accounts past the retention of their personal data.
    "housekeeping": Job(_housekeeping, {"hour": 1, "minute": 30}, dt.timedelta(hours=1)),
    "pseudonymise-closed-accounts": Job(
        _pseudonymise, {"hour": 1, "minute": 50}, dt.timedelta(hours=1)
    ),
    # The reports people open most, kept ahead (wallet.reports.served): the current views
    # every 10 minutes, everything once a week (a past period's figures are final). A first
    # run computes the last quarter's reports too (minutes at national scale): a long lease.
    "reports-snapshots": Job(_report_snapshots, {"minute": "*/10"}, dt.timedelta(hours=1)),
    "reports-snapshots-full": Job(
        _report_snapshots_full,
        {"day_of_week": "sun", "hour": 4, "minute": 30},
        dt.timedelta(hours=3),
    ),
}


def run_job(name: str, slot: dt.datetime | None = None) -> str:
    """Run one job now under its lease; says what it did, or that it runs or ran elsewhere.

    `slot` is the scheduled time a scheduler runs it for: of two schedulers firing the same
    slot, one runs it and the other skips. Without a slot (by hand) it runs whenever its
    lease is free. Logs its start, its end with what it did and how long it took (or its
    traceback), and counts the run for the metrics.
    """
    job = JOBS[name]
    slot_field = {"slot": slot.astimezone(dt.UTC).isoformat()} if slot else {}
    with logs.bound(job=name, **slot_field):
        started = time.perf_counter()
        log.info("job %s started", name)
        try:
            with lease(name, job.lease) as taken:
                run_id = claim_run(name, slot) if taken else None
                if run_id is None:
                    why = "running in" if not taken else "this run is taken by"
                    log.info("job %s skipped: %s another process", name, why)
                    metrics.record_job(name, "skipped")
                    return f"skipped: {why} another process"
                try:
                    outcome = job.run()
                except Exception:
                    finish_run(run_id, "failed")
                    raise
                finish_run(run_id, outcome)
        except Exception:
            seconds = time.perf_counter() - started
            log.exception("job %s failed after %.1f s", name, seconds, extra=_took(seconds))
            metrics.record_job(name, "failed", seconds)
            raise
        seconds = time.perf_counter() - started
        log.info(
            "job %s finished in %.1f s: %s",
            name,
            seconds,
            outcome,
            extra={**_took(seconds), "outcome": outcome, "count": _count(outcome)},
        )
        metrics.record_job(name, "ok", seconds)
    return outcome


def _took(seconds: float) -> dict:
    return {"duration_ms": round(seconds * 1000, 1)}


def _count(outcome: str) -> int | None:
    """The number a job's outcome starts with ("12 holds expired" -> 12), for log queries."""
    first = outcome.split(" ", 1)[0]
    return int(first) if first.isdigit() else None
