"""Prometheus metrics: requests and jobs counted as they happen, business figures at scrape.

With several gunicorn workers set PROMETHEUS_MULTIPROC_DIR (an empty folder per start,
shared by the workers and, on the same host, the scheduler): each process then writes its
counters there and a scrape of any worker adds them all up. docs/operations.md lists every
metric and what it means.
"""

from __future__ import annotations

import logging
import os
import time

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from wallet.ops import figures

log = logging.getLogger(__name__)

HTTP_REQUESTS = Counter(
    "leerwallet_http_requests_total",
    "Requests answered, per endpoint, method and status.",
    ["endpoint", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "leerwallet_http_request_duration_seconds",
    "Time from receiving a request to its answer, per endpoint, method and status.",
    ["endpoint", "method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
JOB_RUNS = Counter(
    "leerwallet_job_runs_total",
    "Scheduled job runs, per job and outcome (ok, failed, skipped: leased elsewhere).",
    ["job", "outcome"],
)
JOB_DURATION = Histogram(
    "leerwallet_job_duration_seconds",
    "How long a job's run took, per job (runs that did the work, ok or failed).",
    ["job"],
    buckets=(0.1, 0.5, 1, 5, 15, 60, 300, 900, 1800, 3600, 7200),
)


def multiprocess() -> bool:
    """True when counters are shared through PROMETHEUS_MULTIPROC_DIR."""
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


class BusinessCollector:
    """The figures an operator watches, read with a few cheap queries at each scrape."""

    def collect(self):
        try:
            now = figures.business_figures()
        except Exception:  # a scrape must still answer, saying the figures are missing
            log.exception("metrics: business figures unavailable")
            yield GaugeMetricFamily(
                "leerwallet_business_figures_up", "1 when the figures below could be read.", 0
            )
            return
        yield GaugeMetricFamily(
            "leerwallet_business_figures_up", "1 when the figures below could be read.", 1
        )
        yield from _gauges(now)


def _gauge(name: str, help_text: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(f"leerwallet_{name}", help_text, value=value)


def _gauges(now: figures.BusinessFigures):
    yield _gauge(
        "applications_last_minute", "Applications made in the last 60 seconds.", now.applications
    )
    yield _gauge("holds_last_minute", "Budget holds placed in the last 60 seconds.", now.holds)
    yield _gauge(
        "claims_waiting",
        "Claims waiting for a decision (submitted or approved once).",
        now.claims_waiting,
    )
    yield _gauge(
        "claims_oldest_waiting_seconds",
        "Age of the oldest claim waiting for a decision; 0 when none waits.",
        now.oldest_claim_seconds,
    )
    batches = GaugeMetricFamily(
        "leerwallet_payout_batches", "Payout batches per state.", labels=["state"]
    )
    for state, count in sorted(now.batches.items()):
        batches.add_metric([state], count)
    yield batches
    yield _gauge("outbox_backlog", "E-mails waiting in the outbox to be sent.", now.outbox_backlog)
    yield _gauge(
        "outbox_oldest_pending_seconds",
        "Age of the oldest e-mail waiting in the outbox; 0 when none waits.",
        now.outbox_oldest_seconds,
    )
    yield _gauge("outbox_failed", "E-mails given up after too many attempts.", now.outbox_failed)
    if now.verify is not None:
        yield _gauge(
            "ledger_verify_problems",
            "Problems the last ledger verify found (0: every invariant held).",
            now.verify.problems,
        )
        yield _gauge(
            "ledger_verify_finished_timestamp_seconds",
            "When the last ledger verify finished (Unix time).",
            now.verify.finished_at.timestamp(),
        )


def exposition() -> bytes:
    """Every metric in the Prometheus text format."""
    if multiprocess():
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        counted = generate_latest(registry)
    else:
        counted = generate_latest(REGISTRY)
    business = CollectorRegistry(auto_describe=False)
    business.register(BusinessCollector())
    return counted + generate_latest(business)


def metrics_response() -> Response:
    """The scrape answer."""
    return Response(exposition(), content_type=CONTENT_TYPE_LATEST)


def _start_timer() -> None:
    g.metrics_started = time.perf_counter()


def _count_request(response: Response) -> Response:
    started = g.get("metrics_started")
    labels = (request.endpoint or "unmatched", request.method, str(response.status_code))
    HTTP_REQUESTS.labels(*labels).inc()
    if started is not None:
        HTTP_LATENCY.labels(*labels).observe(time.perf_counter() - started)
    return response


def init_app(app: Flask) -> None:
    """Count and time every request."""
    app.before_request(_start_timer)
    app.after_request(_count_request)


def record_job(job: str, outcome: str, seconds: float | None = None) -> None:
    """Count one run of `job`; time it when it did the work."""
    JOB_RUNS.labels(job, outcome).inc()
    if seconds is not None:
        JOB_DURATION.labels(job).observe(seconds)


def serve_for_scheduler(port: int, address: str = "127.0.0.1") -> None:
    """The scheduler's own metrics port (job runs, the last verify), for a scraper on the host."""
    from prometheus_client import start_http_server

    if multiprocess():
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        start_http_server(port, address, registry=registry)
    else:
        start_http_server(port, address)
