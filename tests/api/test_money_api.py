"""/api/v1 for funds, schemes, grants and ledger accounts (holds move only by their flow)."""

import pytest
import sqlalchemy as sa

from tests.catalogue.conftest import CSV
from tests.conftest import PASSWORD
from wallet.accounts.models import Role, User
from wallet.applications import services as applications
from wallet.books.verify import verify
from wallet.catalogue.imports import import_courses
from wallet.catalogue.models import Course, CourseRun
from wallet.core.db import session
from wallet.funds.models import Fund
from wallet.ledger.models import Hold, HoldStatus
from wallet.ledger.services import balance


@pytest.fixture
def api(app, make_staff, api_headers):
    """(client, headers, admin) for a fund administrator with an API token."""
    admin = make_staff(Role.FUND_ADMIN)
    return app.test_client(), api_headers(admin), admin


def _scheme(client, headers, fund_id, **fields):
    body = {
        "name": "Budget",
        "allocation_mode": "manual",
        "amount_cents": 100_000,
        "validity_months": 12,
        "rules": {"municipalities": ["enschede"]},
    }
    body.update(fields)
    created = client.post(f"/api/v1/funds/{fund_id}/schemes", json=body, headers=headers)
    assert created.status_code == 201, created.json
    scheme_id = created.json["id"]
    assert client.post(f"/api/v1/schemes/{scheme_id}/activate", headers=headers).status_code == 200
    return scheme_id


def test_deposit_honours_the_idempotency_key(api):
    client, headers, admin = api
    url = f"/api/v1/funds/{admin.fund_id}/deposits"
    keyed = {**headers, "Idempotency-Key": "bank-2027-001"}
    first = client.post(url, json={"amount_cents": 500_000, "reference": "r"}, headers=keyed)
    again = client.post(url, json={"amount_cents": 500_000, "reference": "r"}, headers=keyed)
    assert first.status_code == again.status_code == 201
    assert again.json == {"transaction_id": first.json["transaction_id"], "replayed": True}
    changed = client.post(url, json={"amount_cents": 600_000, "reference": "r"}, headers=keyed)
    assert changed.status_code == 409
    assert changed.mimetype == "application/problem+json"
    fund = client.get(f"/api/v1/funds/{admin.fund_id}", headers=headers).json
    assert fund["figures"]["deposited_cents"] == 500_000


@pytest.mark.parametrize(
    "body",
    [
        {"amount_cents": "500", "reference": "r"},
        {"amount_cents": 0, "reference": "r"},
        {"amount_cents": 12.5, "reference": "r"},
        {"reference": "r"},
        {"amount_cents": 100},
        {"amount_cents": 100, "reference": "r", "currency": "USD"},
    ],
)
def test_a_wrong_deposit_is_a_422_and_nothing_moves(api, body):
    client, headers, admin = api
    response = client.post(f"/api/v1/funds/{admin.fund_id}/deposits", json=body, headers=headers)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    fund = client.get(f"/api/v1/funds/{admin.fund_id}", headers=headers).json
    assert fund["figures"]["deposited_cents"] == 0


