"""`ledger verify` ties the books together: clean books built through the services pass, and
each way of breaking them behind the app's back is named (invariant and object) by verify and
makes `flask ledger verify` exit non-zero.

The ledger tables refuse UPDATE and DELETE (triggers on PostgreSQL and SQLite), so tampering
with money inserts new, balanced transactions and keeps the cached balances in step, as an
intruder with SQL access would: only the ties between the books can catch it.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from tests.payments.fixtures import approved, make_journey  # noqa: F401 - shared fixtures
from wallet.applications.models import ApplicationPart
from wallet.audit.services import record
from wallet.books.verify import verify
from wallet.claims import services as claims
from wallet.claims.models import Claim, ClaimPart
from wallet.core import clock
from wallet.core.db import session, unit_of_work
from wallet.funds.models import Fund
from wallet.grants.balances import payable_account_id
from wallet.grants.expiry import expire_grants
from wallet.grants.models import Grant
from wallet.ledger import services as ledger
from wallet.ledger.models import Hold, LedgerAccount, LedgerTransaction, Posting
from wallet.payments import batches
from wallet.payments.models import ItemStatus, PayoutItem, PayoutMethod

pytestmark = pytest.mark.usefixtures("app_ctx")


@pytest.fixture
def books(approved):  # noqa: F811 - the imported fixture
    """One provider on one fund: a paid batch, a batch in transit, an approved claim."""
    paid = approved((240_000,))
    journeys, fund_id, (paid_claim,) = paid
    admin = journeys[0]["admins"][0]
    first = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=admin).batch
    batches.submit_batch(first.id, fund_id, actor=admin)
    paid_item = first.items[0].id
    batches.mark_paid(paid_item, fund_id, actor=admin)
    _journeys, _fund, (transit_claim,) = approved((200_000,), onto=paid)
    second = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=admin).batch
    batches.submit_batch(second.id, fund_id, actor=admin)
    _journeys, _fund, (open_claim,) = approved((150_000,), onto=paid)
    session.expire_all()
    journey = journeys[0]
    part = session.scalar(sa.select(ClaimPart).where(ClaimPart.claim_id == paid_claim))
    state = SimpleNamespace(
        fund_id=fund_id,
        admin=admin,
        provider_id=journey["application"].provider_id,
        grant=session.get(Grant, part.grant_id),
        hold=session.get(Hold, part.hold_id),
        paid_claim=paid_claim,
        transit_claim=transit_claim,
        open_claim=open_claim,
        paid_batch=first.id,
        paid_item=paid_item,
        transit_batch=second.id,
        transit_item=second.items[0].id,
    )
    assert verify() == []
    return state


def _move(
    kind: str, *entries: tuple[int, int], reference: str | None = None, reverses: int | None = None
) -> int:
    """A balanced transaction inserted straight into the tables, cached balances kept right."""
    tx = session.execute(
        sa.insert(LedgerTransaction.__table__)
        .values(
            kind=kind,
            description="tampered",
            reference=reference,
            created_at=clock.now(),
            reverses_id=reverses,
        )
        .returning(LedgerTransaction.__table__.c.id)
    ).scalar_one()
    accounts = LedgerAccount.__table__
    for account_id, cents in entries:
        session.execute(
            sa.insert(Posting.__table__).values(
                transaction_id=tx, account_id=account_id, amount_cents=cents
            )
        )
        session.execute(
            sa.update(accounts)
            .where(accounts.c.id == account_id)
            .values(posted_cents=accounts.c.posted_cents + cents)
        )
    session.commit()
    return tx


def _sql(statement: str, **params) -> None:
    session.execute(sa.text(statement), params)
    session.commit()


def _assert_named(runner, invariant: str, *names: str) -> None:
    """verify reports `invariant` with every one of `names` in one message; the CLI fails."""
    session.expire_all()
    problems = [p for p in verify() if p.invariant == invariant]
    assert any(all(name in p.detail for name in names) for p in problems), verify()
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 1
    assert invariant in result.output
    assert names[0] in result.output


def test_clean_books_verify_and_the_command_says_so(books, runner):
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output
    assert "every invariant holds" in result.output


def test_a_hold_posted_twice_is_caught(books, runner):
    cents = books.hold.posted_cents
    tx = _move(
        "hold_post",
        (books.grant.account_id, -1_000),
        (payable_account_id(books.provider_id), 1_000),
        reference=books.hold.reference,
    )
    assert cents > 1_000
    _assert_named(runner, "7 hold moves once", f"transaction {tx}", "settles 0 holds")
    _assert_named(runner, "7 grant explained", f"grant {books.grant.id}", f"transaction {tx}")


def test_a_hold_settled_by_a_transaction_of_another_hold_is_caught(books, runner):
    other = session.scalar(
        sa.select(Hold.id).where(Hold.id != books.hold.id, Hold.status == "posted")
    )
    _sql(
        "UPDATE ledger_holds SET resolving_transaction_id = :tx WHERE id = :hold",
        tx=books.hold.resolving_transaction_id,
        hold=other,
    )
    _assert_named(
        runner,
        "7 hold moves once",
        f"transaction {books.hold.resolving_transaction_id}",
        "settles 2 holds",
    )


@pytest.mark.parametrize(
    ("kind", "sign"), [("deposit", 1), ("copay_received", 1), ("reversal", 1), ("grant_expiry", -1)]
)
def test_money_moving_on_a_grant_by_another_path_is_caught(books, runner, kind, sign):
    pot = session.get(Fund, books.grant.fund_id).pot_account_id
    tx = _move(kind, (books.grant.account_id, sign * 5_000), (pot, -sign * 5_000))
    _assert_named(runner, "7 grant explained", f"grant {books.grant.id}", f"transaction {tx}")


def test_a_grant_balance_that_its_holds_do_not_explain_is_caught(books, runner):
    _sql(
        "UPDATE ledger_holds SET posted_cents = posted_cents - 100 WHERE id = :hold",
        hold=books.hold.id,
    )
    _assert_named(runner, "7 grant balance", f"grant {books.grant.id}")


def test_a_hold_posted_around_the_claims_is_caught(books, runner):
    """What the direct hold API did: the grant debited and the payable credited, no claim."""
    payable = payable_account_id(books.provider_id)
    with unit_of_work():
        hold = ledger.place_hold(books.grant.account_id, payable, 10_000)
    with unit_of_work():
        ledger.post_hold(hold.id, description="around the claim")
    _assert_named(runner, "7 debit traces to a claim", f"hold {hold.id}", "without an approved")
    _assert_named(runner, "7 hold has an owner", f"hold {hold.id}")
    _assert_named(runner, "4 payable agrees with claims", f"provider {books.provider_id}")


def test_a_pending_hold_on_a_grant_outside_any_application_is_caught(books, runner):
    payable = payable_account_id(books.provider_id)
    with unit_of_work():
        hold = ledger.place_hold(books.grant.account_id, payable, 10_000)
    _assert_named(runner, "7 hold has an owner", f"hold {hold.id}", f"grant {books.grant.id}")


def test_a_debit_whose_claim_approval_is_gone_is_caught(books, runner):
    _sql("DELETE FROM claim_approvals WHERE claim_id = :claim", claim=books.paid_claim)
    _assert_named(
        runner, "7 debit traces to a claim", f"hold {books.hold.id}", f"claim {books.paid_claim}"
    )


def test_a_debit_of_a_claim_that_was_never_approved_is_caught(books, runner):
    _sql("UPDATE claims SET status = 'submitted' WHERE id = :claim", claim=books.paid_claim)
    _assert_named(runner, "7 debit traces to a claim", f"claim {books.paid_claim}", "submitted")


def test_a_payable_credited_without_an_approved_claim_is_caught(books, runner):
    outside = ledger.funding_source().id
    _move("hold_post", (outside, -7_000), (payable_account_id(books.provider_id), 7_000))
    _assert_named(runner, "4 payable agrees with claims", f"provider {books.provider_id}")


def test_a_claim_approved_again_by_hand_is_caught_on_the_payable(books, runner):
    """Approved again with no money moved back: the payable no longer covers its claims."""
    _sql("UPDATE claims SET status = 'approved' WHERE id = :claim", claim=books.paid_claim)
    _assert_named(runner, "4 payable agrees with claims", f"provider {books.provider_id}")


def test_a_claim_whose_parts_do_not_add_up_is_caught(books, runner):
    _sql(
        "UPDATE claims SET amount_cents = amount_cents + 1 WHERE id = :claim",
        claim=books.open_claim,
    )
    _assert_named(runner, "4 paid as approved", f"claim {books.open_claim}")


def test_an_item_in_transit_marked_failed_without_its_return_is_caught(books, runner):
    _sql("UPDATE payout_items SET status = 'failed' WHERE id = :item", item=books.transit_item)
    _assert_named(runner, "4 in transit agrees with payouts", f"fund {books.fund_id}")


def test_an_item_marked_paid_without_its_posting_is_caught(books, runner):
    _sql("UPDATE payout_items SET status = 'paid' WHERE id = :item", item=books.transit_item)
    _assert_named(
        runner,
        "4 paid out agrees with payouts",
        f"batch {books.transit_batch}",
        str(books.transit_item),
    )
    _assert_named(runner, "4 paid out agrees with payouts", f"fund {books.fund_id}")
    _assert_named(runner, "4 in transit agrees with payouts", f"fund {books.fund_id}")


def test_paid_out_moved_without_a_paid_item_is_caught(books, runner):
    transit = f"fund:{books.fund_id}:in_transit"
    paid_out = f"fund:{books.fund_id}:paid_out"
    ids = dict(
        session.execute(
            sa.select(LedgerAccount.code, LedgerAccount.id).where(
                LedgerAccount.code.in_([transit, paid_out])
            )
        ).all()
    )
    reference = session.scalar(
        sa.text("SELECT reference FROM payout_batches WHERE id = :b"), {"b": books.transit_batch}
    )
    _move("payout_paid", (ids[transit], -200_000), (ids[paid_out], 200_000), reference=reference)
    _assert_named(runner, "4 paid out agrees with payouts", f"batch {books.transit_batch}")
    _assert_named(runner, "4 in transit agrees with payouts", f"fund {books.fund_id}")


@pytest.mark.parametrize(
    ("subject_type", "action", "subject"),
    [
        ("claim", "approve", "paid_claim"),
        ("payout_batch", "submit", "paid_batch"),
        ("payout_item", "paid", "paid_item"),
    ],
)
def test_a_decision_without_its_audit_event_is_caught(books, runner, subject_type, action, subject):
    subject_id = getattr(books, subject)
    _sql(
        "DELETE FROM audit_events WHERE subject_type = :t AND action = :a AND subject_id = :s",
        t=subject_type,
        a=action,
        s=subject_id,
    )
    expected = str(subject_id) if subject_type != "payout_item" else str(books.paid_batch)
    _assert_named(runner, "6 decision audited", expected)


def test_a_grant_without_its_audit_event_is_caught(books, runner):
    _sql(
        "DELETE FROM audit_events WHERE subject_type = 'grant' AND subject_id = :g",
        g=books.grant.id,
    )
    _assert_named(runner, "6 decision audited", "(grant)", f"subject {books.grant.id}")


def test_a_deposit_without_its_audit_event_is_caught(books, runner):
    fund_id = books.grant.fund_id
    _sql(
        "DELETE FROM audit_events WHERE subject_type = 'fund' AND action = 'deposit' "
        "AND subject_id = :f",
        f=fund_id,
    )
    _assert_named(runner, "6 decision audited", f"fund {fund_id}", "deposit")


def test_a_clawback_without_its_audit_event_is_caught(books, runner):
    claims.review(books.open_claim, "claw_back", actor=books.admin, reason="Niet gegeven")
    assert verify() == []
    _sql("DELETE FROM audit_events WHERE subject_type = 'claim' AND action = 'claw_back'")
    _assert_named(runner, "6 decision audited", "(clawback)", f"subject {books.open_claim}")


def test_a_transaction_of_an_unknown_kind_is_caught(books, runner):
    pot = session.get(Fund, books.grant.fund_id).pot_account_id
    tx = _move("gift", (ledger.funding_source().id, -100), (pot, 100))
    _assert_named(runner, "6 decision audited", f"transaction {tx}", "'gift'")


def test_an_expiry_is_audited_and_an_unaudited_one_is_caught(
    runner, make_fund, make_scheme, make_worker, make_grant
):
    fund = make_fund(300_000)
    grant = make_grant(make_scheme(fund, amount_cents=100_000, validity_months=1), make_worker())
    assert expire_grants(clock.now() + dt.timedelta(days=40)) == 1
    assert verify() == []
    events = session.execute(
        sa.text(
            "SELECT actor_id FROM audit_events WHERE subject_type = "
            "'fund' AND action = 'expire_grants' AND subject_id = :f"
        ),
        {"f": fund.id},
    ).all()
    assert events == [(None,)]  # the scheduled job decided, nobody in person
    _sql("DELETE FROM audit_events WHERE action = 'expire_grants'")
    _assert_named(runner, "6 decision audited", f"fund {fund.id}", "grant_expiry")
    assert session.get(Grant, grant.id).status == "expired"


def test_an_expiry_of_a_grant_that_did_not_expire_is_caught(
    runner, make_fund, make_scheme, make_worker, make_grant
):
    fund = make_fund(300_000)
    grant = make_grant(make_scheme(fund, amount_cents=100_000), make_worker())
    pot = session.get(Fund, fund.id).pot_account_id
    tx = _move("grant_expiry", (grant.account_id, -100_000), (pot, 100_000))
    _assert_named(runner, "7 grant explained", f"grant {grant.id}", f"transaction {tx}")


def test_the_ledger_only_check_leaves_the_flows_alone(books):
    """verify_ledger is for tests of the bare ledger: a hold outside any application passes."""
    from wallet.books.verify import verify_ledger

    with unit_of_work():
        ledger.place_hold(books.grant.account_id, payable_account_id(books.provider_id), 1_000)
    assert verify_ledger() == []
    assert verify() != []
    assert session.scalar(sa.select(sa.func.count(ApplicationPart.id))) >= 1
    assert session.get(Claim, books.transit_claim).status == "in_batch"
    assert session.get(PayoutItem, books.paid_item).status == ItemStatus.PAID


def test_a_later_payout_transaction_without_its_audit_event_is_caught(books, runner):
    """Kinds the payout flow may add (a return on a later statement, ...) are known by their
    payout_ prefix and must each have an event on an item or a line of their batch."""
    pot = session.get(Fund, books.grant.fund_id).pot_account_id
    reference = session.scalar(
        sa.text("SELECT reference FROM payout_batches WHERE id = :b"), {"b": books.paid_batch}
    )
    _move("payout_reversed", (ledger.funding_source().id, -100), (pot, 100), reference=reference)
    problems = [p for p in verify() if p.invariant == "6 decision audited"]
    assert not any("unknown kind" in p.detail for p in problems)
    _assert_named(runner, "6 decision audited", f"batch {books.paid_batch}", "2 payout")


def test_a_receivable_that_its_clawbacks_and_offsets_do_not_explain_is_caught(books, runner):
    """A paid claim clawed back is owed by the provider; moving that debt away by hand is not."""
    claims.review(books.paid_claim, "claw_back", actor=books.admin, reason="Niet gegeven")
    assert verify() == []
    code = f"provider:{books.provider_id}:fund:{books.fund_id}:receivable"
    receivable = session.scalar(sa.select(LedgerAccount.id).where(LedgerAccount.code == code))
    pot = session.get(Fund, books.grant.fund_id).pot_account_id
    _move("copay_received", (receivable, 50_000), (pot, -50_000))
    _assert_named(runner, "4 receivable agrees with clawbacks", code)


def test_an_offset_released_by_hand_is_caught_on_the_receivable(books, runner):
    """The debt settled by a later payout's offset stands only while its line does."""
    claims.review(books.paid_claim, "claw_back", actor=books.admin, reason="Niet gegeven")
    batch = batches.create_batch(books.fund_id, method=PayoutMethod.SEPA, actor=books.admin)
    batches.submit_batch(batch.batch.id, books.fund_id, actor=books.admin)
    assert batch.batch.offset_cents > 0  # the open claim went to pay off the debt
    assert verify() == []
    _sql("UPDATE payout_lines SET released = true WHERE offset_cents > 0")
    code = f"provider:{books.provider_id}:fund:{books.fund_id}:receivable"
    _assert_named(runner, "4 receivable agrees with clawbacks", code)


