"""The state machine of a fund: (state, action) -> new state."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from wallet.core.transitions import TransitionTable
from wallet.funds.models import FundStatus

F = FundStatus

FUND_LABELS = {"open": _l("Open"), "closed": _l("Closed")}

FUND_TRANSITIONS = TransitionTable(
    {
        (F.OPEN, "close"): F.CLOSED,  # no deposits, no new grants; what is granted stays
    },
    refusal=_l("This is not possible for a fund that is %(status)s."),
    labels=FUND_LABELS,
)
