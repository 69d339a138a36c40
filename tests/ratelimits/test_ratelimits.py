"""Rate limits on both stores: memory (the default) and the real Redis (db 2 of 127.0.0.1,
or WALLET_TEST_REDIS_URL; only that database is flushed). The suite's own app runs with the
limits off (config.testing); these tests build apps with them on and small limits."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
import redis
from flask import Flask

from tests.conftest import PASSWORD
from wallet import create_app, ratelimits
from wallet.accounts.models import Role

REDIS_URL = os.environ.get("WALLET_TEST_REDIS_URL", "redis://127.0.0.1:6379/2")
STORES = ("memory", "redis")
LIMITS = {
    "LOGIN_RATE_LIMIT": "3 per minute",
    "PASSWORD_RESET_RATE_LIMIT": "2 per minute",
    "STEP_UP_RATE_LIMIT": "2 per minute",
    "API_RATE_LIMIT": "3 per minute",
}


@pytest.fixture
def redis_db() -> Iterator[redis.Redis]:
    """The test Redis database, empty before and after."""
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture(params=STORES)
def limited(request, app: Flask, redis_db) -> Iterator[Callable[..., Flask]]:
    """limited(**settings) -> an app with the limits on, counting in memory or in Redis
    (found through REDIS_URL, as production finds it)."""
    store = request.param
    made: list[Flask] = []

    def make(**settings) -> Flask:
        config = {
            "TESTING": True,
            "DATABASE_URL": app.config["DATABASE_URL"],
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": True,
            **LIMITS,
            "RATELIMIT_STORAGE_URI": None,
            "REDIS_URL": REDIS_URL if store == "redis" else None,
            **settings,
        }
        made.append(create_app(config))
        return made[-1]

    make.store = store
    yield make
    for each in made:
        each.extensions["db_engine"].dispose()
    if store == "redis":
        # The counts were in Redis, not in a memory fallback of an unreachable server.
        assert redis_db.keys("*leerwallet*"), "nothing was counted in Redis"


def _wait(response) -> int:
    seconds = int(response.headers["Retry-After"])
    assert 1 <= seconds <= 3600
    return seconds


def test_the_test_suite_runs_with_the_limits_off(app):
    assert app.config["RATELIMIT_ENABLED"] is False


def test_the_attempt_after_the_limit_gets_429_with_retry_after(limited, make_worker):
    client = limited().test_client()
    worker = make_worker()
    for n in range(3):
        data = {"email": f"nobody{n}@example.nl", "password": "wrong"}
        assert client.post("/login", data=data).status_code == 401
    refused = client.post("/login", data={"email": worker.email, "password": PASSWORD})
    assert refused.status_code == 429
    assert _wait(refused) <= 61  # rounded up: never earlier than the window ends
    assert refused.mimetype == "text/html"
    assert "Te veel pogingen" in refused.text  # Dutch by default, a readable page
    assert "seconden" in refused.text
    assert client.get("/login").status_code == 200  # looking at the form costs nothing


def test_the_sign_in_limit_counts_per_client_address_behind_a_trusted_proxy(limited):
    client = limited(TRUSTED_PROXIES=1).test_client()

    def attempt(address: str) -> int:
        data = {"email": "nobody@example.nl", "password": "wrong"}
        return client.post("/login", data=data, headers={"X-Forwarded-For": address}).status_code

    assert [attempt("198.51.100.7") for _ in range(4)] == [401, 401, 401, 429]
    assert attempt("198.51.100.8") == 401  # another client behind the same proxy


def test_a_forwarded_for_header_without_a_trusted_proxy_does_not_escape_the_limit(limited):
    client = limited().test_client()
    answers = [
        client.post(
            "/login",
            data={"email": "x@example.nl", "password": "wrong"},
            headers={"X-Forwarded-For": f"203.0.113.{n}"},
        ).status_code
        for n in range(4)
    ]
    assert answers == [401, 401, 401, 429]


def test_registration_has_one_limit_and_it_is_the_databases(limited):
    """Flask-Limiter does not count registrations: the service's count in the database
    (tests/verification/test_registration_limit.py) is the only limit, shared by every app
    process with or without Redis. Incomplete forms are not accounts and count for nothing."""
    app = limited(REGISTRATION_LIMIT_PER_ADDRESS=1)
    client = app.test_client()
    answers = [client.post("/register", data={"email": "x"}).status_code for _ in range(12)]
    assert answers == [422] * 12
    assert client.post("/register/provider", data={}).status_code == 422
    # The limits are on in this app: the reset requests are refused after their two.
    resets = [
        client.post("/password/forgot", data={"email": "a@example.nl"}).status_code
        for _ in range(3)
    ]
    assert resets == [302, 302, 429]
    assert not {"accounts.register_worker", "providers.register", "oidc.register"} & set(
        ratelimits.ENDPOINT_LIMITS
    )


def test_password_reset_requests_are_limited(limited):
    client = limited().test_client()
    answers = [
        client.post("/password/forgot", data={"email": f"a{n}@example.nl"}).status_code
        for n in range(3)
    ]
    assert answers == [302, 302, 429]


def test_the_api_limit_counts_per_token_with_a_problem_answer(limited, make_staff, api_headers):
    client = limited().test_client()
    first = api_headers(make_staff(Role.FUND_ADMIN))
    second = api_headers(make_staff(Role.FUND_ADMIN))
    assert [client.get("/api/v1/me", headers=first).status_code for _ in range(3)] == [200] * 3
    refused = client.get("/api/v1/fund/claims", headers=first)  # one budget for the whole API
    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    assert refused.json["status"] == 429
    assert str(_wait(refused)) in refused.json["detail"]
    assert client.get("/api/v1/me", headers=second).status_code == 200  # its own budget


def test_inventing_tokens_does_not_escape_the_address_budget_of_the_api(limited):
    client = limited().test_client()
    answers = [
        client.get("/api/v1/me", headers={"Authorization": f"Bearer lw_made_up_{n}"}).status_code
        for n in range(4)
    ]
    assert answers == [401, 401, 401, 429]


def test_a_view_marked_for_the_step_up_limit_counts_per_user(limited, make_worker, login):
    """wallet.twofactor's step-up page takes `@rate_limited("STEP_UP_RATE_LIMIT")`."""
    app = limited()

    @ratelimits.rate_limited("STEP_UP_RATE_LIMIT")
    def step_up_probe():
        return "ok"

    app.add_url_rule("/step-up-probe", view_func=step_up_probe, methods=["POST"])
    ratelimits.limit_views(app)
    first, second = app.test_client(), app.test_client()
    login(first, make_worker())
    login(second, make_worker())
    answers = [first.post("/step-up-probe").status_code for _ in range(3)]
    assert answers == [200, 200, 429]
    assert second.post("/step-up-probe").status_code == 200  # same address, other account


