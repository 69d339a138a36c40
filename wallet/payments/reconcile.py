"""Reconciliation: the ledger against the payout items, Stripe and the bank statements.

Every mismatch is reported in one line. What can be finished safely is finished and said:
transfers left intended by a process that died, online co-payments whose webhook never
arrived, refunds that failed. Run by `flask --app wallet payouts reconcile` and daily.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import stripe

from wallet.applications.models import Application
from wallet.core import clock
from wallet.core.db import require_no_unit_of_work, session, unit_of_work
from wallet.core.money import Money
from wallet.ledger import accounts as account_codes
from wallet.ledger.models import LedgerAccount
from wallet.payments import connect, copayments, gateway
from wallet.payments.models import (
    BankStatementImport,
    Copayment,
    CopaymentStatus,
    ItemStatus,
    PayoutBatch,
    PayoutItem,
    PayoutMethod,
    TransferState,
)

BANK_DAYS = 5  # a SEPA transfer not on any statement after this many days is reported


def reconcile() -> list[str]:
    """Every mismatch found (and what was finished), one line each."""
    require_no_unit_of_work("reconcile")
    notes = _ledger_against_items()
    notes += _waiting_for_the_bank()
    notes += _unmatched_statement_lines()
    if gateway.enabled():
        notes += connect.finish_intended()
        notes += _transfers_against_stripe()
        notes += _copayments_against_stripe()
    session.rollback()
    return notes


def _balance(code: str) -> int:
    return (
        session.scalar(sa.select(LedgerAccount.posted_cents).where(LedgerAccount.code == code)) or 0
    )


def _ledger_against_items() -> list[str]:
    """Per fund: in transit = submitted items, paid out = paid items."""
    sums = session.execute(
        sa.select(PayoutBatch.fund_id, PayoutItem.status, sa.func.sum(PayoutItem.amount_cents))
        .join(PayoutBatch, PayoutBatch.id == PayoutItem.batch_id)
        .group_by(PayoutBatch.fund_id, PayoutItem.status)
    ).all()
    expected: dict[tuple[int, str], int] = {}
    for fund_id, status, cents in sums:
        expected[(fund_id, status.value)] = int(cents or 0)
    notes = []
    for fund_id in {fund_id for fund_id, _s, _c in sums}:
        for code, status in (("in_transit", "submitted"), ("paid_out", "paid")):
            booked = _balance(account_codes.fund_account(fund_id, code))
            wanted = expected.get((fund_id, status), 0)
            if booked != wanted:
                notes.append(
                    f"fund {fund_id}: ledger {code} {Money(booked).format()}, "
                    f"{status} payments {Money(wanted).format()}"
                )
    return notes


def _waiting_for_the_bank() -> list[str]:
    since = clock.now() - dt.timedelta(days=BANK_DAYS)
    rows = session.execute(
        sa.select(PayoutBatch.reference, PayoutItem.account_holder, PayoutItem.amount_cents)
        .join(PayoutBatch, PayoutBatch.id == PayoutItem.batch_id)
        .where(
            PayoutBatch.method == PayoutMethod.SEPA,
            PayoutItem.status == ItemStatus.SUBMITTED,
            PayoutBatch.submitted_at <= since,
        )
    ).all()
    return [
        f"{ref} {name}: {Money(cents).format()} submitted {BANK_DAYS}+ days ago, not on a "
        "bank statement yet"
        for ref, name, cents in rows
    ]


def _unmatched_statement_lines() -> list[str]:
    since = clock.now() - dt.timedelta(days=30)
    imports = session.scalars(
        sa.select(BankStatementImport).where(BankStatementImport.imported_at >= since)
    )
    return [
        f"bank statement of {i.imported_at:%Y-%m-%d} (fund {i.fund_id}): {line}"
        for i in imports
        for line in (i.unmatched or [])
    ]


def _transfers_against_stripe() -> list[str]:
    items = session.scalars(
        sa.select(PayoutItem).where(PayoutItem.transfer_state == TransferState.CREATED)
    )
    notes = []
    for item in items:
        try:
            transfer = gateway.client().v1.transfers.retrieve(item.stripe_transfer_id)
        except stripe.StripeError as error:
            notes.append(f"transfer {item.stripe_transfer_id}: {gateway.failed(error).detail}")
            continue
        if transfer.amount != item.amount_cents or transfer.destination != item.stripe_account_id:
            notes.append(
                f"transfer {transfer.id}: Stripe has {transfer.amount} cents to "
                f"{transfer.destination}, Leerwallet {item.amount_cents} cents to "
                f"{item.stripe_account_id}"
            )
        if transfer.to_dict().get("reversed"):
            notes.append(f"transfer {transfer.id} was reversed at Stripe; the item is paid here")
    return notes


def _copayments_against_stripe() -> list[str]:
    notes = []
    online = session.scalars(
        sa.select(Copayment).where(
            Copayment.method == "stripe",
            Copayment.payment_intent_id.is_not(None),
            Copayment.status.in_([CopaymentStatus.PENDING, CopaymentStatus.SUCCEEDED]),
        )
    )
    for copayment in list(online):
        try:
            intent = gateway.client().v1.payment_intents.retrieve(copayment.payment_intent_id)
        except stripe.StripeError as error:
            notes.append(f"payment {copayment.payment_intent_id}: {gateway.failed(error).detail}")
            continue
        if intent.status == "succeeded" and copayment.status == CopaymentStatus.PENDING:
            with unit_of_work():
                copayments.record_received(copayment.id, via=f"stripe {intent.id}")
            notes.append(f"payment {intent.id}: succeeded at Stripe, recorded now")
        elif intent.status != "succeeded" and copayment.status == CopaymentStatus.SUCCEEDED:
            notes.append(f"payment {intent.id}: Stripe says {intent.status}, Leerwallet succeeded")
    ended = session.scalars(
        sa.select(Copayment.application_id)
        .join(Application, Application.id == Copayment.application_id)
        .where(
            Application.status.in_(copayments.ENDED),
            Copayment.method == "stripe",
            Copayment.status == CopaymentStatus.SUCCEEDED,
        )
    ).all()
    session.rollback()
    for application_id in ended:
        note = copayments.refund_if_ended(application_id)
        if note:
            notes.append(f"refund of an ended application: {note}")
    return notes
