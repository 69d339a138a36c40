"""Waiting-room tests run against both ticket stores: the database and the real Redis on
127.0.0.1:6379 (database 5, keys under a prefix of their own, removed afterwards). Each
store comes as two app instances on the same database, as two app servers would be."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Iterator
from zoneinfo import ZoneInfo

import pytest
import redis
from flask import Flask

from wallet import create_app
from wallet.core import clock

REDIS_URL = "redis://127.0.0.1:6379/5"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# The window of the schemes below opens at 09:00 two days from now; the room 30 minutes
# before. Ahead of the real clock, as Redis expires the sessions by its own clock.
OPENING = dt.datetime.combine(
    dt.datetime.now(dt.UTC).date() + dt.timedelta(days=2), dt.time(9, 0), AMSTERDAM
)


def _second_app(app: Flask, **extra) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": app.config["DATABASE_URL"],
            "WTF_CSRF_ENABLED": False,
            "SERVER_NAME": None,
            "UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"],
            **extra,
        }
    )


@pytest.fixture(params=["database", "redis"])
def room_apps(request, app: Flask) -> Iterator[tuple[Flask, Flask]]:
    """Two app servers sharing one queue: in the database, or in Redis."""
    if request.param == "database":
        other = _second_app(app)
        yield app, other
        other.extensions["db_engine"].dispose()
        return
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as error:
        pytest.skip(f"Redis does not answer on {REDIS_URL} ({error}); start redis-server")
    prefix = f"leerwallet-test:{secrets.token_hex(4)}:waiting-room:"
    extra = {"REDIS_URL": REDIS_URL, "WAITING_ROOM_KEY_PREFIX": prefix}
    first, second = _second_app(app, **extra), _second_app(app, **extra)
    yield first, second
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
    client.close()
    for each in (first, second):
        each.extensions["db_engine"].dispose()


@pytest.fixture
def opening_scheme(app: Flask, make_fund, make_windowed_scheme) -> Callable:
    """opening_scheme(grants=N, rate=R, burst=0) -> a first-come scheme whose window opens
    at OPENING, with a waiting room; the clock stands 10 minutes before the opening."""
    from wallet.waitingroom.services import RoomSettings, set_waiting_room

    def make(*, grants: int, rate: int, burst: int = 0):
        clock.set_now(OPENING - dt.timedelta(minutes=10))
        scheme = make_windowed_scheme(
            make_fund(grants * 100_000), "first_come", grants=grants, opened=0
        )
        with app.app_context():
            set_waiting_room(
                scheme.id,
                RoomSettings(dt.time(9, 0), lead_minutes=30, rate_per_second=rate, burst=burst),
                actor_id=None,
            )
        return scheme

    return make
