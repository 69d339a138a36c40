"""Ledger tables. Balances are kept on the account row and checked by the database."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wallet.core import clock
from wallet.core.db import Base, UTCDateTime, str_enum


class AccountKind(enum.StrEnum):
    """What an account stands for; only the outside world may go below zero."""

    FUNDING_SOURCE = "funding_source"  # where deposits come from (outside Leerwallet)
    FUND_POT = "fund_pot"  # a fund's money not yet granted
    GRANT = "grant"  # one worker's budget under one scheme
    PAYABLE = "payable"  # owed to a training provider
    IN_TRANSIT = "in_transit"  # on its way to a provider in a payout batch
    PAID_OUT = "paid_out"  # paid to providers (leaves Leerwallet)
    COPAY_RECEIVED = "copay_received"  # co-payments received from workers
    # What a provider owes back after a clawback: below zero by the amount owed, offset
    # against later payouts. The one account besides the outside world that may go negative.
    RECEIVABLE = "receivable"


# The kinds of transaction that settle a hold: a grant's hold paying a provider, a fund pot's
# hold paying an employer its reimbursement.
HOLD_POST_KINDS = ("hold_post", "reimbursement")


class HoldStatus(enum.StrEnum):
    """A hold is pending until it is posted, voided or expired, exactly once."""

    PENDING = "pending"
    POSTED = "posted"
    VOIDED = "voided"
    EXPIRED = "expired"


class LedgerAccount(Base):
    """An account with its posted and held balance; available = posted - held."""

    __tablename__ = "ledger_accounts"
    __table_args__ = (
        sa.CheckConstraint("held_cents >= 0", name="held_not_negative"),
        sa.CheckConstraint(
            "allow_negative OR posted_cents - held_cents >= 0", name="available_not_negative"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(100), unique=True)
    # Indexed (migration 0020): the few accounts of a rare kind among a million grants.
    kind: Mapped[AccountKind] = mapped_column(str_enum(AccountKind, "account_kind"), index=True)
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    allow_negative: Mapped[bool] = mapped_column(default=False)
    posted_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    held_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    @property
    def available_cents(self) -> int:
        """What can still be spent or held."""
        return self.posted_cents - self.held_cents


class LedgerTransaction(Base):
    """One movement of money: postings that sum to zero, written together or not at all."""

    __tablename__ = "ledger_transactions"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(30), index=True)
    description: Mapped[str] = mapped_column(sa.String(300))
    reference: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    # Indexed (migration 0024): the reports read the days after their rollup live.
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # A transaction is reversed at most once: the unique index refuses a second reversal.
    reverses_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("ledger_transactions.id"), unique=True
    )

    postings: Mapped[list[Posting]] = relationship(back_populates="transaction")


class Posting(Base):
    """One line of a transaction: an amount added to (or, negative, taken from) an account."""

    __tablename__ = "ledger_postings"
    __table_args__ = (
        sa.CheckConstraint("amount_cents <> 0", name="amount_not_zero"),
        # A transaction's posting on one account (migration 0020): "deposits on this pot".
        sa.Index("ix_ledger_postings_transaction_id_account_id", "transaction_id", "account_id"),
    )

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    transaction_id: Mapped[int] = mapped_column(sa.ForeignKey("ledger_transactions.id"))
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("ledger_accounts.id"), index=True)
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)

    transaction: Mapped[LedgerTransaction] = relationship(back_populates="postings")
    account: Mapped[LedgerAccount] = relationship()


class Hold(Base):
    """A two-phase transfer: money set aside on one account for another, then settled once."""

    __tablename__ = "ledger_holds"
    __table_args__ = (
        sa.CheckConstraint("amount_cents > 0", name="amount_positive"),
        sa.CheckConstraint(
            "posted_cents IS NULL OR (posted_cents >= 0 AND posted_cents <= amount_cents)",
            name="post_within_hold",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    debit_account_id: Mapped[int] = mapped_column(sa.ForeignKey("ledger_accounts.id"), index=True)
    credit_account_id: Mapped[int] = mapped_column(sa.ForeignKey("ledger_accounts.id"))
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    status: Mapped[HoldStatus] = mapped_column(
        str_enum(HoldStatus, "hold_status"), default=HoldStatus.PENDING, index=True
    )
    reference: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    # Indexed (migration 0024): money held on the days after the reports' rollup, read live.
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    posted_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    resolving_transaction_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("ledger_transactions.id")
    )

    debit_account: Mapped[LedgerAccount] = relationship(foreign_keys=[debit_account_id])
    credit_account: Mapped[LedgerAccount] = relationship(foreign_keys=[credit_account_id])
