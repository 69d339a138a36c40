"""Claim pages: the provider invoices through the form, administrators review in the queue."""

from __future__ import annotations

import io

import sqlalchemy as sa

from tests.claims.conftest import claim_input, pdf
from wallet.claims.models import Claim, ClaimStatus
from wallet.core.db import session


def _post_claim(client, application_id: int, **fields):
    data = {
        "kind": "final",
        "invoice_number": "WEB-1",
        "invoice_date": "2026-01-05",
        "amount": "2.400,00",
        "vat": "0,00",
        "description": "Lascursus",
        "attendance_pct": "88",
        "invoice_pdf": (io.BytesIO(pdf()), "factuur.pdf", "application/pdf"),
    }
    data.update(fields)
    return client.post(
        f"/provider/applications/{application_id}/claim",
        data=data,
        content_type="multipart/form-data",
    )


def _claim(app) -> Claim | None:
    with app.app_context():
        return session.scalar(sa.select(Claim))


def test_a_provider_claims_through_the_form_and_an_administrator_approves(
    app, client, make_journey, login
):
    j = make_journey()
    login(client, j["staff"])
    form = client.get(f"/provider/applications/{j['application'].id}/claim")
    assert form.status_code == 200
    assert "2.400,00" in form.text
    wrong = _post_claim(
        client,
        j["application"].id,
        amount="9.999,00",
        invoice_pdf=(io.BytesIO(b"GIF89a"), "f.pdf", "application/pdf"),
    )
    assert wrong.status_code == 422
    assert "aria-invalid" in wrong.text
    assert _claim(app) is None
    sent = _post_claim(client, j["application"].id)
    assert sent.status_code == 302, sent.text
    claim = _claim(app)
    assert claim.reference in client.get("/provider/claims").text
    pdf_response = client.get(f"/claims/{claim.id}/files/invoice")
    assert pdf_response.status_code == 200
    assert pdf_response.data.startswith(b"%PDF-")
    client.post("/logout")

    login(client, j["admins"][0])
    queue = client.get("/review")
    assert claim.reference in queue.text
    assert claim.reference in client.get("/review?sort=amount&status=all").text
    page = client.get(f"/claims/{claim.id}")
    assert page.status_code == 200
    assert "Lascursus" in page.text
    client.post(f"/claims/{claim.id}/approve", data={"confirm": "1"})
    assert _claim(app).status == ClaimStatus.APPROVED


def test_the_worker_and_other_organisations_cannot_open_a_claim_or_its_files(
    app, client, make_journey, login, make_provider_user, make_staff
):
    from wallet.accounts.models import Role

    j = make_journey()
    login(client, j["staff"])
    _post_claim(client, j["application"].id)
    client.post("/logout")
    claim = _claim(app)
    for outsider in (j["worker"], make_provider_user(), make_staff(Role.FUND_ADMIN)):
        login(client, outsider)
        for url in (f"/claims/{claim.id}", f"/claims/{claim.id}/files/invoice"):
            assert client.get(url).status_code in (403, 404), (outsider.email, url)
        client.post(f"/claims/{claim.id}/approve", data={"confirm": "1"})
        client.post("/logout")
    assert _claim(app).status == ClaimStatus.SUBMITTED


def test_the_pages_offer_only_what_can_be_done(app, client, make_journey, login):
    from wallet.claims import services

    j = make_journey(rules={"four_eyes_above_cents": 1_000}, stage="in_progress")
    login(client, j["staff"])
    # No advance in this scheme, the course not completed: nothing to invoice yet.
    assert (
        f"/provider/applications/{j['application'].id}/claim"
        not in client.get("/provider/applications").text
    )
    client.post("/logout")
    login(client, j["worker"])
    assert f"/applications/{j['application'].id}/cancel" not in client.get("/applications").text
    client.post("/logout")
    with app.app_context():
        from wallet.applications import services as applications

        applications.decide(j["application"].id, "complete", actor=j["staff"])
        claim = services.submit(j["staff"], j["application"].id, claim_input())
        services.review(claim.id, "approve", actor=j["admins"][0])
    login(client, j["admins"][0])
    page = client.get(f"/claims/{claim.id}")
    assert f"/claims/{claim.id}/approve" not in page.text  # a second administrator must
    assert client.get("/review?page=99999999999999999999").status_code == 200
