"""Funds. The pot itself is a ledger account (money core); this is the funder."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from wallet.core import clock
from wallet.core.db import Base, UTCDateTime, str_enum


class FundStatus(enum.StrEnum):
    """An open fund takes deposits and grants budgets; a closed one only winds down."""

    OPEN = "open"
    CLOSED = "closed"


class Fund(Base):
    """A funder such as the Twents Fonds voor Vakmanschap."""

    __tablename__ = "funds"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    status: Mapped[FundStatus] = mapped_column(
        str_enum(FundStatus, "fund_status"),
        default=FundStatus.OPEN,
    )
    # The pot: money deposited and not yet granted. Made with the fund (funds.services).
    pot_account_id: Mapped[int] = mapped_column(sa.ForeignKey("ledger_accounts.id"), unique=True)
    # The region it serves, as named in the municipalities list ("Twente"); shown only.
    region: Mapped[str | None] = mapped_column(sa.String(100))
    # The fund's own bank account: the debtor of its SEPA payout files.
    iban: Mapped[str | None] = mapped_column(sa.String(34))
    bic: Mapped[str | None] = mapped_column(sa.String(11))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    def __repr__(self) -> str:
        return f"<Fund {self.id} {self.name!r}>"
