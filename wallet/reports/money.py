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
from wallet.ledger import accounts as account_codes
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
_GRANT_FLOWS = {
    "grant": ("granted", 1),
    "allocation": ("granted", 1),
    "grant_expiry": ("expired", -1),
    "grant_cancel": ("expired", -1),
    "hold_post": ("approved", -1),
}
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


def flows(
    fund_id: int,
    start: dt.datetime | None,
    end: dt.datetime | None,
    *,
    scheme_id: int | None = None,
) -> dict[str, int]:
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

    grant_holds = (
        sa.select(Hold.amount_cents.label("cents"), Hold.created_at, Hold.resolved_at)
        .join(Grant, Grant.account_id == Hold.debit_account_id)
        .where(Grant.fund_id == fund_id)
    )
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
    live = sa.and_(
        holds.c.created_at < at, sa.or_(holds.c.resolved_at.is_(None), holds.c.resolved_at >= at)
    )
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


def _fund_postings(fund_id: int, start, end):
    """Every posting of [start, end) with the fund's book it falls in (None: not the fund's):
    (transaction, origin, created_at, kind, book, scheme, cents). The kind and the origin of a
    reversal are those of the transaction it reverses; the scheme is a grant's.

    It starts from the period's transactions and looks up each posting's account (its grant,
    its code), so a few hours' tail reads a few hours' postings, however many grants and
    postings the fund has."""
    from wallet.funds.models import Fund
    from wallet.grants.models import Grant

    pot = session.scalar(sa.select(Fund.pot_account_id).where(Fund.id == fund_id))
    reversed_tx, account = aliased(LedgerTransaction), aliased(LedgerAccount)
    receivable = account_codes.provider_receivables_like(fund_id)
    book = sa.case(
        (Grant.id.is_not(None), "grants"),
        (Posting.account_id == pot, "pot"),
        (account.code == account_codes.fund_in_transit(fund_id), "in_transit"),
        (account.code == account_codes.fund_paid_out(fund_id), "paid_out"),
        (
            sa.and_(account.kind == AccountKind.RECEIVABLE, account.code.like(receivable)),
            "receivable",
        ),
        (account.kind == AccountKind.PAYABLE, "payable"),
    )
    when = _between(start, end)
    if when:
        # The same transactions by id as well: exact (the ids of the period's transactions lie
        # between its smallest and largest), and it lets the database read a short tail's
        # postings by their transaction index instead of scanning every posting.
        # id + 0: min and max are not answered by walking the primary key past a million
        # older transactions, but from the period's own (its created_at index).
        some_id = LedgerTransaction.id + 0
        low, high = session.execute(
            sa.select(sa.func.min(some_id), sa.func.max(some_id)).where(*when)
        ).one()
        if low is None:
            when.append(sa.false())
        else:
            when += [
                LedgerTransaction.id.between(low, high),
                Posting.transaction_id.between(low, high),
            ]
    return (
        sa.select(
            Posting.transaction_id.label("transaction"),
            sa.func.coalesce(reversed_tx.id, LedgerTransaction.id).label("origin"),
            LedgerTransaction.created_at,
            sa.func.coalesce(reversed_tx.kind, LedgerTransaction.kind).label("kind"),
            book.label("book"),
            Grant.scheme_id.label("scheme"),
            Posting.amount_cents.label("cents"),
        )
        .select_from(LedgerTransaction)
        .join(Posting, Posting.transaction_id == LedgerTransaction.id)
        .join(account, account.id == Posting.account_id)
        .outerjoin(Grant, sa.and_(Grant.account_id == Posting.account_id, Grant.fund_id == fund_id))
        .outerjoin(reversed_tx, reversed_tx.id == LedgerTransaction.reverses_id)
        .where(*when)
    )


