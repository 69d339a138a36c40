"""/api/v1 of employers' reimbursement claims: an HR system claims with the invoice and the
proofs (multipart), the fund lists and decides, four eyes where asked; every problem named
per field with nothing written; who sees what."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from tests.claims.conftest import pdf, ubl
from tests.placements.reimbursement_scene import approved_placement, claim_files
from wallet.accounts.models import Role
from wallet.placements.models import ReimbursementClaim


def _url(placement_id: int) -> str:
    return f"/api/v1/employer/placements/{placement_id}/reimbursement-claims"


def _post(client, headers, placement_id, **changes):
    values = {
        "invoice_number": "F-2026-118",
        "invoice_date": "2026-06-01",
        "invoice_cents": "300000",
    }
    values.update({k: v for k, v in changes.items() if not k.endswith(("_pdf", "_xml"))})
    files = claim_files(**{k: v for k, v in changes.items() if k.endswith(("_pdf", "_xml"))})
    data = {
        **{k: v for k, v in values.items() if v is not None},
        **{k: (io.BytesIO(v), f"{k}.bin") for k, v in files.items()},
    }
    return client.post(
        _url(placement_id), data=data, headers=headers, content_type="multipart/form-data"
    )


def _count(db) -> int:
    db.expire_all()
    return db.scalar(sa.select(sa.func.count(ReimbursementClaim.id)))


@pytest.fixture
def approved(app, make_scene):
    return approved_placement(app, make_scene)


def test_an_hr_system_claims_and_the_fund_approves(client, approved, api_headers, db):
    employer, admin = api_headers(approved.dtab), api_headers(approved.admin)
    key = {"Idempotency-Key": "reimb-1"}
    made = _post(
        client,
        {**employer, **key},
        approved.placement_id,
        participation_proof_pdf=pdf("presentie"),
        ubl_xml=ubl("F-2026-118", "3000.00"),
    )
    assert made.status_code == 201, made.text
    assert made.json["status"] == "submitted"
    assert (made.json["amount_cents"], made.json["reimbursement_cents"]) == (112_500, 150_000)
    assert made.json["eligible_cents"] == 300_000
    assert made.json["replayed"] is False
    again = _post(
        client,
        {**employer, **key},
        approved.placement_id,
        participation_proof_pdf=pdf("presentie"),
        ubl_xml=ubl("F-2026-118", "3000.00"),
    )
    assert again.json["replayed"] is True
    assert again.json["id"] == made.json["id"]
    assert _count(db) == 1
    claim_id = made.json["id"]
    shown = client.get(f"/api/v1/employer/reimbursement-claims/{claim_id}", headers=employer)
    assert shown.status_code == 200
    assert shown.json["reference"] == made.json["reference"]
    waiting = client.get("/api/v1/fund/reimbursement-claims", headers=admin)
    assert [c["id"] for c in waiting.json] == [claim_id]
    decided = client.post(
        f"/api/v1/fund/reimbursement-claims/{claim_id}/actions/approve", json={}, headers=admin
    )
    assert decided.status_code == 200, decided.text
    assert decided.json["status"] == "approved"
    assert client.get("/api/v1/fund/reimbursement-claims", headers=admin).json == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"invoice_number": ""}, "invoice_number"),
        ({"invoice_number": None}, "invoice_number"),
        ({"invoice_date": "gisteren"}, "invoice_date"),
        ({"invoice_date": "2099-01-01"}, "invoice_date"),
        ({"invoice_cents": "0"}, "invoice_cents"),
        ({"invoice_cents": "900000"}, "invoice_cents"),  # above the approved quote
        ({"eligible_cents": "300001"}, "eligible_cents"),
        ({"part": "everything"}, "part"),
        ({"invoice_pdf": b"GIF89a"}, "invoice_pdf"),
        ({"payment_proof_pdf": None}, "payment_proof_pdf"),
        ({"employment_proof_pdf": b"%PDF-1.4 broken"}, "employment_proof_pdf"),
        ({"participation_proof_pdf": b"no pdf"}, "participation_proof_pdf"),
        ({"ubl_xml": ubl("ANDERS", "3000.00")}, "ubl_xml"),
    ],
)
def test_bad_input_is_named_per_field_and_nothing_is_written(
    client, approved, api_headers, db, changes, field
):
    answer = _post(client, api_headers(approved.dtab), approved.placement_id, **changes)
    assert answer.status_code == 422, answer.text
    assert answer.mimetype == "application/problem+json"
    errors = answer.json["errors"]
    assert field in errors.get("multipart", errors), errors
    assert _count(db) == 0


def test_another_employer_gets_404_and_a_provider_403(
    client, approved, api_headers, db, accredited_provider
):
    made = _post(client, api_headers(approved.dtab), approved.placement_id)
    claim_id = made.json["id"]
    other = api_headers(approved.other)
    assert _post(client, other, approved.placement_id).status_code == 404
    assert (
        client.get(f"/api/v1/employer/reimbursement-claims/{claim_id}", headers=other).status_code
        == 404
    )
    provider = api_headers(accredited_provider)
    assert _post(client, provider, approved.placement_id).status_code == 403
    assert (
        client.get(
            f"/api/v1/employer/reimbursement-claims/{claim_id}", headers=provider
        ).status_code
        == 403
    )
    assert client.get("/api/v1/fund/reimbursement-claims", headers=provider).status_code == 403
    decided = client.post(
        f"/api/v1/fund/reimbursement-claims/{claim_id}/actions/approve",
        json={},
        headers=api_headers(approved.dtab),
    )
    assert decided.status_code == 403
    assert _count(db) == 1


def test_another_funds_administrator_gets_404(client, approved, api_headers, make_staff):
    made = _post(client, api_headers(approved.dtab), approved.placement_id)
    stranger = api_headers(make_staff(Role.FUND_ADMIN))
    decided = client.post(
        f"/api/v1/fund/reimbursement-claims/{made.json['id']}/actions/approve",
        json={},
        headers=stranger,
    )
    assert decided.status_code == 404
    assert client.get("/api/v1/fund/reimbursement-claims", headers=stranger).json == []


def test_four_eyes_and_a_rejection_with_a_reason(client, app, make_scene, api_headers):
    approved = approved_placement(app, make_scene, four_eyes_above_cents=100_000)
    made = _post(client, api_headers(approved.dtab), approved.placement_id)
    assert made.json["approvals_needed"] == 2
    url = f"/api/v1/fund/reimbursement-claims/{made.json['id']}/actions"
    first = client.post(f"{url}/approve", json={}, headers=api_headers(approved.admin))
    assert first.json["status"] == "approved_once"
    twice = client.post(f"{url}/approve", json={}, headers=api_headers(approved.admin))
    assert twice.status_code == 409
    no_reason = client.post(f"{url}/reject", json={}, headers=api_headers(approved.admin2))
    assert no_reason.status_code == 422
    second = client.post(f"{url}/approve", json={}, headers=api_headers(approved.admin2))
    assert second.json["status"] == "approved"


def test_the_document_lists_the_parts_and_decisions(client):
    spec = client.get("/api/openapi.json").json
    form = spec["components"]["schemas"]["ReimbursementFormIn"]["properties"]
    assert form["part"]["enum"] == ["first", "retention"]
    path = spec["paths"]["/api/v1/fund/reimbursement-claims/{claim_id}/actions/{action}"]
    action = next(p for p in path["parameters"] if p["name"] == "action")
    assert action["schema"]["enum"] == ["approve", "reject"]
