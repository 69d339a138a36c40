"""Payout batches: approved claims of one fund, grouped per provider, paid by SEPA or Stripe."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wallet.core import clock
from wallet.core.db import Base, UTCDateTime, str_enum


class PayoutMethod(enum.StrEnum):
    """How the fund pays: a credit-transfer file for its bank, or Stripe Connect transfers."""

    SEPA = "sepa"
    STRIPE = "stripe"


class BatchStatus(enum.StrEnum):
    """draft (claims reserved for it) → submitted (money in transit) → closed (every item
    paid or failed); a draft can be discarded."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    CLOSED = "closed"
    DISCARDED = "discarded"


class ItemStatus(enum.StrEnum):
    """One provider's payment in a batch."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    PAID = "paid"
    FAILED = "failed"


class TransferState(enum.StrEnum):
    """Stripe: the intent is recorded before the call, so a crash leaves a trace to finish."""

    NONE = "none"
    INTENDED = "intended"
    CREATED = "created"


class PayoutBatch(Base):
    """A batch of one fund's approved claims."""

    __tablename__ = "payout_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Empty only until named after its id in the same transaction (no shared placeholder).
    reference: Mapped[str | None] = mapped_column(sa.String(30), unique=True)
    fund_id: Mapped[int] = mapped_column(sa.ForeignKey("funds.id"), index=True)
    method: Mapped[PayoutMethod] = mapped_column(str_enum(PayoutMethod, "payout_method"))
    status: Mapped[BatchStatus] = mapped_column(str_enum(BatchStatus, "batch_status"), index=True)
    claim_count: Mapped[int] = mapped_column(default=0)
    gross_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    offset_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Fixed at submit: the SEPA file (ReqdExctnDt) stays the same file at every download.
    execution_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The providers left out when it was made, [{"name": ..., "reason": ...}], so a retried
    # request (Idempotency-Key) is told what the first answer said. None: made before this
    # was kept (migration 0013).
    left_out: Mapped[list | None] = mapped_column(sa.JSON)

    items: Mapped[list[PayoutItem]] = relationship(order_by="PayoutItem.id")


class PayeeKind(enum.StrEnum):
    """Whom a payout item pays: a training provider or an employer (kept apart in the ledger)."""

    PROVIDER = "provider"
    EMPLOYER = "employer"


