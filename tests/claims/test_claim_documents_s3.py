"""Claim documents in an S3-compatible store (a real moto server on loopback): the provider's
upload lands in the bucket under the name the claim keeps, and whoever may see the claim
downloads the same bytes, on any app server."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa

from tests.claims.conftest import pdf
from tests.claims.test_claim_pages import _post_claim
from wallet.claims.models import Claim
from wallet.core.db import session


def _claim(app) -> Claim:
    with app.app_context():
        return session.scalar(sa.select(Claim))


def test_a_provider_uploads_to_s3_and_the_reviewer_downloads_the_same_bytes(
    app, client, make_journey, login, documents_in_s3, s3_server
):
    j = make_journey()
    login(client, j["staff"])
    sent = _post_claim(client, j["application"].id)
    assert sent.status_code == 302, sent.text
    claim = _claim(app)
    invoice = pdf()
    assert claim.invoice_file == f"{hashlib.sha256(invoice).hexdigest()}.pdf"
    stored = s3_server.client().get_object(
        Bucket=documents_in_s3["S3_BUCKET"], Key=claim.invoice_file
    )
    assert stored["Body"].read() == invoice
    assert stored["ContentType"] == "application/pdf"
    client.post("/logout")

    login(client, j["admins"][0])
    response = client.get(f"/claims/{claim.id}/files/invoice")
    assert response.status_code == 200
    assert response.data == invoice
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Length"] == str(len(invoice))
    assert f"{claim.reference}-invoice.pdf" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"


def test_outsiders_still_cannot_download_from_s3(
    app, client, make_journey, login, make_provider_user, documents_in_s3
):
    j = make_journey()
    login(client, j["staff"])
    _post_claim(client, j["application"].id)
    client.post("/logout")
    claim = _claim(app)
    for outsider in (j["worker"], make_provider_user()):
        login(client, outsider)
        assert client.get(f"/claims/{claim.id}/files/invoice").status_code in (403, 404)
        client.post("/logout")


def test_a_document_gone_from_the_bucket_is_a_404(
    app, client, make_journey, login, documents_in_s3, s3_server
):
    j = make_journey()
    login(client, j["staff"])
    _post_claim(client, j["application"].id)
    claim = _claim(app)
    s3_server.client().delete_object(Bucket=documents_in_s3["S3_BUCKET"], Key=claim.invoice_file)
    assert client.get(f"/claims/{claim.id}/files/invoice").status_code == 404


def test_an_unreachable_store_refuses_the_claim_and_writes_nothing(
    app, client, make_journey, login, documents_in_s3
):
    from tests.s3server import free_port

    j = make_journey()
    login(client, j["staff"])
    app.config["S3_ENDPOINT_URL"] = f"http://127.0.0.1:{free_port()}"  # restored by the fixture
    app.extensions.pop("document_storage", None)
    refused = _post_claim(client, j["application"].id)
    assert refused.status_code == 503
    with app.app_context():
        assert session.scalar(sa.select(sa.func.count()).select_from(Claim)) == 0


def test_the_api_answers_problem_json_while_the_store_is_down_then_sends_to_s3(
    app, client, make_journey, api_headers, documents_in_s3, s3_server
):
    from tests.claims.test_claims_api import _form
    from tests.s3server import free_port

    j = make_journey()
    provider = api_headers(j["staff"])

    def send():
        return client.post(
            "/api/v1/provider/claims",
            data=_form(j["application"].id),
            headers=provider,
            content_type="multipart/form-data",
        )

    app.config["S3_ENDPOINT_URL"] = f"http://127.0.0.1:{free_port()}"
    app.extensions.pop("document_storage", None)
    down = send()
    assert down.status_code == 503
    assert down.mimetype == "application/problem+json"
    assert down.json["type"].endswith("/storage-unavailable")
    assert _claim(app) is None

    app.config["S3_ENDPOINT_URL"] = documents_in_s3["S3_ENDPOINT_URL"]
    app.extensions.pop("document_storage", None)
    sent = send()
    assert sent.status_code == 201, sent.text
    claim = _claim(app)
    stored = s3_server.client().get_object(
        Bucket=documents_in_s3["S3_BUCKET"], Key=claim.invoice_file
    )
    assert stored["Body"].read() == pdf()
