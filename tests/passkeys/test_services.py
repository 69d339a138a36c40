"""Passkey services against real WebAuthn answers (tests/passkeys/authenticator.py): adding,
signing in without a password, the second factor, and every answer that must be refused."""

from __future__ import annotations

import datetime as dt

import cbor2
import pytest
import sqlalchemy as sa
from flask import session as web_session

from tests.passkeys.authenticator import SoftAuthenticator
from wallet.accounts.models import Role
from wallet.audit.models import AuditEvent
from wallet.core import clock
from wallet.core.db import session
from wallet.core.errors import NotFound, ValidationFailed
from wallet.notifications.models import OutboxMessage
from wallet.passkeys import services
from wallet.passkeys.ceremony import SESSION_KEY, relying_party
from wallet.passkeys.models import Passkey
from wallet.passkeys.services import PasskeyRefused

WRONG_ORIGIN = "https://leerwallet.example.com"


def _origin() -> str:
    return relying_party().origin


def _passkeys() -> list[Passkey]:
    return list(session.scalars(sa.select(Passkey).order_by(Passkey.id)))


def _audit(action: str) -> list[AuditEvent]:
    return list(session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def _mail(topic: str) -> list[OutboxMessage]:
    return list(session.scalars(sa.select(OutboxMessage).where(OutboxMessage.topic == topic)))


# --- adding --------------------------------------------------------------------------------


def test_an_added_passkey_keeps_its_key_counter_and_transports(in_request, make_worker):
    worker = in_request(make_worker(preferred_language="de"))
    authenticator = SoftAuthenticator()
    options = services.registration_options(worker)
    assert options["rp"]["id"] == relying_party().id
    assert options["authenticatorSelection"]["residentKey"] == "required"
    services.add_passkey(worker, "  Telefoon  ", authenticator.create(options, origin=_origin()))

    [passkey] = _passkeys()
    assert (passkey.user_id, passkey.name) == (worker.id, "Telefoon")
    assert passkey.credential_id == authenticator.id
    assert passkey.sign_count == 0
    assert passkey.transports == ["internal"]
    assert passkey.user_handle == options["user"]["id"]
    assert passkey.last_used_at is None
    [event] = _audit("passkey_added")
    assert (event.actor_id, event.after) == (worker.id, {"passkey": passkey.id, "name": "Telefoon"})
    [mail] = _mail("passkey_added")
    assert (mail.to_address, mail.language) == (worker.email, "de")
    assert mail.subject == "Ein Passkey wurde zu Ihrem Leerwallet-Konto hinzugefügt"
    assert "Telefoon" in mail.body


def test_a_second_passkey_shares_the_user_handle_and_excludes_the_first(
    in_request, make_worker, registered
):
    worker = make_worker()
    first = registered(worker)
    options = services.registration_options(in_request(worker))
    assert [c["id"] for c in options["excludeCredentials"]] == [first.id]
    assert options["user"]["id"] == first.user_handle


@pytest.mark.parametrize(
    ("origin", "rp_id", "challenge"),
    [
        pytest.param(WRONG_ORIGIN, None, None, id="wrong origin"),
        pytest.param(None, "leerwallet.example.com", None, id="wrong relying party"),
        pytest.param(None, None, "bm90IHRoZSBjaGFsbGVuZ2U", id="wrong challenge"),
    ],
)
def test_a_wrong_registration_answer_adds_nothing(
    in_request, make_worker, origin, rp_id, challenge
):
    worker = in_request(make_worker())
    options = services.registration_options(worker)
    answer = SoftAuthenticator().create(
        options, origin=origin or _origin(), rp_id=rp_id, challenge=challenge
    )
    with pytest.raises(PasskeyRefused):
        services.add_passkey(worker, "Phone", answer)
    assert _passkeys() == []
    assert _mail("passkey_added") == []


def test_a_malformed_public_key_is_refused_not_an_error(in_request, make_worker):
    worker = in_request(make_worker())
    authenticator = SoftAuthenticator()
    authenticator._cose_key = lambda: cbor2.dumps({1: 2, 3: -7})  # EC2 without curve and point
    answer = authenticator.create(services.registration_options(worker), origin=_origin())
    with pytest.raises(PasskeyRefused):
        services.add_passkey(worker, "Phone", answer)
    assert _passkeys() == []


def test_a_registration_answer_after_the_challenges_lifetime_is_refused(in_request, make_worker):
    worker = in_request(make_worker())
    answer = SoftAuthenticator().create(services.registration_options(worker), origin=_origin())
    clock.set_now(clock.now() + dt.timedelta(seconds=301))
    with pytest.raises(PasskeyRefused, match="duurde te lang"):
        services.add_passkey(worker, "Phone", answer)
    assert _passkeys() == []


def test_options_made_for_one_user_do_not_add_a_passkey_to_another(in_request, make_worker):
    first, second = make_worker(), make_worker()
    first, second = in_request(first), in_request(second)
    answer = SoftAuthenticator().create(services.registration_options(first), origin=_origin())
    with pytest.raises(PasskeyRefused):
        services.add_passkey(second, "Phone", answer)
    assert _passkeys() == []


def test_a_passkey_without_a_name_waits_with_its_challenge(in_request, make_worker):
    worker = in_request(make_worker())
    answer = SoftAuthenticator().create(services.registration_options(worker), origin=_origin())
    with pytest.raises(ValidationFailed) as refused:
        services.add_passkey(worker, "   ", answer)
    assert "name" in refused.value.errors
    services.add_passkey(worker, "Laptop", answer)  # the same answer, now with a name
    assert [p.name for p in _passkeys()] == ["Laptop"]


def test_the_same_passkey_is_not_added_twice(in_request, make_worker, registered):
    worker = make_worker()
    authenticator = registered(worker)
    owner = in_request(worker)
    again = authenticator.create(services.registration_options(owner), origin=_origin())
    with pytest.raises(PasskeyRefused, match="al toegevoegd"):
        services.add_passkey(owner, "Phone again", again)
    assert len(_passkeys()) == 1


# --- removing ------------------------------------------------------------------------------


def test_a_removed_passkey_is_audited_told_and_signs_in_no_more(
    in_request, make_worker, registered
):
    worker = make_worker()
    authenticator = registered(worker, "Oude telefoon")
    [passkey] = _passkeys()
    services.remove_passkey(in_request(worker), passkey.id)
    assert _passkeys() == []
    [event] = _audit("passkey_removed")
    assert event.before == {"passkey": passkey.id, "name": "Oude telefoon"}
    [mail] = _mail("passkey_removed")
    assert mail.subject == "Er is een passkey verwijderd uit je Leerwallet-account"
    answer = authenticator.get(services.sign_in_options(), origin=_origin())
    with pytest.raises(PasskeyRefused):
        services.sign_in_with_passkey(answer)


def test_nobody_removes_another_users_passkey(in_request, make_worker, registered):
    owner, other = make_worker(), make_worker()
    registered(owner)
    [passkey] = _passkeys()
    with pytest.raises(NotFound):
        services.remove_passkey(in_request(other), passkey.id)
    assert len(_passkeys()) == 1


# --- signing in without a password ---------------------------------------------------------


def test_a_worker_signs_in_with_a_passkey_and_its_counter_moves_on(
    in_request, make_worker, registered
):
    worker = make_worker()
    authenticator = registered(worker)
    clock.set_now(dt.datetime(2027, 3, 1, 9, 30, tzinfo=dt.UTC))
    options = services.sign_in_options()
    assert options["allowCredentials"] == []  # the device offers its own passkeys
    assert options["userVerification"] == "required"
    user = services.sign_in_with_passkey(authenticator.get(options, origin=_origin()))
    assert user.id == worker.id
    [passkey] = _passkeys()
    session.refresh(passkey)
    assert passkey.sign_count == 1
    assert passkey.last_used_at == dt.datetime(2027, 3, 1, 9, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("origin", "rp_id", "challenge"),
    [
        pytest.param(WRONG_ORIGIN, None, None, id="wrong origin"),
        pytest.param(None, "leerwallet.example.com", None, id="wrong relying party"),
        pytest.param(None, None, "bm90IHRoZSBjaGFsbGVuZ2U", id="wrong challenge"),
    ],
)
def test_a_wrong_sign_in_answer_is_refused(
    in_request, make_worker, registered, origin, rp_id, challenge
):
    authenticator = registered(make_worker())
    answer = authenticator.get(
        services.sign_in_options(), origin=origin or _origin(), rp_id=rp_id, challenge=challenge
    )
    with pytest.raises(PasskeyRefused):
        services.sign_in_with_passkey(answer)
    [passkey] = _passkeys()
    assert (passkey.sign_count, passkey.last_used_at) == (0, None)


def test_a_replayed_signature_counter_is_refused(in_request, make_worker, registered):
    authenticator = registered(make_worker())
    services.sign_in_with_passkey(authenticator.get(services.sign_in_options(), origin=_origin()))
    authenticator.sign_count = 0  # a copy of the key that does not know it was used: 0 + 1 again
    answer = authenticator.get(services.sign_in_options(), origin=_origin())
    with pytest.raises(PasskeyRefused):
        services.sign_in_with_passkey(answer)
    [passkey] = _passkeys()
    session.refresh(passkey)
    assert passkey.sign_count == 1


def test_an_answer_counts_once_even_with_a_saved_session(in_request, make_worker, registered):
    """A passkey that keeps its counter at 0 (as synced passkeys do) cannot be replayed either:
    the session cookie saved before the answer still holds the challenge, the server not."""
    authenticator = registered(make_worker(), counts=False)
    options = services.sign_in_options()
    saved = dict(web_session[SESSION_KEY])
    answer = authenticator.get(options, origin=_origin())
    services.sign_in_with_passkey(answer)
    web_session[SESSION_KEY] = saved  # the old cookie, sent again
    with pytest.raises(PasskeyRefused):
        services.sign_in_with_passkey(answer)


def test_a_sign_in_answer_is_taken_once_from_the_session(in_request, make_worker, registered):
    authenticator = registered(make_worker())
    answer = authenticator.get(services.sign_in_options(), origin=_origin())
    with pytest.raises(PasskeyRefused):
        services.sign_in_with_passkey(answer.replace('"id"', '"x"', 1))  # broken: still taken
    with pytest.raises(PasskeyRefused, match="duurde te lang"):
        services.sign_in_with_passkey(answer)


def test_a_device_that_did_not_verify_the_person_signs_no_one_in(
    in_request, make_worker, registered
):
    authenticator = registered(make_worker())
    authenticator.verifies_user = False
    answer = authenticator.get(services.sign_in_options(), origin=_origin())
    with pytest.raises(PasskeyRefused):
        services.sign_in_with_passkey(answer)


def test_an_unknown_passkey_signs_no_one_in(in_request, make_worker, registered):
    registered(make_worker())
    stranger = SoftAuthenticator()
    stranger.user_handle = _passkeys()[0].user_handle
    with pytest.raises(PasskeyRefused):
        services.sign_in_with_passkey(stranger.get(services.sign_in_options(), origin=_origin()))


def test_a_passkey_claiming_another_users_handle_is_refused(in_request, make_worker, registered):
    first = registered(make_worker())
    second = registered(make_worker())
    first.user_handle = second.user_handle
    with pytest.raises(PasskeyRefused):
        services.sign_in_with_passkey(first.get(services.sign_in_options(), origin=_origin()))


def test_staff_do_not_sign_in_with_only_a_passkey(in_request, make_staff, registered):
    admin = make_staff(Role.FUND_ADMIN)
    authenticator = registered(admin)
    answer = authenticator.get(services.sign_in_options(), origin=_origin())
    with pytest.raises(PasskeyRefused, match="voor werkenden"):
        services.sign_in_with_passkey(answer)
    [passkey] = _passkeys()
    session.refresh(passkey)
    assert passkey.sign_count == 0


def test_a_closed_account_does_not_sign_in(in_request, make_worker, registered):
    worker = make_worker()
    authenticator = registered(worker)
    in_request(worker).active = False
    session.commit()
    with pytest.raises(PasskeyRefused):
        services.sign_in_with_passkey(
            authenticator.get(services.sign_in_options(), origin=_origin())
        )


# --- second factor -------------------------------------------------------------------------


def test_the_second_factor_asks_for_the_users_own_passkeys(in_request, make_worker, registered):
    worker, other = make_worker(), make_worker()
    mine, _theirs = registered(worker), registered(other)
    options = services.assertion_options(in_request(worker))
    assert [c["id"] for c in options["allowCredentials"]] == [mine.id]
    assert options["allowCredentials"][0]["transports"] == ["internal"]


def test_the_second_factor_accepts_the_users_passkey_once(in_request, make_staff, registered):
    admin = make_staff(Role.FUND_ADMIN)
    authenticator = registered(admin)
    user = in_request(admin)
    answer = authenticator.get(services.assertion_options(user), origin=_origin())
    assert services.verify_assertion(user, answer) is True
    [passkey] = _passkeys()
    session.refresh(passkey)
    assert passkey.sign_count == 1
    assert passkey.last_used_at is not None
    assert services.verify_assertion(user, answer) is False  # its challenge is spent


def test_the_second_factor_refuses_another_users_passkey(in_request, make_worker, registered):
    worker, other = make_worker(), make_worker()
    registered(worker)
    theirs = registered(other)
    user = in_request(worker)
    answer = theirs.get(services.assertion_options(user), origin=_origin())
    assert services.verify_assertion(user, answer) is False
    passkey = session.scalar(sa.select(Passkey).where(Passkey.user_id == other.id))
    assert passkey.sign_count == 0


def test_the_second_factor_refuses_options_made_for_another_user(
    in_request, make_worker, registered
):
    worker, other = make_worker(), make_worker()
    registered(worker)
    theirs = registered(other)
    answer = theirs.get(services.assertion_options(in_request(other)), origin=_origin())
    assert services.verify_assertion(in_request(worker), answer) is False


@pytest.mark.parametrize(
    ("origin", "challenge"),
    [
        pytest.param(WRONG_ORIGIN, None, id="wrong origin"),
        pytest.param(None, "bm90IHRoZSBjaGFsbGVuZ2U", id="wrong challenge"),
    ],
)
def test_the_second_factor_refuses_a_wrong_answer(
    in_request, make_worker, registered, origin, challenge
):
    worker = make_worker()
    authenticator = registered(worker)
    user = in_request(worker)
    answer = authenticator.get(
        services.assertion_options(user), origin=origin or _origin(), challenge=challenge
    )
    assert services.verify_assertion(user, answer) is False


def test_the_second_factor_refuses_a_replayed_counter(in_request, make_worker, registered):
    worker = make_worker()
    authenticator = registered(worker)
    user = in_request(worker)
    assert services.verify_assertion(
        user, authenticator.get(services.assertion_options(user), origin=_origin())
    )
    authenticator.sign_count = 0
    replay = authenticator.get(services.assertion_options(user), origin=_origin())
    assert services.verify_assertion(user, replay) is False


def test_the_second_factor_without_options_or_passkeys(in_request, make_worker, registered):
    worker, without = make_worker(), make_worker()
    authenticator = registered(worker)
    user = in_request(worker)
    options = services.assertion_options(user)
    web_session.pop(SESSION_KEY)  # no challenge waits: a new session, or one that expired
    assert services.verify_assertion(user, authenticator.get(options, origin=_origin())) is False
    assert services.has_passkeys(user) is True
    assert services.has_passkeys(in_request(without)) is False
    with pytest.raises(PasskeyRefused):
        services.assertion_options(in_request(without))
    assert services.verify_assertion(in_request(without), "{}") is False


# --- the relying party -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base_url", "settings", "expected"),
    [
        ("https://leerwallet.nl", {}, ("leerwallet.nl", "https://leerwallet.nl")),
        (
            "https://www.leerwallet.nl:8443/",
            {},
            ("www.leerwallet.nl", "https://www.leerwallet.nl:8443"),
        ),
        ("http://127.0.0.1:5000", {}, ("localhost", "http://localhost:5000")),
        ("http://localhost:8000", {}, ("localhost", "http://localhost:8000")),
        (
            "https://www.leerwallet.nl",
            {"PASSKEY_RP_ID": "leerwallet.nl"},
            ("leerwallet.nl", "https://www.leerwallet.nl"),
        ),
        (
            "http://127.0.0.1:5000",
            {"PASSKEY_ORIGIN": "https://wallet.example.nl", "PASSKEY_RP_ID": "wallet.example.nl"},
            ("wallet.example.nl", "https://wallet.example.nl"),
        ),
    ],
)
def test_the_relying_party_comes_from_the_settings(app, monkeypatch, base_url, settings, expected):
    monkeypatch.setitem(app.config, "BASE_URL", base_url)
    for name in ("PASSKEY_RP_ID", "PASSKEY_ORIGIN"):
        monkeypatch.setitem(app.config, name, settings.get(name))
    with app.app_context():
        rp = relying_party()
    assert (rp.id, rp.origin) == expected
