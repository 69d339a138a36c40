"""Recording and reading audit events. `record` only flushes: it joins the caller's work."""

from __future__ import annotations

import sqlalchemy as sa

from wallet.audit.models import AuditEvent
from wallet.core import clock
from wallet.core.db import session


def record(
    subject_type: str,
    subject_id: int,
    action: str,
    *,
    actor_id: int | None,
    before: dict | None = None,
    after: dict | None = None,
    reason: str | None = None,
) -> AuditEvent:
    """Add an audit event to the current unit of work."""
    event = AuditEvent(
        at=clock.now(),
        actor_id=actor_id,
        subject_type=subject_type,
        subject_id=subject_id,
        action=action,
        before=before,
        after=after,
        reason=(reason or None) and reason[:500],
    )
    session.add(event)
    session.flush()
    return event


def history(subject_type: str, subject_id: int) -> list[AuditEvent]:
    """The events of one object, oldest first."""
    query = (
        sa.select(AuditEvent)
        .where(AuditEvent.subject_type == subject_type, AuditEvent.subject_id == subject_id)
        .order_by(AuditEvent.id)
    )
    return list(session.scalars(query))
