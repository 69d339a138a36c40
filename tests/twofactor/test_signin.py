"""Signing in with a second factor: nobody is logged in after the password alone; staff
cannot skip enrolment; wrong and replayed codes are refused and throttled; recovery codes
work once; a correct password and code still work while someone else guesses."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from tests.conftest import PASSWORD
from tests.twofactor.signin import KNOWN_SECRET, enrol_through_page, secret_on_page
from wallet.accounts.models import LoginFailure, Role
from wallet.core import clock
from wallet.notifications.models import OutboxMessage
from wallet.twofactor.models import RecoveryCode

MOMENT = dt.datetime(2027, 3, 1, 9, 0, 10, tzinfo=dt.UTC)
STAFF = [
    Role.FUND_ADMIN,
    Role.PLATFORM_ADMIN,
    Role.PROVIDER_STAFF,
    Role.EMPLOYER_STAFF,
    Role.BROKER,
]


def _password(client, user, **kwargs):
    return client.post("/login", data={"email": user.email, "password": PASSWORD}, **kwargs)


def _logged_in(client) -> bool:
    return "Uitloggen" in client.get("/").text


def test_after_the_password_alone_nobody_is_logged_in(client, make_staff, code_now):
    admin = make_staff(Role.FUND_ADMIN)
    with clock.frozen_at(MOMENT):
        data = {"email": admin.email, "password": PASSWORD, "next": "/review"}
        answer = client.post("/login", data=data)
        assert answer.headers["Location"] == "/login/second-factor"
        assert not _logged_in(client)
        assert client.get("/review").status_code == 302
        page = client.get("/login/second-factor")
        assert page.status_code == 200
        done = client.post("/login/second-factor", data={"code": code_now(KNOWN_SECRET)})
        assert done.headers["Location"] == "/review"  # where they were going
        assert _logged_in(client)


def test_a_wrong_code_is_refused_and_counted(client, db, make_staff, code_now):
    admin = make_staff(Role.FUND_ADMIN)
    with clock.frozen_at(MOMENT):
        _password(client, admin)
        wrong = client.post("/login/second-factor", data={"code": "123456"})
        assert wrong.status_code == 422
        assert not _logged_in(client)
        assert db.scalar(sa.select(sa.func.count()).select_from(LoginFailure)) == 1


def test_a_replayed_code_is_refused(app, make_staff, code_now):
    admin = make_staff(Role.FUND_ADMIN)
    first, second = app.test_client(), app.test_client()
    with clock.frozen_at(MOMENT):
        code = code_now(KNOWN_SECRET)
        _password(first, admin)
        assert first.post("/login/second-factor", data={"code": code}).status_code == 302
        _password(second, admin)
        replay = second.post("/login/second-factor", data={"code": code})
        assert replay.status_code == 422
        assert not _logged_in(second)
    # The next step's code works.
    with clock.frozen_at(MOMENT + dt.timedelta(seconds=30)):
        _password(second, admin)
        fresh = second.post("/login/second-factor", data={"code": code_now(KNOWN_SECRET)})
        assert fresh.status_code == 302


def test_a_recovery_code_works_once(client, db, make_worker, login, code_now):
    worker = make_worker()
    login(client, worker)
    secret = secret_on_page(client.get("/account/second-factor/enrol").text)
    shown = client.post(
        "/account/second-factor/enrol", data={"code": code_now(secret), "password": PASSWORD}
    )
    recovery = re.findall(r"<code>([0-9a-f]{5}-[0-9a-f]{5})</code>", shown.text)[0]
    client.post("/logout")
    _password(client, worker)
    used = client.post("/login/second-factor", data={"code": f" {recovery.upper()} "})
    assert used.status_code == 302
    assert _logged_in(client)
    client.post("/logout")
    _password(client, worker)
    again = client.post("/login/second-factor", data={"code": recovery})
    assert again.status_code == 422
    assert not _logged_in(client)
    used_codes = sa.select(sa.func.count()).where(RecoveryCode.used_at.is_not(None))
    assert db.scalar(used_codes) == 1
    assert "recovery_code_used" in db.scalars(sa.select(OutboxMessage.topic)).all()


@pytest.mark.parametrize("role", STAFF)
def test_staff_cannot_skip_enrolment(client, db, make_user, without_factor, role, code_now):
    user = without_factor(make_user(role))
    answer = _password(client, user)
    assert answer.headers["Location"] == "/login/second-factor/enrol"
    assert not _logged_in(client)
    for path in ("/", "/review", "/bank-details", "/account/tokens", "/audit"):
        client.get(path)
        assert not _logged_in(client)
    # A code cannot be answered instead of enrolling.
    assert client.get("/login/second-factor").status_code == 200
    refused = client.post("/login/second-factor", data={"code": "123456"})
    assert refused.status_code == 409  # no factor to answer with
    assert not _logged_in(client)
    enrol_through_page(client, "/login/second-factor/enrol")
    assert _logged_in(client)


def test_a_worker_without_a_factor_signs_in_with_the_password(client, make_worker):
    worker = make_worker()
    assert _password(client, worker).headers["Location"] == "/"
    assert _logged_in(client)
    assert client.get("/account/second-factor").status_code == 200


def test_the_pending_sign_in_expires(client, make_staff, code_now):
    admin = make_staff(Role.FUND_ADMIN)
    with clock.frozen_at(MOMENT):
        _password(client, admin)
    with clock.frozen_at(MOMENT + dt.timedelta(minutes=6)):
        late = client.post("/login/second-factor", data={"code": code_now(KNOWN_SECRET)})
        assert late.headers["Location"] == "/login"
        assert not _logged_in(client)


def test_guessing_codes_is_throttled_but_the_owner_still_gets_in(app, make_staff, code_now):
    admin = make_staff(Role.FUND_ADMIN)
    attacker, owner = app.test_client(), app.test_client()
    thief = {"REMOTE_ADDR": "203.0.113.9"}
    with clock.frozen_at(MOMENT):
        _password(attacker, admin, environ_base=thief)
        for _ in range(app.config["LOGIN_THROTTLE_ATTEMPTS"]):
            attacker.post("/login/second-factor", data={"code": "000000"}, environ_base=thief)
        stopped = attacker.post(
            "/login/second-factor", data={"code": code_now(KNOWN_SECRET)}, environ_base=thief
        )
        assert stopped.status_code == 429
        assert not _logged_in(attacker)
        # The owner, from their own address, with password and code.
        _password(owner, admin)
        done = owner.post("/login/second-factor", data={"code": code_now(KNOWN_SECRET)})
        assert done.status_code == 302
        assert _logged_in(owner)
