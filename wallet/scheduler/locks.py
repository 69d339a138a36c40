"""Job leases: two scheduler processes never run the same job at once.

A row per job holds who runs it until when. Taking the lease is one conditional UPDATE,
atomic on PostgreSQL and SQLite alike; a crashed holder's lease simply runs out.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
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
