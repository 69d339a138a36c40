"""The state machine of a scheme: (state, action) -> new state."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from wallet.core.transitions import TransitionTable
from wallet.schemes.models import SchemeStatus

S = SchemeStatus

SCHEME_LABELS = {"draft": _l("Draft"), "active": _l("Active"), "closed": _l("Closed")}

SCHEME_TRANSITIONS = TransitionTable(
    {
        (S.DRAFT, "change"): S.DRAFT,  # terms change only before anyone relies on them
        (S.DRAFT, "activate"): S.ACTIVE,
        (S.DRAFT, "close"): S.CLOSED,
        (S.ACTIVE, "close"): S.CLOSED,  # existing grants stay spendable
    },
    refusal=_l("This is not possible for a scheme that is %(status)s."),
    labels=SCHEME_LABELS,
    refusals={
        "change": _l("Only a draft scheme can be changed."),
        "activate": _l("Only a draft scheme can be activated."),
    },
)
