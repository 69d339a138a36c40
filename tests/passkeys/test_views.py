"""The passkey pages over HTTP: the account page adds, lists and removes passkeys, and the
login page signs a worker in with one; the browser's part is played by the software
authenticator (tests/passkeys/authenticator.py)."""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from tests.conftest import PASSWORD
from tests.passkeys.authenticator import SoftAuthenticator
from wallet.accounts.models import Role
from wallet.notifications.models import OutboxMessage
from wallet.passkeys.ceremony import relying_party
from wallet.passkeys.models import Passkey

WRONG_ORIGIN = "https://leerwallet.example.com"


@pytest.fixture
def origin(app) -> str:
    """The origin the browser reports on the relying party's own address."""
    with app.app_context():
        return relying_party().origin


def _add(client, authenticator: SoftAuthenticator, origin: str, name: str = "Telefoon"):
    options = client.post("/account/passkeys/options").get_json()
    answer = authenticator.create(options, origin=origin)
    return client.post(
        "/account/passkeys", data={"name": name, "credential": answer, "password": PASSWORD}
    )


def _sign_in(client, authenticator: SoftAuthenticator, origin: str, next_page: str = ""):
    options = client.post("/login/passkey/options").get_json()
    answer = authenticator.get(options, origin=origin)
    return client.post("/login/passkey", data={"credential": answer, "next": next_page})


def test_the_passkeys_page_is_for_signed_in_users(client):
    answer = client.get("/account/passkeys")
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/login")
    assert client.post("/account/passkeys/options").status_code == 302


def test_a_worker_adds_a_passkey_and_sees_it(client, db, make_worker, login, origin):
    worker = make_worker()
    login(client, worker)
    page = client.get("/account/passkeys")
    assert "Je hebt nog geen passkeys." in page.text
    assert "js/passkeys.js" in page.text
    answer = _add(client, SoftAuthenticator(), origin)
    assert answer.status_code == 302
    page = client.get("/account/passkeys")
    assert "De passkey &#39;Telefoon&#39; is toegevoegd." in page.text
    assert "Telefoon" in page.text
    assert "Nog niet gebruikt" in page.text
    assert db.scalar(sa.select(Passkey.name).where(Passkey.user_id == worker.id)) == "Telefoon"
    topics = db.scalars(sa.select(OutboxMessage.topic).where(OutboxMessage.user_id == worker.id))
    assert list(topics) == ["passkey_added"]


def test_a_passkey_without_a_name_keeps_the_answer_for_a_second_try(
    client, db, make_worker, login, origin
):
    login(client, make_worker())
    options = client.post("/account/passkeys/options").get_json()
    answer = SoftAuthenticator().create(options, origin=origin)
    page = client.post(
        "/account/passkeys", data={"name": "", "credential": answer, "password": PASSWORD}
    )
    assert page.status_code == 422
    assert 'id="name-error"' in page.text
    kept = re.search(r'name="credential" type="hidden" value="([^"]*)"', page.text)
    assert html.unescape(kept.group(1)) == answer  # the hidden field keeps it
    again = client.post(
        "/account/passkeys", data={"name": "Laptop", "credential": answer, "password": PASSWORD}
    )
    assert again.status_code == 302
    assert db.scalar(sa.select(Passkey.name)) == "Laptop"


def test_a_passkey_made_for_another_site_is_refused_with_a_message(client, db, make_worker, login):
    login(client, make_worker())
    answer = _add(client, SoftAuthenticator(), WRONG_ORIGIN)
    assert answer.status_code == 400
    assert "De passkey kon niet worden gecontroleerd." in answer.text
    assert db.scalar(sa.select(sa.func.count()).select_from(Passkey)) == 0


def test_the_page_says_where_passkeys_work(app, client, make_worker, login, origin):
    worker = make_worker()
    login(client, worker)
    own = client.get("/account/passkeys")
    assert "alleen op het eigen adres" not in own.text
    by_address, base_url = app.test_client(), "http://127.0.0.1:5000"  # not the relying party
    signed_in = by_address.post(
        "/login", data={"email": worker.email, "password": PASSWORD}, base_url=base_url
    )
    assert signed_in.status_code == 302
    elsewhere = by_address.get("/account/passkeys", base_url=base_url)
    assert "Passkeys werken alleen op het eigen adres van Leerwallet." in elsewhere.text
    assert f'href="{origin}"' in elsewhere.text


