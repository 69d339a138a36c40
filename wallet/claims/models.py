"""Claims (a provider's invoice for an application), their versions, approvals and postings."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wallet.applications.models import Application
from wallet.core import clock
from wallet.core.db import Base, UTCDateTime, str_enum


class ClaimKind(enum.StrEnum):
    """An advance at the start (where the scheme pays in stages) or the final invoice."""

    ADVANCE = "advance"
    FINAL = "final"


class ClaimStatus(enum.StrEnum):
    """Where a claim stands."""

    SUBMITTED = "submitted"
    APPROVED_ONCE = "approved_once"  # four eyes: one approval given, a second one needed
    APPROVED = "approved"  # posted to the provider's payable account
    REJECTED = "rejected"  # may be corrected and resubmitted, or closed
    CLOSED = "closed"  # given up; a final claim's holds went back to the budgets
    IN_BATCH = "in_batch"  # in a payout batch (the payments issue)
    PAID = "paid"
    CLAWED_BACK = "clawed_back"


C = ClaimStatus
# (status, action) -> new status. "approve" from SUBMITTED may stop at APPROVED_ONCE.
TRANSITIONS: dict[tuple[ClaimStatus, str], ClaimStatus] = {
    (C.SUBMITTED, "approve"): C.APPROVED,
    (C.SUBMITTED, "reject"): C.REJECTED,
    (C.APPROVED_ONCE, "approve"): C.APPROVED,
    (C.APPROVED_ONCE, "reject"): C.REJECTED,
    (C.REJECTED, "resubmit"): C.SUBMITTED,
    (C.REJECTED, "close"): C.CLOSED,
    (C.APPROVED, "batch"): C.IN_BATCH,
    (C.APPROVED, "claw_back"): C.CLAWED_BACK,
    (C.IN_BATCH, "pay"): C.PAID,
    (C.IN_BATCH, "unbatch"): C.APPROVED,  # the batch was discarded or its transfer failed
    (C.PAID, "claw_back"): C.CLAWED_BACK,
    (C.PAID, "return_payment"): C.APPROVED,  # the bank returned the transfer: paid again later
}
OPEN = (C.SUBMITTED, C.APPROVED_ONCE, C.REJECTED)
OPEN_SQL = "status IN ('submitted', 'approved_once', 'rejected')"


class Claim(Base):
    """The current version of a provider's invoice for one application."""

    __tablename__ = "claims"
    __table_args__ = (
        sa.UniqueConstraint("provider_id", "invoice_number", name="uq_claims_invoice_number"),
        # One open claim per application: a double submission cannot slip in.
        sa.Index(
            "uq_claims_open_application",
            "application_id",
            unique=True,
            postgresql_where=sa.text(OPEN_SQL),
            sqlite_where=sa.text(OPEN_SQL),
        ),
        sa.CheckConstraint("amount_cents > 0", name="amount_positive"),
        sa.CheckConstraint("vat_cents >= 0 AND vat_cents <= amount_cents", name="vat_in_amount"),
        sa.CheckConstraint(
            "attendance_pct IS NULL OR attendance_pct BETWEEN 0 AND 100", name="attendance_pct"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Empty only until named after its id in the same transaction (no shared placeholder).
    reference: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id"), index=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("providers.id"), index=True)
    fund_id: Mapped[int] = mapped_column(sa.ForeignKey("funds.id"), index=True)
    kind: Mapped[ClaimKind] = mapped_column(str_enum(ClaimKind, "claim_kind"))
    status: Mapped[ClaimStatus] = mapped_column(str_enum(ClaimStatus, "claim_status"), index=True)
    version: Mapped[int] = mapped_column(sa.SmallInteger, default=1)
    invoice_number: Mapped[str] = mapped_column(sa.String(50))
    invoice_date: Mapped[dt.date]
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    vat_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    description: Mapped[str] = mapped_column(sa.String(500))
    attendance_pct: Mapped[int | None] = mapped_column(sa.SmallInteger)
    invoice_file: Mapped[str] = mapped_column(sa.String(80))  # sha256.pdf in the upload folder
    certificate_file: Mapped[str | None] = mapped_column(sa.String(80))
    ubl_file: Mapped[str | None] = mapped_column(sa.String(80))
    approvals_needed: Mapped[int] = mapped_column(sa.SmallInteger, default=1)
    reason: Mapped[str | None] = mapped_column(sa.String(500))  # of the last rejection
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    clawback_transaction_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("ledger_transactions.id")
    )

    application: Mapped[Application] = relationship()
    versions: Mapped[list[ClaimVersion]] = relationship(order_by="ClaimVersion.version")
    approvals: Mapped[list[ClaimApproval]] = relationship(order_by="ClaimApproval.id")
    postings: Mapped[list[ClaimPart]] = relationship(order_by="ClaimPart.id")


class ClaimVersion(Base):
    """What the provider submitted each time: kept when a rejected claim is corrected."""

    __tablename__ = "claim_versions"
    __table_args__ = (sa.UniqueConstraint("claim_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(sa.ForeignKey("claims.id"), index=True)
    version: Mapped[int] = mapped_column(sa.SmallInteger)
    data: Mapped[dict] = mapped_column(sa.JSON)
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    rejected_reason: Mapped[str | None] = mapped_column(sa.String(500))


class ClaimApproval(Base):
    """One administrator's approval of one version; a person approves a version once."""

    __tablename__ = "claim_approvals"
    __table_args__ = (sa.UniqueConstraint("claim_id", "version", "approver_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(sa.ForeignKey("claims.id"), index=True)
    version: Mapped[int] = mapped_column(sa.SmallInteger)
    approver_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)


class ClaimPart(Base):
    """What an approved claim took from one grant's hold, and the transaction that moved it."""

    __tablename__ = "claim_parts"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(sa.ForeignKey("claims.id"), index=True)
    grant_id: Mapped[int] = mapped_column(sa.ForeignKey("grants.id"))
    hold_id: Mapped[int] = mapped_column(sa.ForeignKey("ledger_holds.id"), unique=True)
    cents: Mapped[int] = mapped_column(sa.BigInteger)
    transaction_id: Mapped[int] = mapped_column(sa.ForeignKey("ledger_transactions.id"))
