"""The reports' money kept ahead of time: the ledger summed per complete Amsterdam day.

Filled only by wallet.reports.rollup (a job, never the ledger's own transactions), read only
by wallet.reports.money, checked by `ledger verify` against the postings and holds.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from wallet.core import clock
from wallet.core.db import Base, UTCDateTime


class MoneyDay(Base):
    """What moved one of a fund's books on one day, by kind of transaction and scheme."""

    __tablename__ = "report_money_days"
    __table_args__ = (sa.Index("ix_report_money_days_fund_id_day", "fund_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(sa.ForeignKey("funds.id"))
    scheme_id: Mapped[int | None] = mapped_column(sa.ForeignKey("schemes.id"))
    day: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    book: Mapped[str] = mapped_column(sa.String(20))
    kind: Mapped[str] = mapped_column(sa.String(30))  # a reversal counts as what it reverses
    cents: Mapped[int] = mapped_column(sa.BigInteger)


class HoldDay(Base):
    """Holds on a fund's grants or pot placed and resolved on one day, per scheme."""

    __tablename__ = "report_hold_days"
    __table_args__ = (sa.Index("ix_report_hold_days_fund_id_day", "fund_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(sa.ForeignKey("funds.id"))
    scheme_id: Mapped[int | None] = mapped_column(sa.ForeignKey("schemes.id"))
    day: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    placed_cents: Mapped[int] = mapped_column(sa.BigInteger)
    resolved_cents: Mapped[int] = mapped_column(sa.BigInteger)


class RollupMark(Base):
    """How far the rollup reaches: every day up to `rolled_through` is summed whole.

    One row per rollup; the job locks it, so two runs never write the same days at once.
    """

    __tablename__ = "report_rollup_marks"

    name: Mapped[str] = mapped_column(sa.String(30), primary_key=True)
    rolled_through: Mapped[dt.date | None] = mapped_column(sa.Date)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
