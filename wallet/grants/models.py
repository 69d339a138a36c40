"""A grant is a worker's budget under one scheme, held on its own ledger account."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wallet.core import clock
from wallet.core.db import Base, UTCDateTime, str_enum
from wallet.ledger.models import LedgerAccount
from wallet.schemes.models import Scheme


class GrantSource(enum.StrEnum):
    """How the grant came about."""

    MANUAL = "manual"
    CSV = "csv"
    ALLOCATION = "allocation"
    FIRST_COME = "first_come"
    LOTTERY = "lottery"


class GrantStatus(enum.StrEnum):
    """Active grants can be spent; expired ones returned their unused budget to the fund.

    A held grant (one person, several accounts: wallet.verification.holds) cannot be spent
    until a fund administrator releases it (active) or cancels it (its money back in the pot).
    """

    ACTIVE = "active"
    EXPIRED = "expired"
    HELD = "held"
    CANCELLED = "cancelled"


class Grant(Base):
    """Budget for one worker under one scheme for one period."""

    __tablename__ = "grants"
    __table_args__ = (
        sa.UniqueConstraint("scheme_id", "user_id", "period"),
        sa.CheckConstraint("amount_cents > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(sa.ForeignKey("schemes.id"), index=True)
    fund_id: Mapped[int] = mapped_column(sa.ForeignKey("funds.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("ledger_accounts.id"), unique=True)
    allocation_run_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("allocation_runs.id"), index=True
    )
    period: Mapped[str] = mapped_column(sa.String(20))
    source: Mapped[GrantSource] = mapped_column(str_enum(GrantSource, "grant_source"))
    status: Mapped[GrantStatus] = mapped_column(
        str_enum(GrantStatus, "grant_status"), default=GrantStatus.ACTIVE, index=True
    )
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    granted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    expired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    scheme: Mapped[Scheme] = relationship()
    account: Mapped[LedgerAccount] = relationship()


class AllocationRun(Base):
    """One run of the scheduled allocation of a scheme for a period."""

    __tablename__ = "allocation_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(sa.ForeignKey("schemes.id"), index=True)
    period: Mapped[str] = mapped_column(sa.String(20))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    grants: Mapped[int] = mapped_column(default=0)
    total_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    transaction_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ledger_transactions.id"))


class SchemeApplicationStatus(enum.StrEnum):
    """A worker's request for a first-come or lottery grant."""

    GRANTED = "granted"
    WAITING = "waiting"  # lottery: waiting for the draw
    WON = "won"
    LOST = "lost"


class SchemeApplication(Base):
    """A worker asking for a grant under a first-come or lottery scheme."""

    __tablename__ = "scheme_applications"
    __table_args__ = (sa.UniqueConstraint("scheme_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(sa.ForeignKey("schemes.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    status: Mapped[SchemeApplicationStatus] = mapped_column(
        str_enum(SchemeApplicationStatus, "scheme_application_status")
    )
    applied_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    grant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("grants.id"))


class LotteryDraw(Base):
    """The record of a scheme's draw: seed, order and outcome, so anyone can redo it."""

    __tablename__ = "lottery_draws"

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(sa.ForeignKey("schemes.id"), unique=True)
    seed: Mapped[str] = mapped_column(sa.String(100))
    drawn_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    drawn_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    applicants: Mapped[int]
    winners: Mapped[int]
    # The applicants' user ids in drawn order; the first `winners` won.
    order: Mapped[list] = mapped_column(sa.JSON)


class ExpiryReminder(Base):
    """A reminder that a grant expires, sent once per threshold (days before the expiry)."""

    __tablename__ = "grant_expiry_reminders"
    __table_args__ = (sa.UniqueConstraint("grant_id", "days_before"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(sa.ForeignKey("grants.id"), index=True)
    days_before: Mapped[int] = mapped_column(sa.SmallInteger)
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
