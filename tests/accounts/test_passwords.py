"""Forgotten passwords, reset links, changing the password, the strength check, invitations."""

import datetime as dt
import hashlib

import pytest
import sqlalchemy as sa

from tests.accounts.links import accept_invitation, link_path
from tests.conftest import PASSWORD
from wallet.accounts import resets
from wallet.accounts.models import LoginFailure, PasswordReset, Role, User
from wallet.accounts.passwords import password_problem
from wallet.audit.models import AuditEvent
from wallet.core import clock
from wallet.notifications.models import OutboxMessage

NEW = "zeventien oranje kopjes thee"
START = dt.datetime(2027, 5, 3, 9, 0, tzinfo=dt.UTC)


def _topics(db, email: str) -> list[str]:
    query = sa.select(OutboxMessage.topic).where(OutboxMessage.to_address == email)
    return list(db.scalars(query.order_by(OutboxMessage.id)))


def _ask_reset(client, email: str):
    return client.post("/password/forgot", data={"email": email})


def _set(client, path: str, password: str = NEW):
    return client.post(path, data={"password": password, "password_confirm": password})


def _logs_in(client, email: str, password: str) -> bool:
    answer = client.post("/login", data={"email": email, "password": password})
    client.post("/logout")
    return answer.status_code == 302


# --- asking for a link: one answer for every address ---------------------------------------


def test_the_login_page_offers_a_reset(client):
    page = client.get("/login").text
    assert 'href="/password/forgot"' in page
    assert "Wachtwoord vergeten?" in page


def test_known_and_unknown_addresses_get_the_same_answer_by_the_same_path(
    client, make_worker, db, monkeypatch
):
    worker = make_worker()
    tokens = []
    made = resets._new_token
    monkeypatch.setattr(resets, "_new_token", lambda: tokens.append(1) or made())
    known = _ask_reset(client, worker.email)
    unknown = _ask_reset(client, "niemand@example.nl")
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"] == "/password/forgot/sent"
    # A token and its SHA-256 are made for the unknown address too, and stored in a row that
    # is void from the start: the same writes and one commit either way; the e-mail goes
    # through the outbox (written here, sent later by the mail job).
    assert len(tokens) == 2
    links = db.execute(sa.select(PasswordReset.user_id, PasswordReset.used_at)).all()
    assert [user_id for user_id, _used in links] == [worker.id, None]
    assert links[1].used_at is not None
    page = client.get(known.headers["Location"]).text
    assert "Als er een account met dit adres bestaat" in page
    assert _topics(db, worker.email) == ["password_reset"]
    assert db.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 1


def test_only_the_sha256_of_the_token_is_stored(client, make_worker, db):
    worker = make_worker()
    _ask_reset(client, worker.email)
    token = link_path(db, worker.email, "password_reset").rsplit("/", 1)[1]
    stored = db.scalar(sa.select(PasswordReset.token_hash))
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    assert token not in stored


def test_a_mailbox_gets_at_most_three_open_links_an_hour(client, make_worker, db):
    worker = make_worker()
    for _ in range(5):
        assert _ask_reset(client, worker.email).status_code == 302
    assert _topics(db, worker.email) == ["password_reset"] * resets.OPEN_RESETS_LIMIT


# --- using the link ------------------------------------------------------------------------


def test_a_reset_link_sets_the_password_once_and_sends_a_notice(client, make_worker, db):
    worker = make_worker()
    _ask_reset(client, worker.email)
    path = link_path(db, worker.email, "password_reset")
    form = client.get(path)
    assert form.status_code == 200
    assert form.headers["Referrer-Policy"] == "no-referrer"
    assert "Kies een nieuw wachtwoord" in form.text
    done = _set(client, path)
    assert done.status_code == 302
    assert done.headers["Location"] == "/login"
    assert _logs_in(client, worker.email, NEW)
    assert not _logs_in(client, worker.email, PASSWORD)
    again = _set(client, path, "nog een heel ander wachtwoord")
    assert again.status_code == 410
    assert "Deze link werkt niet meer" in again.text
    assert 'href="/password/forgot"' in again.text
    assert _logs_in(client, worker.email, NEW)
    assert _topics(db, worker.email) == ["password_reset", "password_changed"]
    actions = db.scalars(sa.select(AuditEvent.action).where(AuditEvent.subject_id == worker.id))
    assert "password_reset" in set(actions)


def test_a_reset_link_expires_after_sixty_minutes(client, make_worker, db):
    worker = make_worker()
    with clock.frozen_at(START):
        _ask_reset(client, worker.email)
    path = link_path(db, worker.email, "password_reset")
    with clock.frozen_at(START + dt.timedelta(minutes=59)):
        assert client.get(path).status_code == 200
    with clock.frozen_at(START + dt.timedelta(minutes=60)):
        assert client.get(path).status_code == 410
        assert _set(client, path).status_code == 410
    assert _logs_in(client, worker.email, PASSWORD)


