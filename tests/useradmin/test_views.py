"""The user administration and fund pages: only platform administrators see them, every
action asks a fresh second factor and a confirmation, and the search pages by 50."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from wallet.accounts.models import Role, User
from wallet.audit.models import AuditEvent
from wallet.core import clock
from wallet.core.db import session
from wallet.funds.models import Fund

PAGES = [
    "/admin/users",
    "/admin/users/1",
    "/admin/users/1/block",
    "/admin/users/invite",
    "/admin/funds",
    "/admin/funds/new",
]


@pytest.mark.parametrize(
    "role", [Role.WORKER, Role.PROVIDER_STAFF, Role.EMPLOYER_STAFF, Role.FUND_ADMIN, Role.BROKER]
)
def test_the_pages_are_forbidden_to_everyone_but_platform_administrators(
    client, make_user, login, role
):
    login(client, make_user(role))
    for path in PAGES:
        assert client.get(path).status_code == 403, path
    assert client.post("/admin/users/1/block", data={"reason": "x"}).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for path in PAGES:
        answer = client.get(path)
        assert answer.status_code == 302, path
        assert "/login" in answer.headers["Location"], path


def test_the_header_links_to_users_and_funds_for_platform_administrators_only(
    client, make_staff, login
):
    login(client, make_staff(Role.PLATFORM_ADMIN))
    page = client.get("/").text
    assert 'href="/admin/users"' in page
    assert 'href="/admin/funds"' in page
    client.post("/logout")
    login(client, make_staff(Role.FUND_ADMIN))
    assert 'href="/admin/users"' not in client.get("/").text


def _many_users(app, count: int) -> None:
    with app.app_context():
        session.add_all(
            User(
                email=f"cursist{n:03d}@voorbeeld.nl",
                password_hash="!",
                name=f"Cursist {n:03d}",
                role=Role.WORKER,
            )
            for n in range(count)
        )
        session.commit()


def test_the_search_finds_by_name_or_address_and_pages_by_fifty(app, client, admin, login):
    _many_users(app, 51)
    login(client, admin)
    first = client.get("/admin/users?q=cursist")
    assert first.status_code == 200
    assert "51 gebruikers gevonden" in first.text
    assert "Cursist 049" in first.text
    assert "Cursist 050" not in first.text
    assert 'href="/admin/users?page=2&amp;q=cursist"' in first.text
    second = client.get("/admin/users?q=cursist&page=2")
    assert "Cursist 050" in second.text
    assert "Cursist 000" not in second.text
    one = client.get("/admin/users?q=CURSIST007%40VOORBEELD")
    assert "1 gebruiker gevonden" in one.text


def test_a_user_page_shows_the_facts_and_the_sessions(client, make_worker, admin, login):
    worker = make_worker(name="Sanne Visser")
    worker_client = client.application.test_client()
    login(worker_client, worker)
    login(client, admin)
    page = client.get(f"/admin/users/{worker.id}").text
    assert "Sanne Visser" in page
    assert worker.email in page
    assert "Werkende" in page  # the role, in words
    assert "Actieve sessies" in page
    assert "Niet ingelogd" not in page
    assert f"/admin/users/{worker.id}/block" in page


def test_blocking_from_the_page_asks_a_reason_then_blocks(db, client, make_worker, admin, login):
    worker = make_worker()
    login(client, admin)
    ask = client.get(f"/admin/users/{worker.id}/block")
    assert ask.status_code == 200
    assert 'name="reason"' in ask.text
    empty = client.post(f"/admin/users/{worker.id}/block", data={"reason": ""})
    assert empty.status_code == 422
    assert db.get(User, worker.id).active
    done = client.post(f"/admin/users/{worker.id}/block", data={"reason": "Fraude"})
    assert done.status_code == 302
    assert db.get(User, worker.id).blocked


def test_an_action_without_a_fresh_second_factor_goes_to_the_step_up_first(
    db, client, make_worker, admin, login
):
    worker = make_worker()
    login(client, admin)
    clock.set_now(clock.now() + dt.timedelta(minutes=10))  # the factor given at sign-in is stale
    ask = client.get(f"/admin/users/{worker.id}/block")
    assert ask.status_code == 302
    assert ask.headers["Location"].startswith("/account/second-factor/confirm")
    sent = client.post(f"/admin/users/{worker.id}/block", data={"reason": "Fraude"})
    assert sent.status_code == 302
    assert db.get(User, worker.id).active  # nothing was done
    assert db.scalar(sa.select(AuditEvent).where(AuditEvent.action == "account_blocked")) is None


def test_an_administrator_sees_no_actions_on_their_own_page_and_cannot_post_them(
    db, client, admin, login
):
    login(client, admin)
    page = client.get(f"/admin/users/{admin.id}").text
    assert f"/admin/users/{admin.id}/block" not in page
    refused = client.post(f"/admin/users/{admin.id}/block", data={"reason": "Zelf"})
    assert refused.status_code == 302
    assert db.get(User, admin.id).active


def test_inviting_a_fund_administrator_asks_for_a_confirmation(db, client, make_fund, admin, login):
    fund = make_fund(name="Fonds Achterhoek")
    login(client, admin)
    data = {
        "name": "Ruben Jansen",
        "email": "ruben@example.nl",
        "role": "fund_admin",
        "fund": str(fund.id),
    }
    check = client.post("/admin/users/invite", data=data)
    assert check.status_code == 200
    assert "Fonds Achterhoek" in check.text
    assert 'name="confirmed" value="yes"' in check.text
    assert db.scalar(sa.select(User).where(User.email == "ruben@example.nl")) is None
    done = client.post("/admin/users/invite", data={**data, "confirmed": "yes"})
    assert done.status_code == 302
    invited = db.scalar(sa.select(User).where(User.email == "ruben@example.nl"))
    assert (invited.role, invited.fund_id) == (Role.FUND_ADMIN, fund.id)


def test_opening_a_fund_from_the_page_checks_then_opens(db, client, admin, login):
    login(client, admin)
    assert "Twente" in client.get("/admin/funds/new").text
    data = {
        "name": "Twents Fonds",
        "region": "Twente",
        "iban": "NL91ABNA0417164300",
        "opening": "1.000,00",
        "reference": "Storting 1",
    }
    wrong = client.post("/admin/funds/new", data={**data, "iban": "NL00 0000"})
    assert wrong.status_code == 422
    check = client.post("/admin/funds/new", data=data)
    assert check.status_code == 200
    assert "NL91 ABNA 0417 1643 00" in check.text
    assert "1.000,00" in check.text
    assert db.scalar(sa.select(Fund)) is None
    done = client.post("/admin/funds/new", data={**data, "confirmed": "yes"})
    assert done.status_code == 302
    assert done.headers["Location"] == "/admin/funds"
    fund = db.scalar(sa.select(Fund))
    assert (fund.name, fund.region, fund.iban) == ("Twents Fonds", "Twente", "NL91ABNA0417164300")
    listing = client.get("/admin/funds").text
    assert "Twents Fonds" in listing
    assert "eindigt op 4300" in listing
    assert "0417" not in listing
    again = client.post("/admin/funds/new", data={**data, "confirmed": "yes"})
    assert again.status_code == 422  # the name is taken: no second fund
    assert db.scalar(sa.select(sa.func.count()).select_from(Fund)) == 1
