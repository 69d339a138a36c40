"""The clock can be frozen, and refuses naive datetimes."""

import datetime as dt

import pytest

from wallet.core import clock


def test_frozen_clock_returns_the_set_moment_and_runs_again_after():
    moment = dt.datetime(2027, 1, 31, 23, 30, tzinfo=dt.UTC)
    with clock.frozen_at(moment):
        assert clock.now() == moment
        # 23:30 UTC on 31 January is already 1 February in Amsterdam.
        assert clock.today() == dt.date(2027, 2, 1)
    assert clock.now() != moment
    assert clock.now().tzinfo is not None


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        clock.set_now(dt.datetime(2027, 1, 1))