def test_two_requests_racing_with_one_link_set_one_password(app, make_worker, monkeypatch):
    from wallet.core.db import session

    worker = make_worker()
    with app.test_request_context():
        resets.request_password_reset(worker.email)
        token = link_path(session, worker.email, "password_reset").rsplit("/", 1)[1]
        link = resets.link_for(token)  # both requests read the link before either wrote
        resets.set_password_by_link(token, NEW)
        monkeypatch.setattr(resets, "link_for", lambda _token: link)
        with pytest.raises(resets.PasswordLinkInvalid):
            resets.set_password_by_link(token, "een fiets met drie bellen")
    assert _logs_in(app.test_client(), worker.email, NEW)


@pytest.mark.parametrize("token", ["onzin", "x" * 43, "a" * 500])
def test_an_unknown_token_gives_a_readable_page(client, token):
    answer = client.get(f"/password/reset/{token}")
    assert answer.status_code == 410
    assert "Deze link kan niet meer worden gebruikt" in answer.text


def test_setting_a_password_voids_the_other_open_links(client, make_worker, db):
    worker = make_worker()
    _ask_reset(client, worker.email)
    first = link_path(db, worker.email, "password_reset")
    _ask_reset(client, worker.email)
    second = link_path(db, worker.email, "password_reset")
    assert first != second
    assert _set(client, second).status_code == 302
    assert client.get(first).status_code == 410


def test_a_reset_refuses_a_weak_password_and_keeps_the_link(client, make_worker, db):
    worker = make_worker()
    _ask_reset(client, worker.email)
    path = link_path(db, worker.email, "password_reset")
    weak = _set(client, path, "wachtwoord12345")
    assert weak.status_code == 422
    assert "uitgelekte wachtwoorden" in weak.text
    assert _set(client, path).status_code == 302


def test_a_reset_forgives_the_owners_failed_sign_ins(app, client, make_worker, db):
    worker = make_worker()
    for _ in range(app.config["LOGIN_THROTTLE_ATTEMPTS"]):
        client.post("/login", data={"email": worker.email, "password": "niet het wachtwoord"})
    right = client.post("/login", data={"email": worker.email, "password": PASSWORD})
    assert right.status_code == 429
    _ask_reset(client, worker.email)
    _set(client, link_path(db, worker.email, "password_reset"))
    assert db.scalar(sa.select(sa.func.count(LoginFailure.id))) == 0
    assert _logs_in(client, worker.email, NEW)


# --- changing it while signed in -----------------------------------------------------------


def _change(client, current: str, new: str = NEW):
    data = {"current_password": current, "password": new, "password_confirm": new}
    return client.post("/account/password", data=data)


def test_changing_the_password_needs_the_current_one(client, make_worker, login, db):
    worker = make_worker()
    login(client, worker)
    assert "Je wachtwoord wijzigen" in client.get("/account/password").text
    wrong = _change(client, "niet mijn wachtwoord")
    assert wrong.status_code == 422
    assert "Dit is niet je huidige wachtwoord." in wrong.text
    assert _topics(db, worker.email) == []
    assert _change(client, PASSWORD).status_code == 302
    assert _topics(db, worker.email) == ["password_changed"]
    notice = db.scalar(sa.select(OutboxMessage.body))
    assert "Wachtwoord vergeten?" in notice
    client.post("/logout")
    assert _logs_in(client, worker.email, NEW)
    assert not _logs_in(client, worker.email, PASSWORD)


def test_guessing_the_current_password_is_throttled_like_a_sign_in(app, client, make_worker, login):
    worker = make_worker()
    login(client, worker)
    for _ in range(app.config["LOGIN_THROTTLE_ATTEMPTS"]):
        assert _change(client, "niet mijn wachtwoord").status_code == 422
    assert _change(client, PASSWORD).status_code == 429


def test_the_password_page_needs_a_sign_in(client):
    answer = client.get("/account/password")
    assert answer.status_code == 302
    assert "/login" in answer.headers["Location"]


# --- the strength check --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "email", "name", "reason"),
    [
        ("wachtwoord12345", "a@example.nl", "", "uitgelekte wachtwoorden"),
        ("Januari19871987", "a@example.nl", "", "uitgelekte wachtwoorden"),
        ("Marieke12345678", "m@example.nl", "Marieke ter Horst", "je naam of e-mailadres"),
        ("mthorst12345678", "mthorst@fonds.example.nl", "M. Horst", "je naam of e-mailadres"),
        ("asdfghjkl;lkj", "a@example.nl", "", "patroon op het toetsenbord"),
        ("kort", "a@example.nl", "", "minimaal 12 tekens"),
    ],
)
def test_weak_and_common_passwords_are_refused_with_the_reason(app, password, email, name, reason):
    with app.test_request_context():
        assert reason in password_problem(password, email, name)


