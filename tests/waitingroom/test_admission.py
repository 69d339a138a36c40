"""Who is admitted when: the clock arithmetic every app server does on its own."""

from __future__ import annotations

import datetime as dt

import pytest

from wallet.waitingroom.admission import RoomTerms, Stage, Ticket

OPENING = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
MICROSECOND = dt.timedelta(microseconds=1)


def _terms(rate: int, burst: int = 0) -> RoomTerms:
    return RoomTerms(OPENING, dt.timedelta(minutes=30), None, rate, burst, dt.timedelta(minutes=10))


@pytest.mark.parametrize(("rate", "burst"), [(1, 0), (3, 0), (7, 5), (50, 0), (50, 200)])
def test_a_ticket_is_admitted_exactly_at_its_turn(rate, burst):
    terms = _terms(rate, burst)
    for number in range(1, 400):
        turn = terms.turn_at(number)
        assert terms.admitted_count(turn) >= number
        if number > burst:
            assert terms.admitted_count(turn - MICROSECOND) < number


def test_nobody_is_admitted_before_the_opening_and_the_burst_at_it():
    terms = _terms(rate=10, burst=25)
    assert terms.admitted_count(OPENING - MICROSECOND) == 0
    assert terms.admitted_count(OPENING) == 25
    assert terms.admitted_count(OPENING + dt.timedelta(seconds=3)) == 55


def test_the_room_is_open_from_its_lead_until_the_window_closes():
    closes = OPENING + dt.timedelta(days=1)
    terms = RoomTerms(OPENING, dt.timedelta(minutes=30), closes, 1, 0, dt.timedelta(minutes=10))
    assert not terms.is_open(OPENING - dt.timedelta(minutes=31))
    assert terms.is_open(OPENING - dt.timedelta(minutes=30))
    assert terms.is_open(closes - MICROSECOND)
    assert not terms.is_open(closes)


@pytest.mark.parametrize(
    ("seconds_after_opening", "stage", "ahead"),
    [
        (-60, Stage.BEFORE_OPENING, 4),  # nobody admitted yet: four tickets before number 5
        (1, Stage.WAITING, 2),  # two admitted a second
        (2, Stage.WAITING, 0),
        (3, Stage.ADMITTED, 0),  # number 5's turn: 2.5 s
        (2.5 + 600 - 0.001, Stage.ADMITTED, 0),
        (2.5 + 600, Stage.PASSED, 0),
    ],
)
def test_the_stages_of_ticket_five(seconds_after_opening, stage, ahead):
    terms = _terms(rate=2)
    now = OPENING + dt.timedelta(seconds=seconds_after_opening)
    place = terms.place(Ticket(5, OPENING - dt.timedelta(minutes=5)), now)
    assert (place.stage, place.ahead) == (stage, ahead)


def test_a_ticket_taken_after_its_turn_is_admitted_from_when_it_was_taken():
    terms = _terms(rate=100)
    late = OPENING + dt.timedelta(hours=1)
    place = terms.place(Ticket(3, late), late)
    assert place.stage == Stage.ADMITTED
    assert place.valid_until == late + dt.timedelta(minutes=10)
