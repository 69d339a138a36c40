"""`flask scheduler run` and `flask jobs run NAME`."""

from __future__ import annotations

import contextlib

import click
from flask import current_app
from flask.cli import AppGroup

from wallet.ops.metrics import serve_for_scheduler
from wallet.scheduler.jobs import JOBS, log, run_job

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


@scheduler_cli.command("run")
def scheduler_command() -> None:
    """Start the scheduler process (runs until stopped)."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    app = current_app._get_current_object()
    scheduler = BlockingScheduler(timezone="Europe/Amsterdam")

    def in_app(name: str):
        def run() -> None:
            # run_job logged the traceback and counted the failure; the next run comes anyway.
            with app.app_context(), contextlib.suppress(Exception):
                run_job(name)

        return run

    for name, job in JOBS.items():
        scheduler.add_job(
            in_app(name), "cron", id=name, name=name, coalesce=True, max_instances=1, **job.cron
        )
    port = app.config.get("SCHEDULER_METRICS_PORT")
    if port:
        serve_for_scheduler(port, app.config.get("SCHEDULER_METRICS_ADDRESS", "127.0.0.1"))
    log.info("scheduler started with %d jobs: %s", len(JOBS), ", ".join(sorted(JOBS)))
    click.echo(f"Scheduler started with {len(JOBS)} jobs: {', '.join(sorted(JOBS))}")
    scheduler.start()
