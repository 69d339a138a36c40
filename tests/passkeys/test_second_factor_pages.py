"""A passkey as the second factor on the pages: the second step of a sign-in and the step-up
page offer it beside the authenticator app's code (the browser's part is played by the
software authenticator of tests/passkeys/authenticator.py)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from tests.conftest import PASSWORD
from tests.passkeys.authenticator import SoftAuthenticator
from tests.twofactor.signin import enrol_through_page
from wallet.core import clock
from wallet.passkeys.ceremony import relying_party


@pytest.fixture
def origin(app) -> str:
    with app.app_context():
        return relying_party().origin


def _with_app_and_passkey(client, login, worker, origin) -> SoftAuthenticator:
    """`worker` signed in, with an authenticator app and a passkey."""
    login(client, worker)
    enrol_through_page(client)
    authenticator = SoftAuthenticator()
    options = client.post("/account/passkeys/options").get_json()
    answer = authenticator.create(options, origin=origin)
    assert (
        client.post(
            "/account/passkeys", data={"name": "Telefoon", "credential": answer}
        ).status_code
        == 302
    )
    return authenticator


def _answer(client, authenticator, origin, next_page: str = "") -> object:
    options = client.post("/second-factor/passkey/options")
    assert options.status_code == 200, options.text
    answer = authenticator.get(options.get_json(), origin=origin)
    return client.post("/second-factor/passkey", data={"credential": answer, "next": next_page})


def test_the_second_step_of_a_sign_in_takes_a_passkey(app, make_worker, login, origin):
    worker = make_worker()
    client = app.test_client()
    authenticator = _with_app_and_passkey(client, login, worker, origin)
    client.post("/logout")

    asked = client.post("/login", data={"email": worker.email, "password": PASSWORD})
    assert asked.headers["Location"] == "/login/second-factor"
    page = client.get("/login/second-factor")
    assert "/second-factor/passkey" in page.text
    assert client.get("/account/passkeys").status_code == 302  # not signed in yet
    done = _answer(client, authenticator, origin)

    assert done.status_code == 302
    assert client.get("/account/passkeys").status_code == 200


def test_another_devices_passkey_does_not_finish_the_sign_in(app, make_worker, login, origin):
    worker = make_worker()
    client = app.test_client()
    _with_app_and_passkey(client, login, worker, origin)
    client.post("/logout")
    client.post("/login", data={"email": worker.email, "password": PASSWORD})

    refused = _answer(client, SoftAuthenticator(), origin)  # a passkey Leerwallet never saw

    assert refused.headers["Location"] == "/login/second-factor"
    assert client.get("/account/passkeys").status_code == 302


def test_a_step_up_takes_a_passkey_and_goes_back(app, make_worker, login, origin):
    worker = make_worker()
    client = app.test_client()
    authenticator = _with_app_and_passkey(client, login, worker, origin)
    clock.set_now(clock.now() + dt.timedelta(minutes=6))
    assert (
        client.post("/account/second-factor/remove")
        .headers["Location"]
        .startswith("/account/second-factor/confirm")
    )
    page = client.get("/account/second-factor/confirm?next=/account/second-factor")
    assert "/second-factor/passkey" in page.text

    done = _answer(client, authenticator, origin, "/account/second-factor")

    assert done.headers["Location"] == "/account/second-factor"
    assert client.post("/account/second-factor/remove").headers["Location"] == (
        "/account/second-factor"
    )


def test_without_a_sign_in_under_way_the_passkey_answers_nothing(client):
    assert client.post("/second-factor/passkey/options").status_code == 400
    assert client.post("/second-factor/passkey").headers["Location"] == "/login"


def test_adding_or_removing_a_passkey_asks_for_a_fresh_second_factor(
    app, db, make_worker, login, origin
):
    from wallet.passkeys.models import Passkey

    worker = make_worker()
    client = app.test_client()
    _with_app_and_passkey(client, login, worker, origin)
    passkey_id = db.scalar(sa.select(Passkey.id))
    clock.set_now(clock.now() + dt.timedelta(minutes=6))

    options = client.post("/account/passkeys/options")
    assert options.status_code == 403
    assert options.get_json()["step_up"].startswith("/account/second-factor/confirm")
    removed = client.post(f"/account/passkeys/{passkey_id}/remove")
    assert removed.headers["Location"].startswith("/account/second-factor/confirm")
    db.expire_all()
    assert db.scalar(sa.select(sa.func.count()).select_from(Passkey)) == 1