class PayoutItem(Base):
    """What one payee receives in a batch: a provider its claims, less what it owes the fund;
    an employer its approved reimbursement claims (never offset)."""

    __tablename__ = "payout_items"
    __table_args__ = (
        sa.UniqueConstraint("batch_id", "provider_id"),
        sa.UniqueConstraint("batch_id", "employer_id"),
        sa.CheckConstraint("(provider_id IS NULL) <> (employer_id IS NULL)", name="one_payee"),
        sa.CheckConstraint("amount_cents = gross_cents - offset_cents", name="net_adds_up"),
        sa.CheckConstraint("offset_cents >= 0 AND amount_cents >= 0", name="not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("payout_batches.id"), index=True)
    provider_id: Mapped[int | None] = mapped_column(sa.ForeignKey("providers.id"), index=True)
    employer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employers.id"), index=True)
    status: Mapped[ItemStatus] = mapped_column(
        str_enum(ItemStatus, "payout_item_status"), index=True
    )
    gross_cents: Mapped[int] = mapped_column(sa.BigInteger)
    offset_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    account_holder: Mapped[str] = mapped_column(sa.String(200))
    iban: Mapped[str | None] = mapped_column(sa.String(34))
    bic: Mapped[str | None] = mapped_column(sa.String(11))
    stripe_account_id: Mapped[str | None] = mapped_column(sa.String(64))
    transfer_state: Mapped[TransferState] = mapped_column(
        str_enum(TransferState, "transfer_state"), default=TransferState.NONE
    )
    stripe_transfer_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    intended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    failure_reason: Mapped[str | None] = mapped_column(sa.String(300))
    paid_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    transit_transaction_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("ledger_transactions.id")
    )

    lines: Mapped[list[PayoutLine]] = relationship(order_by="PayoutLine.id")

    @property
    def payee_kind(self) -> PayeeKind:
        """A provider or an employer."""
        return PayeeKind.EMPLOYER if self.employer_id is not None else PayeeKind.PROVIDER

    @property
    def payee_id(self) -> int:
        """The provider's or the employer's id."""
        return self.employer_id if self.employer_id is not None else self.provider_id

    @property
    def payee_name(self) -> str:
        """The payee's name as the transfer carries it (the account holder when batched)."""
        return self.account_holder


class PayoutLine(Base):
    """One claim in an item (a provider's claim or an employer's reimbursement claim); its
    reference is the SEPA end-to-end id of its transfer."""

    __tablename__ = "payout_lines"
    __table_args__ = (
        # A claim is in at most one live line: once a line is released it may be batched again.
        sa.Index(
            "uq_payout_lines_live_claim",
            "claim_id",
            unique=True,
            postgresql_where=sa.text("NOT released"),
            sqlite_where=sa.text("NOT released"),
        ),
        sa.Index(
            "uq_payout_lines_live_reimbursement_claim",
            "reimbursement_claim_id",
            unique=True,
            postgresql_where=sa.text("NOT released"),
            sqlite_where=sa.text("NOT released"),
        ),
        sa.CheckConstraint(
            "(claim_id IS NULL) <> (reimbursement_claim_id IS NULL)", name="one_claim"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("payout_items.id"), index=True)
    claim_id: Mapped[int | None] = mapped_column(sa.ForeignKey("claims.id"), index=True)
    reimbursement_claim_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("reimbursement_claims.id"), index=True
    )
    end_to_end_id: Mapped[str] = mapped_column(sa.String(35), index=True)
    claim_cents: Mapped[int] = mapped_column(sa.BigInteger)
    offset_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)  # transferred: claim - offset
    released: Mapped[bool] = mapped_column(default=False)
    paid_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Set (with released) when the bank returned the transfer: a return is booked once.
    returned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Returned after its claim was clawed back: the provider never got the money it owes back,
    # so the return lowered the receivable instead of making the claim payable again.
    returned_after_clawback: Mapped[bool] = mapped_column(default=False)


class BankStatementImport(Base):
    """An imported bank statement (camt.053): what matched and what did not."""

    __tablename__ = "bank_statement_imports"
    # The same file is imported once: of two concurrent imports only one can commit.
    __table_args__ = (sa.UniqueConstraint("fund_id", "file_sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(sa.ForeignKey("funds.id"), index=True)
    file_sha256: Mapped[str] = mapped_column(sa.String(64))
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    imported_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    matched: Mapped[int] = mapped_column(default=0)
    unmatched: Mapped[list] = mapped_column(sa.JSON, default=list)


class CopaymentStatus(enum.StrEnum):
    """A worker's own contribution: pending until paid; refunded (in part) on cancellation."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    REFUNDED = "refunded"


class Copayment(Base):
    """The worker's own contribution to one application, by Stripe or by bank transfer."""

    __tablename__ = "copayments"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id"), unique=True)
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    refunded_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    # Decided when the application is cancelled (the scheme's rule then), paid out after.
    refund_due_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    method: Mapped[str] = mapped_column(sa.String(20))  # "stripe" or "bank_transfer"
    status: Mapped[CopaymentStatus] = mapped_column(
        str_enum(CopaymentStatus, "copayment_status"), default=CopaymentStatus.PENDING
    )
    payment_intent_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    refund_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)


class StripeEvent(Base):
    """A webhook event processed once: its id is stored in the transaction of its effect."""

    __tablename__ = "stripe_events"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    type: Mapped[str] = mapped_column(sa.String(60))
    object_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    outcome: Mapped[str] = mapped_column(sa.String(200))
