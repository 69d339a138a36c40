"""The pages of employers' reimbursement claims: the employer claims on the placement page
(what the scheme pays shown before sending, every problem on its field, nothing written on
bad input), the fund decides (a confirmation first, four eyes where asked); who sees what."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from tests.claims.conftest import pdf, ubl
from tests.placements.reimbursement_scene import approved_placement, claim_files
from wallet.ledger.models import Hold, HoldStatus
from wallet.placements.models import Placement, ReimbursementClaim, ReimbursementStatus


def E(amount: str) -> str:
    """An amount as the money filter writes it (a no-break space after the sign)."""
    return f"€\u00a0{amount}"


def _client(app, login, user):
    client = app.test_client()
    login(client, user)
    return client


def _fields(**changes) -> dict:
    values = {
        "invoice_number": "F-2026-118",
        "invoice_date": "2026-06-01",
        "invoice_amount": "3.000,00",
        "eligible_amount": "",
    }
    values.update({k: v for k, v in changes.items() if not k.endswith(("_pdf", "_xml"))})
    files = claim_files(**{k: v for k, v in changes.items() if k.endswith(("_pdf", "_xml"))})
    return values, files


def _post(client, placement_id, values, files, part="first"):
    data = {**values, **{k: (io.BytesIO(v), f"{k}.bin") for k, v in files.items()}}
    return client.post(
        f"/placements/{placement_id}/reimbursement/{part}",
        data=data,
        content_type="multipart/form-data",
    )


def _confirm(client, placement_id, page, part="first"):
    text = page if isinstance(page, str) else page.text
    """Send the confirmation form of `page` as the browser would."""
    import re

    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', text))
    fields = {k: v.replace("&#34;", '"').replace("&amp;", "&") for k, v in fields.items()}
    return client.post(f"/placements/{placement_id}/reimbursement/{part}", data=fields)


def _claims(db) -> list[ReimbursementClaim]:
    db.expire_all()
    return list(db.scalars(sa.select(ReimbursementClaim)))


@pytest.fixture
def approved(app, make_scene):
    return approved_placement(app, make_scene)


def test_the_employer_sees_what_the_scheme_pays_then_sends(app, approved, login, db):
    client = _client(app, login, approved.dtab)
    page = client.get(f"/placements/{approved.placement_id}")
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.text
    assert "Factuurnummer" in page.text
    values, files = _fields()
    step = _post(client, approved.placement_id, values, files)
    assert step.status_code == 200, step.text
    # Half of € 3.000 is € 1.500; a quarter of it waits for the 6-month follow-up.
    assert E("1.125,00") in step.text
    assert E("1.500,00") in step.text
    assert _claims(db) == []
    sent = _confirm(client, approved.placement_id, step)
    assert sent.status_code == 302, sent.text
    (claim,) = _claims(db)
    assert (claim.amount_cents, claim.reimbursement_cents) == (112_500, 150_000)
    assert claim.invoice_cents == claim.eligible_cents == 300_000
    assert claim.status == ReimbursementStatus.SUBMITTED
    again = _confirm(client, approved.placement_id, step)  # the same form sent twice
    assert again.status_code == 302
    assert len(_claims(db)) == 1
    shown = client.get(f"/placements/{approved.placement_id}").text
    assert claim.reference in shown
    assert E("1.125,00") in shown
    assert "Check what the scheme pays" not in shown
    assert "Controleer" not in shown
    invoice = client.get(f"/reimbursements/{claim.id}/files/invoice")
    assert invoice.status_code == 200
    assert invoice.data.startswith(b"%PDF-")


BAD = [
    ({"invoice_number": ""}, "invoice_number"),
    ({"invoice_number": "x" * 51}, "invoice_number"),
    ({"invoice_date": ""}, "invoice_date"),
    ({"invoice_date": "2099-01-01"}, "invoice_date"),
    ({"invoice_amount": ""}, "invoice_amount"),
    ({"invoice_amount": "drie"}, "invoice_amount"),
    ({"invoice_amount": "9.000,00"}, "invoice_amount"),  # above the approved quote
    ({"eligible_amount": "3.500,00"}, "eligible_amount"),  # more than the invoice
    ({"invoice_pdf": b"GIF89a"}, "invoice_pdf"),
    ({"invoice_pdf": None}, "invoice_pdf"),
    ({"payment_proof_pdf": None}, "payment_proof_pdf"),
    ({"employment_proof_pdf": b"%PDF-1.4 broken"}, "employment_proof_pdf"),
    ({"participation_proof_pdf": b"no pdf"}, "participation_proof_pdf"),
    ({"ubl_xml": b"<not xml"}, "ubl_xml"),
    ({"ubl_xml": ubl("ANDERS-1", "3000.00")}, "ubl_xml"),
]


@pytest.mark.parametrize(("changes", "field"), BAD)
def test_bad_input_is_shown_on_its_field_and_nothing_is_written(
    app, approved, login, db, changes, field
):
    client = _client(app, login, approved.dtab)
    values, files = _fields(**changes)
    page = _post(client, approved.placement_id, values, files)
    assert page.status_code == 422, page.text
    assert f'id="{field}-error"' in page.text
    assert 'aria-invalid="true"' in page.text
    assert _claims(db) == []


def test_an_e_invoice_that_agrees_and_a_participation_proof_are_kept(app, approved, login, db):
    client = _client(app, login, approved.dtab)
    values, files = _fields(
        ubl_xml=ubl("F-2026-118", "3000.00"), participation_proof_pdf=pdf("presentielijst")
    )
    step = _post(client, approved.placement_id, values, files)
    assert step.status_code == 200, step.text
    assert _confirm(client, approved.placement_id, step).status_code == 302
    (claim,) = _claims(db)
    assert claim.ubl_file
    assert claim.participation_proof_file
    assert client.get(f"/reimbursements/{claim.id}/files/ubl").status_code == 200


def test_a_tampered_list_of_files_is_refused(app, approved, login, db):
    client = _client(app, login, approved.dtab)
    values, files = _fields()
    step = _post(client, approved.placement_id, values, files)
    forged = step.text.replace('name="attached" value="', 'name="attached" value="x')
    page = _confirm(client, approved.placement_id, forged)
    assert page.status_code == 422
    assert _claims(db) == []


def _sent(app, approved, login) -> int:
    client = _client(app, login, approved.dtab)
    values, files = _fields()
    step = _post(client, approved.placement_id, values, files)
    assert _confirm(client, approved.placement_id, step).status_code == 302
    with app.app_context():
        from wallet.core.db import session

        return session.scalar(sa.select(ReimbursementClaim.id))


def test_the_fund_confirms_then_approves_and_the_hold_is_posted(app, approved, login, db):
    claim_id = _sent(app, approved, login)
    admin = _client(app, login, approved.admin)
    review = admin.get("/review").text
    assert "1 werkgeversdeclaratie wacht" in review or "1 employer's claim waits" in review
    assert 'href="/fund/reimbursements"' in review
    listed = admin.get("/fund/reimbursements")
    assert "DTAB Twente" in listed.text
    assert E("1.125,00") in listed.text
    shown = admin.get(f"/fund/reimbursements/{claim_id}")
    assert shown.status_code == 200
    assert f"/reimbursements/{claim_id}/files/payment" in shown.text
    assert admin.get(f"/reimbursements/{claim_id}/files/employment").status_code == 200
    confirm = admin.post(f"/fund/reimbursements/{claim_id}/approve")
    assert confirm.status_code == 200
    assert 'name="confirmed" value="yes"' in confirm.text
    assert _claims(db)[0].status == ReimbursementStatus.SUBMITTED
    done = admin.post(f"/fund/reimbursements/{claim_id}/approve", data={"confirmed": "yes"})
    assert done.status_code == 302
    (claim,) = _claims(db)
    assert claim.status == ReimbursementStatus.APPROVED
    placement = db.get(Placement, approved.placement_id)
    assert db.get(Hold, placement.hold_id).status == HoldStatus.POSTED
    employer = _client(app, login, approved.dtab)
    assert "Goedgekeurd" in employer.get(f"/placements/{approved.placement_id}").text


def test_a_rejection_needs_a_reason_the_employer_then_reads(app, approved, login, db):
    claim_id = _sent(app, approved, login)
    admin = _client(app, login, approved.admin)
    empty = admin.post(f"/fund/reimbursements/{claim_id}/reject", data={"reason": " "})
    assert empty.status_code == 422
    assert 'id="reason-error"' in empty.text
    assert _claims(db)[0].status == ReimbursementStatus.SUBMITTED
    admin.post(
        f"/fund/reimbursements/{claim_id}/reject", data={"reason": "Bewijs van betaling ontbreekt"}
    )
    assert _claims(db)[0].status == ReimbursementStatus.REJECTED
    employer = _client(app, login, approved.dtab)
    page = employer.get(f"/placements/{approved.placement_id}").text
    assert "Bewijs van betaling ontbreekt" in page
    assert 'enctype="multipart/form-data"' in page  # the part can be claimed again


def test_four_eyes_with_two_administrators(app, make_scene, login, db):
    approved = approved_placement(app, make_scene, four_eyes_above_cents=100_000)
    claim_id = _sent(app, approved, login)
    first = _client(app, login, approved.admin)
    first.post(f"/fund/reimbursements/{claim_id}/approve", data={"confirmed": "yes"})
    assert _claims(db)[0].status == ReimbursementStatus.APPROVED_ONCE
    mine = first.get(f"/fund/reimbursements/{claim_id}").text
    assert "Approve…" not in mine
    assert "Goedkeuren…" not in mine
    again = first.post(f"/fund/reimbursements/{claim_id}/approve", data={"confirmed": "yes"})
    assert again.status_code == 302
    assert _claims(db)[0].status == ReimbursementStatus.APPROVED_ONCE
    second = _client(app, login, approved.admin2)
    listed = second.get("/fund/reimbursements").text
    with app.app_context():
        from wallet.accounts.models import User
        from wallet.core.db import session

        name = session.get(User, approved.admin.id).name
    assert name in listed
    second.post(f"/fund/reimbursements/{claim_id}/approve", data={"confirmed": "yes"})
    assert _claims(db)[0].status == ReimbursementStatus.APPROVED


def test_another_employer_and_a_broker_see_nothing_of_the_claim(app, approved, login, db):
    claim_id = _sent(app, approved, login)
    other = _client(app, login, approved.other)
    assert other.get(f"/reimbursements/{claim_id}/files/invoice").status_code == 404
    assert other.get(f"/placements/{approved.placement_id}").status_code == 404
    values, files = _fields()
    assert _post(other, approved.placement_id, values, files).status_code == 404
    broker = _client(app, login, approved.broker)
    page = broker.get(f"/placements/{approved.placement_id}")
    assert page.status_code == 200
    assert f"/reimbursements/{claim_id}/files/" not in page.text
    assert broker.get(f"/reimbursements/{claim_id}/files/invoice").status_code == 403
    assert broker.get(f"/placements/{approved.placement_id}/reimbursement/first").status_code == 403
    employer = _client(app, login, approved.dtab)
    assert employer.get(f"/fund/reimbursements/{claim_id}").status_code == 403
    assert len(_claims(db)) == 1
