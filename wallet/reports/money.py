"""A fund's money over a period, read from the ledger: the one source of every report's euros.

A flow is money crossing between two of a fund's books in a period, named by the use case
that moved it; it is summed from postings on the fund's own accounts (its pot, its workers'
grants, its in-transit and paid-out accounts), so every cent shown is a posting in the
ledger. Providers' and employers' payable accounts are shared between funds; their share of a
fund is the postings of transactions that also move one of the fund's own accounts.

    flow         from -> to                      kind of transaction   summed on
    deposited    funding source -> pot           deposit               pot
    granted      pot -> workers' grants          grant, allocation     grants
    expired      grants -> pot                   grant_expiry,         grants
                                                 grant_cancel
    approved     grants -> providers' payable    hold_post             grants
    reimbursed   pot -> employers' payable       reimbursement         pot
    clawed_back  payable/receivable -> pot       clawback              pot
    submitted    payable -> in transit           payout_submit         in transit
    paid         in transit -> paid out          payout_paid           paid out
    returned     in transit/paid out -> payable  payout_returned       in transit, paid out

A reversal counts against the flow of the transaction it reverses. Grant-side flows carry
the grant's scheme; a reimbursement carries its placement's scheme; the payout flows belong to
the fund as a whole. Periods are Amsterdam calendar days, as everywhere in Leerwallet.

At national scale the complete days come from the rollup (wallet.reports.rollup: the same
sums per fund, day, book, kind and scheme, kept by a job) and only what lies outside them --
the days after its mark, a part of a day -- is summed from the ledger here and now, so a
figure is never stale. `computed_live()` skips the rollup; the tests prove both agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from wallet.core.db import session
from wallet.ledger.models import (
    AccountKind,
    Hold,
    HoldStatus,
    LedgerAccount,
    LedgerTransaction,
    Posting,
)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
FLOWS = (
    "deposited",
    "granted",
    "expired",
    "approved",
    "reimbursed",
    "clawed_back",
    "submitted",
    "paid",
    "returned",
)
# (kind of transaction, the fund's account it is summed on) -> flow and the sign that makes
# the flow positive in its usual direction.
_GRANT_FLOWS = {"grant": ("granted", 1), "allocation": ("granted", 1),
                "grant_expiry": ("expired", -1), "grant_cancel": ("expired", -1),
                "hold_post": ("approved", -1)}  # fmt: skip
_FUND_FLOWS = {
    ("deposit", "pot"): ("deposited", 1),
    ("reimbursement", "pot"): ("reimbursed", -1),
    ("clawback", "pot"): ("clawed_back", 1),
    ("payout_submit", "in_transit"): ("submitted", 1),
    ("payout_paid", "paid_out"): ("paid", 1),
    ("payout_returned", "in_transit"): ("returned", -1),
    ("payout_returned", "paid_out"): ("returned", -1),
}
BOOKS = ("pot", "grants", "payable", "in_transit", "paid_out", "receivable")
_LIVE: ContextVar[bool] = ContextVar("reports_money_live", default=False)


@dataclass(frozen=True)
class Balances:
    """The fund's books at a moment, in cents: the sum of their postings before it."""

    pot: int
    grants: int
    payable: int  # the fund's share of what providers and employers are owed
    in_transit: int
    paid_out: int
    receivable: int  # below zero by what providers owe back

    @property
    def total(self) -> int:
        """Everything the fund's deposits became; equals deposited less nothing lost."""
        return (
            self.pot
            + self.grants
            + self.payable
            + self.in_transit
            + self.paid_out
            + (self.receivable)
        )


