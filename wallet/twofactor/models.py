"""A user's TOTP factor and their single-use recovery codes."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from wallet.core import clock
from wallet.core.db import Base, UTCDateTime


class FactorState(enum.StrEnum):
    """Where a user stands with their TOTP factor."""

    NONE = "none"  # no factor (workers may stay here)
    PENDING = "pending"  # a secret was shown, not yet confirmed by a first code
    ACTIVE = "active"  # confirmed; sign-in and step-up ask for it
    REPLACING = "replacing"  # active, and a new secret waits for its first code


# (state, action) -> the state after it. Nothing else moves a factor.
TRANSITIONS: dict[tuple[FactorState, str], FactorState] = {
    (FactorState.NONE, "start"): FactorState.PENDING,
    (FactorState.PENDING, "start"): FactorState.PENDING,  # a fresh secret, the old one dropped
    (FactorState.PENDING, "confirm"): FactorState.ACTIVE,
    (FactorState.ACTIVE, "start"): FactorState.REPLACING,
    (FactorState.REPLACING, "start"): FactorState.REPLACING,
    (FactorState.REPLACING, "confirm"): FactorState.ACTIVE,
    (FactorState.REPLACING, "cancel"): FactorState.ACTIVE,
    (FactorState.ACTIVE, "remove"): FactorState.NONE,
    (FactorState.REPLACING, "remove"): FactorState.NONE,
}


class TotpFactor(Base):
    """A user's authenticator app. Secrets are stored encrypted (see `vault`), never shown
    again once confirmed; `last_step` is the 30-second step of the last accepted code, so
    a code is accepted once."""

    __tablename__ = "totp_factors"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), unique=True)
    secret_encrypted: Mapped[str | None] = mapped_column(sa.String(255))
    pending_encrypted: Mapped[str | None] = mapped_column(sa.String(255))
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    @property
    def state(self) -> FactorState:
        """The state, read from which secrets are present."""
        if self.secret_encrypted is None:
            return FactorState.PENDING if self.pending_encrypted else FactorState.NONE
        return FactorState.REPLACING if self.pending_encrypted else FactorState.ACTIVE


class RecoveryCode(Base):
    """One single-use recovery code; only a salted argon2id hash of it is kept (40 random
    bits are too few for a fast hash; see wallet.twofactor.recovery)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(255))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
