"""The waiting room's rules: when a scheme's room is open, who waits, who is admitted.

A room gates only while it is open (from its lead time before the window opens until the
window closes) and the scheme still has budget left: once it is gone everybody goes
straight on and hears "op = op" at once. Arriving at the room or at the apply form hands
out a ticket (one per person and scheme); see wallet.waitingroom.admission for who is
admitted when.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext

from wallet.audit.services import record
from wallet.core import clock
from wallet.core.db import session, unit_of_work
from wallet.core.errors import Conflict, NotFound, ValidationFailed
from wallet.schemes.models import AllocationMode, Scheme, SchemeKind, SchemeStatus
from wallet.waitingroom.admission import Place, RoomTerms, Stage
from wallet.waitingroom.models import WaitingRoom, WaitingTicket
from wallet.waitingroom.stores import TicketStore

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def store() -> TicketStore:
    """The app's ticket store."""
    return current_app.extensions["waiting_room_store"]


@dataclass(frozen=True)
class Room:
    """A room with what the gate needs of its scheme, read in one query."""

    scheme_id: int
    scheme_name: str
    terms: RoomTerms | None  # None while the scheme's window has no first day
    taking_applications: bool  # an active first-come scheme
    sold_out: bool

    def gates(self, now: dt.datetime) -> bool:
        """True while arrivals must queue."""
        return (
            self.taking_applications
            and not self.sold_out
            and self.terms is not None
            and self.terms.is_open(now)
        )


def _opening(day: dt.date, at: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, at, AMSTERDAM).astimezone(dt.UTC)


def _room(scheme_id: int) -> Room | None:
    columns = (
        WaitingRoom.opens_at,
        WaitingRoom.lead_minutes,
        WaitingRoom.rate_per_second,
        WaitingRoom.burst,
        Scheme.name,
        Scheme.status,
        Scheme.allocation_mode,
        Scheme.window_opens_on,
        Scheme.window_closes_on,
        Scheme.total_cap_cents,
        Scheme.committed_cents,
        Scheme.amount_cents,
    )
    row = session.execute(
        sa.select(*columns)
        .join(Scheme, Scheme.id == WaitingRoom.scheme_id)
        .where(WaitingRoom.scheme_id == scheme_id)
    ).first()
    if row is None:
        return None
    config = current_app.config
    terms = None
    if row.window_opens_on is not None:
        closes = row.window_closes_on
        terms = RoomTerms(
            opening=_opening(row.window_opens_on, row.opens_at),
            lead=dt.timedelta(minutes=row.lead_minutes),
            closes=_opening(closes + dt.timedelta(days=1), dt.time(0)) if closes else None,
            rate=row.rate_per_second or config["WAITING_ROOM_RATE"],
            burst=row.burst,
            admission=dt.timedelta(minutes=config["WAITING_ROOM_ADMISSION_MINUTES"]),
        )
    cap = row.total_cap_cents
    return Room(
        scheme_id=scheme_id,
        scheme_name=row.name,
        terms=terms,
        taking_applications=row.status == SchemeStatus.ACTIVE
        and row.allocation_mode == AllocationMode.FIRST_COME,
        sold_out=cap is not None and row.committed_cents + row.amount_cents > cap,
    )


def _gate_room(scheme_id: int) -> Room | None:
    """The room as the gate sees it: read at most once per WAITING_ROOM_GATE_CACHE_SECONDS
    per process, so the apply form in a rush does not read the scheme row twice a request.
    A room set, moved or sold out reaches the gate that much later; the waiting page and
    the apply itself always read afresh."""
    seconds = current_app.config.get("WAITING_ROOM_GATE_CACHE_SECONDS", 0)
    if not seconds:
        return _room(scheme_id)
    cache = current_app.extensions.setdefault("waiting_room_gate_cache", {})
    found = cache.get(scheme_id)
    moment = time.monotonic()
    if found is not None and found[0] > moment:
        return found[1]
    room = _room(scheme_id)
    cache[scheme_id] = (moment + seconds, room)
    return room


def _forget_gate_room(scheme_id: int) -> None:
    current_app.extensions.get("waiting_room_gate_cache", {}).pop(scheme_id, None)