@pytest.mark.parametrize("password", [PASSWORD, NEW, "leerwallet-demo", "ikwileencursus"])
def test_good_passwords_pass(app, password):
    with app.test_request_context():
        assert password_problem(password, "sanne@example.nl", "Sanne de Vries") is None


def test_registration_refuses_a_leaked_password(client):
    from tests.accounts.test_registration import _worker_form

    data = _worker_form(password="wachtwoord12345", password_confirm="wachtwoord12345")
    answer = client.post("/register", data=data)
    assert answer.status_code == 422
    assert "uitgelekte wachtwoorden" in answer.text


def test_changing_to_a_password_with_ones_own_name_is_refused(client, make_worker, login, db):
    worker = make_worker(name="Sanne de Vries")
    login(client, worker)
    answer = _change(client, PASSWORD, "sannedevries2027")
    assert answer.status_code == 422
    assert "je naam of e-mailadres" in answer.text
    assert _topics(db, worker.email) == []


# --- invitations ---------------------------------------------------------------------------


def _invite_colleague(client, make_provider_user, login, email="pim@opleider.example.nl"):
    staff = make_provider_user()
    login(client, staff)
    data = {"form": "colleague", "colleague-name": "Pim Jansen", "colleague-email": email}
    answer = client.post("/provider/organisation", data=data)
    assert answer.status_code == 302
    client.post("/logout")
    return staff


def test_an_invited_colleague_chooses_their_own_password(client, make_provider_user, login, db):
    email = "pim@opleider.example.nl"
    staff = _invite_colleague(client, make_provider_user, login, email)
    pim = db.scalar(sa.select(User).where(User.email == email))
    assert (pim.role, pim.provider_id) == (Role.PROVIDER_STAFF, staff.provider_id)
    # No password was typed for Pim, so none opens the account until Pim chose one.
    for guess in (PASSWORD, "!invited", ""):
        assert not _logs_in(client, email, guess)
    assert _topics(db, email) == ["invitation"]
    invitation = db.scalar(sa.select(OutboxMessage.body).where(OutboxMessage.to_address == email))
    assert "7 dagen" in invitation
    path = link_path(db, email)
    page = client.get(path)
    assert "Kies je wachtwoord" in page.text
    assert email in page.text
    accepted = accept_invitation(client, db, email, NEW)
    # Staff set up their second factor at once, in the browser that opened the link.
    assert accepted.headers["Location"] == "/login/second-factor/enrol"
    assert 'id="totp-secret"' in client.get("/login/second-factor/enrol").text
    assert _logs_in(client, email, NEW)
    assert _set(client, path, "nog een heel ander wachtwoord").status_code == 410
    assert _topics(db, email) == ["invitation", "password_changed"]
    actions = set(db.scalars(sa.select(AuditEvent.action).where(AuditEvent.subject_id == pim.id)))
    assert {"staff_added", "password_set"} <= actions


def test_an_invitation_lasts_seven_days_and_then_a_reset_still_works(
    client, make_provider_user, login, db
):
    email = "pim@opleider.example.nl"
    with clock.frozen_at(START):
        _invite_colleague(client, make_provider_user, login, email)
    path = link_path(db, email)
    with clock.frozen_at(START + dt.timedelta(days=6, hours=23)):
        assert client.get(path).status_code == 200
    with clock.frozen_at(START + dt.timedelta(days=7)):
        assert client.get(path).status_code == 410
        _ask_reset(client, email)
        assert _set(client, link_path(db, email, "password_reset")).status_code == 302
        assert _logs_in(client, email, NEW)


def test_colleague_forms_ask_no_password(client, make_provider_user, make_employer_user, login):
    login(client, make_provider_user())
    assert "colleague-password" not in client.get("/provider/organisation").text
    client.post("/logout")
    login(client, make_employer_user())
    assert "colleague-password" not in client.get("/employer/organisation").text


def test_the_outbox_page_hides_links_that_set_a_password(
    client, make_provider_user, make_staff, login, db
):
    _invite_colleague(client, make_provider_user, login)
    path = link_path(db, "pim@opleider.example.nl")
    login(client, make_staff(Role.PLATFORM_ADMIN))
    outbox = client.get("/outbox").text
    assert "Je bent uitgenodigd voor Leerwallet" in outbox
    assert path not in outbox
    assert "alleen de ontvanger leest het" in outbox
