"""Employers paid in the same payout batches as providers: one item per payee, each from its
own payable account (an employer's kept apart from a provider's), by SEPA only; failed and
returned transfers turn the reimbursement claim back to approved; `ledger verify` proves it at
every step and notices an employer line paying another employer's claim."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask_babel import gettext as _
from lxml import etree

from tests.payments.camt_builder import camt053
from tests.payments.fixtures import PROVIDER_IBAN
from tests.placements.conftest import make_employer_scheme, scene  # noqa: F401 - fixtures
from tests.placements.test_reimbursements import _approved, claim
from wallet.accounts.models import User
from wallet.books.verify import verify
from wallet.claims.models import Claim, ClaimStatus
from wallet.core import clock
from wallet.core.db import session
from wallet.core.errors import ValidationFailed
from wallet.employers.models import Employer
from wallet.ledger.services import balance
from wallet.payments import batches, gateway
from wallet.payments.models import (
    BatchStatus,
    ItemStatus,
    PayeeKind,
    PayoutItem,
    PayoutLine,
    PayoutMethod,
)
from wallet.payments.sepa import sepa_file
from wallet.payments.statements import import_statement
from wallet.placements import reimbursements
from wallet.placements.models import ReimbursementClaim, ReimbursementStatus
from wallet.placements.review import employer_payable
from wallet.providers.models import Provider

TODAY = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)
EMPLOYER_IBAN = "NL02ABNA0123456789"
PROVIDER_CENTS, EMPLOYER_CENTS = 240_000, 300_000  # the employer: half of € 8.000, less € 1.000


@pytest.fixture(autouse=True)
def _today():
    with clock.frozen_at(TODAY):
        yield


def _reimbursement(app, scene, employer=None, **person) -> int:  # noqa: F811 - its value
    """An approved reimbursement claim (€ 3.000) of `employer` (DTAB) on the scene's fund."""
    employer = employer or scene.dtab
    placement_id = _approved(app, scene, employer, **person)
    with app.app_context():
        staff = session.get(User, employer.id)
        session.get(Employer, staff.employer_id).iban = EMPLOYER_IBAN
        session.commit()
        submitted = reimbursements.submit(staff, placement_id, claim())
        reimbursements.review(submitted.id, "approve", actor=session.get(User, scene.admin.id))
        return submitted.id


@pytest.fixture
def both(app, scene, approved):  # noqa: F811 - the fixture
    """The scene's fund with an approved claim of a provider and an approved reimbursement
    claim of an employer (DTAB): (fund id, admin, reimbursement claim id)."""
    reimbursement_id = _reimbursement(app, scene)
    approved((PROVIDER_CENTS,), onto=([{"admins": [scene.admin]}], scene.fund.id, []))
    return scene.fund.id, scene.admin, reimbursement_id


def _status(reimbursement_id: int) -> ReimbursementStatus:
    session.expire_all()
    return session.get(ReimbursementClaim, reimbursement_id).status


def _payable(employer_id: int) -> int:
    return balance(employer_payable(employer_id)).posted_cents


def _account(code: str) -> int:
    return (
        session.execute(
            sa.text("SELECT posted_cents FROM ledger_accounts WHERE code = :c"), {"c": code}
        ).scalar()
        or 0
    )


def _items(batch) -> dict[PayeeKind, PayoutItem]:
    session.expire_all()
    return {item.payee_kind: item for item in batches.get_batch(batch.id).items}


