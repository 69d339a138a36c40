"""Fixtures of the second-factor tests."""

from __future__ import annotations

from collections.abc import Callable

import pyotp
import pytest
import sqlalchemy as sa

from wallet.core import clock
from wallet.twofactor.models import TotpFactor


@pytest.fixture
def code_now() -> Callable:
    """code_now(secret, steps=0) -> the code an authenticator shows now (or steps later)."""

    def make(secret: str, steps: int = 0) -> str:
        return pyotp.TOTP(secret).at(clock.now().timestamp() + 30 * steps)

    return make


@pytest.fixture
def without_factor(app) -> Callable:
    """without_factor(user) -> the user, their second factor taken away (a staff member
    made before factors were required)."""
    from wallet.core.db import session

    def strip(user):
        with app.app_context():
            session.execute(sa.delete(TotpFactor).where(TotpFactor.user_id == user.id))
            session.commit()
        return user

    return strip