def test_a_return_after_clawback_claimed_by_hand_is_caught_on_the_receivable(books, runner):
    """Only a line the bank returned after its claim was clawed back lowers the debt."""
    claims.review(books.paid_claim, "claw_back", actor=books.admin, reason="Niet gegeven")
    assert verify() == []
    _sql(
        "UPDATE payout_lines SET returned_after_clawback = true WHERE claim_id = :c",
        c=books.paid_claim,
    )
    code = f"provider:{books.provider_id}:fund:{books.fund_id}:receivable"
    _assert_named(runner, "4 receivable agrees with clawbacks", code)


def _pot(books) -> int:
    return session.get(Fund, books.grant.fund_id).pot_account_id


def test_a_pot_drained_by_a_payout_transaction_of_no_batch_is_caught(books, runner):
    """A payout_* kind is known, but only between the payout accounts and under a batch."""
    tx = _move("payout_paid", (_pot(books), -100_000), (ledger.funding_source().id, 100_000))
    _assert_named(runner, "6 decision audited", f"transaction {tx}", "names no payout batch")
    _assert_named(runner, "7 money moves by its use case", f"transaction {tx}", "pot")


def test_a_payout_kind_moving_a_pot_under_a_batch_s_reference_is_caught(books, runner):
    reference = session.scalar(
        sa.text("SELECT reference FROM payout_batches WHERE id = :b"), {"b": books.paid_batch}
    )
    record("payout_item", books.paid_item, "paid", actor_id=None)  # its count is met
    session.commit()
    tx = _move(
        "payout_returned",
        (_pot(books), -100),
        (ledger.funding_source().id, 100),
        reference=reference,
    )
    _assert_named(runner, "7 money moves by its use case", f"transaction {tx}", "pot")


