"""A platform administrator closes an account from its page: a reason and a confirmation
first, then for good (no unblocking, no second closing)."""

from __future__ import annotations

import sqlalchemy as sa

from tests.conftest import PASSWORD
from wallet.accounts.models import Role, User
from wallet.audit.models import AuditEvent


def test_closing_from_the_page_asks_a_reason_then_closes_for_good(
    db, client, make_worker, make_staff, login
):
    admin = make_staff(Role.PLATFORM_ADMIN, name="Petra Platform")
    worker = make_worker(name="Sanne Visser")
    login(client, admin)
    assert f"/admin/users/{worker.id}/close" in client.get(f"/admin/users/{worker.id}").text
    ask = client.get(f"/admin/users/{worker.id}/close")
    assert ask.status_code == 200
    assert "Het account van Sanne Visser definitief sluiten?" in ask.text
    assert 'name="reason"' in ask.text

    empty = client.post(f"/admin/users/{worker.id}/close", data={"reason": " "})
    assert empty.status_code == 422
    assert db.get(User, worker.id).closed_at is None

    done = client.post(f"/admin/users/{worker.id}/close", data={"reason": "Verzoek 1 juni"})
    assert done.status_code == 302
    closed = db.get(User, worker.id)
    assert closed.closed_at is not None
    assert not closed.active
    event = db.scalar(sa.select(AuditEvent).where(AuditEvent.action == "account_closed"))
    assert event.actor_id == admin.id
    assert event.reason == "Verzoek 1 juni"

    page = client.get(f"/admin/users/{worker.id}").text
    assert "Dit account is gesloten sinds" in page
    assert f"/admin/users/{worker.id}/close" not in page
    assert f"/admin/users/{worker.id}/unblock" not in page
    again = client.post(
        f"/admin/users/{worker.id}/close", data={"reason": "nog eens"}, follow_redirects=True
    )
    assert "Dit account is al gesloten." in again.text


def test_a_closed_account_cannot_be_unblocked(db, client, make_worker, make_staff, login):
    admin = make_staff(Role.PLATFORM_ADMIN)
    worker = make_worker()
    login(client, admin)
    client.post(f"/admin/users/{worker.id}/block", data={"reason": "Fraude"})
    client.post(f"/admin/users/{worker.id}/close", data={"reason": "Verzoek"})
    answer = client.post(f"/admin/users/{worker.id}/unblock", data={}, follow_redirects=True)
    assert "Dit account is gesloten; het kan niet meer worden geopend." in answer.text
    assert not db.get(User, worker.id).active


def test_the_owner_of_a_closed_account_cannot_sign_in(client, make_worker, make_staff, login):
    admin = make_staff(Role.PLATFORM_ADMIN)
    worker = make_worker()
    login(client, admin)
    client.post(f"/admin/users/{worker.id}/close", data={"reason": "Verzoek"})
    other = client.application.test_client()
    answer = other.post("/login", data={"email": worker.email, "password": PASSWORD})
    assert answer.status_code != 302
