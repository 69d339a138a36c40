"""A scheme: amounts, window and cap as columns (set-based SQL uses them), rules as JSON."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wallet.core import clock
from wallet.core.db import Base, UTCDateTime, str_enum
from wallet.funds.models import Fund


class AllocationMode(enum.StrEnum):
    """How budgets reach workers under a scheme."""

    ENTITLEMENT = "entitlement"  # every eligible worker, by the scheduled allocation
    FIRST_COME = "first_come"  # workers apply in the window until the total cap is reached
    LOTTERY = "lottery"  # workers apply in the window; a seeded draw picks who gets one
    MANUAL = "manual"  # administrators grant one by one or by CSV


class SchemeKind(enum.StrEnum):
    """Whom a scheme pays: workers get budgets; employers get part of a training cost back."""

    WORKER_BUDGET = "worker_budget"
    EMPLOYER_REIMBURSEMENT = "employer"


class SchemeStatus(enum.StrEnum):
    """Draft schemes can still change; active ones grant; closed ones grant no more."""

    DRAFT = "draft"
    ACTIVE = "active"
    CLOSED = "closed"


class Scheme(Base):
    """A regeling of a fund."""

    __tablename__ = "schemes"
    __table_args__ = (
        sa.CheckConstraint("amount_cents > 0", name="amount_positive"),
        sa.CheckConstraint("validity_months BETWEEN 1 AND 120", name="validity_range"),
        sa.CheckConstraint(
            "total_cap_cents IS NULL OR committed_cents <= total_cap_cents", name="within_cap"
        ),
        sa.CheckConstraint("committed_cents >= 0", name="committed_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(sa.ForeignKey("funds.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    # An employer scheme grants no budgets: its rules are wallet/schemes/employer_rules.py,
    # its window and total budget the columns below, its amount the cap per person.
    kind: Mapped[SchemeKind] = mapped_column(
        str_enum(SchemeKind, "scheme_kind"),
        default=SchemeKind.WORKER_BUDGET,
        server_default=SchemeKind.WORKER_BUDGET.value,
    )
    status: Mapped[SchemeStatus] = mapped_column(
        str_enum(SchemeStatus, "scheme_status"), default=SchemeStatus.DRAFT
    )
    allocation_mode: Mapped[AllocationMode] = mapped_column(
        str_enum(AllocationMode, "allocation_mode")
    )
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    validity_months: Mapped[int] = mapped_column(sa.SmallInteger)
    window_opens_on: Mapped[dt.date | None]
    window_closes_on: Mapped[dt.date | None]
    total_cap_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    # Granted under this scheme so far; a conditional UPDATE keeps it within the cap.
    committed_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    rules: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    fund: Mapped[Fund] = relationship()

    @property
    def for_employers(self) -> bool:
        """True for an employer reimbursement scheme."""
        return self.kind == SchemeKind.EMPLOYER_REIMBURSEMENT

    def window_is_open(self, today: dt.date) -> bool:
        """True when `today` falls inside the application window (an open end is open)."""
        if self.window_opens_on and today < self.window_opens_on:
            return False
        return not (self.window_closes_on and today > self.window_closes_on)