def must_wait(scheme_id: int, user_id: int) -> bool:
    """The gate of the apply form: True when this person must queue first (they get a
    ticket on the way, so an apply press counts as arriving)."""
    room = _gate_room(scheme_id)
    now = clock.now()
    if room is None or not room.gates(now):
        return False
    ticket = store().issue(scheme_id, user_id, now)
    return room.terms.place(ticket, now).stage != Stage.ADMITTED


@dataclass(frozen=True)
class Visit:
    """What the waiting page shows one person."""

    scheme_id: int
    scheme_name: str
    terms: RoomTerms | None
    place: Place | None  # None when there is no queue to stand in now
    sold_out: bool
    requeued: bool  # their turn passed while they were away: a new place at the back
    can_apply: bool = False  # no queue now and the window is open: straight to the form

    @property
    def room_opens_at(self) -> dt.datetime | None:
        return self.terms.opening - self.terms.lead if self.terms else None


def visit(scheme_id: int, user_id: int) -> Visit:
    """A person arrives at (or refreshes) the waiting room: their ticket and place."""
    room = _room(scheme_id)
    now = clock.now()
    if room is None or not room.gates(now):
        scheme = session.get(Scheme, scheme_id)
        if scheme is None or scheme.kind != SchemeKind.WORKER_BUDGET:
            raise NotFound(_("There is no such scheme."))
        opened = room is None or room.terms is None or now >= room.terms.opening
        can_apply = (
            opened
            and not (room and room.sold_out)
            and scheme.status == SchemeStatus.ACTIVE
            and scheme.allocation_mode in (AllocationMode.FIRST_COME, AllocationMode.LOTTERY)
            and scheme.window_is_open(clock.today())
        )
        return Visit(
            scheme_id,
            scheme.name,
            room.terms if room else None,
            None,
            sold_out=bool(room and room.sold_out),
            requeued=False,
            can_apply=can_apply,
        )
    tickets = store()
    ticket = tickets.issue(scheme_id, user_id, now)
    place = room.terms.place(ticket, now)
    requeued = place.stage == Stage.PASSED
    if requeued:
        ticket = tickets.requeue(scheme_id, user_id, ticket.number, now)
        place = room.terms.place(ticket, now)
    return Visit(scheme_id, room.scheme_name, room.terms, place, False, requeued)


def refresh_seconds(place: Place, now: dt.datetime) -> int:
    """How often the waiting page reloads itself: often near the turn, calmly far from it."""
    return int(min(60, max(5, place.wait(now).total_seconds() / 4)))


def wait_in_words(wait: dt.timedelta) -> str:
    """An estimate a person can read: "about 4 minutes"."""
    seconds = wait.total_seconds()
    if seconds < 60:
        return _("less than a minute")
    if seconds < 90 * 60:
        minutes = math.ceil(seconds / 60)
        return ngettext("about a minute", "about %(num)d minutes", minutes)
    hours = round(seconds / 3600)
    return ngettext("about an hour", "about %(num)d hours", hours)


@dataclass(frozen=True)
class UpcomingRoom:
    """A room people can queue in now, for a window that has not opened yet."""

    scheme_id: int
    scheme_name: str
    opening: dt.datetime


def rooms_before_opening() -> list[UpcomingRoom]:
    """Rooms open now whose window opens later (for the workers' start page)."""
    now = clock.now()
    today = clock.today()
    rows = session.execute(
        sa.select(
            WaitingRoom.scheme_id,
            WaitingRoom.opens_at,
            WaitingRoom.lead_minutes,
            Scheme.name,
            Scheme.window_opens_on,
        )
        .join(Scheme, Scheme.id == WaitingRoom.scheme_id)
        .where(
            Scheme.status == SchemeStatus.ACTIVE,
            Scheme.allocation_mode == AllocationMode.FIRST_COME,
            Scheme.kind == SchemeKind.WORKER_BUDGET,
            Scheme.window_opens_on.between(today, today + dt.timedelta(days=1)),
        )
        .order_by(Scheme.window_opens_on, WaitingRoom.opens_at)
    )
    upcoming = []
    for row in rows:
        opening = _opening(row.window_opens_on, row.opens_at)
        if opening - dt.timedelta(minutes=row.lead_minutes) <= now < opening:
            upcoming.append(UpcomingRoom(row.scheme_id, row.name, opening))
    return upcoming