def test_a_worker_signs_in_with_a_passkey(app, client, db, make_worker, login, origin):
    worker = make_worker()
    login(client, worker)
    authenticator = SoftAuthenticator()
    _add(client, authenticator, origin)

    fresh = app.test_client()
    assert "Inloggen met een passkey" in fresh.get("/login").text
    answer = _sign_in(fresh, authenticator, origin, next_page="/account/passkeys")
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/account/passkeys"
    page = fresh.get("/account/passkeys")
    assert page.status_code == 200
    assert "Nog niet gebruikt" not in page.text
    assert db.scalar(sa.select(Passkey.sign_count)) == 1


def test_a_refused_passkey_sign_in_shows_the_login_page(app, client, make_worker, login, origin):
    login(client, make_worker())
    authenticator = SoftAuthenticator()
    _add(client, authenticator, origin)
    fresh = app.test_client()
    answer = _sign_in(fresh, authenticator, WRONG_ORIGIN)
    assert answer.status_code == 400
    assert "De passkey kon niet worden gecontroleerd." in answer.text
    assert 'name="password"' in answer.text
    assert fresh.get("/account/passkeys").status_code == 302  # still signed out
    empty = fresh.post("/login/passkey", data={"credential": ""})
    assert empty.status_code == 400
    assert "Je browser heeft geen passkey gestuurd." in empty.text


def test_a_passkey_sign_in_sends_nobody_to_another_site(app, client, make_worker, login, origin):
    login(client, make_worker())
    authenticator = SoftAuthenticator()
    _add(client, authenticator, origin)
    answer = _sign_in(app.test_client(), authenticator, origin, next_page="//evil.example")
    assert answer.headers["Location"] == "/"


def test_staff_are_sent_to_the_password(app, client, make_staff, login, origin):
    admin = make_staff(Role.FUND_ADMIN)
    login(client, admin)
    authenticator = SoftAuthenticator()
    assert _add(client, authenticator, origin).status_code == 302
    page = client.get("/account/passkeys")
    assert "Inloggen met alleen een passkey is voor werkenden." in page.text
    answer = _sign_in(app.test_client(), authenticator, origin)
    assert answer.status_code == 400
    assert "Log in met je e-mailadres en wachtwoord." in answer.text


def test_a_removed_passkey_is_gone(client, db, make_worker, login, origin):
    worker = make_worker()
    login(client, worker)
    authenticator = SoftAuthenticator()
    _add(client, authenticator, origin)
    passkey_id = db.scalar(sa.select(Passkey.id))
    # The passkey is the worker's factor: removing it asks for it first (a step-up).
    asked = client.post(f"/account/passkeys/{passkey_id}/remove")
    assert asked.headers["Location"].startswith("/account/second-factor/confirm")
    assert db.scalar(sa.select(sa.func.count()).select_from(Passkey)) == 1
    options = client.post("/second-factor/passkey/options").get_json()
    given = authenticator.get(options, origin=origin)
    client.post("/second-factor/passkey", data={"credential": given, "next": "/account/passkeys"})
    answer = client.post(f"/account/passkeys/{passkey_id}/remove")
    assert answer.status_code == 302
    assert "De passkey &#39;Telefoon&#39; is verwijderd." in client.get("/account/passkeys").text
    assert db.scalar(sa.select(sa.func.count()).select_from(Passkey)) == 0


def test_nobody_removes_another_users_passkey(app, client, db, make_worker, login, origin):
    owner, other = make_worker(), make_worker()
    login(client, owner)
    _add(client, SoftAuthenticator(), origin)
    passkey_id = db.scalar(sa.select(Passkey.id))
    intruder = app.test_client()
    login(intruder, other)
    assert intruder.post(f"/account/passkeys/{passkey_id}/remove").status_code == 404
    assert db.scalar(sa.select(sa.func.count()).select_from(Passkey)) == 1