def test_redis_is_used_when_configured(limited):
    app = limited()
    storage = type(app.extensions["leerwallet_limiter"].storage).__name__
    assert storage == ("RedisStorage" if limited.store == "redis" else "MemoryStorage")
    app.test_client().post("/password/forgot", data={"email": "a@example.nl"})


def test_a_limit_for_an_endpoint_that_does_not_exist_stops_the_app(monkeypatch, app):
    monkeypatch.setitem(
        ratelimits.ENDPOINT_LIMITS,
        "accounts.no_such_page",
        (("LOGIN_RATE_LIMIT", ratelimits.client_address),),
    )
    with pytest.raises(RuntimeError, match="no_such_page"):
        create_app({"TESTING": True, "DATABASE_URL": app.config["DATABASE_URL"]})


def test_the_step_up_page_and_the_second_step_of_a_sign_in_are_limited(limited, make_worker, login):
    app = limited()
    client = app.test_client()
    login(client, make_worker())
    wrong = {"code": "000000", "next": "/"}
    answers = [
        client.post("/account/second-factor/confirm", data=wrong).status_code for _ in range(3)
    ]
    assert answers[-1] == 429
    stranger = app.test_client()
    tries = [stranger.post("/login/second-factor", data=wrong).status_code for _ in range(4)]
    assert tries[-1] == 429
