"""`flask scheduler run` and `flask jobs run NAME`."""

from __future__ import annotations

import contextlib
import datetime as dt
import json

import click
from flask import current_app
from flask.cli import AppGroup

from wallet.ops.metrics import serve_for_scheduler
from wallet.scheduler.jobs import JOBS, log, run_job

TIMEZONE = "Europe/Amsterdam"
# A run APScheduler starts later than this after its time is dropped (the next one comes).
MISFIRE_GRACE_SECONDS = 30

scheduler_cli = AppGroup("scheduler", help="The scheduler process.")
jobs_cli = AppGroup("jobs", help="Run a scheduled job by hand.")


@jobs_cli.command("run")
@click.argument("name", type=click.Choice(sorted(JOBS)))
def run_command(name: str) -> None:
    """Run the job NAME once, now."""
    click.echo(f"{name}: {run_job(name)}")


@jobs_cli.command("list")
def list_command() -> None:
    """List the jobs and when they run."""
    for name, job in sorted(JOBS.items()):
        click.echo(f"{name:<16} cron {job.cron}")


def schedules(overrides: str | None) -> dict[str, dict]:
    """Each job's cron fields, with those of SCHEDULER_CRON (JSON: {"job": {cron fields}})
    in place of its own; an unknown job or a field that is no cron field stops the start."""
    from apscheduler.triggers.cron import CronTrigger

    cron = {name: job.cron for name, job in JOBS.items()}
    try:
        changed = json.loads(overrides) if overrides else {}
    except ValueError:
        raise click.UsageError("SCHEDULER_CRON is not JSON.") from None
    for name, fields in changed.items():
        if name not in JOBS:
            raise click.UsageError(f"SCHEDULER_CRON names job {name!r}, which does not exist.")
        try:
            CronTrigger(timezone=TIMEZONE, **fields)
        except (TypeError, ValueError) as error:
            raise click.UsageError(f"SCHEDULER_CRON for {name}: {error}") from None
        cron[name] = fields
    return cron


def slot_of(trigger, now: dt.datetime) -> dt.datetime:
    """The trigger's latest fire time at or before `now`: the run APScheduler just started.

    APScheduler starts a run at most MISFIRE_GRACE_SECONDS after its time (a later one is
    dropped), so the run's time lies in that window; every scheduler process computes the
    same slot for it, which is what lets exactly one of them run it (locks.claim_run).
    """
    window_start = now - dt.timedelta(seconds=MISFIRE_GRACE_SECONDS + 1)
    slot = fire = trigger.get_next_fire_time(None, window_start)
    while fire is not None and fire <= now:
        slot = fire
        fire = trigger.get_next_fire_time(fire, fire + dt.timedelta(microseconds=1))
    return slot if slot is not None and slot <= now else now


@scheduler_cli.command("run")
def scheduler_command() -> None:
    """Start the scheduler process (runs until stopped)."""
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger

    app = current_app._get_current_object()
    scheduler = BlockingScheduler(timezone=TIMEZONE)

    def in_app(name: str, trigger: CronTrigger):
        def run() -> None:
            # APScheduler keeps real time, not wallet.core.clock's (which tests may set).
            slot = slot_of(trigger, dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
            # run_job logged the traceback and counted the failure; the next run comes anyway.
            with app.app_context(), contextlib.suppress(Exception):
                run_job(name, slot)

        return run

    for name, cron in schedules(app.config.get("SCHEDULER_CRON")).items():
        trigger = CronTrigger(timezone=TIMEZONE, **cron)
        scheduler.add_job(
            in_app(name, trigger),
            trigger,
            id=name,
            name=name,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=MISFIRE_GRACE_SECONDS,
        )
    port = app.config.get("SCHEDULER_METRICS_PORT")
    if port:
        serve_for_scheduler(port, app.config.get("SCHEDULER_METRICS_ADDRESS", "127.0.0.1"))
    log.info("scheduler started with %d jobs: %s", len(JOBS), ", ".join(sorted(JOBS)))
    click.echo(f"Scheduler started with {len(JOBS)} jobs: {', '.join(sorted(JOBS))}")
    scheduler.start()
