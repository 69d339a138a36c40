"""Claims: money moves only on the approval that completes a claim; bad input writes nothing."""

from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy as sa

from tests.claims.conftest import claim_input, pdf, ubl
from wallet.applications.models import Application, ApplicationStatus
from wallet.books.verify import verify
from wallet.claims import services
from wallet.claims.models import Claim, ClaimKind, ClaimPart, ClaimStatus, ClaimVersion
from wallet.core.db import session
from wallet.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wallet.grants.balances import payable_account_id
from wallet.ledger.models import Hold, HoldStatus, LedgerTransaction
from wallet.ledger.services import balance
from wallet.providers.models import Provider

pytestmark = pytest.mark.usefixtures("app_ctx")


def _ledger_state(j) -> tuple:
    grant = balance(j["grant"].account_id)
    payable = balance(payable_account_id(j["application"].provider_id))
    count = session.scalar(sa.select(sa.func.count(LedgerTransaction.id)))
    return grant, payable, count


def test_a_claim_approved_once_posts_the_held_amount_and_releases_the_rest(make_journey):
    j = make_journey()
    claim = services.submit(j["staff"], j["application"].id, claim_input(amount_cents=200_000))
    assert claim.status == ClaimStatus.SUBMITTED
    assert claim.approvals_needed == 1
    assert session.get(Application, j["application"].id).status == ApplicationStatus.INVOICED
    assert balance(j["grant"].account_id).held_cents == 240_000  # nothing moved yet
    services.review(claim.id, "approve", actor=j["admins"][0])
    assert services.get_claim(claim.id).status == ClaimStatus.APPROVED
    grant = balance(j["grant"].account_id)
    assert (grant.posted_cents, grant.held_cents) == (100_000, 0)  # € 3.000 - € 2.000 claimed
    assert balance(payable_account_id(claim.provider_id)).posted_cents == 200_000
    assert session.scalar(sa.select(sa.func.sum(ClaimPart.cents))) == 200_000
    assert verify() == []


def test_four_eyes_above_the_threshold_and_nobody_approves_twice(make_journey):
    j = make_journey(rules={"four_eyes_above_cents": 100_000})
    claim = services.submit(j["staff"], j["application"].id, claim_input())
    assert claim.approvals_needed == 2
    first, second = j["admins"]
    services.review(claim.id, "approve", actor=first)
    assert services.get_claim(claim.id).status == ClaimStatus.APPROVED_ONCE
    assert balance(j["grant"].account_id).held_cents == 240_000  # one approval moves nothing
    with pytest.raises(Conflict, match="tweede beheerder"):
        services.review(claim.id, "approve", actor=first)
    services.review(claim.id, "approve", actor=second)
    assert services.get_claim(claim.id).status == ClaimStatus.APPROVED
    assert balance(payable_account_id(claim.provider_id)).posted_cents == 240_000
    assert verify() == []


def test_providers_never_approve_and_others_do_not_see_the_claim(
    make_journey, make_worker, make_staff
):
    from wallet.accounts.models import Role, User

    j = make_journey()
    other_admin_id = make_staff(Role.FUND_ADMIN).id
    claim = services.submit(j["staff"], j["application"].id, claim_input())
    with pytest.raises(Forbidden):
        services.review(claim.id, "approve", actor=j["staff"])  # their own submission
    with pytest.raises(NotFound):
        services.review(claim.id, "approve", actor=session.get(User, other_admin_id))
    with pytest.raises(NotFound):
        services.review(claim.id, "approve", actor=j["worker"])
    with pytest.raises(NotFound):
        services.visible_claim(claim.id, session.get(User, other_admin_id))
    assert services.get_claim(claim.id).status == ClaimStatus.SUBMITTED


