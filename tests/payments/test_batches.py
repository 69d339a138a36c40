"""Payout batches: approved claims → one item per provider → in transit → paid out, exactly
once; SEPA files validate against their XSD; a wrong IBAN never reaches a file."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from lxml import etree

from tests.payments.fixtures import PROVIDER_IBAN
from wallet.applications.models import Application, ApplicationStatus
from wallet.books.verify import verify
from wallet.claims import services as claims
from wallet.claims.models import Claim, ClaimStatus
from wallet.core.db import session
from wallet.core.errors import Conflict, ValidationFailed
from wallet.funds.models import Fund
from wallet.grants.balances import payable_account_id
from wallet.ledger.services import balance
from wallet.payments import batches
from wallet.payments.models import BatchStatus, ItemStatus, PayoutMethod
from wallet.payments.sepa import sepa_file
from wallet.providers.models import Provider

pytestmark = pytest.mark.usefixtures("app_ctx")


def _account(code: str) -> int:
    row = session.execute(
        sa.text("SELECT posted_cents FROM ledger_accounts WHERE code = :c"), {"c": code}
    ).scalar()
    return row or 0


def test_a_batch_pays_each_claim_once_through_transit(approved):
    journeys, fund_id, _ids = approved()
    admin = journeys[0]["admins"][0]
    provider_id = journeys[0]["application"].provider_id
    outcome = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=admin)
    batch = outcome.batch
    assert (batch.claim_count, batch.amount_cents, outcome.left_out) == (2, 440_000, [])
    assert {c.status for c in session.scalars(sa.select(Claim))} == {ClaimStatus.IN_BATCH}
    with pytest.raises(Conflict):  # nothing approved is left for a second batch
        batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=admin)
    with pytest.raises(Conflict):  # a draft has no file
        sepa_file(batch.id, fund_id)
    batches.submit_batch(batch.id, fund_id, actor=admin)
    assert balance(payable_account_id(provider_id)).posted_cents == 0
    assert _account(f"fund:{fund_id}:in_transit") == 440_000

    for schema in ("pain.001.001.09", "pain.001.001.03"):
        document = sepa_file(batch.id, fund_id, schema)  # validated against the XSD inside
        root = etree.fromstring(document)
        ends = [e.text for e in root.iter("{*}EndToEndId")]
        assert sorted(ends) == sorted(c.reference for c in session.scalars(sa.select(Claim)))
        assert root.findtext(".//{*}CtrlSum") == "4400.00"

    item = batch.items[0]
    batches.mark_paid(item.id, fund_id, actor=admin)
    with pytest.raises(Conflict):  # paid twice: refused, nothing moves
        batches.mark_paid(item.id, fund_id, actor=admin)
    assert _account(f"fund:{fund_id}:paid_out") == 440_000
    assert _account(f"fund:{fund_id}:in_transit") == 0
    assert {c.status for c in session.scalars(sa.select(Claim))} == {ClaimStatus.PAID}
    assert {a.status for a in session.scalars(sa.select(Application))} == {ApplicationStatus.PAID}
    assert batches.get_batch(batch.id).status == BatchStatus.CLOSED
    assert verify() == []


def test_a_wrong_iban_never_reaches_a_file(approved):
    journeys, fund_id, _ids = approved()
    provider = session.get(Provider, journeys[0]["application"].provider_id)
    provider.iban = "NL20INGB0001234568"  # one digit off: the checksum fails
    session.commit()
    with pytest.raises(ValidationFailed):  # the only provider is left out: no batch
        batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=None)
    provider.iban = PROVIDER_IBAN
    session.commit()
    batch = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=None).batch
    batches.submit_batch(batch.id, fund_id, actor=None)
    session.execute(sa.text("UPDATE payout_items SET iban = 'NL20INGB0001234568'"))
    session.commit()
    with pytest.raises(ValidationFailed, match="IBAN"):
        sepa_file(batch.id, fund_id)
    session.get(Fund, fund_id).iban = None
    session.commit()
    with pytest.raises(Conflict):
        sepa_file(batch.id, fund_id)


def _pay_all(fund_id: int) -> None:
    batch = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=None).batch
    batches.submit_batch(batch.id, fund_id, actor=None)
    for item in batch.items:
        batches.mark_paid(item.id, fund_id, actor=None)


def test_what_a_provider_owes_after_a_clawback_of_a_paid_claim_is_offset(approved):
    first = approved(amounts=(100_000,))
    journeys, fund_id, ids = first
    admin = journeys[0]["admins"][0]
    _pay_all(fund_id)
    claims.review(ids[0], "claw_back", actor=admin, reason="Niet gegeven")  # owes € 1.000
    provider_id = journeys[0]["application"].provider_id
    receivable = f"provider:{provider_id}:fund:{fund_id}:receivable"
    assert _account(receivable) == -100_000
    session.commit()  # end this test's transaction before the fixture writes (SQLite)
    approved(amounts=(240_000, 200_000), onto=first)
    batch = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=admin).batch
    assert (batch.gross_cents, batch.offset_cents, batch.amount_cents) == (
        440_000,
        100_000,
        340_000,
    )
    batches.submit_batch(batch.id, fund_id, actor=admin)
    assert _account(receivable) == 0
    root = etree.fromstring(sepa_file(batch.id, fund_id))
    assert root.findtext(".//{*}CtrlSum") == "3400.00"
    assert verify() == []


def test_clawing_back_an_unpaid_claim_takes_it_from_what_is_payable(approved):
    journeys, fund_id, ids = approved(amounts=(240_000, 100_000))
    claims.review(ids[1], "claw_back", actor=journeys[0]["admins"][0], reason="Dubbel")
    provider_id = journeys[0]["application"].provider_id
    assert balance(payable_account_id(provider_id)).posted_cents == 240_000
    assert _account(f"provider:{provider_id}:fund:{fund_id}:receivable") == 0
    assert session.get(Application, journeys[1]["application"].id).status == (
        ApplicationStatus.CLOSED
    )
    batch = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=None).batch
    assert (batch.claim_count, batch.amount_cents, batch.offset_cents) == (1, 240_000, 0)
    assert verify() == []


def test_two_drafts_never_offset_one_debt_twice(approved):
    first = approved(amounts=(100_000,))
    journeys, fund_id, ids = first
    _pay_all(fund_id)
    claims.review(ids[0], "claw_back", actor=journeys[0]["admins"][0], reason="Niet gegeven")
    session.commit()
    approved(amounts=(240_000,), onto=first)
    one = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=None).batch
    session.commit()
    approved(amounts=(200_000,), onto=first)
    two = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=None).batch
    assert (one.offset_cents, two.offset_cents) == (100_000, 0)
    batches.submit_batch(two.id, fund_id, actor=None)
    batches.submit_batch(one.id, fund_id, actor=None)
    assert verify() == []


def test_a_failed_transfer_makes_the_claims_payable_again(approved):
    journeys, fund_id, _ids = approved()
    batch = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=None).batch
    batches.submit_batch(batch.id, fund_id, actor=None)
    item_id = batch.items[0].id
    with pytest.raises(ValidationFailed):
        batches.mark_failed(item_id, fund_id, actor=None, reason=" ")
    batches.mark_failed(item_id, fund_id, actor=None, reason="AC04 rekening opgeheven")
    assert batches.get_item(item_id).status == ItemStatus.FAILED
    assert {c.status for c in session.scalars(sa.select(Claim))} == {ClaimStatus.APPROVED}
    provider_id = journeys[0]["application"].provider_id
    assert balance(payable_account_id(provider_id)).posted_cents == 440_000
    again = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=None).batch
    assert again.claim_count == 2
    assert verify() == []


def test_a_draft_can_be_discarded_and_nothing_moves(approved):
    _journeys, fund_id, _ids = approved()
    batch = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=None).batch
    batches.discard_batch(batch.id, fund_id, actor=None)
    assert {c.status for c in session.scalars(sa.select(Claim))} == {ClaimStatus.APPROVED}
    assert (
        batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=None).batch.claim_count == 2
    )
    assert verify() == []


def test_a_batch_with_nothing_approved_is_refused(app, make_fund):
    fund = make_fund()
    with pytest.raises(Conflict):
        batches.create_batch(fund.id, method=PayoutMethod.SEPA, actor=None)


def test_a_stripe_batch_is_refused_where_stripe_is_not_set_up(approved):
    from wallet.payments.gateway import StripeUnavailable

    _journeys, fund_id, _ids = approved()
    with pytest.raises(StripeUnavailable):
        batches.create_batch(fund_id, method=PayoutMethod.STRIPE, actor=None)
    assert batches.batches_of_fund(fund_id) == []
    assert {c.status for c in session.scalars(sa.select(Claim))} == {ClaimStatus.APPROVED}


def test_a_batch_keeps_who_was_left_out_and_why(approved, make_provider_user):
    _journeys, fund_id, ids = approved()
    other = make_provider_user(organisation_name="Lasschool Hengelo")  # pending: not payable
    session.execute(
        sa.update(Claim).where(Claim.id == ids[1]).values(provider_id=other.provider_id)
    )
    session.commit()
    outcome = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=None)
    session.expire_all()
    kept = batches.get_batch(outcome.batch.id).left_out
    assert kept == [{"name": name, "reason": why} for name, why in outcome.left_out]
    assert [entry["name"] for entry in kept] == ["Lasschool Hengelo"]


def test_a_bank_statement_marks_payouts_paid_and_reports_the_rest(approved):
    from tests.payments.camt_builder import camt053
    from wallet.payments.statements import import_statement

    _journeys, fund_id, _ids = approved()
    batch = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=None).batch
    batches.submit_batch(batch.id, fund_id, actor=None)
    references = {c.amount_cents: c.reference for c in session.scalars(sa.select(Claim))}
    first = camt053([{"end_to_end_id": references[240_000], "amount": "2400.00"}])
    outcome = import_statement(fund_id, first, actor=None)
    assert (outcome.matched, outcome.paid_items) == (1, [])  # one of the two transfers
    statement = camt053(
        [
            {"end_to_end_id": references[200_000], "amount": "2000.00"},
            {"end_to_end_id": "DC-2026-9999999", "amount": "10.00"},
            {"end_to_end_id": references[240_000], "amount": "2400.01"},
            {"end_to_end_id": "NOTPROVIDED", "amount": "5.00", "debit": False},
        ]
    )
    outcome = import_statement(fund_id, statement, actor=None)
    assert outcome.paid_items == [batch.items[0].id]
    assert len(outcome.unmatched) == 3
    assert {c.status for c in session.scalars(sa.select(Claim))} == {ClaimStatus.PAID}
    again = import_statement(fund_id, statement, actor=None)  # the same file twice
    assert again.paid_items == []
    assert _account(f"fund:{fund_id}:paid_out") == 440_000
    assert verify() == []


def test_a_returned_transfer_fails_only_its_claim(approved):
    from tests.payments.camt_builder import camt053
    from wallet.payments.statements import import_statement

    journeys, fund_id, _ids = approved()
    batch = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=None).batch
    batches.submit_batch(batch.id, fund_id, actor=None)
    amounts = dict(session.execute(sa.select(Claim.reference, Claim.amount_cents)).all())
    bounced, paid = sorted(amounts)

    def line(ref: str, **extra) -> dict:
        return {"end_to_end_id": ref, "amount": f"{amounts[ref] / 100:.2f}", **extra}

    outcome = import_statement(fund_id, camt053([line(bounced, returned="AC04")]), actor=None)
    assert outcome.failed_items == []  # the other transfer of the item is still on its way
    statuses = dict(session.execute(sa.select(Claim.reference, Claim.status)).all())
    assert statuses == {bounced: ClaimStatus.APPROVED, paid: ClaimStatus.IN_BATCH}
    outcome = import_statement(fund_id, camt053([line(paid)]), actor=None)
    assert outcome.paid_items == [batch.items[0].id]
    provider_id = journeys[0]["application"].provider_id
    assert _account(f"fund:{fund_id}:paid_out") == amounts[paid]
    assert balance(payable_account_id(provider_id)).posted_cents == amounts[bounced]
    again = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=None).batch
    batches.submit_batch(again.id, fund_id, actor=None)
    ends = [e.text for e in etree.fromstring(sepa_file(again.id, fund_id)).iter("{*}EndToEndId")]
    assert ends == [f"{bounced}-2"]  # a late line of the first transfer can never match it
    assert verify() == []
    with pytest.raises(ValidationFailed):
        import_statement(fund_id, b"<not a statement/>", actor=None)


def test_every_transfer_of_an_item_returned_fails_the_item(approved):
    from tests.payments.camt_builder import camt053
    from wallet.payments.statements import import_statement

    _journeys, fund_id, _ids = approved()
    batch = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=None).batch
    batches.submit_batch(batch.id, fund_id, actor=None)
    lines = [
        {"end_to_end_id": ref, "amount": f"{cents / 100:.2f}", "debit": False, "returned": "MS03"}
        for ref, cents in session.execute(sa.select(Claim.reference, Claim.amount_cents))
    ]
    outcome = import_statement(fund_id, camt053(lines), actor=None)  # credit returns
    assert outcome.failed_items == [batch.items[0].id]
    assert {c.status for c in session.scalars(sa.select(Claim))} == {ClaimStatus.APPROVED}
    assert _account(f"fund:{fund_id}:in_transit") == 0
    assert verify() == []


def test_a_statement_of_another_account_is_refused(approved):
    from tests.payments.camt_builder import camt053
    from wallet.payments.statements import import_statement

    _journeys, fund_id, _ids = approved()
    batch = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=None).batch
    batches.submit_batch(batch.id, fund_id, actor=None)
    reference = session.scalars(sa.select(Claim.reference)).first()
    amount = session.scalar(sa.select(Claim.amount_cents).where(Claim.reference == reference))
    line = {"end_to_end_id": reference, "amount": f"{amount / 100:.2f}"}
    with pytest.raises(ValidationFailed, match="NL91ABNA0417164300"):
        import_statement(fund_id, camt053([line], iban=PROVIDER_IBAN), actor=None)
    assert batches.get_item(batch.items[0].id).status == ItemStatus.SUBMITTED


def test_the_weekly_job_makes_draft_batches_for_funds_with_approved_claims(app, approved):
    from wallet.scheduler.jobs import run_job

    _journeys, fund_id, _ids = approved()
    session.commit()
    assert run_job("make-payout-batches") == "1 draft payout batches made"
    assert batches.batches_of_fund(fund_id)[0].status == BatchStatus.DRAFT
    assert run_job("make-payout-batches") == "0 draft payout batches made"


def test_the_sepa_message_id_is_the_batch_reference_at_every_download(approved):
    _journeys, fund_id, _ids = approved()
    batch = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=None).batch
    batches.submit_batch(batch.id, fund_id, actor=None)
    first, second = sepa_file(batch.id, fund_id), sepa_file(batch.id, fund_id)
    assert etree.fromstring(first).findtext(".//{*}GrpHdr/{*}MsgId") == batch.reference
    assert first == second  # the bank refuses a file it has seen: the same file is the same


def test_a_returned_transfer_leaves_the_file_and_the_batch_totals(approved):
    from tests.payments.camt_builder import camt053
    from wallet.payments.statements import import_statement

    _journeys, fund_id, _ids = approved()
    batch = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=None).batch
    batches.submit_batch(batch.id, fund_id, actor=None)
    reference, cents = session.execute(
        sa.select(Claim.reference, Claim.amount_cents).order_by(Claim.id)
    ).first()
    line = {"end_to_end_id": reference, "amount": f"{cents / 100:.2f}", "returned": "AC04"}
    import_statement(fund_id, camt053([line]), actor=None)
    ends = [e.text for e in etree.fromstring(sepa_file(batch.id, fund_id)).iter("{*}EndToEndId")]
    assert reference not in ends
    batch = batches.get_batch(batch.id)
    assert (batch.claim_count, batch.amount_cents) == (1, 440_000 - cents)


def test_the_sepa_file_downloaded_on_a_later_day_is_the_same_file(approved):
    import datetime as dt

    from wallet.core import clock

    _journeys, fund_id, _ids = approved()
    submitted = dt.datetime(2026, 12, 1, 23, 30, tzinfo=dt.UTC)  # 2 December in Amsterdam
    with clock.frozen_at(submitted):
        batch = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=None).batch
        batches.submit_batch(batch.id, fund_id, actor=None)
        first = sepa_file(batch.id, fund_id)
    with clock.frozen_at(submitted + dt.timedelta(days=3, hours=5)):
        later = sepa_file(batch.id, fund_id)
    assert later == first  # byte for byte: same MsgId, same execution date
    assert batches.get_batch(batch.id).execution_date == dt.date(2026, 12, 2)
    requested = etree.fromstring(later).find(".//{*}ReqdExctnDt")
    assert "".join(requested.itertext()).strip() == "2026-12-02"  # .09 nests it in <Dt>
