"""Job leases and run slots: two scheduler processes never run one job twice.

A lease row per job holds who runs it until when: taking it is one conditional UPDATE,
atomic on PostgreSQL and SQLite alike; a crashed holder's lease simply runs out. A lease
alone keeps two runs apart in time, not one scheduled run from happening twice: the second
scheduler fires the same cron time a moment later, after the first released the lease. So a
scheduled run also claims its slot (job, scheduled time) with INSERT ... ON CONFLICT DO
NOTHING on a unique key: of the schedulers that fire one slot, exactly one inserts the row
and runs; the row then keeps when it ran, where, and what it did.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from wallet.core import clock
from wallet.core.db import Base, UTCDateTime, session, unit_of_work

OWNER = f"{socket.gethostname()}:{os.getpid()}"


class JobLease(Base):
    """Who runs a job, until when."""

    __tablename__ = "job_leases"

    name: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    owner: Mapped[str | None] = mapped_column(sa.String(100))
    leased_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


leases = JobLease.__table__

# Run rows are kept this long (an every-minute job leaves 1440 a day), for looking back.
KEEP_RUNS = dt.timedelta(days=14)


class JobRun(Base):
    """One run of a job: the slot it ran for (unique per job), who ran it, what it did."""

    __tablename__ = "job_runs"
    __table_args__ = (sa.UniqueConstraint("job", "slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(sa.String(100))
    # The scheduled time for a scheduler's run; the moment it started for a run by hand.
    slot: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    owner: Mapped[str] = mapped_column(sa.String(100))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(sa.String(200))


runs = JobRun.__table__


def acquire(name: str, ttl: dt.timedelta, owner: str = OWNER) -> bool:
    """Take the lease of job `name` for `ttl`; False when someone else holds it."""
    if session.get(JobLease, name) is None:
        try:
            with unit_of_work() as db:
                db.add(JobLease(name=name))
        except sa.exc.IntegrityError:
            pass  # another process made the row first; fine
    now = clock.now()
    with unit_of_work() as db:
        result = db.execute(
            sa.update(leases)
            .where(
                leases.c.name == name,
                sa.or_(leases.c.leased_until.is_(None), leases.c.leased_until < now),
            )
            .values(owner=owner, leased_until=now + ttl)
        )
    return result.rowcount == 1


def release(name: str, owner: str = OWNER) -> None:
    """Give the lease back, if it is still ours."""
    with unit_of_work() as db:
        db.execute(
            sa.update(leases)
            .where(leases.c.name == name, leases.c.owner == owner)
            .values(owner=None, leased_until=None)
        )


@contextmanager
def lease(name: str, ttl: dt.timedelta, owner: str = OWNER) -> Iterator[bool]:
    """Hold the lease for the block; yields False (and runs nothing) when it is taken."""
    taken = acquire(name, ttl, owner)
    try:
        yield taken
    finally:
        if taken:
            release(name, owner)


def claim_run(name: str, slot: dt.datetime | None, owner: str = OWNER) -> int | None:
    """Claim the run of job `name` for `slot` (None: a run by hand, now); its row's id, or
    None when another process already ran or runs that slot."""
    now = clock.now()
    with unit_of_work() as db:
        db.execute(sa.delete(runs).where(runs.c.job == name, runs.c.slot < now - KEEP_RUNS))
        dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite

        def claim(at: dt.datetime) -> int | None:
            insert = dialect.insert(runs).values(job=name, slot=at, owner=owner, started_at=now)
            # RETURNING, not rowcount: the driver may not count an INSERT ... ON CONFLICT's rows.
            return db.execute(insert.on_conflict_do_nothing().returning(runs.c.id)).scalar()

        if slot is not None:
            return claim(slot)
        # A run by hand is never refused: a second one in the same instant (a frozen clock, a
        # quick repeat) takes the next free microsecond as its slot.
        for step in range(1_000):
            run_id = claim(now + dt.timedelta(microseconds=step))
            if run_id is not None:
                return run_id
        return None


def finish_run(run_id: int, outcome: str) -> None:
    """Write down when run `run_id` ended and what it did (or that it failed)."""
    with unit_of_work() as db:
        db.execute(
            sa.update(runs)
            .where(runs.c.id == run_id)
            .values(finished_at=clock.now(), outcome=outcome[:200])
        )
