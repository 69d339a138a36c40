"""An employer's reimbursement claim with its documents in S3 (a real moto server on
loopback): the files stored at the preview are read back from the bucket when the employer
confirms, and the fund's administrator downloads them."""

from __future__ import annotations

import sqlalchemy as sa

from tests.placements.reimbursement_scene import approved_placement
from tests.placements.test_reimbursement_views import _client, _confirm, _fields, _post
from wallet.placements.models import ReimbursementClaim


def test_the_employer_claims_with_documents_in_s3_and_the_fund_downloads_them(
    app, make_scene, login, db, documents_in_s3, s3_server
):
    approved = approved_placement(app, make_scene)
    employer = _client(app, login, approved.dtab)
    values, files = _fields()
    step = _post(employer, approved.placement_id, values, files)
    assert step.status_code == 200, step.text
    listed = s3_server.client().list_objects_v2(Bucket=documents_in_s3["S3_BUCKET"])
    assert len(listed["Contents"]) == 3  # invoice, payment and employment proofs
    sent = _confirm(employer, approved.placement_id, step)
    assert sent.status_code == 302, sent.text
    (claim,) = db.scalars(sa.select(ReimbursementClaim)).all()
    admin = _client(app, login, approved.admin)
    payment = admin.get(f"/reimbursements/{claim.id}/files/payment")
    assert payment.status_code == 200
    assert payment.data == files["payment_proof_pdf"]
    assert employer.get(f"/reimbursements/{claim.id}/files/invoice").data == files["invoice_pdf"]