def _grouped(fund_id, start, end, buckets=()) -> list[tuple[int, str, str, int | None, int]]:
    """(period index, book, kind, scheme, cents): the fund's postings in [start, end) summed
    per period, book, kind of transaction and scheme; the rollup keeps exactly these rows per
    day. A grant's postings carry the grant's scheme, a reimbursement its placement's. The
    payable book is shared with other funds: the fund's share is the postings of transactions
    that also move one of its own books (and carries no scheme)."""
    from wallet.placements.models import Placement, ReimbursementClaim

    lines = _fund_postings(fund_id, start, end).cte("lines")
    own = sa.select(lines.c.transaction).where(lines.c.book != "payable")
    bucket = _bucket(lines.c.created_at, buckets).label("bucket")
    of_line = sa.func.coalesce(lines.c.scheme, Placement.scheme_id)
    scheme = sa.case((lines.c.book == "payable", sa.null()), else_=of_line).label("scheme")
    query = (
        sa.select(bucket, lines.c.book, lines.c.kind, scheme, sa.func.sum(lines.c.cents))
        .outerjoin(ReimbursementClaim, ReimbursementClaim.transaction_id == lines.c.origin)
        .outerjoin(Placement, Placement.id == ReimbursementClaim.placement_id)
        .where(lines.c.book.is_not(None))
        .where((lines.c.book != "payable") | lines.c.transaction.in_(own))
        .group_by(bucket, lines.c.book, lines.c.kind, scheme)
    )
    return [
        (int(index), book, kind, scheme_id, int(cents))
        for index, book, kind, scheme_id, cents in session.execute(query).all()
    ]


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
    return sa.case(
        *((created_at < edge, index) for index, edge in enumerate(edges)), else_=len(edges)
    )


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


def _all_grouped(fund_id, start, end, buckets=()) -> list[tuple[int, str, str, int | None, int]]:
    """_grouped over [start, end), whole days from the rollup where it has them."""
    rolled, live = _split(start, end)
    rows = []
    for part_start, part_end in live:
        rows.extend(_grouped(fund_id, part_start, part_end, buckets))
    if rolled is not None:
        edges = [_day(edge) for edge in buckets]
        for day, book, kind, scheme, cents in _rolled_rows(fund_id, *rolled, by_day=bool(edges)):
            rows.append((sum(1 for edge in edges if day >= edge), book, kind, scheme, cents))
    return rows


def _as_flows(rows) -> list[tuple[int, str, int | None, int]]:
    """(period index, flow, scheme, cents) of grouped rows that are flows (see FLOWS)."""
    found = []
    for index, book, kind, scheme, cents in rows:
        flow = _GRANT_FLOWS.get(kind) if book == "grants" else _FUND_FLOWS.get((kind, book))
        if flow is not None:
            found.append((index, flow[0], scheme, flow[1] * cents))
    return found


def _all_movements(fund_id, start, end, *, buckets) -> list[tuple[int, str, int | None, int]]:
    return _as_flows(_all_grouped(fund_id, start, end, buckets))


def _all_book_postings(fund_id, start, end) -> list[tuple[str, str, int]]:
    return [(book, kind, cents) for _i, book, kind, _s, cents in _all_grouped(fund_id, start, end)]


def totals(fund_id: int) -> tuple[dict[str, int], Balances]:
    """Every flow of the fund so far and its books now, from one reading of the ledger (the
    fund's start page): flows(fund_id, None, None) and balances_at(fund_id, None)."""
    rows = _all_grouped(fund_id, None, None)
    flowed = dict.fromkeys(FLOWS, 0)
    for _index, flow, _scheme, cents in _as_flows(rows):
        flowed[flow] += cents
    books = dict.fromkeys(BOOKS, 0)
    for _index, book, _kind, _scheme, cents in rows:
        books[book] += cents
    return flowed, Balances(**books)


def _rolled_rows(fund_id, first, stop, *, by_day=False):
    """(day or None, book, kind, scheme, cents) of the rollup on the days [first, stop)."""
    from wallet.reports.models import MoneyDay

    day = MoneyDay.day if by_day else sa.null()
    query = (
        sa.select(
            day, MoneyDay.book, MoneyDay.kind, MoneyDay.scheme_id, sa.func.sum(MoneyDay.cents)
        )
        .where(MoneyDay.fund_id == fund_id, MoneyDay.day < stop)
        .group_by(*([day] if by_day else []), MoneyDay.book, MoneyDay.kind, MoneyDay.scheme_id)
    )
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
    resolved = sa.case(
        (sa.and_(holds.c.resolved_at >= since, holds.c.resolved_at < at), holds.c.cents), else_=0
    )
    moved = sa.select(sa.func.sum(placed - resolved)).where(
        sa.or_(
            sa.and_(holds.c.created_at >= since, holds.c.created_at < at),
            sa.and_(holds.c.resolved_at >= since, holds.c.resolved_at < at),
        )
    )
    return int(session.scalar(moved) or 0)