@dataclass(frozen=True)
class RoomFigures:
    """The room as the fund administrator sees it."""

    terms: RoomTerms | None
    issued: int
    admitted: int

    @property
    def waiting(self) -> int:
        return self.issued - self.admitted


def figures(scheme_id: int) -> RoomFigures | None:
    """The queue's length and how many were admitted, or None without a room."""
    room = _room(scheme_id)
    if room is None:
        return None
    issued = store().issued(scheme_id)
    admitted = room.terms.admitted_count(clock.now()) if room.terms else 0
    return RoomFigures(room.terms, issued, min(issued, admitted))


@dataclass(frozen=True)
class RoomSettings:
    """A room's terms as an administrator sets them."""

    opens_at: dt.time = dt.time(0, 0)
    lead_minutes: int = 30
    rate_per_second: int | None = None
    burst: int = 0


def room_settings(scheme_id: int) -> RoomSettings | None:
    """A scheme's room as its administrator set it, or None."""
    room = session.get(WaitingRoom, scheme_id)
    if room is None:
        return None
    return RoomSettings(room.opens_at, room.lead_minutes, room.rate_per_second, room.burst)


def _problems(settings: RoomSettings) -> dict[str, str]:
    problems = {}
    if not 0 <= settings.lead_minutes <= 1440:
        problems["lead_minutes"] = _("Open the room between 0 and 1440 minutes early.")
    if settings.rate_per_second is not None and settings.rate_per_second < 1:
        problems["rate_per_second"] = _("Admit at least one person a second.")
    if settings.burst < 0:
        problems["burst"] = _("The number admitted at once cannot be negative.")
    return problems


def _as_dict(room: WaitingRoom) -> dict:
    return {
        "opens_at": room.opens_at.isoformat(timespec="minutes"),
        "lead_minutes": room.lead_minutes,
        "rate_per_second": room.rate_per_second,
        "burst": room.burst,
    }


def set_waiting_room(scheme_id: int, settings: RoomSettings, *, actor_id: int | None) -> None:
    """Give a first-come scheme a waiting room, or change its terms (tickets stay)."""
    scheme = session.get(Scheme, scheme_id)
    if scheme is None:
        raise NotFound(_("There is no such scheme."))
    if scheme.allocation_mode != AllocationMode.FIRST_COME or scheme.for_employers:
        raise Conflict(_("Only a first-come scheme has a waiting room."))
    problems = _problems(settings)
    if problems:
        raise ValidationFailed(_("The waiting room's terms are not right."), errors=problems)
    with unit_of_work():
        room = session.get(WaitingRoom, scheme_id, with_for_update=True)
        before = _as_dict(room) if room else None
        if room is None:
            room = WaitingRoom(scheme_id=scheme_id, issued=0)
            session.add(room)
        room.opens_at = settings.opens_at
        room.lead_minutes = settings.lead_minutes
        room.rate_per_second = settings.rate_per_second
        room.burst = settings.burst
        session.flush()
        record(
            "scheme",
            scheme_id,
            "waiting_room_set",
            actor_id=actor_id,
            before=before,
            after=_as_dict(room),
        )
    _forget_gate_room(scheme_id)


def remove_waiting_room(scheme_id: int, *, actor_id: int | None) -> bool:
    """Take a scheme's waiting room away, tickets and all; False when it had none."""
    with unit_of_work():
        room = session.get(WaitingRoom, scheme_id, with_for_update=True)
        if room is None:
            return False
        before = _as_dict(room)
        session.execute(sa.delete(WaitingTicket).where(WaitingTicket.scheme_id == scheme_id))
        session.delete(room)
        record("scheme", scheme_id, "waiting_room_removed", actor_id=actor_id, before=before)
    store().clear(scheme_id)  # Redis keeps tickets of its own
    _forget_gate_room(scheme_id)
    return True