def period_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Amsterdam midnight at the start of `first` to the one after `last`, in UTC."""
    return _midnight(first), _midnight(last + dt.timedelta(days=1))


def month_starts(start: dt.datetime, end: dt.datetime) -> list[dt.date]:
    """The first day of every Amsterdam calendar month that [start, end) touches."""
    day = start.astimezone(AMSTERDAM).date().replace(day=1)
    last = (end - dt.timedelta(microseconds=1)).astimezone(AMSTERDAM).date()
    months = []
    while day <= last:
        months.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return months


def flows(fund_id: int, start: dt.datetime | None, end: dt.datetime | None, *,
          scheme_id: int | None = None) -> dict[str, int]:  # fmt: skip
    """Each flow of the fund (or one scheme of it) in [start, end); every key of FLOWS."""
    totals = dict.fromkeys(FLOWS, 0)
    for _bucket, flow, scheme, cents in _all_movements(fund_id, start, end, buckets=()):
        if scheme_id is None or scheme == scheme_id:
            totals[flow] += cents
    return totals


def monthly_flows(
    fund_id: int, start: dt.datetime, end: dt.datetime, *, scheme_id: int | None = None
) -> list[tuple[dt.date, dict[str, int]]]:
    """The flows of each Amsterdam calendar month in [start, end), oldest first."""
    months = month_starts(start, end)
    edges = [_midnight(month) for month in months[1:]]
    table = [dict.fromkeys(FLOWS, 0) for _ in months]
    for bucket, flow, scheme, cents in _all_movements(fund_id, start, end, buckets=edges):
        if scheme_id is None or scheme == scheme_id:
            table[bucket][flow] += cents
    return list(zip(months, table, strict=True))


def scheme_flows(
    fund_id: int, start: dt.datetime | None, end: dt.datetime | None
) -> dict[int, dict[str, int]]:
    """The flows of every scheme of the fund that moved money in [start, end)."""
    totals: dict[int, dict[str, int]] = {}
    for _bucket, flow, scheme, cents in _all_movements(fund_id, start, end, buckets=()):
        if scheme is not None:
            totals.setdefault(scheme, dict.fromkeys(FLOWS, 0))[flow] += cents
    return totals


def held_at(fund_id: int, at: dt.datetime, *, scheme_id: int | None = None) -> int:
    """Money reserved at `at`: holds on the fund's grants or pot placed and not yet resolved."""
    mark = _rolled_until()
    if mark is None:
        return _held_live(fund_id, at, scheme_id)
    cut = min(_floor_midnight(at), mark)
    return _rolled_held(fund_id, _day(cut), scheme_id) + _held_moved(fund_id, cut, at, scheme_id)


def _hold_rows(fund_id: int, scheme_id: int | None):
    """(cents, created_at, resolved_at) of the holds on the fund's grants or pot."""
    from wallet.funds.models import Fund
    from wallet.grants.models import Grant
    from wallet.placements.models import Placement

    grant_holds = sa.select(Hold.amount_cents.label("cents"), Hold.created_at, Hold.resolved_at
                            ).join(Grant, Grant.account_id == Hold.debit_account_id
                            ).where(Grant.fund_id == fund_id)  # fmt: skip
    pot_holds = (
        sa.select(Hold.amount_cents, Hold.created_at, Hold.resolved_at)
        .join(Fund, Fund.pot_account_id == Hold.debit_account_id)
        .where(Fund.id == fund_id)
    )
    if scheme_id is not None:
        grant_holds = grant_holds.where(Grant.scheme_id == scheme_id)
        placed = sa.select(Placement.hold_id).where(Placement.scheme_id == scheme_id)
        retained = sa.select(Placement.retention_hold_id).where(Placement.scheme_id == scheme_id)
        pot_holds = pot_holds.where(Hold.id.in_(placed.union(retained)))
    return grant_holds, pot_holds


def _held_live(fund_id: int, at: dt.datetime, scheme_id: int | None) -> int:
    grant_holds, pot_holds = _hold_rows(fund_id, scheme_id)
    holds = sa.union_all(grant_holds, pot_holds).subquery()
    live = sa.and_(holds.c.created_at < at,
                   sa.or_(holds.c.resolved_at.is_(None), holds.c.resolved_at >= at))  # fmt: skip
    return int(session.scalar(sa.select(sa.func.sum(holds.c.cents)).where(live)) or 0)


def pending_held(fund_id: int) -> int:
    """Money reserved now, from the holds' status rather than their dates (for the proof)."""
    from wallet.funds.models import Fund
    from wallet.grants.models import Grant

    accounts = sa.union_all(
        sa.select(Grant.account_id).where(Grant.fund_id == fund_id),
        sa.select(Fund.pot_account_id).where(Fund.id == fund_id),
    )
    query = sa.select(sa.func.sum(Hold.amount_cents)).where(
        Hold.status == HoldStatus.PENDING, Hold.debit_account_id.in_(accounts)
    )
    return int(session.scalar(query) or 0)


