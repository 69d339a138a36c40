"""SEPA returns (R-transactions) in any order of statements: each turns its claim back once.

After every step the ledger and the claims must agree: paid-out is what the paid items and
their live transfers say, in-transit what the submitted ones say, payable what the approved
claims say, and `ledger verify` finds nothing.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from lxml import etree

from tests.payments.camt_builder import camt053
from wallet.accounts.models import Role, User
from wallet.applications.models import Application, ApplicationStatus
from wallet.audit.models import AuditEvent
from wallet.books.verify import verify
from wallet.claims import services as claims
from wallet.claims.models import Claim, ClaimStatus
from wallet.core.db import session
from wallet.ledger.models import LedgerTransaction
from wallet.notifications.models import OutboxMessage
from wallet.payments import batches
from wallet.payments.models import ItemStatus, PayoutBatch, PayoutItem, PayoutLine, PayoutMethod
from wallet.payments.reconcile import _ledger_against_items
from wallet.payments.sepa import sepa_file
from wallet.payments.statements import import_statement

pytestmark = pytest.mark.usefixtures("app_ctx")

PAID, APPROVED, IN_BATCH = ClaimStatus.PAID, ClaimStatus.APPROVED, ClaimStatus.IN_BATCH


def _account(code: str) -> int:
    query = sa.text("SELECT posted_cents FROM ledger_accounts WHERE code = :c")
    return session.execute(query, {"c": code}).scalar() or 0


def _submitted(approved, amounts=(240_000, 200_000)):
    """A submitted SEPA batch of two claims of one provider: (fund id, provider id, a, b)
    where a and b are (reference, cents), a the larger claim."""
    journeys, fund_id, _ids = approved(amounts=amounts)
    batch = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=None).batch
    batches.submit_batch(batch.id, fund_id, actor=None)
    rows = session.execute(
        sa.select(PayoutLine.end_to_end_id, PayoutLine.amount_cents)
        .join(PayoutItem)
        .where(PayoutItem.batch_id == batch.id)
        .order_by(PayoutLine.amount_cents.desc())
    ).all()
    return fund_id, journeys[0]["application"].provider_id, tuple(rows[0]), tuple(rows[1])


def _debit(line) -> dict:
    reference, cents = line
    return {"end_to_end_id": reference, "amount": f"{cents / 100:.2f}"}


def _return(line, day: str = "2024-05-06") -> dict:
    reference, cents = line
    return {
        "end_to_end_id": reference,
        "amount": f"{cents / 100:.2f}",
        "debit": False,
        "returned": "AC04",
        "booked_on": day,
    }


def _statuses() -> dict[str, ClaimStatus]:
    rows = session.execute(sa.select(Claim.reference, Claim.status)).all()
    return dict(rows)


def _claim_status(end_to_end_id: str) -> ClaimStatus:
    reference = end_to_end_id.rsplit("-", 1)[0] if end_to_end_id.count("-") > 2 else end_to_end_id
    return _statuses()[reference]


def _assert_books_agree(fund_id: int, provider_id: int) -> None:
    """The contract `ledger verify` and reconcile rely on, checked from the rows themselves."""
    session.expire_all()
    paid_lines = session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(PayoutLine.amount_cents), 0))
        .join(PayoutItem)
        .join(PayoutBatch)
        .where(
            PayoutBatch.fund_id == fund_id,
            PayoutItem.status == ItemStatus.PAID,
            PayoutLine.released.is_(False),
        )
    )
    paid_items = session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(PayoutItem.amount_cents), 0))
        .join(PayoutBatch)
        .where(PayoutBatch.fund_id == fund_id, PayoutItem.status == ItemStatus.PAID)
    )
    in_transit = session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(PayoutItem.amount_cents), 0))
        .join(PayoutBatch)
        .where(PayoutBatch.fund_id == fund_id, PayoutItem.status == ItemStatus.SUBMITTED)
    )
    approved_cents = session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Claim.amount_cents), 0)).where(
            Claim.provider_id == provider_id, Claim.status == ClaimStatus.APPROVED
        )
    )
    receivable = _account(f"provider:{provider_id}:fund:{fund_id}:receivable")
    assert _account(f"fund:{fund_id}:paid_out") == int(paid_items) == int(paid_lines)
    assert _account(f"fund:{fund_id}:in_transit") == int(in_transit)
    assert _account(f"provider:{provider_id}:payable") == int(approved_cents)
    assert receivable <= 0
    assert _ledger_against_items() == []
    assert verify() == []


def _returned_messages() -> int:
    return session.scalar(
        sa.select(sa.func.count(OutboxMessage.id)).where(OutboxMessage.topic == "payment_returned")
    )


def _return_events() -> int:
    return session.scalar(
        sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.subject_type == "payout_line", AuditEvent.action == "returned"
        )
    )


def test_a_return_on_the_same_statement_as_the_debit(approved):
    fund_id, provider_id, a, b = _submitted(approved)

    outcome = import_statement(fund_id, camt053([_debit(a), _debit(b), _return(a)]), actor=None)

    assert outcome.returned == [a[0]]
    assert outcome.paid_items != []  # b is paid; a never reached paid-out
    assert (_claim_status(a[0]), _claim_status(b[0])) == (APPROVED, PAID)
    assert _account(f"fund:{fund_id}:paid_out") == b[1]
    assert _return_events() == 1
    _assert_books_agree(fund_id, provider_id)


def test_a_return_on_a_later_statement_turns_the_paid_claim_back(approved):
    fund_id, provider_id, a, b = _submitted(approved)
    import_statement(fund_id, camt053([_debit(a), _debit(b)]), actor=None)
    assert (_claim_status(a[0]), _claim_status(b[0])) == (PAID, PAID)
    _assert_books_agree(fund_id, provider_id)
    messages = _returned_messages()

    outcome = import_statement(fund_id, camt053([_return(a)]), actor=None)

    assert outcome.unmatched == []
    assert outcome.returned == [a[0]]
    assert (_claim_status(a[0]), _claim_status(b[0])) == (APPROVED, PAID)
    assert _account(f"fund:{fund_id}:paid_out") == b[1]
    assert _account(f"provider:{provider_id}:payable") == a[1]
    claim = session.scalar(sa.select(Claim).where(Claim.reference == a[0]))
    assert session.get(Application, claim.application_id).status == ApplicationStatus.INVOICED
    told = session.scalars(
        sa.select(User.role)
        .join(OutboxMessage, OutboxMessage.user_id == User.id)
        .where(OutboxMessage.topic == "payment_returned")
    ).all()
    assert set(told) == {Role.PROVIDER_STAFF, Role.FUND_ADMIN}  # the provider and the fund
    recipients = session.scalars(
        sa.select(OutboxMessage.user_id).where(OutboxMessage.topic == "payment_returned")
    ).all()
    assert messages == 0
    assert len(recipients) == len(set(recipients))  # each told once
    assert _return_events() == 1
    kinds = session.scalars(sa.select(LedgerTransaction.kind)).all()
    assert kinds.count("payout_returned") == 1
    _assert_books_agree(fund_id, provider_id)

    # batched again as REF-2 and paid: the application is paid again, the books still agree
    again = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=None).batch
    batches.submit_batch(again.id, fund_id, actor=None)
    ends = [e.text for e in etree.fromstring(sepa_file(again.id, fund_id)).iter("{*}EndToEndId")]
    assert ends == [f"{a[0]}-2"]
    import_statement(fund_id, camt053([_debit((f"{a[0]}-2", a[1]))]), actor=None)
    assert _claim_status(a[0]) == PAID
    assert session.get(Application, claim.application_id).status == ApplicationStatus.PAID
    _assert_books_agree(fund_id, provider_id)


def test_a_return_before_the_debit_s_statement(approved):
    fund_id, provider_id, a, b = _submitted(approved)

    import_statement(fund_id, camt053([_return(a)]), actor=None)
    assert (_claim_status(a[0]), _claim_status(b[0])) == (APPROVED, IN_BATCH)
    _assert_books_agree(fund_id, provider_id)
    outcome = import_statement(fund_id, camt053([_debit(a), _debit(b)]), actor=None)

    assert outcome.matched == 1  # only b: a's debit was undone by its return already
    assert len(outcome.unmatched) == 1
    assert a[0] in outcome.unmatched[0]
    assert (_claim_status(a[0]), _claim_status(b[0])) == (APPROVED, PAID)
    assert _account(f"fund:{fund_id}:paid_out") == b[1]
    assert _return_events() == 1
    _assert_books_agree(fund_id, provider_id)


def test_the_same_return_twice_is_booked_once(approved):
    fund_id, provider_id, a, b = _submitted(approved)
    import_statement(fund_id, camt053([_debit(a), _debit(b)]), actor=None)
    import_statement(fund_id, camt053([_return(a)]), actor=None)
    messages = _returned_messages()

    later = import_statement(fund_id, camt053([_return(a, day="2024-05-07")]), actor=None)
    inside = import_statement(
        fund_id, camt053([_return(a, day="2024-05-08"), _return(a, day="2024-05-08")]), actor=None
    )

    assert later.returned == []
    assert inside.returned == []
    assert len(later.unmatched) == 1
    assert len(inside.unmatched) == 2
    assert _returned_messages() == messages
    assert _return_events() == 1
    assert (_claim_status(a[0]), _claim_status(b[0])) == (APPROVED, PAID)
    assert _account(f"provider:{provider_id}:payable") == a[1]
    _assert_books_agree(fund_id, provider_id)


def test_every_transfer_of_a_paid_item_returned_fails_the_item(approved):
    fund_id, provider_id, a, b = _submitted(approved)
    import_statement(fund_id, camt053([_debit(a), _debit(b)]), actor=None)

    outcome = import_statement(fund_id, camt053([_return(a), _return(b)]), actor=None)

    assert len(outcome.failed_items) == 1
    assert session.get(PayoutItem, outcome.failed_items[0]).status == ItemStatus.FAILED
    assert set(_statuses().values()) == {APPROVED}
    assert _account(f"fund:{fund_id}:paid_out") == 0
    _assert_books_agree(fund_id, provider_id)


def test_a_later_return_of_a_transfer_that_settled_a_debt_owes_the_debt_again(approved):
    first = approved(amounts=(100_000,))
    journeys, fund_id, ids = first
    admin = journeys[0]["admins"][0]
    provider_id = journeys[0]["application"].provider_id
    batch = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=None).batch
    batches.submit_batch(batch.id, fund_id, actor=None)
    batches.mark_paid(batch.items[0].id, fund_id, actor=None)
    claims.review(ids[0], "claw_back", actor=admin, reason="Niet gegeven")  # owes € 1.000
    session.commit()
    approved(amounts=(240_000, 200_000), onto=first)
    batch = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=admin).batch
    batches.submit_batch(batch.id, fund_id, actor=admin)
    lines = session.scalars(
        sa.select(PayoutLine).where(PayoutLine.item_id == batch.items[0].id).order_by(PayoutLine.id)
    ).all()
    offset = next(line for line in lines if line.offset_cents)
    transfers = [(line.end_to_end_id, line.amount_cents) for line in lines]
    import_statement(fund_id, camt053([_debit(t) for t in transfers]), actor=None)
    receivable = f"provider:{provider_id}:fund:{fund_id}:receivable"
    assert _account(receivable) == 0
    _assert_books_agree(fund_id, provider_id)

    import_statement(
        fund_id, camt053([_return((offset.end_to_end_id, offset.amount_cents))]), actor=None
    )

    assert _account(receivable) == -offset.offset_cents  # the debt is owed again
    assert _account(f"provider:{provider_id}:payable") == offset.claim_cents
    assert session.get(Claim, offset.claim_id).status == APPROVED
    _assert_books_agree(fund_id, provider_id)


def test_a_return_after_a_clawback_lowers_what_the_provider_owes(approved):
    """Paid, clawed back (the provider owes it all), then the bank returns the transfer: the
    provider never got the money, so it owes nothing for this claim and paid-out drops."""
    fund_id, provider_id, a, b = _submitted(approved)
    import_statement(fund_id, camt053([_debit(a), _debit(b)]), actor=None)
    claim = session.scalar(sa.select(Claim).where(Claim.reference == a[0]))
    admin = session.scalar(
        sa.select(User).where(User.fund_id == fund_id, User.role == Role.FUND_ADMIN)
    )
    claims.review(claim.id, "claw_back", actor=admin, reason="Niet gegeven")
    receivable = f"provider:{provider_id}:fund:{fund_id}:receivable"
    assert _account(receivable) == -a[1]
    _assert_books_agree(fund_id, provider_id)

    outcome = import_statement(fund_id, camt053([_return(a)]), actor=None)

    assert outcome.returned == [a[0]]
    assert _account(receivable) == 0
    assert _account(f"fund:{fund_id}:paid_out") == b[1]
    assert _claim_status(a[0]) == ClaimStatus.CLAWED_BACK
    assert _claim_status(b[0]) == PAID
    _assert_books_agree(fund_id, provider_id)
    told = session.scalar(
        sa.select(sa.func.count(OutboxMessage.id)).where(
            OutboxMessage.topic == "payment_returned_after_clawback"
        )
    )
    assert told >= 2  # the provider's staff and the fund's administrators

    again = import_statement(fund_id, camt053([_return(a, day="2024-05-09")]), actor=None)
    assert again.returned == []
    assert _account(receivable) == 0
    _assert_books_agree(fund_id, provider_id)


def test_a_return_after_a_clawback_of_a_transfer_that_settled_a_debt_owes_the_debt(approved):
    """The clawed-back claim had settled an earlier debt: after the return the provider owes
    that earlier debt again, and nothing for the clawed-back claim."""
    first = approved(amounts=(100_000,))
    journeys, fund_id, ids = first
    admin = journeys[0]["admins"][0]
    provider_id = journeys[0]["application"].provider_id
    batch = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=None).batch
    batches.submit_batch(batch.id, fund_id, actor=None)
    batches.mark_paid(batch.items[0].id, fund_id, actor=None)
    claims.review(ids[0], "claw_back", actor=admin, reason="Niet gegeven")  # owes € 1.000
    session.commit()
    approved(amounts=(240_000,), onto=first)
    batch = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=admin).batch
    batches.submit_batch(batch.id, fund_id, actor=admin)
    (line,) = session.scalars(
        sa.select(PayoutLine).where(PayoutLine.item_id == batch.items[0].id)
    ).all()
    assert line.offset_cents == 100_000
    transfer = (line.end_to_end_id, line.amount_cents)
    import_statement(fund_id, camt053([_debit(transfer)]), actor=None)
    receivable = f"provider:{provider_id}:fund:{fund_id}:receivable"
    claims.review(line.claim_id, "claw_back", actor=admin, reason="Niet gevolgd")
    assert _account(receivable) == -240_000
    _assert_books_agree(fund_id, provider_id)

    import_statement(fund_id, camt053([_return(transfer)]), actor=None)

    assert _account(receivable) == -100_000  # the first debt is owed again, no more
    assert session.get(Claim, line.claim_id).status == ClaimStatus.CLAWED_BACK
    _assert_books_agree(fund_id, provider_id)


def test_two_funds_one_provider_a_return_on_one_fund_leaves_the_other_alone(approved):
    """Payable is the provider's, in-transit and paid-out the fund's: a return on fund B's
    later statement moves only B's books, and verify agrees on both."""
    first = approved(amounts=(240_000,))
    second = approved(amounts=(130_000,))
    (_j, fund_a, (claim_a,)), (_k, fund_b, (claim_b,)) = first, second
    assert fund_a != fund_b
    lines = {}
    for fund_id in (fund_a, fund_b):
        batch = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=None).batch
        batches.submit_batch(batch.id, fund_id, actor=None)
        ((reference, cents),) = session.execute(
            sa.select(PayoutLine.end_to_end_id, PayoutLine.amount_cents)
            .join(PayoutItem)
            .where(PayoutItem.batch_id == batch.id)
        ).all()
        lines[fund_id] = (reference, cents)
        import_statement(fund_id, camt053([_debit(lines[fund_id])]), actor=None)
    assert verify() == []

    outcome = import_statement(fund_b, camt053([_return(lines[fund_b])]), actor=None)

    assert outcome.returned == [lines[fund_b][0]]
    assert session.get(Claim, claim_a).status == PAID
    assert session.get(Claim, claim_b).status == APPROVED
    assert _account(f"fund:{fund_a}:paid_out") == 240_000
    assert _account(f"fund:{fund_b}:paid_out") == 0
    # fund A's statement carrying B's end-to-end id is not B's return
    stray = import_statement(fund_a, camt053([_return(lines[fund_b], "2024-05-10")]), actor=None)
    assert stray.returned == []
    assert verify() == []