def test_one_batch_pays_a_provider_and_an_employer(app_ctx, both):
    fund_id, admin, reimbursement_id = both
    employer_id = session.get(ReimbursementClaim, reimbursement_id).employer_id
    reference = session.get(ReimbursementClaim, reimbursement_id).reference
    assert _payable(employer_id) == EMPLOYER_CENTS
    outcome = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=admin)
    batch = outcome.batch
    assert outcome.left_out == []
    assert (batch.claim_count, batch.amount_cents) == (2, PROVIDER_CENTS + EMPLOYER_CENTS)
    items = _items(batch)
    employer_item = items[PayeeKind.EMPLOYER]
    assert (employer_item.employer_id, employer_item.provider_id) == (employer_id, None)
    assert (employer_item.payee_name, employer_item.iban) == ("DTAB Twente", EMPLOYER_IBAN)
    assert (employer_item.amount_cents, employer_item.offset_cents) == (EMPLOYER_CENTS, 0)
    assert [line.end_to_end_id for line in employer_item.lines] == [reference]
    assert _status(reimbursement_id) == ReimbursementStatus.IN_BATCH
    assert verify() == []  # the employer's payable: the claim in a draft item still counts

    batches.submit_batch(batch.id, fund_id, actor=admin)
    assert _payable(employer_id) == 0
    assert _account(f"fund:{fund_id}:in_transit") == PROVIDER_CENTS + EMPLOYER_CENTS
    assert verify() == []

    for schema in ("pain.001.001.09", "pain.001.001.03"):
        root = etree.fromstring(sepa_file(batch.id, fund_id, schema))  # validated by its XSD
        creditors = {
            (
                tx.findtext("{*}Cdtr/{*}Nm"),
                tx.findtext("{*}CdtrAcct/{*}Id/{*}IBAN"),
                tx.findtext("{*}PmtId/{*}EndToEndId"),
            )
            for tx in root.iter("{*}CdtTrfTxInf")
        }
        provider_claim = session.scalar(sa.select(Claim.reference))
        provider = ("Techniek Academie Twente", PROVIDER_IBAN, provider_claim)
        assert creditors == {("DTAB Twente", EMPLOYER_IBAN, reference), provider}

    statement = camt053(
        [
            {
                "end_to_end_id": reference,
                "amount": "3000.00",
                "name": "DTAB Twente",
                "iban": EMPLOYER_IBAN,
            },
            {"end_to_end_id": provider_claim, "amount": "2400.00", "iban": PROVIDER_IBAN},
        ]
    )
    paid = import_statement(fund_id, statement, actor=admin)
    assert (paid.matched, sorted(paid.paid_items), paid.unmatched) == (
        2,
        sorted(item.id for item in items.values()),
        [],
    )
    assert _status(reimbursement_id) == ReimbursementStatus.PAID
    assert session.scalar(sa.select(Claim.status)) == ClaimStatus.PAID
    assert _account(f"fund:{fund_id}:paid_out") == PROVIDER_CENTS + EMPLOYER_CENTS
    assert _account(f"fund:{fund_id}:in_transit") == 0
    assert batches.get_batch(batch.id).status == BatchStatus.CLOSED
    assert verify() == []

    returned = camt053(
        [{"end_to_end_id": reference, "amount": "3000.00", "debit": False, "returned": "AC04"}]
    )
    outcome = import_statement(fund_id, returned, actor=admin)
    assert (outcome.returned, outcome.failed_items) == ([reference], [employer_item.id])
    assert _status(reimbursement_id) == ReimbursementStatus.APPROVED
    assert _payable(employer_id) == EMPLOYER_CENTS  # payable again, to the employer
    assert _account(f"fund:{fund_id}:paid_out") == PROVIDER_CENTS
    assert verify() == []


