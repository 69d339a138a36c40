"""Verification links, the signals registration and sign-in leave, matches and grant holds."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wallet.accounts.models import User
from wallet.core import clock
from wallet.core.db import Base, UTCDateTime, str_enum


class EmailVerification(Base):
    """A single-use link proving the owner reads `email`. Only the SHA-256 of its token is
    kept; `used_at` is set once, by a conditional UPDATE."""

    __tablename__ = "email_verifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    # The address the link was sent to: a link for an old address verifies nothing.
    email: Mapped[str] = mapped_column(sa.String(254))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class SignalKind(enum.StrEnum):
    """When a signal was left."""

    REGISTRATION = "registration"
    SIGN_IN = "sign_in"


class AccountSignal(Base):
    """A registration or sign-in: the address, its network and the browser's device cookie.
    Registrations per address and network are counted from these rows."""

    __tablename__ = "account_signals"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    kind: Mapped[SignalKind] = mapped_column(str_enum(SignalKind, "account_signal_kind"))
    ip_address: Mapped[str] = mapped_column(sa.String(45), index=True)
    # The /24 (IPv4) or /64 (IPv6) the address belongs to, e.g. "192.0.2.0/24".
    network: Mapped[str] = mapped_column(sa.String(50), index=True)
    device_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)


class MatchKind(enum.StrEnum):
    """What suggests that two accounts are one person."""

    PERSON = "person"  # same name, date of birth and postcode
    DEVICE = "device"  # the same browser's device cookie


class IdentityMatch(Base):
    """A newer account that looks like the same person as an older one. While a match is
    not cleared, the newer account's grants are held (wallet.verification.holds)."""

    __tablename__ = "identity_matches"
    __table_args__ = (sa.UniqueConstraint("user_id", "other_user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    other_user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    kind: Mapped[MatchKind] = mapped_column(str_enum(MatchKind, "identity_match_kind"))
    found_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    # Set when an administrator released a grant of the account: they judged it a person.
    cleared_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    other_user: Mapped[User] = relationship(foreign_keys=[other_user_id])


class HoldDecision(enum.StrEnum):
    """A fund administrator's answer to a held grant."""

    RELEASED = "released"
    CANCELLED = "cancelled"


class GrantHold(Base):
    """A grant that waits for a fund administrator because its worker matched another
    account. The grant's status is `held` until the decision."""

    __tablename__ = "grant_holds"

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(sa.ForeignKey("grants.id"), unique=True)
    fund_id: Mapped[int] = mapped_column(sa.ForeignKey("funds.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    decision: Mapped[HoldDecision | None] = mapped_column(str_enum(HoldDecision, "hold_decision"))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(sa.String(500))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
