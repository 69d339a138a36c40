"""A request to change the IBAN of a provider, an employer or a fund.

The owner's IBAN stays in force until a second person confirms the request: money goes only
to an account two people agreed on. At most one request per owner is pending (a partial
unique index), so a confirmer always decides on the latest one.
"""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from wallet.core.db import Base, UTCDateTime, str_enum


class OwnerKind(enum.StrEnum):
    """Whose bank account: a payee (provider, employer) or a fund (the payer)."""

    PROVIDER = "provider"
    EMPLOYER = "employer"
    FUND = "fund"


class ChangeStatus(enum.StrEnum):
    """Pending until a second person confirms or rejects it, or the owner withdraws it."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


S = ChangeStatus
TRANSITIONS: dict[tuple[ChangeStatus, str], ChangeStatus] = {
    (S.PENDING, "confirm"): S.CONFIRMED,
    (S.PENDING, "reject"): S.REJECTED,
    (S.PENDING, "withdraw"): S.WITHDRAWN,  # by the owner's staff, or replaced by a new request
}
ACTIONS = ("confirm", "reject", "withdraw")


class BankAccountChange(Base):
    """A new IBAN (and its BIC) asked for by the owner's staff, waiting for a second person."""

    __tablename__ = "bank_account_changes"
    __table_args__ = (
        sa.Index("ix_bank_account_changes_owner", "owner_kind", "owner_id"),
        sa.Index(
            "uq_bank_account_changes_pending",
            "owner_kind",
            "owner_id",
            unique=True,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_kind: Mapped[OwnerKind] = mapped_column(str_enum(OwnerKind, "bank_owner_kind"))
    owner_id: Mapped[int]
    iban: Mapped[str] = mapped_column(sa.String(34))
    bic: Mapped[str] = mapped_column(sa.String(11))
    previous_iban: Mapped[str | None] = mapped_column(sa.String(34))
    status: Mapped[ChangeStatus] = mapped_column(
        str_enum(ChangeStatus, "bank_change_status"), default=ChangeStatus.PENDING
    )
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(sa.String(500))

    def __repr__(self) -> str:
        return f"<BankAccountChange {self.id} {self.owner_kind}:{self.owner_id} {self.status}>"
