"""Enrolment: QR code and typed secret, confirmed by a first code; ten recovery codes shown
once; the secret stored encrypted; a notice e-mail in the user's language; audited."""

from __future__ import annotations

import re

import sqlalchemy as sa

from tests.conftest import PASSWORD
from tests.twofactor.signin import secret_on_page
from wallet.audit.models import AuditEvent
from wallet.notifications.models import OutboxMessage
from wallet.twofactor.models import RecoveryCode, TotpFactor


def test_a_worker_enrols_with_a_first_code_and_gets_ten_recovery_codes_once(
    client, db, make_worker, login, code_now
):
    worker = make_worker(preferred_language="de")
    login(client, worker)
    page = client.get("/account/second-factor/enrol")
    assert page.status_code == 200
    assert "<svg" in page.text
    assert 'role="img"' in page.text
    secret = secret_on_page(page.text)
    assert len(secret) == 32

    wrong = client.post(
        "/account/second-factor/enrol", data={"code": "000000", "password": PASSWORD}
    )
    assert wrong.status_code == 422
    assert db.scalar(sa.select(TotpFactor.confirmed_at)) is None

    done = client.post(
        "/account/second-factor/enrol", data={"code": code_now(secret), "password": PASSWORD}
    )
    assert done.status_code == 200
    codes = re.findall(r"<code>([0-9a-f]{5}-[0-9a-f]{5})</code>", done.text)
    assert len(set(codes)) == 10
    factor = db.scalar(sa.select(TotpFactor))
    assert factor.confirmed_at is not None
    assert secret not in factor.secret_encrypted  # encrypted at rest
    stored = db.scalars(sa.select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10
    assert not set(codes) & set(stored)  # only hashes
    # Never shown again: the account page has neither the secret nor the codes.
    account = client.get("/account/second-factor").text
    assert secret not in account
    assert codes[0] not in account
    # The worker is told in their own language, and it is audited.
    notice = db.scalar(sa.select(OutboxMessage).where(OutboxMessage.topic == "second_factor_added"))
    assert notice.to_address == worker.email
    assert notice.language == "de"
    assert "Zwei" in notice.subject or "zweite" in notice.subject.lower()
    actions = db.scalars(sa.select(AuditEvent.action)).all()
    assert "second_factor_added" in actions


def test_replacing_the_factor_keeps_the_old_one_until_the_new_is_confirmed(
    client, db, make_worker, login, code_now
):
    worker = make_worker()
    login(client, worker)
    first = secret_on_page(client.get("/account/second-factor/enrol").text)
    client.post(
        "/account/second-factor/enrol", data={"code": code_now(first), "password": PASSWORD}
    )
    second = secret_on_page(client.get("/account/second-factor/enrol").text)
    assert second != first
    factor = db.scalar(sa.select(TotpFactor))
    assert factor.secret_encrypted is not None
    assert factor.pending_encrypted is not None
    done = client.post("/account/second-factor/enrol", data={"code": code_now(second, 1)})
    assert done.status_code == 200
    topics = db.scalars(sa.select(OutboxMessage.topic).order_by(OutboxMessage.id)).all()
    assert topics == ["second_factor_added", "second_factor_replaced"]
    # The old app's codes no longer work: the new secret is the one in use.
    db.expire_all()
    assert db.scalar(sa.select(TotpFactor.pending_encrypted)) is None
