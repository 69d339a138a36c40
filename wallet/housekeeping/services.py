"""The sweeps: rows that served a moment are deleted once past their retention.

Each sweep is one set-based DELETE of the rows past the cut-off, repeated in batches of
HOUSEKEEPING_BATCH_SIZE rows (each batch its own short transaction), so a big table is
never locked for long and a crash loses no more than a batch's progress: the next run
simply continues. A dry run counts what would go and deletes nothing. The retention of
each sweep is a setting (config: *_RETENTION_DAYS); see docs/operations.md "Housekeeping".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from wallet.accounts.models import EmailChange, LoginFailure, PasswordReset
from wallet.core import clock
from wallet.core.db import session, unit_of_work
from wallet.core.idempotency import IdempotencyKey
from wallet.notifications.models import MessageStatus, OutboxMessage
from wallet.payments.models import StripeEvent
from wallet.verification.models import EmailVerification

# A failed login counts for a day at most (wallet.accounts.services.PAIR_MEMORY): never
# delete younger ones, whatever the setting says.
MIN_LOGIN_FAILURE_DAYS = 1


@dataclass(frozen=True)
class Sweep:
    """One table's rows past their retention: the table, its key, and what makes a row old."""

    table: str
    key: sa.ColumnElement
    setting: str
    old: Callable[[dt.datetime], sa.ColumnElement[bool]]
    minimum_days: int = 0


SWEEPS: tuple[Sweep, ...] = (
    Sweep(
        "idempotency_keys",
        IdempotencyKey.id,
        "IDEMPOTENCY_KEY_RETENTION_DAYS",
        lambda cutoff: IdempotencyKey.created_at < cutoff,
    ),
    Sweep(
        "login_failures",
        LoginFailure.id,
        "LOGIN_FAILURE_RETENTION_DAYS",
        lambda cutoff: LoginFailure.failed_at < cutoff,
        MIN_LOGIN_FAILURE_DAYS,
    ),
    Sweep(
        "stripe_events",
        StripeEvent.id,
        "WEBHOOK_EVENT_RETENTION_DAYS",
        lambda cutoff: StripeEvent.received_at < cutoff,
    ),
    # Only sent messages: pending ones wait for their turn, failed ones for a person to look.
    Sweep(
        "outbox_messages",
        OutboxMessage.id,
        "OUTBOX_SENT_RETENTION_DAYS",
        lambda cutoff: sa.and_(
            OutboxMessage.status == MessageStatus.SENT, OutboxMessage.sent_at < cutoff
        ),
    ),
    # Links: by their expiry, used or not; an expired link opens nothing either way.
    Sweep(
        "email_verifications",
        EmailVerification.id,
        "LINK_RETENTION_DAYS",
        lambda cutoff: EmailVerification.expires_at < cutoff,
    ),
    Sweep(
        "password_resets",
        PasswordReset.id,
        "LINK_RETENTION_DAYS",
        lambda cutoff: PasswordReset.expires_at < cutoff,
    ),
    Sweep(
        "email_changes",
        EmailChange.id,
        "LINK_RETENTION_DAYS",
        lambda cutoff: EmailChange.expires_at < cutoff,
    ),
)

BY_TABLE = {sweep.table: sweep for sweep in SWEEPS}


def cutoff_of(sweep: Sweep, now: dt.datetime | None = None) -> dt.datetime:
    """The moment before which the sweep's rows are old: now minus their retention."""
    days = max(int(current_app.config[sweep.setting]), sweep.minimum_days)
    return (now or clock.now()) - dt.timedelta(days=days)


def _batch_size() -> int:
    return max(1, int(current_app.config["HOUSEKEEPING_BATCH_SIZE"]))


def run_sweep(sweep: Sweep, *, dry_run: bool = False) -> int:
    """Delete the sweep's rows past their retention, in batches; how many went (or, in a dry
    run, would go)."""
    old = sweep.old(cutoff_of(sweep))
    model_table = sweep.key.table
    if dry_run:
        return session.scalar(sa.select(sa.func.count()).select_from(model_table).where(old)) or 0
    size, removed = _batch_size(), 0
    while True:
        # DELETE ... WHERE key IN (first N old keys): works alike on SQLite and PostgreSQL
        # and holds its row locks for one batch only.
        batch = sa.select(sweep.key).where(old).order_by(sweep.key).limit(size)
        with unit_of_work() as db:
            deleted = db.execute(
                sa.delete(model_table).where(sweep.key.in_(batch.scalar_subquery()))
            ).rowcount
        removed += deleted
        if deleted < size:
            return removed


def sweep_idempotency_keys(*, dry_run: bool = False) -> int:
    """Delete idempotency keys older than IDEMPOTENCY_KEY_RETENTION_DAYS."""
    return run_sweep(BY_TABLE["idempotency_keys"], dry_run=dry_run)


def sweep_login_failures(*, dry_run: bool = False) -> int:
    """Delete failed logins older than LOGIN_FAILURE_RETENTION_DAYS (a day at least)."""
    return run_sweep(BY_TABLE["login_failures"], dry_run=dry_run)


def sweep_webhook_events(*, dry_run: bool = False) -> int:
    """Delete processed Stripe events received more than WEBHOOK_EVENT_RETENTION_DAYS ago."""
    return run_sweep(BY_TABLE["stripe_events"], dry_run=dry_run)


def sweep_sent_outbox(*, dry_run: bool = False) -> int:
    """Delete e-mails sent more than OUTBOX_SENT_RETENTION_DAYS ago."""
    return run_sweep(BY_TABLE["outbox_messages"], dry_run=dry_run)


def sweep_links(*, dry_run: bool = False) -> int:
    """Delete verification, password and e-mail change links expired more than
    LINK_RETENTION_DAYS ago."""
    return sum(
        run_sweep(BY_TABLE[name], dry_run=dry_run)
        for name in ("email_verifications", "password_resets", "email_changes")
    )


def sweep_all(*, dry_run: bool = False) -> dict[str, int]:
    """Every sweep in turn: per table, how many rows went (or would go)."""
    return {sweep.table: run_sweep(sweep, dry_run=dry_run) for sweep in SWEEPS}