def balances_at(fund_id: int, at: dt.datetime | None) -> Balances:
    """The fund's books summed over postings before `at` (None: all of them)."""
    totals = dict.fromkeys(BOOKS, 0)
    for book, _kind, cents in _all_book_postings(fund_id, None, at):
        totals[book] += cents
    return Balances(**totals)


def book_movements(
    fund_id: int, start: dt.datetime | None, end: dt.datetime | None
) -> dict[str, dict[str, int]]:
    """What moved each of the fund's books in [start, end), by kind of transaction.

    Opening balance + these movements = closing balance, book by book: the reconciliation
    of a period report.
    """
    table: dict[str, dict[str, int]] = {book: {} for book in BOOKS}
    for book, kind, cents in _all_book_postings(fund_id, start, end):
        table[book][kind] = table[book].get(kind, 0) + cents
    return table


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), AMSTERDAM).astimezone(dt.UTC)


def _own_accounts(fund_id: int):
    """The fund's accounts other than its grants, each with its book: (account, book)."""
    from wallet.funds.models import Fund

    book = sa.case(
        (LedgerAccount.code == f"fund:{fund_id}:in_transit", "in_transit"),
        (LedgerAccount.code == f"fund:{fund_id}:paid_out", "paid_out"),
        else_="receivable",
    )
    pot = sa.select(Fund.pot_account_id.label("account"), sa.literal("pot").label("book")).where(
        Fund.id == fund_id
    )
    payouts = sa.select(LedgerAccount.id, book).where(
        sa.or_(
            LedgerAccount.code.in_([f"fund:{fund_id}:in_transit", f"fund:{fund_id}:paid_out"]),
            sa.and_(LedgerAccount.kind == AccountKind.RECEIVABLE,
                    LedgerAccount.code.like(f"provider:%:fund:{fund_id}:receivable")),
        )
    )  # fmt: skip
    return sa.union_all(pot, payouts)


def _fund_transactions(fund_id: int, start=None, end=None):
    """Ids of the transactions in [start, end) that move one of the fund's accounts or grants.

    The period's bounds are repeated here so a few days' tail reads a few days' postings.
    """
    from wallet.grants.models import Grant

    own = _own_accounts(fund_id).subquery()
    line = aliased(Posting)  # not the outer query's posting: no correlation
    moved = aliased(LedgerTransaction)  # likewise not the outer query's transaction
    when = [moved.created_at >= start] if start is not None else []
    when += [moved.created_at < end] if end is not None else []
    if when:
        when.append(moved.id == line.transaction_id)
    return sa.union(
        sa.select(line.transaction_id).join(own, own.c.account == line.account_id).where(*when),
        sa.select(line.transaction_id)
        .join(Grant, Grant.account_id == line.account_id)
        .where(Grant.fund_id == fund_id, *when),
    )


def _book_postings(fund_id, start, end) -> list[tuple[str, str, int]]:
    """(book, kind of transaction, cents) summed over the fund's books in [start, end)."""
    from wallet.grants.models import Grant

    reversed_tx = aliased(LedgerTransaction)
    kind = sa.func.coalesce(reversed_tx.kind, LedgerTransaction.kind).label("kind")
    own = _own_accounts(fund_id).subquery()
    grants = sa.select(Grant.account_id.label("account"), sa.literal("grants").label("book")
                       ).where(Grant.fund_id == fund_id)  # fmt: skip
    payable = sa.select(LedgerAccount.id, sa.literal("payable")).where(
        LedgerAccount.kind == AccountKind.PAYABLE
    )
    books = sa.union_all(sa.select(own.c.account, own.c.book), grants, payable).subquery()
    query = (
        sa.select(books.c.book, kind, sa.func.sum(Posting.amount_cents))
        .select_from(Posting)
        .join(books, books.c.account == Posting.account_id)
        .join(LedgerTransaction, LedgerTransaction.id == Posting.transaction_id)
        .outerjoin(reversed_tx, reversed_tx.id == LedgerTransaction.reverses_id)
        .where(*_between(start, end))
        .where((books.c.book != "payable")
               | Posting.transaction_id.in_(_fund_transactions(fund_id, start, end)))
        .group_by(books.c.book, kind)
    )  # fmt: skip
    return [(book, tx_kind, int(cents)) for book, tx_kind, cents in session.execute(query).all()]