def test_nobody_approves_a_claim_they_submitted(make_journey):
    j = make_journey()
    claim = services.submit(j["staff"], j["application"].id, claim_input())
    # Should the submitter ever hold the administrator role, the rule still holds.
    session.execute(sa.update(Claim).values(submitted_by_id=j["admins"][0].id))
    session.commit()
    with pytest.raises(Forbidden, match="eigen declaratie"):
        services.review(claim.id, "approve", actor=j["admins"][0])


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount_cents": 240_001}, "amount"),
        ({"amount_cents": 0}, "amount"),
        ({"vat_cents": 300_000}, "vat"),
        ({"attendance_pct": None}, "attendance_pct"),
        ({"invoice_pdf": b"GIF89a not a pdf"}, "invoice_pdf"),
        ({"invoice_pdf": b"%PDF-1.7 broken"}, "invoice_pdf"),
        ({"invoice_pdf": b"%PDF-" + b"0" * (10 * 1024 * 1024)}, "invoice_pdf"),
        ({"certificate_pdf": b"<html>"}, "certificate_pdf"),
        ({"invoice_number": ""}, "invoice_number"),
        ({"description": " "}, "description"),
        ({"ubl_xml": ubl("F-2026-001", "2300.00")}, "ubl_xml"),
        ({"ubl_xml": ubl("F-OTHER", "2400.00")}, "ubl_xml"),
        ({"ubl_xml": ubl("F-2026-001", "2400.00", vat_id="NL999999999B01")}, "ubl_xml"),
        (
            {"ubl_xml": b"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>"},
            "ubl_xml",
        ),
    ],
)
def test_bad_claims_are_refused_with_the_field_and_nothing_is_written(make_journey, change, field):
    j = make_journey()
    session.get(Provider, j["application"].provider_id).vat_number = "NL001234567B01"
    session.commit()
    before = _ledger_state(j)
    with pytest.raises(ValidationFailed) as refused:
        services.submit(j["staff"], j["application"].id, claim_input(**change))
    assert field in refused.value.errors
    assert session.scalar(sa.select(sa.func.count(Claim.id))) == 0
    assert session.get(Application, j["application"].id).status == ApplicationStatus.COMPLETED
    assert _ledger_state(j) == before


def test_a_matching_e_invoice_is_accepted(make_journey):
    j = make_journey()
    session.get(Provider, j["application"].provider_id).vat_number = "NL001234567B01"
    session.commit()
    claim = services.submit(
        j["staff"], j["application"].id, claim_input(ubl_xml=ubl("F-2026-001", "2400.00"))
    )
    assert claim.ubl_file.endswith(".xml")


def test_double_submission_and_a_reused_invoice_number_are_refused(make_journey):
    first, second = make_journey(), make_journey()
    services.submit(first["staff"], first["application"].id, claim_input())
    with pytest.raises(Conflict):
        services.submit(first["staff"], first["application"].id, claim_input(invoice_number="X"))
    with pytest.raises(ValidationFailed) as refused:
        services.submit(second["staff"], second["application"].id, claim_input())
    assert "invoice_number" in refused.value.errors
    assert session.scalar(sa.select(sa.func.count(Claim.id))) == 1


def test_a_claim_for_someone_elses_application_is_not_found(make_journey, make_provider_user):
    from wallet.accounts.models import User

    j = make_journey()
    other_id = make_provider_user().id
    with pytest.raises(NotFound):
        services.submit(session.get(User, other_id), j["application"].id, claim_input())
    with pytest.raises(NotFound):
        services.submit(j["worker"], j["application"].id, claim_input())


def test_claims_out_of_order_are_refused(make_journey):
    j = make_journey(stage="in_progress")
    with pytest.raises(Conflict):  # not completed yet, and this scheme has no advance
        services.submit(j["staff"], j["application"].id, claim_input())
    with pytest.raises(Conflict):
        services.submit(j["staff"], j["application"].id, claim_input(kind=ClaimKind.ADVANCE))


def test_a_rejected_claim_is_corrected_as_a_new_version(make_journey):
    j = make_journey(rules={"four_eyes_above_cents": 100_000})
    claim = services.submit(j["staff"], j["application"].id, claim_input())
    services.review(claim.id, "approve", actor=j["admins"][0])  # one of two
    with pytest.raises(ValidationFailed):
        services.review(claim.id, "reject", actor=j["admins"][1])  # a reason is needed
    services.review(claim.id, "reject", actor=j["admins"][1], reason="Aanwezigheid klopt niet")
    assert services.get_claim(claim.id).status == ClaimStatus.REJECTED
    services.resubmit(j["staff"], claim.id, claim_input(attendance_pct=95, amount_cents=230_000))
    claim = services.get_claim(claim.id)
    assert (claim.status, claim.version, claim.amount_cents) == (ClaimStatus.SUBMITTED, 2, 230_000)
    versions = session.scalars(sa.select(ClaimVersion).order_by(ClaimVersion.version)).all()
    assert [v.data["amount_cents"] for v in versions] == [240_000, 230_000]
    assert versions[0].rejected_reason == "Aanwezigheid klopt niet"
    services.review(claim.id, "approve", actor=j["admins"][0])  # version 1's approval is void
    assert services.get_claim(claim.id).status == ClaimStatus.APPROVED_ONCE
    services.review(claim.id, "approve", actor=j["admins"][1])
    assert balance(payable_account_id(claim.provider_id)).posted_cents == 230_000
    assert verify() == []


