"""A fund's payout batches, their items and lines are the fund's audit subjects
(wallet.audit.scopes)."""

from __future__ import annotations

import sqlalchemy as sa

from wallet.audit.scopes import register_fund_subjects
from wallet.payments.models import PayoutBatch, PayoutItem, PayoutLine


def _batches(fund_id: int) -> sa.Select:
    return sa.select(PayoutBatch.id).where(PayoutBatch.fund_id == fund_id)


def _items(fund_id: int) -> sa.Select:
    return sa.select(PayoutItem.id).where(PayoutItem.batch_id.in_(_batches(fund_id)))


def _lines(fund_id: int) -> sa.Select:
    return sa.select(PayoutLine.id).where(PayoutLine.item_id.in_(_items(fund_id)))


register_fund_subjects("payout_batch", _batches)
register_fund_subjects("payout_item", _items)
register_fund_subjects("payout_line", _lines)
