"""The scheduled jobs. Each runs under a lease, so two schedulers never run one at once."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from wallet.ops import logs, metrics
from wallet.scheduler.locks import lease

log = logging.getLogger("wallet.scheduler")


def _allocate() -> str:
    from wallet.grants.allocation import allocate_all

    runs = allocate_all()
    return f"{sum(run.grants for run in runs)} grants in {len(runs)} allocation runs"


def _expire_grants() -> str:
    from wallet.grants.services import expire_grants

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
    from wallet.ledger import last_verify

    problems = verify()
    last_verify.save(problems)
    for problem in problems:
        log.error("ledger invariant %s broken: %s", problem.invariant, problem.detail)
    return f"{len(problems)} problems"


def _reports_rollup() -> str:
    from wallet.reports.rollup import roll_up

    return f"{roll_up()} days rolled up for the reports"


def _expire_sessions() -> str:
    from wallet.sessions.services import expire_sessions

    return f"{expire_sessions()} expired sessions deleted"


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


def run_job(name: str) -> str:
    """Run one job now under its lease; says what it did, or that it runs elsewhere.

    Logs its start, its end with what it did and how long it took (or its traceback), and
    counts the run for the metrics.
    """
    job = JOBS[name]
    with logs.bound(job=name):
        started = time.perf_counter()
        log.info("job %s started", name)
        try:
            with lease(name, job.lease) as taken:
                if not taken:
                    log.info("job %s skipped: its lease is held by another process", name)
                    metrics.record_job(name, "skipped")
                    return "skipped: running in another process"
                outcome = job.run()
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
