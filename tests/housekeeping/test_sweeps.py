"""Each sweep removes only the rows past its retention; a dry run removes nothing."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
import sqlalchemy as sa

from wallet.accounts.models import EmailChange, LoginFailure, PasswordLinkPurpose, PasswordReset
from wallet.core import clock
from wallet.core.db import session, unit_of_work
from wallet.core.idempotency import IdempotencyKey
from wallet.housekeeping import services
from wallet.notifications.models import MessageStatus, OutboxMessage
from wallet.payments.models import StripeEvent
from wallet.verification.models import EmailVerification

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
SECOND = dt.timedelta(seconds=1)
_serial = itertools.count(1)


def _digest() -> str:
    return f"{next(_serial):064x}"


# table -> a row whose age is measured from `when` (user_id: a worker's id, for links).
ROWS = {
    "idempotency_keys": lambda when, user_id: IdempotencyKey(
        scope="test", key=_digest(), request_hash="0" * 64, created_at=when
    ),
    "login_failures": lambda when, user_id: LoginFailure(
        email="werkende1@example.nl", ip_address="192.0.2.1", failed_at=when
    ),
    "stripe_events": lambda when, user_id: StripeEvent(
        id=f"evt_{_digest()[-20:]}",
        type="payment_intent.succeeded",
        received_at=when,
        outcome="paid",
    ),
    "outbox_messages": lambda when, user_id: OutboxMessage(
        to_address="werkende1@example.nl",
        language="nl",
        topic="test",
        subject="Onderwerp",
        body="Tekst",
        status=MessageStatus.SENT,
        created_at=when,
        sent_at=when,
    ),
    "email_verifications": lambda when, user_id: EmailVerification(
        user_id=user_id, email="werkende1@example.nl", token_hash=_digest(), expires_at=when
    ),
    "password_resets": lambda when, user_id: PasswordReset(
        user_id=user_id,
        purpose=PasswordLinkPurpose.RESET,
        token_hash=_digest(),
        created_at=when - dt.timedelta(hours=1),
        expires_at=when,
        used_at=when,
    ),
    "email_changes": lambda when, user_id: EmailChange(
        user_id=user_id,
        old_email="werkende1@example.nl",
        new_email="nieuw@example.nl",
        token_hash=_digest(),
        created_at=when - dt.timedelta(hours=1),
        expires_at=when,
    ),
}


def _ids(table: str) -> set:
    model = services.BY_TABLE[table].key
    return set(session.scalars(sa.select(model)))


def _add(table: str, when: dt.datetime, user_id: int):
    with unit_of_work() as db:
        row = ROWS[table](when, user_id)
        db.add(row)
    return row.id


def test_every_sweep_has_a_row_factory_here():
    assert set(ROWS) == set(services.BY_TABLE)


@pytest.mark.parametrize("table", sorted(ROWS))
def test_a_sweep_removes_the_rows_just_past_retention_and_keeps_those_just_inside(
    app, app_ctx, make_worker, table
):
    worker = make_worker()
    sweep = services.BY_TABLE[table]
    clock.set_now(NOW)
    cutoff = services.cutoff_of(sweep)
    assert cutoff < NOW
    past = _add(table, cutoff - SECOND, worker.id)
    inside = _add(table, cutoff + SECOND, worker.id)
    before = _ids(table)

    assert services.run_sweep(sweep) == 1

    assert _ids(table) == before - {past}
    assert inside in _ids(table)


@pytest.mark.parametrize(
    ("setting", "table", "days"),
    [
        ("IDEMPOTENCY_KEY_RETENTION_DAYS", "idempotency_keys", 30),
        ("LOGIN_FAILURE_RETENTION_DAYS", "login_failures", 30),
        ("WEBHOOK_EVENT_RETENTION_DAYS", "stripe_events", 90),
        ("OUTBOX_SENT_RETENTION_DAYS", "outbox_messages", 90),
        ("LINK_RETENTION_DAYS", "email_changes", 30),
    ],
)
def test_the_retention_is_the_setting(app, app_ctx, setting, table, days):
    assert app.config[setting] == days
    clock.set_now(NOW)
    assert services.cutoff_of(services.BY_TABLE[table]) == NOW - dt.timedelta(days=days)


def test_failed_logins_are_kept_a_day_at_least_whatever_the_setting(app, app_ctx, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_FAILURE_RETENTION_DAYS", 0)
    clock.set_now(NOW)
    young = _add("login_failures", NOW - dt.timedelta(hours=23), 0)
    assert services.sweep_login_failures() == 0
    assert young in _ids("login_failures")


def test_pending_and_failed_messages_stay_however_old(app, app_ctx):
    clock.set_now(NOW)
    long_ago = NOW - dt.timedelta(days=400)
    with unit_of_work() as db:
        for status in (MessageStatus.PENDING, MessageStatus.FAILED):
            db.add(
                OutboxMessage(
                    to_address="a@example.nl",
                    language="nl",
                    topic="test",
                    subject="s",
                    body="b",
                    status=status,
                    created_at=long_ago,
                )
            )
    assert services.sweep_sent_outbox() == 0
    assert len(_ids("outbox_messages")) == 2


def test_a_big_sweep_goes_in_batches_and_removes_every_old_row(app, app_ctx, monkeypatch):
    monkeypatch.setitem(app.config, "HOUSEKEEPING_BATCH_SIZE", 2)
    clock.set_now(NOW)
    old = NOW - dt.timedelta(days=31)
    for _ in range(5):
        _add("idempotency_keys", old, 0)
    kept = _add("idempotency_keys", NOW, 0)
    assert services.sweep_idempotency_keys() == 5
    assert _ids("idempotency_keys") == {kept}


def test_the_dry_run_counts_what_would_go_and_changes_nothing(app, runner, make_worker):
    worker = make_worker()
    clock.set_now(NOW)
    with app.app_context():
        for table in ROWS:
            _add(table, NOW - dt.timedelta(days=400), worker.id)
        before = {table: _ids(table) for table in ROWS}

    result = runner.invoke(args=["housekeeping", "run", "--dry-run"])

    assert result.exit_code == 0, result.output
    assert "Proefdraai" in result.output  # Dutch by default
    assert "idempotency_keys: 1 te verwijderen" in result.output
    with app.app_context():
        assert {table: _ids(table) for table in ROWS} == before

    result = runner.invoke(args=["housekeeping", "run"])

    assert result.exit_code == 0, result.output
    assert "login_failures: 1 verwijderd" in result.output
    with app.app_context():
        for table in ROWS:
            assert _ids(table) == before[table] - {max(before[table])}, table


def test_the_scheduled_job_sweeps_and_says_how_many_rows_went(app, app_ctx):
    from wallet.scheduler.jobs import run_job

    clock.set_now(NOW)
    _add("stripe_events", NOW - dt.timedelta(days=91), 0)
    _add("idempotency_keys", NOW - dt.timedelta(days=31), 0)
    outcome = run_job("housekeeping")
    assert outcome.startswith("2 rows past their retention removed")
    assert "stripe_events 1" in outcome
