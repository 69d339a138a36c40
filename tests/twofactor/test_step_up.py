"""Step-up: deciding on a claim, submitting a payout batch, a new IBAN, an API token and
the factor itself need a second factor given within STEP_UP_MINUTES, where one is
enrolled. Without it nothing is done, and the person returns to the page they were on."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import sqlalchemy as sa

from tests.applications import test_applications as application_tests
from tests.claims import conftest as claim_fixtures
from tests.claims.conftest import claim_input
from tests.conftest import PASSWORD
from tests.twofactor.signin import code_for, enrol_known_secret
from wallet.accounts.models import ApiToken, Role, User
from wallet.audit.models import AuditEvent
from wallet.bankdetails.models import BankAccountChange
from wallet.claims import services as claims
from wallet.claims.models import Claim, ClaimStatus
from wallet.core import clock
from wallet.core.db import session
from wallet.notifications.models import OutboxMessage

STEP_UP = "/account/second-factor/confirm"
make_journey = claim_fixtures.make_journey
page_setting = application_tests.page_setting


TOKEN_FORM = {"name": "Boekhouding", "scopes": ["read"], "valid_days": 90}


def _later(minutes: float) -> None:
    clock.set_now(clock.now() + dt.timedelta(minutes=minutes))


def _step_up(app, client, user, back: str):
    """Answer the step-up page with a fresh code; where it sends the person."""
    page = client.get(f"{STEP_UP}?next={quote(back)}")
    assert page.status_code == 200
    return client.post(STEP_UP, data={"code": code_for(app, user.email), "next": back})


def _submitted_claim(app, make_journey) -> tuple[dict, int]:
    journey = make_journey()
    with app.app_context():
        staff = session.get(User, journey["staff"].id)
        claim = claims.submit(staff, journey["application"].id, claim_input())
    enrol_known_secret(app, journey["admins"][0])
    return journey, claim.id


def _status(db, claim_id: int) -> ClaimStatus:
    db.expire_all()
    return db.scalar(sa.select(Claim.status).where(Claim.id == claim_id))


def test_approving_a_claim_needs_a_factor_from_the_last_five_minutes(
    app, client, db, make_journey, login
):
    journey, claim_id = _submitted_claim(app, make_journey)
    admin = journey["admins"][0]
    login(client, admin)
    _later(app.config["STEP_UP_MINUTES"] + 1)
    page = f"/claims/{claim_id}"
    asked = client.post(
        f"/claims/{claim_id}/approve", headers={"Referer": f"http://localhost{page}"}
    )
    assert asked.status_code == 302
    assert asked.headers["Location"] == f"{STEP_UP}?next={page}"
    assert _status(db, claim_id) == ClaimStatus.SUBMITTED  # nothing was decided
    wrong = client.post(STEP_UP, data={"code": "000000", "next": page})
    assert wrong.status_code == 422
    back = _step_up(app, client, admin, page)
    assert back.headers["Location"] == page  # back to the claim
    assert client.post(f"/claims/{claim_id}/approve", data={"confirm": "1"}).status_code == 302
    assert _status(db, claim_id) == ClaimStatus.APPROVED


def test_the_fresh_factor_lasts_five_minutes(app, client, db, make_journey, login):
    journey, claim_id = _submitted_claim(app, make_journey)
    login(client, journey["admins"][0])  # signing in gives the factor
    _later(app.config["STEP_UP_MINUTES"] - 1)
    assert (
        client.post(
            f"/claims/{claim_id}/reject", data={"reason": "Geen bewijs", "confirm": "1"}
        ).headers["Location"]
        == f"/claims/{claim_id}"
    )
    assert _status(db, claim_id) == ClaimStatus.REJECTED


def test_a_token_call_is_not_asked_for_a_step_up(app, client, db, make_journey, api_headers):
    journey, claim_id = _submitted_claim(app, make_journey)
    _later(60)
    headers = {**api_headers(journey["admins"][0]), "Idempotency-Key": "step-up-1"}
    approved = client.post(f"/api/v1/claims/{claim_id}/approve", json={}, headers=headers)
    assert approved.status_code == 200, approved.text
    assert _status(db, claim_id) == ClaimStatus.APPROVED


def test_a_new_iban_and_an_api_token_need_a_step_up(app, client, db, make_provider_user, login):
    staff = make_provider_user()
    login(client, staff)
    _later(6)
    asked = client.post("/bank-details", data={"iban": "NL91ABNA0417164300", "password": PASSWORD})
    assert asked.headers["Location"].startswith(STEP_UP)
    assert db.scalar(sa.select(sa.func.count()).select_from(BankAccountChange)) == 0
    asked = client.post("/account/tokens", data=TOKEN_FORM)
    assert asked.headers["Location"].startswith(STEP_UP)
    assert db.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0
    _step_up(app, client, staff, "/bank-details")
    done = client.post("/bank-details", data={"iban": "NL91ABNA0417164300", "password": PASSWORD})
    assert done.headers["Location"] == "/bank-details"
    assert db.scalar(sa.select(sa.func.count()).select_from(BankAccountChange)) == 1
    assert client.post("/account/tokens", data=TOKEN_FORM).status_code == 200
    assert db.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 1


def test_changing_or_removing_the_factor_needs_a_step_up(app, client, db, make_worker, login):
    from tests.twofactor.signin import enrol_through_page

    worker = make_worker()
    login(client, worker)
    enrol_through_page(client)
    _later(6)
    assert client.get("/account/second-factor/enrol").headers["Location"].startswith(STEP_UP)
    assert client.post("/account/second-factor/remove").headers["Location"].startswith(STEP_UP)
    _step_up(app, client, worker, "/account/second-factor")
    assert client.post("/account/second-factor/remove").headers["Location"] == (
        "/account/second-factor"
    )
    from wallet.twofactor.models import TotpFactor

    assert db.scalar(sa.select(sa.func.count()).select_from(TotpFactor)) == 0
    topics = db.scalars(sa.select(OutboxMessage.topic).order_by(OutboxMessage.id)).all()
    assert topics == ["second_factor_added", "second_factor_removed"]
    assert "second_factor_removed" in db.scalars(sa.select(AuditEvent.action)).all()
    # Without a factor nothing is asked.
    _later(60)
    assert client.post("/account/tokens", data={"name": "x"}).status_code == 403  # a worker


def test_staff_replace_but_never_remove_their_factor(client, make_staff, login):
    admin = make_staff(Role.FUND_ADMIN)
    login(client, admin)
    assert client.post("/account/second-factor/remove").status_code == 302
    assert "Uitloggen" in client.get("/").text
    assert client.get("/account/second-factor").status_code == 200
    # still enrolled: the sign-in asks for a code
    client.post("/logout")
    answer = client.post("/login", data={"email": admin.email, "password": PASSWORD})
    assert answer.headers["Location"] == "/login/second-factor"


def test_a_worker_confirms_a_large_spend_with_a_fresh_factor(
    app, client, db, page_setting, login, monkeypatch
):
    from tests.twofactor.signin import enrol_through_page
    from wallet.applications.models import Application

    worker = page_setting["worker"]
    url = f"/applications/new?run={page_setting['run_id']}"
    login(client, worker)
    enrol_through_page(client)
    _later(6)
    form = {"password": PASSWORD, "expected_copay": "120000"}  # the budget pays € 1.200
    asked = client.post(url, data=form, headers={"Referer": f"http://localhost{url}"})
    assert asked.headers["Location"] == f"{STEP_UP}?next={quote(url, safe='/?')}"
    assert db.scalar(sa.select(sa.func.count()).select_from(Application)) == 0
    # Below the setting nobody is asked.
    monkeypatch.setitem(app.config, "STEP_UP_SPEND_CENTS", 120_000)
    assert client.post(url, data=form).headers["Location"] == "/applications"
    assert db.scalar(sa.select(sa.func.count()).select_from(Application)) == 1


def test_a_worker_whose_only_factor_is_a_passkey_steps_up_with_it(
    app, client, db, page_setting, login
):
    from tests.passkeys.authenticator import SoftAuthenticator
    from wallet.applications.models import Application
    from wallet.passkeys.ceremony import relying_party

    with app.app_context():
        origin = relying_party().origin
    worker = page_setting["worker"]
    url = f"/applications/new?run={page_setting['run_id']}"
    login(client, worker)
    passkey = SoftAuthenticator()
    answer = passkey.create(client.post("/account/passkeys/options").get_json(), origin=origin)
    added = client.post(
        "/account/passkeys", data={"name": "Telefoon", "credential": answer, "password": PASSWORD}
    )
    assert added.status_code == 302
    _later(6)
    form = {"password": PASSWORD, "expected_copay": "120000"}  # the budget pays € 1.200
    asked = client.post(url, data=form, headers={"Referer": f"http://localhost{url}"})
    assert asked.headers["Location"] == f"{STEP_UP}?next={quote(url, safe='/?')}"
    assert db.scalar(sa.select(sa.func.count()).select_from(Application)) == 0
    # The step-up page offers the passkey, not an app the worker does not have.
    page = client.get(f"{STEP_UP}?next={quote(url)}")
    assert page.status_code == 200
    assert "/second-factor/passkey" in page.text
    assert 'id="code"' not in page.text
    # Another device's passkey is refused; their own counts from now.
    options = client.post("/second-factor/passkey/options").get_json()
    stranger = SoftAuthenticator().get(options, origin=origin)
    refused = client.post("/second-factor/passkey", data={"credential": stranger, "next": url})
    assert refused.headers["Location"].startswith(STEP_UP)
    options = client.post("/second-factor/passkey/options").get_json()
    own = passkey.get(options, origin=origin)
    back = client.post("/second-factor/passkey", data={"credential": own, "next": url})
    assert back.headers["Location"] == url
    assert client.post(url, data=form).headers["Location"] == "/applications"
    assert db.scalar(sa.select(sa.func.count()).select_from(Application)) == 1


def test_a_worker_without_any_factor_is_not_asked(app, client, db, page_setting, login):
    from wallet.applications.models import Application

    login(client, page_setting["worker"])
    url = f"/applications/new?run={page_setting['run_id']}"
    form = {"password": PASSWORD, "expected_copay": "120000"}
    assert client.post(url, data=form).headers["Location"] == "/applications"
    assert db.scalar(sa.select(sa.func.count()).select_from(Application)) == 1
