"""User administration: blocking (no sign-in, no token, sessions ended at once), unblocking,
ending sessions, resetting a second factor, inviting administrators; each audited with its
reason, refused to anyone but a platform administrator and on one's own account."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.conftest import PASSWORD
from tests.twofactor.signin import sign_in
from wallet.accounts.models import PasswordReset, Role, User
from wallet.accounts.services import create_api_token
from wallet.audit.models import AuditEvent
from wallet.core.db import session
from wallet.core.errors import Conflict, Forbidden, ValidationFailed
from wallet.notifications.models import OutboxMessage
from wallet.passkeys.models import Passkey
from wallet.sessions import services as sessions
from wallet.twofactor.models import RecoveryCode, TotpFactor
from wallet.twofactor.recovery import new_codes
from wallet.useradmin import services

PAGE = "/account/sessions"


def _events(db, action: str) -> list[AuditEvent]:
    return list(db.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def _mail(db, user_id: int, topic: str) -> list[OutboxMessage]:
    return list(
        db.scalars(
            sa.select(OutboxMessage).where(
                OutboxMessage.user_id == user_id, OutboxMessage.topic == topic
            )
        )
    )


# --- blocking ---------------------------------------------------------------------------------


def test_a_blocked_person_is_told_at_sign_in_that_the_account_is_blocked(
    client, db, make_worker, as_admin
):
    worker = make_worker()
    as_admin(services.block_user, worker.id, "Fraude met aanvragen vermoed")
    answer = client.post("/login", data={"email": worker.email, "password": PASSWORD})
    assert answer.status_code == 403
    assert "geblokkeerd" in answer.text
    assert "helpdesk@leerwallet.nl" in answer.text
    assert client.get(PAGE).status_code == 302  # not signed in
    # A wrong password learns nothing about the block: the usual answer.
    wrong = client.post("/login", data={"email": worker.email, "password": "wrong " + PASSWORD})
    assert wrong.status_code == 401
    assert "geblokkeerd" not in wrong.text


def test_blocking_ends_every_session_of_the_user_at_once(
    store_app, store_client, make_worker, login, as_admin
):
    worker = make_worker()
    other = store_app.test_client()
    login(store_client, worker)
    login(other, worker)
    assert store_client.get(PAGE).status_code == 200
    with store_app.app_context():
        assert len(sessions.sessions_of(worker.id)) == 2
    as_admin(services.block_user, worker.id, "Account overgenomen", app_=store_app)
    for browser in (store_client, other):
        answer = browser.get(PAGE)
        assert answer.status_code == 302
        assert "/login" in answer.headers["Location"]
    with store_app.app_context():
        assert sessions.sessions_of(worker.id) == []


def test_the_api_tokens_of_a_blocked_user_are_refused(app, make_provider_user, as_admin):
    staff = make_provider_user()
    with app.app_context():
        _token, plain = create_api_token(session.get(User, staff.id), "Koppeling", ["read"])
    api = app.test_client()
    headers = {"Authorization": f"Bearer {plain}"}
    assert api.get("/api/v1/me", headers=headers).status_code == 200
    as_admin(services.block_user, staff.id, "Sleutel gelekt")
    refused = api.get("/api/v1/me", headers=headers)
    assert refused.status_code == 401
    assert refused.mimetype == "application/problem+json"
    as_admin(services.unblock_user, staff.id)
    assert api.get("/api/v1/me", headers=headers).status_code == 200


def test_blocking_is_audited_with_its_reason_and_the_person_is_told(
    db, make_worker, admin, as_admin
):
    worker = make_worker()
    as_admin(services.block_user, worker.id, "  Drie accounts,   één persoon ")
    stored = db.get(User, worker.id)
    assert stored.blocked
    assert not stored.active
    assert stored.blocked_reason == "Drie accounts, één persoon"
    assert stored.blocked_by_id == admin.id
    [event] = _events(db, "account_blocked")
    assert (event.subject_type, event.subject_id, event.actor_id) == ("user", worker.id, admin.id)
    assert event.reason == "Drie accounts, één persoon"
    [mail] = _mail(db, worker.id, "account_blocked")
    assert "Drie accounts, één persoon" in mail.body
    assert "helpdesk@leerwallet.nl" in mail.body


def test_a_block_needs_a_reason_and_writes_nothing_without_one(db, make_worker, as_admin):
    worker = make_worker()
    with pytest.raises(ValidationFailed) as refused:
        as_admin(services.block_user, worker.id, "   ")
    assert "reason" in refused.value.errors
    assert db.get(User, worker.id).active
    assert _events(db, "account_blocked") == []


def test_a_blocked_account_is_not_blocked_twice(make_worker, as_admin):
    worker = make_worker()
    as_admin(services.block_user, worker.id, "Eerste keer")
    with pytest.raises(Conflict):
        as_admin(services.block_user, worker.id, "Tweede keer")


def test_unblocking_lets_the_person_sign_in_again_and_is_audited(
    client, db, make_worker, admin, as_admin
):
    worker = make_worker()
    as_admin(services.block_user, worker.id, "Onderzoek")
    as_admin(services.unblock_user, worker.id, "Onderzoek afgerond")
    stored = db.get(User, worker.id)
    assert stored.active
    assert not stored.blocked
    assert stored.blocked_reason is None
    [event] = _events(db, "account_unblocked")
    assert (event.actor_id, event.reason) == (admin.id, "Onderzoek afgerond")
    assert _mail(db, worker.id, "account_unblocked")
    assert sign_in(client, worker.email, PASSWORD).status_code == 302
    assert client.get(PAGE).status_code == 200
    with pytest.raises(Conflict):
        as_admin(services.unblock_user, worker.id)


# --- ending sessions ----------------------------------------------------------------------------


def test_ending_the_sessions_of_a_user_signs_them_out_and_is_audited(
    store_app, store_client, db, make_worker, login, as_admin
):
    worker = make_worker()
    login(store_client, worker)
    ended = as_admin(services.end_user_sessions, worker.id, app_=store_app)
    assert ended == 1
    assert store_client.get(PAGE).status_code == 302
    [event] = _events(db, "sessions_ended")
    assert event.after == {"ended": 1}
    assert db.get(User, worker.id).active  # signed out, not blocked


# --- resetting the second factor ----------------------------------------------------------------


def _give_passkey_and_codes(app, user_id: int) -> None:
    with app.app_context():
        new_codes(user_id)
        session.add(
            Passkey(
                user_id=user_id,
                name="Telefoon",
                credential_id=f"cred-{user_id}",
                public_key=b"key",
                sign_count=0,
                transports=[],
                user_handle="handle",
            )
        )
        session.commit()


def test_resetting_the_second_factor_removes_app_codes_and_passkeys_and_ends_sessions(
    app, client, db, make_staff, login, admin, as_admin
):
    fund_admin = make_staff(Role.FUND_ADMIN)
    _give_passkey_and_codes(app, fund_admin.id)
    login(client, fund_admin)
    as_admin(services.reset_second_factor, fund_admin.id, "Telefoon verloren")
    for model in (TotpFactor, RecoveryCode, Passkey):
        assert (
            db.scalar(
                sa.select(sa.func.count()).select_from(model).where(model.user_id == fund_admin.id)
            )
            == 0
        )
    assert client.get(PAGE).status_code == 302
    [event] = _events(db, "second_factor_reset")
    assert event.reason == "Telefoon verloren"
    assert event.before == {"totp": 1, "recovery_codes": 10, "passkeys": 1, "sessions_ended": 1}
    assert _mail(db, fund_admin.id, "second_factor_reset")
    # At the next sign-in the enrolment gate asks for a new factor before anything else.
    answer = client.post("/login", data={"email": fund_admin.email, "password": PASSWORD})
    assert answer.headers["Location"].endswith("/login/second-factor/enrol")


def test_a_user_without_a_second_factor_has_nothing_to_reset(db, make_worker, as_admin):
    worker = make_worker()
    with pytest.raises(Conflict):
        as_admin(services.reset_second_factor, worker.id, "Verloren")
    assert _events(db, "second_factor_reset") == []


# --- refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "args"),
    [
        (services.block_user, ("Zelf",)),
        (services.unblock_user, ()),
        (services.end_user_sessions, ()),
        (services.reset_second_factor, ("Zelf",)),
    ],
)
def test_an_administrator_cannot_act_on_their_own_account(db, admin, as_admin, action, args):
    with pytest.raises(Forbidden):
        as_admin(action, admin.id, *args)
    assert db.get(User, admin.id).active
    assert db.scalar(sa.select(sa.func.count()).select_from(TotpFactor)) == 1


@pytest.mark.parametrize(
    "role", [Role.WORKER, Role.PROVIDER_STAFF, Role.EMPLOYER_STAFF, Role.FUND_ADMIN, Role.BROKER]
)
def test_only_platform_administrators_administer_users(app, db, make_user, make_worker, role):
    actor, target = make_user(role), make_worker()
    with app.app_context():
        me = session.get(User, actor.id)
        for call in (
            lambda: services.block_user(me, target.id, "Nee"),
            lambda: services.unblock_user(me, target.id),
            lambda: services.end_user_sessions(me, target.id),
            lambda: services.reset_second_factor(me, target.id, "Nee"),
            lambda: services.invite_administrator(
                me, name="X", email="x@example.nl", role=Role.PLATFORM_ADMIN
            ),
        ):
            with pytest.raises(Forbidden):
                call()
    assert db.get(User, target.id).active
    assert db.scalar(sa.select(User).where(User.email == "x@example.nl")) is None


# --- inviting administrators --------------------------------------------------------------------


def test_a_fund_administrator_is_invited_for_the_chosen_fund(db, make_fund, admin, as_admin):
    fund = make_fund(name="Zeeuws Opleidingsfonds")
    invited = as_admin(
        services.invite_administrator,
        name="Femke de Vries",
        email="Femke@Example.nl",
        role=Role.FUND_ADMIN,
        fund_id=fund.id,
    )
    stored = db.get(User, invited.id)
    assert (stored.role, stored.fund_id, stored.email) == (
        Role.FUND_ADMIN,
        fund.id,
        "femke@example.nl",
    )
    [link] = db.scalars(sa.select(PasswordReset).where(PasswordReset.user_id == invited.id))
    assert link.purpose.value == "invitation"
    [mail] = _mail(db, invited.id, "invitation")
    assert "Zeeuws Opleidingsfonds" in mail.body
    [event] = [e for e in _events(db, "staff_added") if e.subject_id == invited.id]
    assert event.actor_id == admin.id
    assert event.after["fund"] == fund.id
    assert event.after["invited"] is True


def test_a_platform_administrator_is_invited_without_a_fund(db, as_admin):
    invited = as_admin(
        services.invite_administrator, name="Pim", email="pim@example.nl", role=Role.PLATFORM_ADMIN
    )
    stored = db.get(User, invited.id)
    assert stored.role == Role.PLATFORM_ADMIN
    assert stored.fund_id is None


@pytest.mark.parametrize(
    ("role", "fund_id", "field"),
    [(Role.FUND_ADMIN, None, "fund"), (Role.FUND_ADMIN, 999, "fund"), (Role.WORKER, None, "role")],
)
def test_an_invitation_without_a_fund_or_for_another_role_is_refused(
    db, as_admin, role, fund_id, field
):
    with pytest.raises(ValidationFailed) as refused:
        as_admin(
            services.invite_administrator,
            name="Nina",
            email="nina@example.nl",
            role=role,
            fund_id=fund_id,
        )
    assert field in refused.value.errors
    assert db.scalar(sa.select(User).where(User.email == "nina@example.nl")) is None


def test_find_users_by_part_of_name_or_address_any_case(app, make_worker, admin):
    make_worker(name="Jan de Boer", email="jan@boer.nl")
    make_worker(name="Marieke Smit", email="m.smit@example.nl")
    with app.app_context():
        by_name, total = services.find_users("BOER")
        assert total == 1
        assert by_name[0].user.name == "Jan de Boer"
        by_mail, _total = services.find_users("smit@exa")
        assert [row.user.name for row in by_mail] == ["Marieke Smit"]
        admins, _total = services.find_users("", role=Role.PLATFORM_ADMIN)
        assert [(row.user.id, row.second_factor) for row in admins] == [(admin.id, True)]
        assert services.find_users("%")[1] == 0  # a wildcard is a character, not a pattern
