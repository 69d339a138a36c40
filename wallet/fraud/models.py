"""Flags raised on an application or a claim, each with the one line that says why."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from wallet.core import clock
from wallet.core.db import Base, UTCDateTime, str_enum


class Severity(enum.StrEnum):
    """High-risk flags block fast approval: a second administrator must approve."""

    HIGH = "high"
    MEDIUM = "medium"


class RiskFlag(Base):
    """One pattern noticed on an application (and the claim that arrived with it, if any)."""

    __tablename__ = "risk_flags"
    __table_args__ = (sa.UniqueConstraint("application_id", "claim_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id"), index=True)
    claim_id: Mapped[int | None] = mapped_column(sa.ForeignKey("claims.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(40), index=True)
    severity: Mapped[Severity] = mapped_column(str_enum(Severity, "flag_severity"))
    reason: Mapped[str] = mapped_column(sa.String(300))
    # Indexed (migration 0023): the flags raised in a report's period.
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
