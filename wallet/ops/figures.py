"""The business figures behind the metrics: a handful of indexed counts, no table scans."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from wallet.applications.models import Application
from wallet.claims.models import Claim, ClaimStatus
from wallet.core import clock
from wallet.core.db import session
from wallet.ledger import last_verify
from wallet.ledger.models import Hold
from wallet.notifications.models import MessageStatus, OutboxMessage
from wallet.payments.models import BatchStatus, PayoutBatch

WAITING_CLAIMS = (ClaimStatus.SUBMITTED, ClaimStatus.APPROVED_ONCE)
RECENT = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class BusinessFigures:
    """What the operator watches, as of one moment."""

    applications: int
    holds: int
    claims_waiting: int
    oldest_claim_seconds: float
    batches: dict[str, int]
    outbox_backlog: int
    outbox_oldest_seconds: float
    outbox_failed: int
    verify: last_verify.VerifyResult | None


def _age(now: dt.datetime, since: dt.datetime | None) -> float:
    return max((now - since).total_seconds(), 0.0) if since else 0.0


def business_figures() -> BusinessFigures:
    """Applications and holds of the last minute, waiting claims, batches, outbox, verify."""
    now = clock.now()
    since = now - RECENT
    applications = session.scalar(sa.select(sa.func.count()).where(Application.created_at >= since))
    holds = session.scalar(sa.select(sa.func.count()).where(Hold.created_at >= since))
    waiting, oldest_claim = session.execute(
        sa.select(sa.func.count(), sa.func.min(Claim.submitted_at)).where(
            Claim.status.in_(WAITING_CLAIMS)
        )
    ).one()
    batches = {status.value: 0 for status in BatchStatus}
    for status, count in session.execute(
        sa.select(PayoutBatch.status, sa.func.count()).group_by(PayoutBatch.status)
    ):
        batches[str(status)] = count
    backlog, oldest_message = session.execute(
        sa.select(sa.func.count(), sa.func.min(OutboxMessage.created_at)).where(
            OutboxMessage.status == MessageStatus.PENDING
        )
    ).one()
    failed = session.scalar(
        sa.select(sa.func.count()).where(OutboxMessage.status == MessageStatus.FAILED)
    )
    verify = last_verify.load()
    session.rollback()  # end the read transaction: a scrape holds nothing open
    return BusinessFigures(
        applications=applications or 0,
        holds=holds or 0,
        claims_waiting=waiting or 0,
        oldest_claim_seconds=_age(now, _aware(oldest_claim)),
        batches=batches,
        outbox_backlog=backlog or 0,
        outbox_oldest_seconds=_age(now, _aware(oldest_message)),
        outbox_failed=failed or 0,
        verify=verify,
    )


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    # min() over a UTCDateTime column comes back without the type's conversion on SQLite.
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment
