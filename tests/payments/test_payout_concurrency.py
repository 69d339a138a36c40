"""Payouts under concurrency: two batches at once never hold one claim; paid once."""

from __future__ import annotations

from collections import Counter

import pytest
import sqlalchemy as sa

from tests.ledger.test_concurrency import run_concurrently, while_one_is_open
from wallet.books.verify import verify
from wallet.core.db import session
from wallet.ledger.models import LedgerTransaction
from wallet.payments import batches
from wallet.payments.models import PayoutBatch, PayoutLine, PayoutMethod


def test_two_administrators_making_a_batch_at_once_split_nothing(app, approved):
    _journeys, fund_id, ids = approved()

    def make(_i: int) -> str:
        batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=None)
        return "made"

    outcomes = run_concurrently(app, 4, make)
    assert outcomes == Counter({"made": 1, "Conflict": 3})
    with app.app_context():
        lines = session.scalars(sa.select(PayoutLine.claim_id)).all()
        assert sorted(lines) == sorted(ids)


def test_marking_one_payment_paid_from_two_places_pays_once(app, approved):
    _journeys, fund_id, _ids = approved()
    with app.app_context():
        batch = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=None).batch
        batches.submit_batch(batch.id, fund_id, actor=None)
        item_id = batch.items[0].id

    def pay(_i: int) -> str:
        batches.mark_paid(item_id, fund_id, actor=None)
        return "paid"

    outcomes = run_concurrently(app, 4, pay)
    assert outcomes == Counter({"paid": 1, "Conflict": 3})
    with app.app_context():
        kinds = Counter(session.scalars(sa.select(LedgerTransaction.kind)))
        assert kinds["payout_paid"] == 1
        assert verify() == []


@pytest.mark.postgres
def test_one_open_batch_does_not_keep_other_funds_waiting(app, approved):
    funds = [approved((240_000,))[1], approved((200_000,))[1]]

    def make(i: int) -> None:
        batches.create_batch(funds[i], method=PayoutMethod.SEPA, actor=None)

    assert while_one_is_open(app, lambda: make(0), lambda: make(1)) == "done"
    with app.app_context():
        references = session.scalars(sa.select(PayoutBatch.reference)).all()
        assert len(references) == 2
        assert all(reference.startswith("PB-") for reference in references)