def test_a_failed_employer_payment_goes_into_the_next_batch_as_ref_2(app_ctx, both):
    fund_id, admin, reimbursement_id = both
    reference = session.get(ReimbursementClaim, reimbursement_id).reference
    employer_id = session.get(ReimbursementClaim, reimbursement_id).employer_id
    batch = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=admin).batch
    batches.submit_batch(batch.id, fund_id, actor=admin)
    employer_item = _items(batch)[PayeeKind.EMPLOYER]
    batches.mark_failed(employer_item.id, fund_id, actor=admin, reason="rekening opgeheven")
    assert _items(batch)[PayeeKind.EMPLOYER].status == ItemStatus.FAILED
    assert _status(reimbursement_id) == ReimbursementStatus.APPROVED
    assert _payable(employer_id) == EMPLOYER_CENTS
    assert _account(f"fund:{fund_id}:in_transit") == PROVIDER_CENTS
    assert verify() == []

    again = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=admin).batch
    item = _items(again)[PayeeKind.EMPLOYER]
    assert [line.end_to_end_id for line in item.lines] == [f"{reference}-2"]
    assert list(_items(again)) == [PayeeKind.EMPLOYER]  # the provider's claim is on its way
    batches.submit_batch(again.id, fund_id, actor=admin)
    batches.mark_paid(item.id, fund_id, actor=admin)
    assert _status(reimbursement_id) == ReimbursementStatus.PAID
    assert _payable(employer_id) == 0
    assert verify() == []


def test_a_discarded_draft_turns_the_reimbursement_back_to_approved(app_ctx, both):
    fund_id, admin, reimbursement_id = both
    batch = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=admin).batch
    batches.discard_batch(batch.id, fund_id, actor=admin)
    assert _status(reimbursement_id) == ReimbursementStatus.APPROVED
    assert verify() == []


def test_a_stripe_batch_leaves_the_employer_out_with_the_reason(app_ctx, both, monkeypatch):
    fund_id, admin, reimbursement_id = both
    monkeypatch.setattr(gateway, "enabled", lambda: True)
    provider = session.get(Provider, session.scalar(sa.select(Claim.provider_id)))
    provider.stripe_account_id, provider.stripe_payouts_enabled = "acct_test_employer", True
    session.commit()
    outcome = batches.create_batch(fund_id, method=PayoutMethod.STRIPE, actor=admin)
    reason = _("employers are paid by SEPA transfer only")
    assert outcome.left_out == [("DTAB Twente", reason)]
    assert list(_items(outcome.batch)) == [PayeeKind.PROVIDER]
    assert outcome.batch.left_out == [{"name": "DTAB Twente", "reason": reason}]
    assert _status(reimbursement_id) == ReimbursementStatus.APPROVED
    assert verify() == []


def test_only_an_employer_to_pay_by_stripe_is_refused_with_the_reason(app, scene, monkeypatch):  # noqa: F811
    reimbursement_id = _reimbursement(app, scene)
    monkeypatch.setattr(gateway, "enabled", lambda: True)
    with app.app_context():
        with pytest.raises(ValidationFailed) as refused:
            batches.create_batch(scene.fund.id, method=PayoutMethod.STRIPE, actor=None)
        assert _("employers are paid by SEPA transfer only") in refused.value.detail
        assert _status(reimbursement_id) == ReimbursementStatus.APPROVED
        # by SEPA the employer alone makes a batch: the provider claims are no condition
        batch = batches.create_batch(scene.fund.id, method=PayoutMethod.SEPA, actor=None).batch
        assert list(_items(batch)) == [PayeeKind.EMPLOYER]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"iban": "NL00ABNA0000000000"}, "This IBAN is not correct; check every character."),
        ({"status": "suspended"}, "the employer is not verified now"),
    ],
)
def test_an_employer_that_cannot_be_paid_is_left_out(app_ctx, both, change, reason):
    fund_id, admin, reimbursement_id = both
    employer = session.get(Employer, session.get(ReimbursementClaim, reimbursement_id).employer_id)
    for name, value in change.items():
        setattr(employer, name, value)
    session.commit()
    outcome = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=admin)
    assert outcome.left_out == [("DTAB Twente", _(reason))]
    assert list(_items(outcome.batch)) == [PayeeKind.PROVIDER]
    assert _status(reimbursement_id) == ReimbursementStatus.APPROVED