def _between(start, end) -> list:
    when = []
    if start is not None:
        when.append(LedgerTransaction.created_at >= start)
    if end is not None:
        when.append(LedgerTransaction.created_at < end)
    return when


def _bucket(created_at, edges: Iterable[dt.datetime]):
    """The index of the period a moment falls in, given the moments where periods change."""
    edges = list(edges)
    if not edges:
        return sa.literal(0)
    return sa.case(*((created_at < edge, index) for index, edge in enumerate(edges)),
                   else_=len(edges))  # fmt: skip


def _movements(fund_id, start, end, *, buckets) -> list[tuple[int, str, int | None, int]]:
    """(period index, flow, scheme, cents) for every flow of the fund in [start, end)."""
    from wallet.grants.models import Grant
    from wallet.placements.models import Placement, ReimbursementClaim

    reversed_tx = aliased(LedgerTransaction)
    kind = sa.func.coalesce(reversed_tx.kind, LedgerTransaction.kind).label("kind")
    bucket = _bucket(LedgerTransaction.created_at, buckets).label("bucket")
    when = _between(start, end)

    def moved(select):
        return (
            select.join(LedgerTransaction, LedgerTransaction.id == Posting.transaction_id)
            .outerjoin(reversed_tx, reversed_tx.id == LedgerTransaction.reverses_id)
            .where(*when)
        )

    on_grants = moved(
        sa.select(bucket, kind, Grant.scheme_id, sa.func.sum(Posting.amount_cents))
        .select_from(Posting)
        .join(Grant, Grant.account_id == Posting.account_id)
        .where(Grant.fund_id == fund_id)
    ).group_by(bucket, kind, Grant.scheme_id)
    own = _own_accounts(fund_id).subquery()
    on_fund = moved(
        sa.select(bucket, kind, own.c.book, Placement.scheme_id, sa.func.sum(Posting.amount_cents))
        .select_from(Posting)
        .join(own, own.c.account == Posting.account_id)
    )
    # A reimbursement belongs to the scheme of its placement.
    on_fund = (
        on_fund.outerjoin(
            ReimbursementClaim,
            ReimbursementClaim.transaction_id == sa.func.coalesce(
                reversed_tx.id, LedgerTransaction.id),
        )
        .outerjoin(Placement, Placement.id == ReimbursementClaim.placement_id)
        .group_by(bucket, kind, own.c.book, Placement.scheme_id)
    )  # fmt: skip
    rows = []
    for index, tx_kind, scheme, cents in session.execute(on_grants).all():
        if tx_kind in _GRANT_FLOWS:
            flow, sign = _GRANT_FLOWS[tx_kind]
            rows.append((int(index), flow, scheme, sign * int(cents)))
    for index, tx_kind, book, scheme, cents in session.execute(on_fund).all():
        if (tx_kind, book) in _FUND_FLOWS:
            flow, sign = _FUND_FLOWS[(tx_kind, book)]
            rows.append((int(index), flow, scheme, sign * int(cents)))
    return rows


# -- The rollup's whole days plus the live rest ------------------------------------------------


@contextmanager
def computed_live() -> Iterator[None]:
    """Sum every figure from the ledger itself, skipping the rollup (the proof compares both)."""
    token = _LIVE.set(True)
    try:
        yield
    finally:
        _LIVE.reset(token)


def _rolled_until() -> dt.datetime | None:
    """The midnight before which the rollup holds every day whole; None: use no rollup."""
    from wallet.reports.models import RollupMark

    if _LIVE.get():
        return None
    through = session.scalar(sa.select(RollupMark.rolled_through).where(RollupMark.name == "money"))
    return None if through is None else _midnight(through + dt.timedelta(days=1))


def _day(midnight: dt.datetime) -> dt.date:
    return midnight.astimezone(AMSTERDAM).date()


def _floor_midnight(moment: dt.datetime) -> dt.datetime:
    return _midnight(_day(moment))


def _ceil_midnight(moment: dt.datetime) -> dt.datetime:
    floor = _floor_midnight(moment)
    return floor if floor == moment else _midnight(_day(moment) + dt.timedelta(days=1))


