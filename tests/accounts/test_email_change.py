"""Changing the e-mail address: the password (and a fresh second factor where enrolled), a
single-use, time-limited link to the new address, a notice to the old one, the change only
on confirming, a taken address said only to whoever opens the link, other sessions ended,
every step audited."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from tests.conftest import PASSWORD
from wallet.accounts.models import EmailChange, EmailChangeOutcome, LoginFailure, Role, User
from wallet.audit.models import AuditEvent
from wallet.core import clock
from wallet.notifications.models import OutboxMessage

NEW = "nieuw.adres@example.nl"
START = dt.datetime(2027, 5, 3, 9, 0, tzinfo=dt.UTC)
LINK = re.compile(r"http://[^/\s]+(/account/email/confirm/\S+)")


def _ask(client, new: str = NEW, password: str = PASSWORD):
    return client.post("/account/email", data={"new_email": new, "current_password": password})


def _link(db, to: str = NEW) -> str:
    body = db.scalar(
        sa.select(OutboxMessage.body)
        .where(OutboxMessage.to_address == to, OutboxMessage.topic == "email_change_confirm")
        .order_by(OutboxMessage.id.desc())
    )
    return LINK.search(body).group(1)


def _email_of(db, user) -> str:
    db.expire_all()
    return db.get(User, user.id).email


def _actions(db) -> list[str]:
    return list(db.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_the_address_changes_only_when_the_link_is_confirmed(app, client, db, make_worker, login):
    worker = make_worker(preferred_language="en")
    old = worker.email
    login(client, worker)
    elsewhere = app.test_client()
    login(elsewhere, worker)  # the same person on another device

    asked = _ask(client)
    assert asked.status_code == 302
    assert _email_of(db, worker) == old  # nothing changed yet
    change = db.scalar(sa.select(EmailChange))
    path = _link(db)
    assert path.rsplit("/", 1)[1] not in change.token_hash  # only a digest is stored
    # The link goes to the new address only, not to the account's messages page; the old
    # address is told.
    confirm = db.scalar(sa.select(OutboxMessage).where(OutboxMessage.to_address == NEW))
    assert confirm.user_id is None
    assert path not in client.get("/messages").text
    notice = db.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.topic == "email_change_requested")
    )
    assert notice.to_address == old
    assert "n•••@example.nl" in notice.body

    page = client.get(path)  # opening the link shows, but changes nothing
    assert page.status_code == 200
    assert NEW in page.text
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert _email_of(db, worker) == old

    done = client.post(path)
    assert done.headers["Location"] == "/account"
    assert _email_of(db, worker) == NEW
    assert db.get(User, worker.id).email_verified_at is not None
    assert client.get("/account").status_code == 200  # this session stays ...
    assert elsewhere.get("/account").status_code == 302  # ... every other one ended
    told = db.scalar(sa.select(OutboxMessage).where(OutboxMessage.topic == "email_changed"))
    assert told.to_address == old
    assert "new e-mail address" in told.subject
    assert client.post(path).status_code == 410  # once
    assert {"email_change_requested", "email_changed"} <= set(_actions(db))
    event = db.scalar(sa.select(AuditEvent).where(AuditEvent.action == "email_changed"))
    assert event.after == {"email": "n•••@example.nl"}
    # The new address signs in; the old one no longer does.
    client.post("/logout")
    assert client.post("/login", data={"email": NEW, "password": PASSWORD}).status_code == 302
    other = app.test_client()
    assert other.post("/login", data={"email": old, "password": PASSWORD}).status_code == 401


def test_a_wrong_password_changes_nothing_and_counts_as_a_failure(client, db, make_worker, login):
    login(client, make_worker())
    refused = _ask(client, password="not my password")
    assert refused.status_code == 422
    assert "Dit is niet je huidige wachtwoord." in refused.text
    assert db.scalar(sa.select(sa.func.count()).select_from(EmailChange)) == 0
    assert db.scalar(sa.select(sa.func.count()).select_from(LoginFailure)) == 1
    assert not db.scalars(sa.select(OutboxMessage.topic)).all()


def test_a_taken_address_is_said_only_after_the_link(app, client, db, make_worker, login):
    worker, other = make_worker(), make_worker()
    login(client, worker)
    free = _ask(client, "vrij@example.nl")
    taken = _ask(client, other.email)
    # The same answer for a free and a taken address: nothing tells them apart.
    assert free.status_code == taken.status_code == 302
    assert free.headers["Location"] == taken.headers["Location"]
    assert (
        db.scalar(sa.select(sa.func.count()).where(OutboxMessage.topic == "email_change_confirm"))
        == 2
    )
    # Whoever opens the link in that mailbox learns it, and nothing changes.
    stranger = app.test_client()
    refused = stranger.post(_link(db, other.email))
    assert refused.status_code == 409
    assert "Een ander Leerwallet-account gebruikt dit adres al" in refused.text
    assert worker.email not in refused.text  # the old address only masked
    assert _email_of(db, worker) == worker.email
    outcome = db.scalar(sa.select(EmailChange.outcome).order_by(EmailChange.id.desc()))
    assert outcome == EmailChangeOutcome.TAKEN
    assert "email_change_refused" in _actions(db)
    assert stranger.post(_link(db, other.email)).status_code == 410  # used up
    # The earlier request was replaced by the later one: its link is void too.
    assert client.post(_link(db, "vrij@example.nl")).status_code == 410


def test_the_link_expires_after_an_hour_and_can_be_cancelled(client, db, make_worker, login):
    worker = make_worker()
    with clock.frozen_at(START):
        login(client, worker)
        _ask(client)
        path = _link(db)
    with clock.frozen_at(START + dt.timedelta(minutes=61)):
        assert client.get(path).status_code == 410
    with clock.frozen_at(START + dt.timedelta(minutes=62)):
        login(client, worker)
        _ask(client, "ander@example.nl")
        assert "ander@example.nl" in client.get("/account/email").text  # waiting
        assert client.post("/account/email/cancel").status_code == 302
        assert client.post(_link(db, "ander@example.nl")).status_code == 410
    assert _email_of(db, worker) == worker.email
    assert "email_change_cancelled" in _actions(db)


def test_a_link_opened_in_another_browser_ends_every_session(app, client, db, make_worker, login):
    worker = make_worker()
    login(client, worker)
    _ask(client)
    phone = app.test_client()  # the mail app on the phone, signed in nowhere
    done = phone.post(_link(db))
    assert done.headers["Location"].startswith("/login")
    assert _email_of(db, worker) == NEW
    assert client.get("/account").status_code == 302  # the asking session ended too


def test_staff_with_a_second_factor_give_a_fresh_one(client, db, make_staff, login):
    admin = make_staff(Role.FUND_ADMIN)
    with clock.frozen_at(START):
        login(client, admin)
        assert client.get("/account/email").status_code == 200  # fresh from signing in
    with clock.frozen_at(START + dt.timedelta(minutes=6)):
        page = client.get("/account/email")
        assert page.headers["Location"].startswith("/account/second-factor/confirm")
        asked = _ask(client)
        assert asked.headers["Location"].startswith("/account/second-factor/confirm")
    assert db.scalar(sa.select(sa.func.count()).select_from(EmailChange)) == 0


def test_three_requests_an_hour_at_most(client, db, make_worker, login):
    login(client, make_worker())
    answers = [_ask(client, f"adres{n}@example.nl").status_code for n in range(4)]
    assert answers == [302, 302, 302, 429]
    assert db.scalar(sa.select(sa.func.count()).select_from(EmailChange)) == 3
