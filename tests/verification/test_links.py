"""Verification links: single use, time-limited, only their hash stored, resent with a
doubling wait; an invitation link verifies too."""

import datetime as dt
import hashlib

import pytest
import sqlalchemy as sa

from tests.accounts.links import accept_invitation
from tests.verification.helpers import verification_path, worker_form
from wallet.accounts.models import Role, User
from wallet.accounts.services import create_staff_user
from wallet.audit.models import AuditEvent
from wallet.core import clock
from wallet.funds.services import create_fund
from wallet.notifications.models import OutboxMessage
from wallet.verification import links
from wallet.verification.models import EmailVerification

START = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)


def _user(db, email="fatma@example.nl") -> User:
    db.expire_all()
    return db.scalar(sa.select(User).where(User.email == email))


def _sent(db, email="fatma@example.nl") -> int:
    query = sa.select(sa.func.count(OutboxMessage.id)).where(
        OutboxMessage.to_address == email, OutboxMessage.topic == "email_verification"
    )
    return db.scalar(query)


def test_a_self_registered_worker_gets_a_link_that_works_once(client, db):
    assert client.post("/register", data=worker_form()).status_code == 302
    assert _user(db).email_verified_at is None
    assert _sent(db) == 1
    path = verification_path(db, "fatma@example.nl")
    token = path.rsplit("/", 1)[1]
    stored = db.scalar(sa.select(EmailVerification.token_hash))
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    assert stored != token
    assert client.get(path).status_code == 302
    assert _user(db).email_verified_at is not None
    again = client.get(path)
    assert again.status_code == 410
    actions = set(db.scalars(sa.select(AuditEvent.action).where(AuditEvent.subject_type == "user")))
    assert "email_verified" in actions


def test_a_link_expires_after_its_lifetime(client, db):
    with clock.frozen_at(START):
        client.post("/register", data=worker_form())
    path = verification_path(db, "fatma@example.nl")
    with clock.frozen_at(START + links.LIFETIME):
        assert client.get(path).status_code == 410
    assert _user(db).email_verified_at is None


def test_an_unknown_token_verifies_nothing(client, db):
    client.post("/register", data=worker_form())
    assert client.get("/verify/not-a-real-token").status_code == 410
    assert _user(db).email_verified_at is None


def test_a_link_for_an_address_the_account_no_longer_has_verifies_nothing(client, db):
    client.post("/register", data=worker_form())
    path = verification_path(db, "fatma@example.nl")
    db.execute(sa.update(User).values(email="ander@example.nl"))
    db.commit()
    assert client.get(path).status_code == 410
    assert _user(db, "ander@example.nl").email_verified_at is None


def test_resending_waits_twice_as_long_each_time(client, db):
    with clock.frozen_at(START):
        client.post("/register", data=worker_form())
        client.post("/verify/resend")  # a minute has not passed: refused
    assert _sent(db) == 1
    with clock.frozen_at(START + dt.timedelta(minutes=1)):
        client.post("/verify/resend")
    assert _sent(db) == 2
    with clock.frozen_at(START + dt.timedelta(minutes=2, seconds=59)):
        refused = client.post("/verify/resend", follow_redirects=True)
    assert "Je kunt over een minuut om een nieuwe vragen." in refused.text
    assert _sent(db) == 2
    with clock.frozen_at(START + dt.timedelta(minutes=3)):
        client.post("/verify/resend")
    assert _sent(db) == 3
    # The newest link works; it is one of several, each single-use.
    assert client.get(verification_path(db, "fatma@example.nl")).status_code == 302
    assert _user(db).email_verified_at is not None


def test_the_wait_caps_at_a_day(app_ctx, make_worker):
    worker = make_worker(verified=False)
    with clock.frozen_at(START):
        for _ in range(20):
            app_ctx.add(
                EmailVerification(
                    user_id=worker.id,
                    email=worker.email,
                    token_hash=f"{_:064d}",
                    created_at=clock.now(),
                    expires_at=clock.now(),
                )
            )
        app_ctx.commit()
        assert links.resend_wait(app_ctx.get(User, worker.id)) == links.LONGEST_WAIT


def test_accepting_an_invitation_verifies_the_address(app, client, db):
    with app.app_context():
        fund = create_fund("Twents Fonds")
        create_staff_user(
            email="beheer@example.nl", name="Bea Beheer", role=Role.FUND_ADMIN, fund=fund
        )
    assert _user(db, "beheer@example.nl").email_verified_at is None
    accept_invitation(client, db, "beheer@example.nl", "a long and unusual passphrase 42")
    assert _user(db, "beheer@example.nl").email_verified_at is not None


@pytest.mark.parametrize(
    ("verified", "banner"), [(False, True), (True, False)], ids=["unverified", "verified"]
)
def test_the_banner_shows_until_the_address_is_verified(
    client, db, make_worker, login, verified, banner
):
    worker = make_worker(verified=verified)
    login(client, worker)
    page = client.get("/").text
    assert ("Bevestig je e-mailadres" in page) is banner
    assert ('action="/verify/resend"' in page) is banner