def _split(start, end):
    """[start, end) as the rolled days [first, stop) (None: none) and the live parts around.

    A rolled part is whole days before the rollup's mark; `first` None means from the start.
    """
    mark = _rolled_until()
    if mark is None:
        return None, [(start, end)]
    low = None if start is None else _ceil_midnight(start)
    high = mark if end is None else min(_floor_midnight(end), mark)
    if low is not None and low >= high:
        return None, [(start, end)]
    live = []
    if low is not None and start < low:
        live.append((start, low))
    if end is None or high < end:
        live.append((high, end))
    return (None if low is None else _day(low), _day(high)), live


def _all_movements(fund_id, start, end, *, buckets) -> list[tuple[int, str, int | None, int]]:
    """_movements over [start, end), whole days from the rollup where it has them."""
    rolled, live = _split(start, end)
    rows = []
    for part_start, part_end in live:
        rows.extend(_movements(fund_id, part_start, part_end, buckets=buckets))
    if rolled is not None:
        edges = [_day(edge) for edge in buckets]
        for day, book, kind, scheme, cents in _rolled_rows(fund_id, *rolled, by_day=bool(edges)):
            flow = _GRANT_FLOWS.get(kind) if book == "grants" else _FUND_FLOWS.get((kind, book))
            if flow is not None:
                index = sum(1 for edge in edges if day >= edge)
                rows.append((index, flow[0], scheme, flow[1] * cents))
    return rows


def _all_book_postings(fund_id, start, end) -> list[tuple[str, str, int]]:
    """_book_postings over [start, end), whole days from the rollup where it has them."""
    rolled, live = _split(start, end)
    rows = []
    for part_start, part_end in live:
        rows.extend(_book_postings(fund_id, part_start, part_end))
    if rolled is not None:
        rolled_rows = _rolled_rows(fund_id, *rolled)
        rows.extend((book, kind, cents) for _day, book, kind, _scheme, cents in rolled_rows)
    return rows


def _rolled_rows(fund_id, first, stop, *, by_day=False):
    """(day or None, book, kind, scheme, cents) of the rollup on the days [first, stop)."""
    from wallet.reports.models import MoneyDay

    day = MoneyDay.day if by_day else sa.null()
    query = (
        sa.select(day, MoneyDay.book, MoneyDay.kind, MoneyDay.scheme_id,
                  sa.func.sum(MoneyDay.cents))
        .where(MoneyDay.fund_id == fund_id, MoneyDay.day < stop)
        .group_by(*([day] if by_day else []), MoneyDay.book, MoneyDay.kind, MoneyDay.scheme_id)
    )  # fmt: skip
    if first is not None:
        query = query.where(MoneyDay.day >= first)
    return [(row[0], row[1], row[2], row[3], int(row[4])) for row in session.execute(query)]


def _rolled_held(fund_id: int, stop: dt.date, scheme_id: int | None) -> int:
    """Held at the midnight starting `stop`: placed on the rolled days before, less resolved."""
    from wallet.reports.models import HoldDay

    query = sa.select(sa.func.sum(HoldDay.placed_cents - HoldDay.resolved_cents)).where(
        HoldDay.fund_id == fund_id, HoldDay.day < stop
    )
    if scheme_id is not None:
        query = query.where(HoldDay.scheme_id == scheme_id)
    return int(session.scalar(query) or 0)


def _held_moved(fund_id: int, since: dt.datetime, at: dt.datetime, scheme_id) -> int:
    """Holds placed in [since, at) less holds resolved in it: what held grew by."""
    if since >= at:
        return 0
    grant_holds, pot_holds = _hold_rows(fund_id, scheme_id)
    holds = sa.union_all(grant_holds, pot_holds).subquery()
    placed = sa.case(
        (sa.and_(holds.c.created_at >= since, holds.c.created_at < at), holds.c.cents), else_=0
    )
    resolved = sa.case((sa.and_(holds.c.resolved_at >= since, holds.c.resolved_at < at),
                        holds.c.cents), else_=0)  # fmt: skip
    moved = sa.select(sa.func.sum(placed - resolved)).where(
        sa.or_(sa.and_(holds.c.created_at >= since, holds.c.created_at < at),
               sa.and_(holds.c.resolved_at >= since, holds.c.resolved_at < at)))  # fmt: skip
    return int(session.scalar(moved) or 0)
