"""Where tickets live: the database by default, Redis when REDIS_URL is set.

Both stores answer the same calls and number tickets 1, 2, 3, ... per scheme without gaps,
one ticket per person: the database by a counter on the room's row (taken, with the ticket
inserted, in one transaction), Redis by a script that runs as one step.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

import redis
import sqlalchemy as sa

from wallet.core.db import session as db_session
from wallet.core.db import unit_of_work
from wallet.waitingroom.admission import MICROSECONDS, Ticket
from wallet.waitingroom.models import WaitingRoom, WaitingTicket


class TicketStore(Protocol):
    """What the waiting room needs from a store."""

    def find(self, scheme_id: int, user_id: int) -> Ticket | None: ...
    def issue(self, scheme_id: int, user_id: int, now: dt.datetime) -> Ticket: ...
    def requeue(self, scheme_id: int, user_id: int, number: int, now: dt.datetime) -> Ticket: ...
    def issued(self, scheme_id: int) -> int: ...
    def clear(self, scheme_id: int) -> None: ...


class _Moved(Exception):
    """The ticket changed under us (another request of the same person): read it again."""


class DatabaseStore:
    """Tickets in `waiting_tickets`, numbered by `waiting_rooms.issued`."""

    def find(self, scheme_id: int, user_id: int) -> Ticket | None:
        row = db_session.execute(
            sa.select(WaitingTicket.number, WaitingTicket.issued_at).where(
                WaitingTicket.scheme_id == scheme_id, WaitingTicket.user_id == user_id
            )
        ).first()
        return Ticket(*row) if row else None

    def issue(self, scheme_id: int, user_id: int, now: dt.datetime) -> Ticket:
        found = self.find(scheme_id, user_id)
        if found is not None:
            return found
        try:
            with unit_of_work():
                number = self._insert_numbered(scheme_id, user_id, now)
        except sa.exc.IntegrityError:
            # The same person arrived twice at once: the other request's ticket stands, and
            # this one's number was rolled back with it, so no number is skipped.
            return self.find(scheme_id, user_id)
        return Ticket(number, now)

    def requeue(self, scheme_id: int, user_id: int, number: int, now: dt.datetime) -> Ticket:
        try:
            with unit_of_work():
                new = self._next_number(scheme_id)
                moved = db_session.execute(
                    sa.update(WaitingTicket)
                    .where(
                        WaitingTicket.scheme_id == scheme_id,
                        WaitingTicket.user_id == user_id,
                        WaitingTicket.number == number,
                    )
                    .values(number=new, issued_at=now)
                    .execution_options(synchronize_session=False)
                )
                if moved.rowcount != 1:
                    raise _Moved
        except _Moved:
            return self.find(scheme_id, user_id)
        return Ticket(new, now)

    def issued(self, scheme_id: int) -> int:
        count = db_session.scalar(
            sa.select(WaitingRoom.issued).where(WaitingRoom.scheme_id == scheme_id)
        )
        return count or 0

    def clear(self, scheme_id: int) -> None:
        with unit_of_work():
            db_session.execute(sa.delete(WaitingTicket).where(WaitingTicket.scheme_id == scheme_id))

    @classmethod
    def _insert_numbered(cls, scheme_id: int, user_id: int, now: dt.datetime) -> int:
        """Count the room up and insert the ticket with that number; the number. One
        statement on PostgreSQL, so the room's row stays locked for it and the commit only
        (arrivals queue on that lock); two elsewhere."""
        if db_session.get_bind().dialect.name != "postgresql":
            number = cls._next_number(scheme_id)
            db_session.execute(
                sa.insert(WaitingTicket).values(
                    scheme_id=scheme_id, user_id=user_id, number=number, issued_at=now
                )
            )
            return number
        tickets = WaitingTicket.__table__
        counted = (
            sa.update(WaitingRoom.__table__)
            .where(WaitingRoom.__table__.c.scheme_id == scheme_id)
            .values(issued=WaitingRoom.__table__.c.issued + 1)
            .returning(WaitingRoom.__table__.c.issued)
            .cte("counted")
        )
        numbered = sa.select(
            sa.literal(scheme_id),
            sa.literal(user_id),
            counted.c.issued,
            sa.literal(now, tickets.c.issued_at.type),
        )
        insert = (
            sa.insert(tickets)
            .from_select(["scheme_id", "user_id", "number", "issued_at"], numbered)
            .returning(tickets.c.number)
            .add_cte(counted)
        )
        return db_session.execute(insert).scalar_one()

    @staticmethod
    def _next_number(scheme_id: int) -> int:
        # The row lock this UPDATE takes is held until the ticket is in: numbers follow
        # the order of commits, with no gaps, across every app server.
        return db_session.execute(
            sa.update(WaitingRoom)
            .where(WaitingRoom.scheme_id == scheme_id)
            .values(issued=WaitingRoom.issued + 1)
            .returning(WaitingRoom.issued)
            .execution_options(synchronize_session=False)
        ).scalar_one()


# KEYS: counter, tickets (a hash of user id -> "number:issued-at in microseconds").
_ISSUE = """
local held = redis.call('HGET', KEYS[2], ARGV[1])
if held then return held end
local ticket = redis.call('INCR', KEYS[1]) .. ':' .. ARGV[2]
redis.call('HSET', KEYS[2], ARGV[1], ticket)
return ticket
"""

# ARGV: user id, the number the caller saw, now. Moves only a ticket that still has it.
_REQUEUE = """
local held = redis.call('HGET', KEYS[2], ARGV[1])
if not held or string.match(held, '^(%d+):') ~= ARGV[2] then return held end
local ticket = redis.call('INCR', KEYS[1]) .. ':' .. ARGV[3]
redis.call('HSET', KEYS[2], ARGV[1], ticket)
return ticket
"""


def _ticket(raw: bytes | str | None) -> Ticket | None:
    if raw is None:
        return None
    text = raw.decode() if isinstance(raw, bytes) else raw
    number, micros = text.split(":")
    issued_at = dt.datetime.fromtimestamp(int(micros) / MICROSECONDS, dt.UTC)
    return Ticket(int(number), issued_at)


def _micros(moment: dt.datetime) -> int:
    return round(moment.timestamp() * MICROSECONDS)


class RedisStore:
    """Tickets in Redis: a counter (INCR) and a hash of tickets per scheme."""

    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self.client = client
        self.prefix = prefix
        self._issue = client.register_script(_ISSUE)
        self._requeue = client.register_script(_REQUEUE)

    def _keys(self, scheme_id: int) -> list[str]:
        return [f"{self.prefix}{scheme_id}:issued", f"{self.prefix}{scheme_id}:tickets"]

    def find(self, scheme_id: int, user_id: int) -> Ticket | None:
        return _ticket(self.client.hget(self._keys(scheme_id)[1], str(user_id)))

    def issue(self, scheme_id: int, user_id: int, now: dt.datetime) -> Ticket:
        raw = self._issue(keys=self._keys(scheme_id), args=[str(user_id), _micros(now)])
        return _ticket(raw)

    def requeue(self, scheme_id: int, user_id: int, number: int, now: dt.datetime) -> Ticket:
        raw = self._requeue(
            keys=self._keys(scheme_id), args=[str(user_id), str(number), _micros(now)]
        )
        return _ticket(raw)

    def issued(self, scheme_id: int) -> int:
        return int(self.client.get(self._keys(scheme_id)[0]) or 0)

    def clear(self, scheme_id: int) -> None:
        self.client.delete(*self._keys(scheme_id))