def test_a_deposit_that_takes_money_out_of_a_pot_is_caught(books, runner):
    """Deposits are counted by the ones that credit the pot: a debit must not pass unseen."""
    tx = _move("deposit", (_pot(books), -100_000), (ledger.funding_source().id, 100_000))
    _assert_named(runner, "7 money moves by its use case", f"transaction {tx}", "-100000")


def test_a_reversal_that_is_not_the_mirror_of_its_transaction_is_caught(books, runner):
    deposit = session.scalar(
        sa.select(LedgerTransaction.id).where(LedgerTransaction.kind == "deposit").limit(1)
    )
    record("ledger_transaction", deposit, "reverse", actor_id=None)
    session.commit()
    tx = _move("reversal", (_pot(books), -100), (ledger.funding_source().id, 100), reverses=deposit)
    _assert_named(runner, "7 money moves by its use case", f"transaction {tx}", "mirror")


def test_a_true_reversal_is_clean(books):
    from wallet.funds.services import deposit

    made = deposit(books.fund_id, 5_000, reference="wrong fund", actor_id=books.admin.id)
    with unit_of_work():
        ledger.reverse(made.result_id, reason="wrong fund", actor_id=books.admin.id)
        record("ledger_transaction", made.result_id, "reverse", actor_id=books.admin.id)
    assert verify() == []


def test_a_transfer_changed_after_submit_is_caught(books, runner):
    """The bank file and the statement match go by the lines: they must add up to the item
    whose amount went to in-transit."""
    _sql(
        "UPDATE payout_lines SET amount_cents = amount_cents + 50000, "
        "claim_cents = claim_cents + 50000 WHERE item_id = :i",
        i=books.transit_item,
    )
    _assert_named(runner, "4 paid as approved", f"payout item {books.transit_item}")


def test_a_transfer_moved_to_another_provider_s_item_is_caught(books, runner, make_provider_user):
    session.rollback()  # the fixture's own app context writes next
    provider = make_provider_user().provider_id
    line = session.scalar(
        sa.text("SELECT id FROM payout_lines WHERE item_id = :i"), {"i": books.transit_item}
    )
    _sql("UPDATE claims SET provider_id = :p WHERE id = :c", p=provider, c=books.transit_claim)
    _assert_named(runner, "4 paid as approved", f"payout line {line}")
