"""The state machines of payouts and co-payments: (state, action) -> new state.

Rows move only along these tables, with `wallet.core.transitions.advance`, so of two racing
requests (a webhook replay, a double click, two schedulers) only one moves a row.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from wallet.core.transitions import TransitionTable
from wallet.payments.labels import BATCH_LABELS, COPAYMENT_LABELS, ITEM_LABELS
from wallet.payments.models import BatchStatus, CopaymentStatus, ItemStatus

B, I, C = BatchStatus, ItemStatus, CopaymentStatus  # noqa: E741

BATCH_TRANSITIONS = TransitionTable(
    {
        (B.DRAFT, "submit"): B.SUBMITTED,  # money goes in transit
        (B.DRAFT, "discard"): B.DISCARDED,  # its claims are approved again
        (B.SUBMITTED, "close"): B.CLOSED,  # every item paid or failed
    },
    refusal=_l("This is not possible for a batch that is %(status)s."),
    labels=BATCH_LABELS,
)

ITEM_TRANSITIONS = TransitionTable(
    {
        (I.DRAFT, "submit"): I.SUBMITTED,
        (I.SUBMITTED, "pay"): I.PAID,  # on the bank statement, by Stripe, or offset in full
        (I.SUBMITTED, "fail"): I.FAILED,  # every transfer of it bounced
        (I.SUBMITTED, "return"): I.FAILED,  # the bank returned it before it was marked paid
        (I.PAID, "return"): I.FAILED,  # ... or after
    },
    refusal=_l("This is not possible for a payment that is %(status)s."),
    labels=ITEM_LABELS,
)

COPAYMENT_TRANSITIONS = TransitionTable(
    {
        (C.PENDING, "receive"): C.SUCCEEDED,
        (C.FAILED, "receive"): C.SUCCEEDED,  # the worker tried again, or the bank paid late
        (C.PENDING, "fail"): C.FAILED,
        (C.SUCCEEDED, "refund"): C.REFUNDED,  # in full or in part, on cancellation
    },
    refusal=_l("This is not possible for an own contribution that is %(status)s."),
    labels=COPAYMENT_LABELS,
)
