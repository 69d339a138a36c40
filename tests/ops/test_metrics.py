"""/metrics: refused without the token, Prometheus text with the business figures with it."""

import datetime as dt

import pytest
from prometheus_client.parser import text_string_to_metric_families

from wallet.core import clock
from wallet.core.db import unit_of_work
from wallet.ledger import services as ledger
from wallet.ledger.models import AccountKind
from wallet.notifications.models import MessageStatus, OutboxMessage
from wallet.payments.models import BatchStatus, PayoutBatch, PayoutMethod
from wallet.scheduler.jobs import run_job

TOKEN = "metrics-token-for-tests-0123456789"


@pytest.fixture
def scrape(app, client, monkeypatch):
    """scrape() -> {(name, labels): value} with the right token."""
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)

    def read() -> dict:
        response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 200
        assert response.content_type.startswith("text/plain")
        return {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.text)
            for sample in family.samples
        }

    return read


def test_metrics_are_off_without_a_configured_token(client):
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


@pytest.mark.parametrize(
    "authorization", [None, "Bearer wrong-token", f"Basic {TOKEN}", TOKEN, f"Bearer {TOKEN}x"]
)
def test_metrics_refuse_anyone_without_the_token(app, client, monkeypatch, authorization):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    headers = {"Authorization": authorization} if authorization else {}
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "leerwallet_" not in response.text


def test_requests_are_counted_per_endpoint_and_status(client, scrape):
    key = (
        "leerwallet_http_requests_total",
        (("endpoint", "ops.healthz"), ("method", "GET"), ("status", "200")),
    )
    before = scrape().get(key, 0)
    client.get("/healthz")
    client.get("/healthz")
    figures = scrape()
    assert figures[key] == before + 2
    latency = (
        "leerwallet_http_request_duration_seconds_count",
        (("endpoint", "ops.healthz"), ("method", "GET"), ("status", "200")),
    )
    assert figures[latency] >= 2
    client.get("/no-such-page")
    unmatched = (("endpoint", "unmatched"), ("method", "GET"), ("status", "404"))
    assert ("leerwallet_http_requests_total", unmatched) in scrape()


def test_business_figures_are_read_at_scrape_time(app, make_fund, scrape):
    fund = make_fund(100_000)
    with app.app_context(), unit_of_work() as db:
        other = ledger.open_account("ops-test:reserved", AccountKind.PAYABLE)
        ledger.place_hold(fund.pot_account_id, other.id, 2_500)
        for minutes_ago in (3, 1):
            db.add(
                OutboxMessage(
                    to_address="a@example.nl",
                    language="nl",
                    topic="test",
                    subject="s",
                    body="b",
                    status=MessageStatus.PENDING,
                    created_at=clock.now() - dt.timedelta(minutes=minutes_ago),
                )
            )
        failed = {"to_address": "b@example.nl", "language": "nl", "topic": "t", "subject": "s"}
        db.add(OutboxMessage(**failed, body="b", status=MessageStatus.FAILED))
        db.add(PayoutBatch(fund_id=fund.id, method=PayoutMethod.SEPA, status=BatchStatus.DRAFT))

    figures = scrape()
    assert figures[("leerwallet_business_figures_up", ())] == 1
    assert figures[("leerwallet_holds_last_minute", ())] == 1
    assert figures[("leerwallet_applications_last_minute", ())] == 0
    assert figures[("leerwallet_claims_waiting", ())] == 0
    assert figures[("leerwallet_claims_oldest_waiting_seconds", ())] == 0
    assert figures[("leerwallet_outbox_backlog", ())] == 2
    assert 170 <= figures[("leerwallet_outbox_oldest_pending_seconds", ())] <= 200
    assert figures[("leerwallet_outbox_failed", ())] == 1
    assert figures[("leerwallet_payout_batches", (("state", "draft"),))] == 1
    assert figures[("leerwallet_payout_batches", (("state", "closed"),))] == 0


def test_the_last_ledger_verify_and_job_runs_are_reported(runner, scrape):
    assert ("leerwallet_ledger_verify_problems", ()) not in scrape()  # never ran
    ok = ("leerwallet_job_runs_total", (("job", "verify-ledger"), ("outcome", "ok")))
    before = scrape().get(ok, 0)

    result = runner.invoke(args=["jobs", "run", "verify-ledger"])
    assert result.exit_code == 0, result.output

    figures = scrape()
    assert figures[("leerwallet_ledger_verify_problems", ())] == 0
    finished = figures[("leerwallet_ledger_verify_finished_timestamp_seconds", ())]
    assert abs(finished - clock.now().timestamp()) < 60
    assert figures[ok] == before + 1
    assert figures[("leerwallet_job_duration_seconds_count", (("job", "verify-ledger"),))] >= 1


def test_ledger_verify_from_the_command_line_stores_its_problems(app, runner, make_fund, scrape):
    import sqlalchemy as sa

    fund = make_fund(10_000)
    with app.app_context(), unit_of_work() as db:
        db.execute(
            sa.text("UPDATE ledger_accounts SET posted_cents = posted_cents + 1 WHERE id = :id"),
            {"id": fund.pot_account_id},
        )
    assert runner.invoke(args=["ledger", "verify"]).exit_code == 1
    assert scrape()[("leerwallet_ledger_verify_problems", ())] >= 1


def test_a_job_skipped_for_its_lease_is_counted_as_skipped(app_ctx, scrape):
    from wallet.scheduler import locks

    skipped = ("leerwallet_job_runs_total", (("job", "expire-holds"), ("outcome", "skipped")))
    before = scrape().get(skipped, 0)
    assert locks.acquire("expire-holds", dt.timedelta(minutes=5), owner="elsewhere")
    assert run_job("expire-holds").startswith("skipped")
    assert scrape()[skipped] == before + 1
