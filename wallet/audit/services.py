"""Recording and reading audit events. `record` only flushes: it joins the caller's work."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from wallet.accounts.models import User
from wallet.accounts.names import normalise_email
from wallet.audit.models import AuditEvent
from wallet.audit.scopes import fund_subjects
from wallet.core import clock
from wallet.core.db import session

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


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


def masked_iban(iban: str | None) -> str | None:
    """An IBAN with all but its last four characters hidden: the trail is read by many."""
    if not iban:
        return iban
    return "*" * max(len(iban) - 4, 0) + iban[-4:]


def history(subject_type: str, subject_id: int) -> list[AuditEvent]:
    """The events of one object, oldest first."""
    query = (
        sa.select(AuditEvent)
        .where(AuditEvent.subject_type == subject_type, AuditEvent.subject_id == subject_id)
        .order_by(AuditEvent.id)
    )
    return list(session.scalars(query))


# --- reading the trail (the audit page and its CSV export) ----------------------------------


@dataclass(frozen=True)
class EventFilter:
    """What the audit page asks for. `fund_id` limits the events to one fund's."""

    fund_id: int | None = None
    subject_type: str | None = None
    action: str | None = None
    actor_email: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def _fund_scope(fund_id: int) -> sa.ColumnElement[bool]:
    """Events of the fund itself and of the subjects the features registered as the fund's
    (its schemes, claims on it, its payouts, its brokers' caseload: wallet.audit.scopes)."""
    return sa.or_(
        sa.and_(AuditEvent.subject_type == "fund", AuditEvent.subject_id == fund_id),
        *(
            sa.and_(
                AuditEvent.subject_type == subject_type,
                AuditEvent.subject_id.in_(ids_of_fund(fund_id).scalar_subquery()),
            )
            for subject_type, ids_of_fund in fund_subjects().items()
        ),
    )


def _conditions(wanted: EventFilter) -> list:
    conditions = []
    if wanted.fund_id is not None:
        conditions.append(_fund_scope(wanted.fund_id))
    if wanted.subject_type:
        conditions.append(AuditEvent.subject_type == wanted.subject_type)
    if wanted.action:
        conditions.append(AuditEvent.action == wanted.action)
    if wanted.actor_email:
        needle = normalise_email(wanted.actor_email)
        conditions.append(User.email.contains(needle, autoescape=True))
    if wanted.date_from:
        conditions.append(AuditEvent.at >= _start_of(wanted.date_from))
    if wanted.date_to:
        conditions.append(AuditEvent.at < _start_of(wanted.date_to + dt.timedelta(days=1)))
    return conditions


def _start_of(day: dt.date) -> dt.datetime:
    """Midnight in the Netherlands at the start of `day`, as UTC."""
    return dt.datetime.combine(day, dt.time(), AMSTERDAM).astimezone(dt.UTC)


def _events_query(wanted: EventFilter) -> sa.Select:
    return (
        sa.select(AuditEvent, User.email)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(*_conditions(wanted))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )


def find_events(
    wanted: EventFilter, page: int = 1, per_page: int = 50
) -> tuple[list[tuple[AuditEvent, str | None]], int]:
    """One page of (event, actor e-mail or None), newest first, and how many match."""
    total = session.scalar(
        sa.select(sa.func.count(AuditEvent.id))
        .select_from(AuditEvent)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(*_conditions(wanted))
    )
    query = _events_query(wanted).limit(per_page).offset((max(page, 1) - 1) * per_page)
    return [tuple(row) for row in session.execute(query)], total or 0


def iter_events(wanted: EventFilter, batch: int = 500) -> Iterator[tuple[AuditEvent, str | None]]:
    """Every matching (event, actor e-mail or None), newest first, fetched in batches."""
    result = session.execute(_events_query(wanted).execution_options(yield_per=batch))
    yield from result


FUND_SUBJECT_TYPES = (
    "caseload_entry",
    "claim",
    "fund",
    "payout_batch",
    "payout_item",
    "payout_line",
    "scheme",
)


def subject_types(fund_id: int | None) -> list[str]:
    """The subject types a filter offers: a fund's three, or every type in the trail."""
    if fund_id is not None:
        return list(FUND_SUBJECT_TYPES)
    # DISTINCT over the (subject_type, subject_id) index, not over the events themselves.
    query = sa.select(AuditEvent.subject_type).distinct().order_by(AuditEvent.subject_type)
    return list(session.scalars(query))


def actions_in_trail(fund_id: int | None) -> list[tuple[str, str]]:
    """The (subject type, action) pairs the trail holds, for the "what happened" filter."""
    query = sa.select(AuditEvent.subject_type, AuditEvent.action).distinct()
    if fund_id is not None:
        query = query.where(_fund_scope(fund_id))
    return [tuple(row) for row in session.execute(query)]