def test_grant_and_the_ledger_account(api, make_worker):
    client, headers, admin = api
    client.post(
        f"/api/v1/funds/{admin.fund_id}/deposits",
        json={"amount_cents": 300_000, "reference": "r"},
        headers=headers,
    )
    scheme_id = _scheme(client, headers, admin.fund_id)
    make_worker(email="w@example.nl")
    granted = client.post(
        f"/api/v1/schemes/{scheme_id}/grants", json={"email": "w@example.nl"}, headers=headers
    )
    assert granted.status_code == 201
    listing = client.get(f"/api/v1/schemes/{scheme_id}/grants", headers=headers).json
    assert listing["total"] == 1
    grant = listing["items"][0]
    account = client.get(f"/api/v1/ledger/accounts/{grant['account_id']}", headers=headers).json
    assert (account["posted_cents"], account["held_cents"]) == (100_000, 0)
    assert [line["amount_cents"] for line in account["lines"]] == [100_000]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/ledger/holds/{hold}/post",
        "/api/v1/ledger/holds/{hold}/void",
        "/api/v1/grants/{grant}/holds",
    ],
)
def test_holds_of_an_application_move_only_through_its_flow(
    app, api, make_scheme, make_worker, make_grant, accredited_provider, db, path
):
    """No direct hold endpoint: the fund administrator cannot post, void or add a hold of a
    worker's application, and the worker's cancel still releases the money."""
    client, headers, admin = api
    with app.app_context():
        fund = session.get(Fund, admin.fund_id)
        session.expunge(fund)
    client.post(
        f"/api/v1/funds/{admin.fund_id}/deposits",
        json={"amount_cents": 500_000, "reference": "r"},
        headers=headers,
    )
    worker = make_worker()
    grant = make_grant(make_scheme(fund, amount_cents=300_000), worker)
    with app.app_context():
        import_courses(accredited_provider.provider_id, "a.csv", CSV.encode(), actor_id=None)
        run = session.scalar(
            sa.select(CourseRun).join(Course).where(Course.code == "LAS-1", CourseRun.code == "R1")
        )
        application = applications.apply(
            session.get(User, worker.id), run.id, password=PASSWORD, expected_copay_cents=0
        )
        hold_id, application_id = application.parts[0].hold_id, application.id
        session.commit()
    url = path.format(hold=hold_id, grant=grant.id)
    answer = client.post(url, json={"amount_cents": 1_000, "provider_id": 1}, headers=headers)
    assert answer.status_code in (404, 405)
    spec = client.get("/api/openapi.json").json
    assert not any("/holds" in documented for documented in spec["paths"])
    assert db.get(Hold, hold_id).status == HoldStatus.PENDING
    with app.app_context():
        applications.decide(application_id, "cancel", actor=session.get(User, worker.id))
        session.commit()
        after = balance(grant.account_id)
        assert (after.posted_cents, after.held_cents) == (300_000, 0)
        assert session.get(Hold, hold_id).status == HoldStatus.VOIDED
        assert verify() == []


def test_an_ineligible_worker_gets_every_reason(api, make_worker):
    client, headers, admin = api
    client.post(
        f"/api/v1/funds/{admin.fund_id}/deposits",
        json={"amount_cents": 300_000, "reference": "r"},
        headers=headers,
    )
    scheme_id = _scheme(client, headers, admin.fund_id)
    worker = make_worker(municipality_code="zwolle")
    refused = client.post(
        f"/api/v1/schemes/{scheme_id}/grants", json={"user_id": worker.id}, headers=headers
    )
    assert refused.status_code == 422
    assert refused.json["errors"]["eligibility"]


def test_other_funds_are_not_found_and_other_roles_forbidden(
    api, make_fund, make_provider_user, api_headers
):
    client, headers, _admin = api
    other = make_fund(1_000)
    assert client.get(f"/api/v1/funds/{other.id}", headers=headers).status_code == 404
    assert (
        client.get(f"/api/v1/ledger/accounts/{other.pot_account_id}", headers=headers).status_code
        == 404
    )
    provider = api_headers(make_provider_user())
    assert client.get(f"/api/v1/funds/{other.id}", headers=provider).status_code == 403
    assert client.get(f"/api/v1/funds/{other.id}").status_code == 401


def test_the_openapi_document_describes_the_money_endpoints(client):
    from openapi_spec_validator import validate

    spec = client.get("/api/openapi.json").json
    validate(spec)
    for path in (
        "/api/v1/funds/{fund_id}/deposits",
        "/api/v1/ledger/accounts/{account_id}",
        "/api/v1/schemes/{scheme_id}/lottery",
    ):
        assert path in spec["paths"], path
    deposit = spec["paths"]["/api/v1/funds/{fund_id}/deposits"]["post"]
    assert any(p["name"] == "Idempotency-Key" for p in deposit["parameters"])
    # Errors are documented as they are sent, so the fuzzing test checks their bodies too.
    assert list(deposit["responses"]["409"]["content"]) == ["application/problem+json"]
    default = spec["components"]["responses"]["DEFAULT_ERROR"]["content"]
    assert default["application/problem+json"]["schema"]["$ref"].endswith("/Problem")
