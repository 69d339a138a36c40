"""One clock for the whole application, so expiry and windows are deterministic in tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    """The current time, timezone-aware in UTC."""
    return _frozen if _frozen is not None else dt.datetime.now(dt.UTC)


def today() -> dt.date:
    """Today's date in the Netherlands (Europe/Amsterdam), where budgets and courses live."""
    from zoneinfo import ZoneInfo

    return now().astimezone(ZoneInfo("Europe/Amsterdam")).date()


def set_now(moment: dt.datetime | None) -> None:
    """Freeze the clock at `moment` (aware), or let it run again with None."""
    global _frozen  # the one place the clock is set
    if moment is not None and moment.tzinfo is None:
        raise ValueError("the clock takes timezone-aware datetimes only")
    _frozen = moment.astimezone(dt.UTC) if moment is not None else None


@contextmanager
def frozen_at(moment: dt.datetime) -> Iterator[None]:
    """Freeze the clock for the length of a block."""
    previous = _frozen
    set_now(moment)
    try:
        yield
    finally:
        set_now(previous)
