"""A scheme's waiting room (its terms and, in the database store, its ticket counter) and
the tickets of the people in it."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from wallet.core import clock
from wallet.core.db import Base, UTCDateTime


class WaitingRoom(Base):
    """The waiting room in front of a first-come scheme's window opening."""

    __tablename__ = "waiting_rooms"
    __table_args__ = (
        sa.CheckConstraint("lead_minutes BETWEEN 0 AND 1440", name="lead_range"),
        sa.CheckConstraint("rate_per_second IS NULL OR rate_per_second > 0", name="rate_positive"),
        sa.CheckConstraint("burst >= 0", name="burst_not_negative"),
        sa.CheckConstraint("issued >= 0", name="issued_not_negative"),
    )

    scheme_id: Mapped[int] = mapped_column(sa.ForeignKey("schemes.id"), primary_key=True)
    # The window opens at this time of day (Europe/Amsterdam) on the scheme's first day.
    opens_at: Mapped[dt.time] = mapped_column(sa.Time, default=dt.time(0, 0))
    # The room opens this long before the window, so people can sign in and queue early.
    lead_minutes: Mapped[int] = mapped_column(sa.SmallInteger, default=30)
    # People admitted per second once the window opens; None takes WAITING_ROOM_RATE.
    rate_per_second: Mapped[int | None] = mapped_column(sa.Integer)
    # Admitted at once when the window opens, before the rate starts counting.
    burst: Mapped[int] = mapped_column(sa.Integer, default=0)
    # The last ticket number handed out (database store only; Redis keeps its own counter).
    issued: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)


class WaitingTicket(Base):
    """One person's place in one room: one row per person and scheme, numbers by arrival."""

    __tablename__ = "waiting_tickets"
    __table_args__ = (
        sa.UniqueConstraint("scheme_id", "user_id"),
        sa.UniqueConstraint("scheme_id", "number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(sa.ForeignKey("waiting_rooms.scheme_id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    number: Mapped[int] = mapped_column(sa.BigInteger)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
