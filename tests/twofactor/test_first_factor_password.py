"""A worker without an authenticator app gives their password again to add a second factor
(an app or a passkey): a borrowed session cannot add a factor of its own (ASVS 7.5.1). A
wrong password counts as a failed sign-in; staff, who enrol right after their password, and
workers who can step up with an app are not asked."""

from __future__ import annotations

import sqlalchemy as sa

from tests.conftest import PASSWORD
from tests.passkeys.authenticator import SoftAuthenticator
from tests.twofactor.signin import enrol_through_page, secret_on_page
from wallet.accounts.models import LoginFailure, Role
from wallet.passkeys.ceremony import relying_party
from wallet.passkeys.models import Passkey
from wallet.twofactor.models import TotpFactor

ENROL = "/account/second-factor/enrol"


def _confirmed(db) -> int:
    query = sa.select(sa.func.count()).where(TotpFactor.confirmed_at.is_not(None))
    return db.scalar(query)


def _failures(db) -> int:
    return db.scalar(sa.select(sa.func.count()).select_from(LoginFailure))


def test_a_workers_first_app_needs_their_password(client, db, make_worker, login, code_now):
    login(client, make_worker())
    page = client.get(ENROL).text
    assert 'id="password"' in page
    assert 'autocomplete="current-password"' in page
    secret = secret_on_page(page)
    without = client.post(ENROL, data={"code": code_now(secret)})
    assert without.status_code == 422
    assert "Typ je huidige wachtwoord." in without.text
    wrong = client.post(ENROL, data={"code": code_now(secret), "password": "not my password"})
    assert wrong.status_code == 422
    assert "Dit is niet je huidige wachtwoord." in wrong.text
    assert _confirmed(db) == 0
    assert _failures(db) == 1  # counted like a failed sign-in
    done = client.post(ENROL, data={"code": code_now(secret), "password": PASSWORD})
    assert done.status_code == 200
    assert 'id="recovery-codes"' in done.text
    assert _confirmed(db) == 1


def test_a_workers_first_passkey_needs_their_password(app, client, db, make_worker, login):
    login(client, make_worker())
    with app.app_context():
        origin = relying_party().origin
    assert 'id="password"' in client.get("/account/passkeys").text
    options = client.post("/account/passkeys/options").get_json()
    answer = SoftAuthenticator().create(options, origin=origin)
    wrong = client.post(
        "/account/passkeys", data={"name": "Telefoon", "credential": answer, "password": "nope"}
    )
    assert wrong.status_code == 422
    assert db.scalar(sa.select(sa.func.count()).select_from(Passkey)) == 0
    assert _failures(db) == 1
    # The same answer, sent again with the password (as the page does), adds the passkey.
    right = client.post(
        "/account/passkeys", data={"name": "Telefoon", "credential": answer, "password": PASSWORD}
    )
    assert right.status_code == 302
    assert db.scalar(sa.select(sa.func.count()).select_from(Passkey)) == 1
    # Still no app: a second passkey asks the password as well.
    assert 'id="password"' in client.get("/account/passkeys").text


def test_a_worker_with_an_app_steps_up_instead(client, make_worker, login):
    login(client, make_worker())
    enrol_through_page(client)
    page = client.get("/account/passkeys").text
    assert 'id="password"' not in page


def test_staff_enrolling_are_not_asked_again(
    client, db, make_staff, login, without_factor, code_now
):
    admin = without_factor(make_staff(Role.FUND_ADMIN))
    login(client, admin)
    page = client.get(ENROL)
    assert page.status_code == 200
    assert 'id="password"' not in page.text
    done = client.post(ENROL, data={"code": code_now(secret_on_page(page.text))})
    assert done.status_code == 200
    assert _confirmed(db) == 1