def test_closing_a_rejected_final_claim_gives_the_budget_back(make_journey):
    j = make_journey()
    claim = services.submit(j["staff"], j["application"].id, claim_input())
    services.review(claim.id, "reject", actor=j["admins"][0], reason="Geen deelname")
    services.review(claim.id, "close", actor=j["staff"])
    assert services.get_claim(claim.id).status == ClaimStatus.CLOSED
    assert session.get(Application, j["application"].id).status == ApplicationStatus.CLOSED
    assert balance(j["grant"].account_id).held_cents == 0
    assert set(session.scalars(sa.select(Hold.status))) == {HoldStatus.VOIDED}
    assert verify() == []


def test_staged_payment_advance_at_the_start_and_the_rest_at_completion(make_journey):
    from wallet.applications import services as applications

    j = make_journey(rules={"advance_share_bps": 6_000}, stage="in_progress")
    too_much = claim_input(kind=ClaimKind.ADVANCE, amount_cents=144_001, attendance_pct=None)
    with pytest.raises(ValidationFailed):
        services.submit(j["staff"], j["application"].id, too_much)
    advance = services.submit(
        j["staff"], j["application"].id, dataclasses.replace(too_much, amount_cents=144_000)
    )
    services.review(advance.id, "approve", actor=j["admins"][0])
    assert balance(j["grant"].account_id).held_cents == 96_000  # the rest, held again
    assert balance(payable_account_id(advance.provider_id)).posted_cents == 144_000
    with pytest.raises(Conflict):  # one advance per application
        services.submit(
            j["staff"],
            j["application"].id,
            dataclasses.replace(too_much, invoice_number="A2", amount_cents=1),
        )
    applications.decide(j["application"].id, "complete", actor=j["staff"])
    with pytest.raises(ValidationFailed):
        services.submit(
            j["staff"], j["application"].id, claim_input(invoice_number="F2", amount_cents=96_001)
        )
    final = services.submit(
        j["staff"], j["application"].id, claim_input(invoice_number="F2", amount_cents=96_000)
    )
    services.review(final.id, "approve", actor=j["admins"][1])
    assert balance(payable_account_id(final.provider_id)).posted_cents == 240_000
    assert balance(j["grant"].account_id).held_cents == 0
    assert verify() == []


def test_a_clawback_of_an_unpaid_claim_returns_the_money_to_the_pot(make_journey):
    from wallet.funds.services import fund_figures

    j = make_journey()
    claim = services.submit(j["staff"], j["application"].id, claim_input())
    services.review(claim.id, "approve", actor=j["admins"][0])
    available = fund_figures(j["fund"].id).available_cents
    with pytest.raises(ValidationFailed):
        services.review(claim.id, "claw_back", actor=j["admins"][0])  # a reason is needed
    services.review(claim.id, "claw_back", actor=j["admins"][1], reason="Cursus niet gegeven")
    claim = services.get_claim(claim.id)
    assert claim.status == ClaimStatus.CLAWED_BACK
    assert claim.clawback_transaction_id
    assert fund_figures(j["fund"].id).available_cents == available + 240_000
    # Not paid yet: it comes out of what is payable (a paid claim becomes a receivable, offset
    # in the next payout: tests/payments/test_batches.py).
    assert balance(payable_account_id(claim.provider_id)).posted_cents == 0
    assert session.get(Application, j["application"].id).status == ApplicationStatus.CLOSED
    with pytest.raises(Conflict):
        services.review(claim.id, "claw_back", actor=j["admins"][1], reason="nog eens")
    assert verify() == []


ACTIONS = ("approve", "reject", "resubmit", "close", "claw_back")


@pytest.mark.parametrize("status", list(ClaimStatus))
@pytest.mark.parametrize("action", ACTIONS)
def test_every_claim_status_and_action_follows_the_table(make_journey, status, action):
    from wallet.claims.models import TRANSITIONS

    j = make_journey()
    claim = services.submit(j["staff"], j["application"].id, claim_input())
    if action == "claw_back":  # something must have been paid to claw back
        services.review(claim.id, "approve", actor=j["admins"][0])
    session.execute(sa.update(Claim).values(status=status))
    session.commit()
    # The status set by hand may already disagree with the books; acting adds no breach.
    broken = set(verify())
    expected = TRANSITIONS.get((status, action))

    def act():
        if action == "resubmit":
            return services.resubmit(j["staff"], claim.id, claim_input(attendance_pct=85))
        actor = j["staff"] if action == "close" else j["admins"][1]
        return services.review(claim.id, action, actor=actor, reason="reden")

    if expected is None:
        with pytest.raises(Conflict):
            act()
        assert services.get_claim(claim.id).status == status
    else:
        act()
        assert services.get_claim(claim.id).status == expected
    assert set(verify()) <= broken


def test_the_pdf_check_reads_the_content_not_the_name():
    from wallet.claims.files import FileProblem, check_pdf

    assert check_pdf(pdf()).startswith(b"%PDF-")
    with pytest.raises(FileProblem):
        check_pdf(b"%PDF-1.4\n%%EOF")
