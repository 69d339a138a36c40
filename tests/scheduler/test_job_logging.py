"""Every job logs its start, its end with what it did and how long it took, or its traceback."""

import json

import pytest
from prometheus_client import REGISTRY

from wallet.ops.logs import configure_logging
from wallet.scheduler import jobs
from wallet.scheduler.jobs import JOBS, Job, run_job


@pytest.fixture
def job_lines(app, capsys):
    """job_lines() -> the JSON lines logged since the last call, at INFO."""
    configure_logging("INFO", "json")
    capsys.readouterr()

    def read() -> list[dict]:
        err = capsys.readouterr().err
        return [json.loads(line) for line in err.splitlines() if line.startswith("{")]

    yield read
    configure_logging(app.config["LOG_LEVEL"], app.config["LOG_FORMAT"])


def _runs(job: str, outcome: str) -> float:
    value = REGISTRY.get_sample_value("leerwallet_job_runs_total", {"job": job, "outcome": outcome})
    return value or 0


def test_a_job_logs_start_and_end_with_its_outcome_count_and_duration(app_ctx, job_lines):
    outcome = run_job("expire-sessions")
    lines = [line for line in job_lines() if line.get("job") == "expire-sessions"]
    assert lines[0]["message"] == "job expire-sessions started"
    end = lines[-1]
    assert end["message"].startswith("job expire-sessions finished in ")
    assert end["outcome"] == outcome == "0 expired sessions deleted"
    assert end["count"] == 0
    assert end["duration_ms"] >= 0
    assert end["level"] == "info"


def test_a_failing_job_logs_its_traceback_is_counted_and_still_fails(
    app_ctx, job_lines, monkeypatch
):
    def broken() -> str:
        raise RuntimeError("the bank's server said no")

    lease = JOBS["reconcile-payouts"].lease
    monkeypatch.setitem(JOBS, "reconcile-payouts", Job(broken, {}, lease))
    failed_before = _runs("reconcile-payouts", "failed")
    with pytest.raises(RuntimeError):
        run_job("reconcile-payouts")
    error = next(line for line in job_lines() if line["level"] == "error")
    assert error["job"] == "reconcile-payouts"
    assert error["message"].startswith("job reconcile-payouts failed after")
    assert "RuntimeError: the bank's server said no" in error["traceback"]
    assert _runs("reconcile-payouts", "failed") == failed_before + 1
    # The lease was given back: the next run is not skipped.
    monkeypatch.setitem(JOBS, "reconcile-payouts", Job(lambda: "0 findings", {}, lease))
    assert run_job("reconcile-payouts") == "0 findings"


def test_lines_outside_a_job_carry_no_job_name(app_ctx, job_lines):
    run_job("expire-sessions")
    jobs.log.info("between jobs")
    last = job_lines()[-1]
    assert last["message"] == "between jobs"
    assert "job" not in last