def test_verify_finds_an_employer_line_paying_another_employers_claim(app, scene, approved):  # noqa: F811
    _reimbursement(app, scene)
    approved((PROVIDER_CENTS,), onto=([{"admins": [scene.admin]}], scene.fund.id, []))
    with app.app_context():
        batch = batches.create_batch(scene.fund.id, method=PayoutMethod.SEPA, actor=None).batch
        batches.submit_batch(batch.id, scene.fund.id, actor=None)
    others = _reimbursement(app, scene, scene.other, full_name="Bram Jansen")  # in no batch
    with app.app_context():
        assert verify() == []
        line = session.scalar(
            sa.select(PayoutLine).where(PayoutLine.reimbursement_claim_id.is_not(None))
        )
        session.execute(
            sa.update(PayoutLine)
            .where(PayoutLine.id == line.id)
            .values(reimbursement_claim_id=others)
        )
        session.commit()
        details = [problem.detail for problem in verify()]
        assert (
            f"payout line {line.id} of item {line.item_id} does not pay reimbursement "
            f"claim {others} as approved" in details
        )


def test_verify_finds_an_employer_payable_that_disagrees(app_ctx, both):
    fund_id, admin, reimbursement_id = both
    employer_id = session.get(ReimbursementClaim, reimbursement_id).employer_id
    batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=admin)
    assert verify() == []
    # the draft taken for sent without its money moving: the payable still holds it
    session.execute(
        sa.update(PayoutItem)
        .where(PayoutItem.employer_id == employer_id)
        .values(status=ItemStatus.SUBMITTED)
    )
    session.commit()
    problems = [(p.invariant, p.detail) for p in verify()]
    assert (
        "4 payable agrees with claims",
        f"employer:{employer_id}:payable: payable {EMPLOYER_CENTS} but its approved, unsent "
        "reimbursement claims say 0",
    ) in problems


def test_the_api_and_the_batch_page_name_each_payee_and_its_kind(
    app, client, login, both, api_headers
):
    _fund_id, admin, reimbursement_id = both
    made = client.post(
        "/api/v1/payout-batches", json={"method": "sepa"}, headers=api_headers(admin)
    )
    assert made.status_code == 201, made.text
    items = {item["payee_kind"]: item for item in made.json["items"]}
    with app.app_context():
        employer = session.get(ReimbursementClaim, reimbursement_id)
        employer_id, reference = employer.employer_id, employer.reference
    employer_item = items["employer"]
    assert (
        employer_item["payee_name"],
        employer_item["employer_id"],
        employer_item["provider_id"],
    ) == ("DTAB Twente", employer_id, None)
    lines = [
        (line["reimbursement_claim_id"], line["claim_id"], line["claim_reference"])
        for line in employer_item["lines"]
    ]
    assert lines == [(reimbursement_id, None, reference)]
    assert items["provider"]["payee_name"] == "Techniek Academie Twente"
    login(client, admin)
    page = client.get(f"/fund/payouts/{made.json['id']}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "DTAB Twente" in text
    assert reference in text
    with app.app_context():
        assert _("Employer") in text


def test_a_batch_page_shows_its_payees_a_page_at_a_time(
    client, login, both, api_headers, monkeypatch
):
    from wallet.payments import views

    monkeypatch.setattr(views, "PAYEES_PER_PAGE", 1)
    _fund_id, admin, _reimbursement_id = both
    made = client.post(
        "/api/v1/payout-batches", json={"method": "sepa"}, headers=api_headers(admin)
    )
    names = [item["payee_name"] for item in made.json["items"]]
    login(client, admin)
    first = client.get(f"/fund/payouts/{made.json['id']}").text
    second = client.get(f"/fund/payouts/{made.json['id']}?page=2").text
    beyond = client.get(f"/fund/payouts/{made.json['id']}?page=9")

    assert len(names) == 2
    assert names[0] in first
    assert names[1] not in first
    assert names[1] in second
    assert names[0] not in second
    assert "?page=2" in first
    assert beyond.status_code == 200
    assert names[1] in beyond.text
    for text in (first, second):  # the batch still moves money, whichever page is shown
        assert f"/fund/payouts/{made.json['id']}/submit" in text
