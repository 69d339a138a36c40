"""The session tests run twice: against the database store and against the real Redis on
127.0.0.1:6379/1 (only that database is flushed). Redis is skipped, saying why, only when
it does not answer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
from flask import Flask

from wallet import create_app

REDIS_URL = "redis://127.0.0.1:6379/1"


def _redis_or_skip() -> redis.Redis:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as error:
        pytest.skip(f"Redis does not answer on {REDIS_URL} ({error}); start redis-server")
    return client


@pytest.fixture(scope="session", params=["database", "redis"])
def store_app(request, app: Flask) -> Iterator[Flask]:
    """The app with its sessions in the database (the test app) or in Redis."""
    if request.param == "database":
        yield app
        return
    _redis_or_skip().close()
    with_redis = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": app.config["DATABASE_URL"],
            "WTF_CSRF_ENABLED": False,
            "SERVER_NAME": None,
            "UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"],
            "REDIS_URL": REDIS_URL,
        }
    )
    yield with_redis
    with_redis.extensions["db_engine"].dispose()


@pytest.fixture
def flushed_redis(store_app: Flask) -> Iterator[None]:
    """Empty Redis database 1 around each test that uses it."""
    url = store_app.config.get("REDIS_URL")
    client = redis.Redis.from_url(url) if url else None
    if client is not None:
        client.flushdb()
    yield
    if client is not None:
        client.flushdb()
        client.close()


@pytest.fixture
def store_client(store_app: Flask, flushed_redis):
    """A client of the app under test with the chosen store."""
    return store_app.test_client()
