"""Payouts under concurrency: two batches at once never hold one claim; paid once."""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from tests.ledger.test_concurrency import run_concurrently
from wallet.core.db import session
from wallet.ledger.models import LedgerTransaction
from wallet.ledger.verify import verify
from wallet.payments import batches
from wallet.payments.models import PayoutLine, PayoutMethod


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
