"""A second factor and the server-side sessions: a change ends the user's other sessions, a
given factor (sign-in, step-up) gives the session a new id."""

from __future__ import annotations

import datetime as dt

from tests.twofactor.signin import code_for, enrol_through_page
from wallet.core import clock

STEP_UP = "/account/second-factor/confirm"


def _cookie(client) -> str:
    return client.get_cookie("session").value


def test_enrolling_a_factor_ends_the_other_sessions_and_keeps_this_one(app, make_worker, login):
    worker = make_worker()
    here, elsewhere = app.test_client(), app.test_client()
    login(here, worker)
    login(elsewhere, worker)
    assert elsewhere.get("/account/second-factor").status_code == 200
    before = _cookie(here)

    enrol_through_page(here)

    assert elsewhere.get("/account/second-factor").status_code == 302  # signed out
    assert here.get("/account/second-factor").status_code == 200
    assert _cookie(here) != before


def test_a_step_up_gives_the_session_a_new_id(app, make_worker, login):
    worker = make_worker()
    client = app.test_client()
    login(client, worker)
    enrol_through_page(client)
    clock.set_now(clock.now() + dt.timedelta(minutes=6))
    before = _cookie(client)

    done = client.post(STEP_UP, data={"code": code_for(app, worker.email), "next": "/"})

    assert done.status_code == 302
    assert _cookie(client) != before
    assert client.get("/account/second-factor").status_code == 200
