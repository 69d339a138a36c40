"""Report snapshots: computed report figures kept in the database, shared by every process.

A national fund's dashboard or public figures take seconds to compute, and people open the
same default views again and again. So the figures are stored as JSON under a key that says
what was asked (fund, period, filter, language) and served from there:

- a period that ended before today (Amsterdam) is final: its figures only change if the
  ledger is tampered with, so its snapshot is kept until the weekly full refresh;
- a view that includes today (the dashboard's default period, the public page) is refreshed by
  the `reports-snapshots` job every 10 minutes and served up to 15 minutes old;
- a combination nobody asked for before is computed on demand and stored.

REPORT_SNAPSHOT_MAX_AGE (seconds) overrides both ages. It is 0 when TESTING, so tests see
fresh figures (still through the store); None means the rules above.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from wallet.core import clock
from wallet.core.db import Base, UTCDateTime, session, unit_of_work

CURRENT_MAX_AGE = dt.timedelta(minutes=15)  # the job refreshes every 10: a margin for a slow run


class ReportSnapshot(Base):
    """One computed report, as JSON, and when and how fast it was computed."""

    __tablename__ = "report_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(300), unique=True)
    fund_id: Mapped[int | None] = mapped_column(sa.ForeignKey("funds.id"), index=True)
    computed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    seconds: Mapped[float] = mapped_column(sa.Float)
    payload: Mapped[dict] = mapped_column(sa.JSON)


snapshots = ReportSnapshot.__table__


@dataclass(frozen=True)
class Snapshot:
    """A report's JSON and when it was computed; `stored` when it came from the store (the page
    then says "figures of HH:MM") rather than being computed for this request."""

    payload: dict
    computed_at: dt.datetime
    stored: bool


def max_age_of(last_day: dt.date | None) -> dt.timedelta | None:
    """How old a stored report of a period ending `last_day` may be served (None: any age).

    A period that ended before today is final; one that includes today (or no period: the
    public figures) is current. REPORT_SNAPSHOT_MAX_AGE (seconds) overrides both."""
    override = current_app.config.get("REPORT_SNAPSHOT_MAX_AGE", 0 if current_app.testing else None)
    if override is not None:
        return dt.timedelta(seconds=float(override))
    if last_day is not None and last_day < clock.today():
        return None
    return CURRENT_MAX_AGE


def snapshot(
    key: str,
    compute: Callable[[], dict],
    max_age: dt.timedelta | None,
    *,
    fund_id: int | None = None,
) -> Snapshot:
    """The stored payload of `key` while younger than `max_age` (None: any age); otherwise
    computed now, stored and returned. Two processes computing the same key at once both
    store (an upsert on the unique key), the last one wins: one row either way."""
    row = session.execute(
        sa.select(snapshots.c.payload, snapshots.c.computed_at).where(snapshots.c.key == key)
    ).first()
    if row is not None and (max_age is None or clock.now() - row.computed_at < max_age):
        return Snapshot(row.payload, row.computed_at, stored=True)
    return refresh(key, compute, fund_id=fund_id)


def refresh(key: str, compute: Callable[[], dict], *, fund_id: int | None = None) -> Snapshot:
    """Compute the payload of `key` now and store it, replacing what was kept."""
    started, at = time.perf_counter(), clock.now()
    payload = compute()
    values = {
        "key": key,
        "fund_id": fund_id,
        "computed_at": at,
        "payload": payload,
        "seconds": round(time.perf_counter() - started, 3),
    }
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    insert = dialect.insert(snapshots).values(**values)
    upsert = insert.on_conflict_do_update(
        index_elements=[snapshots.c.key],
        set_={
            name: insert.excluded[name] for name in ("fund_id", "computed_at", "seconds", "payload")
        },
    )
    with unit_of_work() as db:
        db.execute(upsert)
    return Snapshot(payload, at, stored=False)


def forget_older_than(moment: dt.datetime) -> int:
    """Delete every snapshot computed before `moment` (the weekly full refresh): what nobody
    asks for again is not kept forever, and what a tampered ledger changed is recomputed."""
    with unit_of_work() as db:
        result = db.execute(sa.delete(snapshots).where(snapshots.c.computed_at < moment))
    return result.rowcount
