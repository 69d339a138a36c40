"""Who is admitted when: a pure function of the clock, the ticket number and the room's
terms, so every app server agrees without talking to the others.

Ticket n is admitted once n <= burst + floor(rate x seconds since the window opened).
The arithmetic is in whole microseconds, so "admitted now" and "turn at" never disagree.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

MICROSECONDS = 1_000_000


class Stage(enum.StrEnum):
    """Where a ticket stands."""

    BEFORE_OPENING = "before_opening"  # the window has not opened: a countdown
    WAITING = "waiting"  # in the queue
    ADMITTED = "admitted"  # may apply until its admission ends
    PASSED = "passed"  # admitted, but did not come in time: goes to the back


@dataclass(frozen=True)
class Ticket:
    """A place in a room: its number (1, 2, 3, ... by arrival) and when it was handed out."""

    number: int
    issued_at: dt.datetime


@dataclass(frozen=True)
class RoomTerms:
    """When a room is open and how fast it lets people through."""

    opening: dt.datetime  # the window opens: admission starts
    lead: dt.timedelta  # the room opens this long before
    closes: dt.datetime | None  # the window closes: the room with it
    rate: int  # admitted per second
    burst: int  # admitted at once at the opening
    admission: dt.timedelta  # how long an admission lasts

    def is_open(self, now: dt.datetime) -> bool:
        """True from `lead` before the opening until the window closes."""
        return self.opening - self.lead <= now and (self.closes is None or now < self.closes)

    def admitted_count(self, now: dt.datetime) -> int:
        """How many tickets are admitted by `now` (0 before the opening)."""
        if now < self.opening:
            return 0
        elapsed = _microseconds(now - self.opening)
        return self.burst + self.rate * elapsed // MICROSECONDS

    def turn_at(self, number: int) -> dt.datetime:
        """The first moment ticket `number` is admitted."""
        after_burst = max(0, number - self.burst)
        wait = -(-after_burst * MICROSECONDS // self.rate)  # ceiling division
        return self.opening + dt.timedelta(microseconds=wait)

    def place(self, ticket: Ticket, now: dt.datetime) -> Place:
        """Where `ticket` stands at `now`."""
        turn = max(self.turn_at(ticket.number), ticket.issued_at)
        valid_until = turn + self.admission
        if now < self.opening:
            stage = Stage.BEFORE_OPENING
        elif now < turn:
            stage = Stage.WAITING
        elif now < valid_until:
            stage = Stage.ADMITTED
        else:
            stage = Stage.PASSED
        ahead = max(0, ticket.number - 1 - self.admitted_count(now))
        return Place(stage, ticket.number, ahead, turn, valid_until)


@dataclass(frozen=True)
class Place:
    """A ticket's stage, how many are still ahead of it, its turn and its admission's end."""

    stage: Stage
    number: int
    ahead: int
    turn_at: dt.datetime
    valid_until: dt.datetime

    def wait(self, now: dt.datetime) -> dt.timedelta:
        """How long until its turn (zero once there)."""
        return max(dt.timedelta(0), self.turn_at - now)


def _microseconds(delta: dt.timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * MICROSECONDS + delta.microseconds
