"""The claims API: providers' systems send enrolments and claims, administrators review;
every POST honours Idempotency-Key."""

from __future__ import annotations

import io

import sqlalchemy as sa
from openapi_spec_validator import validate

from tests.claims.conftest import pdf
from wallet.books.verify import verify
from wallet.claims.models import Claim
from wallet.core.db import session


def _claims(app) -> int:
    with app.app_context():
        return session.scalar(sa.select(sa.func.count(Claim.id)))


def _form(application_id: int, **fields) -> dict:
    data = {
        "application_id": str(application_id),
        "kind": "final",
        "invoice_number": "API-1",
        "invoice_date": "2026-01-05",
        "amount_cents": "240000",
        "vat_cents": "0",
        "description": "Lascursus",
        "attendance_pct": "92",
    }
    data.update(fields)
    data.setdefault("invoice_pdf", (io.BytesIO(pdf()), "factuur.pdf", "application/pdf"))
    return data


def test_openapi_stays_valid_with_the_claim_endpoints(client):
    spec = client.get("/api/openapi.json").json
    validate(spec)
    assert "/api/v1/provider/claims" in spec["paths"]
    assert "/api/v1/claims/{claim_id}/{action}" in spec["paths"]


def test_a_provider_system_claims_once_and_an_administrator_approves(
    make_journey, client, api_headers, app
):
    j = make_journey()
    application_id = j["application"].id
    provider, admin = api_headers(j["staff"]), api_headers(j["admins"][0])
    key = {"Idempotency-Key": "claim-api-1"}
    first = client.post(
        "/api/v1/provider/claims",
        data=_form(application_id),
        headers={**provider, **key},
        content_type="multipart/form-data",
    )
    assert first.status_code == 201, first.text
    again = client.post(
        "/api/v1/provider/claims",
        data=_form(application_id),
        headers={**provider, **key},
        content_type="multipart/form-data",
    )
    assert again.status_code == 201
    assert again.json["replayed"] is True
    assert again.json["id"] == first.json["id"]
    other = client.post(
        "/api/v1/provider/claims",
        data=_form(application_id, amount_cents="1"),
        headers={**provider, **key},
        content_type="multipart/form-data",
    )
    assert other.status_code == 409
    assert _claims(app) == 1

    claim_id = first.json["id"]
    refused = client.post(f"/api/v1/claims/{claim_id}/approve", json={}, headers=provider)
    assert refused.status_code == 403
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    queue = client.get("/api/v1/fund/claims", headers=admin)
    assert queue.status_code == 200, queue.text
    assert [c["id"] for c in queue.json] == [claim_id]
    approved = client.post(
        f"/api/v1/claims/{claim_id}/approve",
        json={},
        headers={**admin, "Idempotency-Key": "approve-1"},
    )
    assert approved.status_code == 200
    assert approved.json["status"] == "approved"
    replay = client.post(
        f"/api/v1/claims/{claim_id}/approve",
        json={},
        headers={**admin, "Idempotency-Key": "approve-1"},
    )
    assert replay.status_code == 200
    assert replay.json["replayed"] is True
    with app.app_context():
        assert verify() == []


def test_bad_claims_over_the_api_are_problem_json_and_write_nothing(
    make_journey, client, api_headers, app
):
    j = make_journey()
    application_id = j["application"].id
    provider = api_headers(j["staff"])
    cases = [
        _form(application_id, amount_cents="999999"),
        _form(application_id, invoice_pdf=(io.BytesIO(b"GIF89a"), "x.pdf", "application/pdf")),
        _form(application_id, attendance_pct=""),
    ]
    for data in cases:
        response = client.post(
            "/api/v1/provider/claims",
            data=data,
            headers=provider,
            content_type="multipart/form-data",
        )
        assert response.status_code == 422, response.text
        assert response.headers["Content-Type"].startswith("application/problem+json")
        assert response.json["errors"]
    missing = client.post(
        "/api/v1/provider/claims",
        data=_form(999_999),
        headers=provider,
        content_type="multipart/form-data",
    )
    assert missing.status_code == 404
    assert _claims(app) == 0


def test_a_provider_system_answers_an_enrolment(make_journey, client, api_headers):
    j = make_journey(stage="in_progress")
    application_id = j["application"].id
    headers = {**api_headers(j["staff"]), "Idempotency-Key": "complete-1"}
    listed = client.get("/api/v1/provider/applications?status=in_progress", headers=headers)
    assert [a["id"] for a in listed.json] == [application_id]
    done = client.post(
        f"/api/v1/provider/applications/{application_id}/complete", json={}, headers=headers
    )
    assert done.status_code == 200
    assert done.json["status"] == "completed"
    replay = client.post(
        f"/api/v1/provider/applications/{application_id}/complete", json={}, headers=headers
    )
    assert replay.status_code == 200
    assert replay.json["status"] == "completed"
    unknown = client.post(
        f"/api/v1/provider/applications/{application_id}/pay",
        json={},
        headers=api_headers(j["staff"]),
    )
    assert unknown.status_code == 404


def test_a_replayed_key_never_shows_another_organisation_s_application(
    make_journey, client, api_headers, make_provider_user
):
    j = make_journey(stage="in_progress")
    key = {"Idempotency-Key": "same-key"}
    own = client.post(
        f"/api/v1/provider/applications/{j['application'].id}/complete",
        json={},
        headers={**api_headers(j["staff"]), **key},
    )
    assert own.status_code == 200
    other = client.post(
        f"/api/v1/provider/applications/{j['application'].id}/complete",
        json={},
        headers={**api_headers(make_provider_user()), **key},
    )
    assert other.status_code == 404
