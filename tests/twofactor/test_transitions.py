"""The factor's states move only through the transition table: every (state, action)."""

from __future__ import annotations

import pytest

from wallet.core.errors import Conflict
from wallet.twofactor import services
from wallet.twofactor.models import TRANSITIONS, FactorState, TotpFactor

ACTIONS = ("start", "confirm", "cancel", "remove")


def _factor(state: FactorState) -> TotpFactor | None:
    secret = {FactorState.ACTIVE: "x", FactorState.REPLACING: "x"}.get(state)
    pending = {FactorState.PENDING: "y", FactorState.REPLACING: "y"}.get(state)
    if state == FactorState.NONE:
        return None
    return TotpFactor(secret_encrypted=secret, pending_encrypted=pending)


@pytest.mark.parametrize("state", list(FactorState))
@pytest.mark.parametrize("action", ACTIONS)
def test_every_state_and_action(app_ctx, state, action):
    factor = _factor(state)
    if factor is not None:
        assert factor.state == state
    expected = TRANSITIONS.get((state, action))
    if expected is None:
        with pytest.raises(Conflict):
            services._move(factor, action)
    else:
        assert services._move(factor, action) == expected
