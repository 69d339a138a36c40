"""/api/v1 for funds, schemes, grants, holds and ledger accounts."""

import pytest

from wallet.accounts.models import Role
from wallet.core.db import unit_of_work
from wallet.providers.models import Provider, ProviderStatus


@pytest.fixture
def api(app, make_staff, api_headers):
    """(client, headers, admin) for a fund administrator with an API token."""
    admin = make_staff(Role.FUND_ADMIN)
    return app.test_client(), api_headers(admin), admin


@pytest.fixture
def provider_id(app) -> int:
    with app.app_context(), unit_of_work() as db:
        provider = Provider(
            name="Opleider", kvk_number="11223344", status=ProviderStatus.ACCREDITED
        )
        db.add(provider)
        db.flush()
        return provider.id


def _scheme(client, headers, fund_id, **fields):
    body = {"name": "Budget", "allocation_mode": "manual", "amount_cents": 100_000,
            "validity_months": 12, "rules": {"municipalities": ["enschede"]}}  # fmt: skip
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
    [{"amount_cents": "500", "reference": "r"}, {"amount_cents": 0, "reference": "r"},
     {"amount_cents": 12.5, "reference": "r"}, {"reference": "r"}, {"amount_cents": 100},
     {"amount_cents": 100, "reference": "r", "currency": "USD"}],
)  # fmt: skip
def test_a_wrong_deposit_is_a_422_and_nothing_moves(api, body):
    client, headers, admin = api
    response = client.post(f"/api/v1/funds/{admin.fund_id}/deposits", json=body, headers=headers)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    fund = client.get(f"/api/v1/funds/{admin.fund_id}", headers=headers).json
    assert fund["figures"]["deposited_cents"] == 0


def test_grant_hold_post_and_the_ledger_account(api, make_worker, provider_id):
    client, headers, admin = api
    client.post(f"/api/v1/funds/{admin.fund_id}/deposits",
                json={"amount_cents": 300_000, "reference": "r"}, headers=headers)  # fmt: skip
    scheme_id = _scheme(client, headers, admin.fund_id)
    make_worker(email="w@example.nl")
    granted = client.post(f"/api/v1/schemes/{scheme_id}/grants", json={"email": "w@example.nl"},
                          headers=headers)  # fmt: skip
    assert granted.status_code == 201
    listing = client.get(f"/api/v1/schemes/{scheme_id}/grants", headers=headers).json
    assert listing["total"] == 1
    grant = listing["items"][0]
    hold_url = f"/api/v1/grants/{grant['id']}/holds"
    hold = client.post(hold_url, json={"amount_cents": 60_000, "provider_id": provider_id},
                       headers=headers)  # fmt: skip
    assert hold.status_code == 201
    too_much = client.post(hold_url, json={"amount_cents": 40_001, "provider_id": provider_id},
                           headers=headers)  # fmt: skip
    assert too_much.status_code == 409
    assert too_much.json["title"] == "Insufficient funds"
    posted = client.post(f"/api/v1/ledger/holds/{hold.json['id']}/post",
                         json={"amount_cents": 50_000}, headers=headers)  # fmt: skip
    assert posted.json["status"] == "posted"
    again = client.post(f"/api/v1/ledger/holds/{hold.json['id']}/void", headers=headers)
    assert again.status_code == 409
    account = client.get(f"/api/v1/ledger/accounts/{grant['account_id']}", headers=headers).json
    assert (account["posted_cents"], account["held_cents"]) == (50_000, 0)
    assert [line["amount_cents"] for line in account["lines"]] == [100_000, -50_000]


def test_an_ineligible_worker_gets_every_reason(api, make_worker):
    client, headers, admin = api
    client.post(f"/api/v1/funds/{admin.fund_id}/deposits",
                json={"amount_cents": 300_000, "reference": "r"}, headers=headers)  # fmt: skip
    scheme_id = _scheme(client, headers, admin.fund_id)
    worker = make_worker(municipality_code="zwolle")
    refused = client.post(f"/api/v1/schemes/{scheme_id}/grants", json={"user_id": worker.id},
                          headers=headers)  # fmt: skip
    assert refused.status_code == 422
    assert refused.json["errors"]["eligibility"]


def test_other_funds_are_not_found_and_other_roles_forbidden(
    api, make_fund, make_provider_user, api_headers
):
    client, headers, _admin = api
    other = make_fund(1_000)
    assert client.get(f"/api/v1/funds/{other.id}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/ledger/accounts/{other.pot_account_id}",
                      headers=headers).status_code == 404  # fmt: skip
    provider = api_headers(make_provider_user())
    assert client.get(f"/api/v1/funds/{other.id}", headers=provider).status_code == 403
    assert client.get(f"/api/v1/funds/{other.id}").status_code == 401


def test_the_openapi_document_describes_the_money_endpoints(client):
    from openapi_spec_validator import validate

    spec = client.get("/api/openapi.json").json
    validate(spec)
    for path in (
        "/api/v1/funds/{fund_id}/deposits",
        "/api/v1/grants/{grant_id}/holds",
        "/api/v1/ledger/accounts/{account_id}",
        "/api/v1/schemes/{scheme_id}/lottery",
    ):
        assert path in spec["paths"], path  # fmt: skip
    deposit = spec["paths"]["/api/v1/funds/{fund_id}/deposits"]["post"]
    assert any(p["name"] == "Idempotency-Key" for p in deposit["parameters"])
