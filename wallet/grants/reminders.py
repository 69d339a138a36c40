"""Reminders that a grant expires: 90, 30 and 7 days before, each sent once, in the worker's
language, through the outbox; never for a grant that is spent (nothing available) or has
expired. A grant that is already within a nearer threshold when first seen (granted late,
or the job did not run) gets that one reminder, and the farther ones are counted as passed.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from wallet.accounts.models import User
from wallet.core import clock
from wallet.core.db import require_no_unit_of_work, session, unit_of_work
from wallet.grants.models import ExpiryReminder, Grant, GrantStatus
from wallet.ledger.models import LedgerAccount

THRESHOLDS = (90, 30, 7)  # days before the expiry


def _due(now: dt.datetime) -> list[tuple[int, int]]:
    """(grant, threshold) for every active grant with money available that reached a
    threshold it has no reminder for yet: the nearest one reached."""
    available = LedgerAccount.posted_cents - LedgerAccount.held_cents
    rows = session.execute(
        sa.select(Grant.id, Grant.expires_at)
        .join(LedgerAccount, LedgerAccount.id == Grant.account_id)
        .where(
            Grant.status == GrantStatus.ACTIVE,
            Grant.expires_at > now,
            available > 0,
            Grant.expires_at <= now + dt.timedelta(days=max(THRESHOLDS)),
        )
        .order_by(Grant.id)
    ).all()
    sent = {
        (g, d)
        for g, d in session.execute(
            sa.select(ExpiryReminder.grant_id, ExpiryReminder.days_before).where(
                ExpiryReminder.grant_id.in_([row.id for row in rows])
            )
        )
    }
    due = []
    for grant_id, expires_at in rows:
        days_left = (expires_at - now).total_seconds() / 86_400
        reached = min(t for t in THRESHOLDS if days_left <= t)
        if (grant_id, reached) not in sent:
            due.append((grant_id, reached))
    return due


def send_expiry_reminders() -> int:
    """Write the due reminders to the outbox, each grant in its own unit of work; the unique
    (grant, threshold) row makes a second run (or a second process) send nothing."""
    from wallet.ledger.services import balance
    from wallet.notifications.services import notify

    require_no_unit_of_work("send_expiry_reminders")
    now = clock.now()
    due = _due(now)
    session.rollback()
    sent = 0
    for grant_id, reached in due:
        try:
            with unit_of_work() as db:
                for days in (t for t in THRESHOLDS if t >= reached):
                    if (
                        session.scalar(
                            sa.select(ExpiryReminder.id).where(
                                ExpiryReminder.grant_id == grant_id,
                                ExpiryReminder.days_before == days,
                            )
                        )
                        is None
                    ):
                        db.add(ExpiryReminder(grant_id=grant_id, days_before=days, sent_at=now))
                db.flush()
                grant = session.get(Grant, grant_id)
                notify(
                    session.get(User, grant.user_id),
                    "grant_expiring",
                    scheme=grant.scheme.name,
                    expires_on=grant.expires_at.date(),
                    available_cents=balance(grant.account_id).available_cents,
                )
        except sa.exc.IntegrityError:  # another process sent it meanwhile
            continue
        sent += 1
    return sent
