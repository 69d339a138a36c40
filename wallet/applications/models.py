"""Applications, the holds of their funding plan, and the transition table of their states."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wallet.accounts.models import User
from wallet.catalogue.models import CourseRun
from wallet.core import clock
from wallet.core.db import Base, UTCDateTime, str_enum


class ApplicationStatus(enum.StrEnum):
    """Where an application stands."""

    SUBMITTED = "submitted"  # budget held, waiting for the provider
    AWAITING_COPAYMENT = "awaiting_copay"  # provider confirmed; the worker's share is due
    CONFIRMED = "confirmed"  # enrolled
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    INVOICED = "invoiced"
    PAID = "paid"
    CANCELLED = "cancelled"
    REJECTED = "rejected"
    EXPIRED = "expired"
    CLOSED = "closed"  # the claim was closed unpaid; the rest of the budget went back


S = ApplicationStatus
# (status, action) -> new status. Nothing else moves an application.
TRANSITIONS: dict[tuple[ApplicationStatus, str], ApplicationStatus] = {
    (S.SUBMITTED, "confirm"): S.CONFIRMED,  # or AWAITING_COPAYMENT when a co-payment is due
    (S.SUBMITTED, "reject"): S.REJECTED,
    (S.SUBMITTED, "cancel"): S.CANCELLED,
    (S.SUBMITTED, "expire"): S.EXPIRED,
    (S.AWAITING_COPAYMENT, "record_copayment"): S.CONFIRMED,
    (S.AWAITING_COPAYMENT, "cancel"): S.CANCELLED,
    (S.AWAITING_COPAYMENT, "expire"): S.EXPIRED,
    (S.CONFIRMED, "start"): S.IN_PROGRESS,
    (S.CONFIRMED, "cancel"): S.CANCELLED,
    (S.IN_PROGRESS, "complete"): S.COMPLETED,
    (S.IN_PROGRESS, "cancel"): S.CANCELLED,  # only where every scheme paying allows it
    (S.COMPLETED, "invoice"): S.INVOICED,
    (S.INVOICED, "close"): S.CLOSED,
    (S.INVOICED, "pay"): S.PAID,
    (S.PAID, "return_payment"): S.INVOICED,  # the bank returned the payment of its claim
}
ACTIVE = (S.SUBMITTED, S.AWAITING_COPAYMENT, S.CONFIRMED, S.IN_PROGRESS, S.COMPLETED, S.INVOICED)
RELEASES_HOLDS = {"reject", "cancel", "expire", "close"}


class Application(Base):
    """A worker's application for one course run."""

    __tablename__ = "applications"
    __table_args__ = (
        # One active application per worker per run: a partial unique index on both databases.
        sa.Index(
            "uq_applications_active_run",
            "user_id",
            "run_id",
            unique=True,
            postgresql_where=sa.text(
                "status IN ('submitted', 'awaiting_copay', 'confirmed', "
                "'in_progress', 'completed', 'invoiced')"
            ),
            sqlite_where=sa.text(
                "status IN ('submitted', 'awaiting_copay', 'confirmed', "
                "'in_progress', 'completed', 'invoiced')"
            ),
        ),
        sa.CheckConstraint(
            "employer_cents + covered_cents + copay_cents = price_cents", name="plan_adds_up"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Empty only between the INSERT and the UPDATE that names it after its id: a placeholder
    # in a unique column would make every concurrent apply wait for the first to commit.
    reference: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("course_runs.id"), index=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("providers.id"), index=True)
    status: Mapped[ApplicationStatus] = mapped_column(
        str_enum(ApplicationStatus, "application_status"), index=True
    )
    price_cents: Mapped[int] = mapped_column(sa.BigInteger)
    covered_cents: Mapped[int] = mapped_column(sa.BigInteger)
    copay_cents: Mapped[int] = mapped_column(sa.BigInteger)
    # What the worker's employer pays the provider itself, first (an employer-funded course:
    # the placement the fund approved for this run), outside Leerwallet's money.
    employer_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    placement_id: Mapped[int | None] = mapped_column(sa.ForeignKey("placements.id"))
    payment_reference: Mapped[str | None] = mapped_column(sa.String(50))
    reason: Mapped[str | None] = mapped_column(sa.String(500))
    # Indexed (migration 0023): the applications of a report's period.
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    respond_by: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    # Where the application came from, for the fraud check of many workers on one address.
    client_ip: Mapped[str | None] = mapped_column(sa.String(45), index=True)

    parts: Mapped[list[ApplicationPart]] = relationship(back_populates="application")
    run: Mapped[CourseRun] = relationship()
    user: Mapped[User] = relationship()


class ApplicationPart(Base):
    """What one grant pays for an application, held until the claim settles it."""

    __tablename__ = "application_parts"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id"), index=True)
    grant_id: Mapped[int] = mapped_column(sa.ForeignKey("grants.id"))
    hold_id: Mapped[int] = mapped_column(sa.ForeignKey("ledger_holds.id"), unique=True)
    cents: Mapped[int] = mapped_column(sa.BigInteger)

    application: Mapped[Application] = relationship(back_populates="parts")
