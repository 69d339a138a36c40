"""The reports' rollup: the ledger summed per fund and complete Amsterdam day, by a job.

Why a job and not the ledger's own transactions: the ledger's hot paths (a hold, a posting,
a million grants allocated) stay exactly as they are, and a day that is over never changes
again (the ledger is append-only), so summing it once is enough. The job rolls every day that
ended more than MARGIN ago -- a margin for a transaction committed a little after the moment
it stamped -- and wallet.reports.money reads the rest from the ledger, so figures are never
stale and the live rest is at most a day and a bit. A commit later than the margin would be
left out of its day: `ledger verify` recomputes every rolled day and would name it.

A run locks the mark row and replaces each day whole (delete, insert) in its transaction:
two runs at once wait for each other, and running twice writes the same rows.
`ledger verify` recomputes every rolled day and names a day whose rows differ.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from wallet.core import clock
from wallet.core.db import session, unit_of_work
from wallet.ledger.models import Hold, LedgerTransaction
from wallet.reports import money
from wallet.reports.models import HoldDay, MoneyDay, RollupMark

MARK = "money"
CHUNK_DAYS = 31  # days summed by one query: one CASE branch per day
MARGIN = dt.timedelta(hours=1)  # no request or job keeps a transaction open this long


def roll_up(
    *,
    through: dt.date | None = None,
    progress: Callable[[str], None] | None = None,
    every: int = 31,
) -> int:
    """Roll every day not rolled yet up to `through` (default: the last Amsterdam day that
    ended more than MARGIN ago: yesterday from 01:00, the day before until then).

    Returns the number of days rolled; `progress` hears a line every `every` days.
    """
    last = through or last_complete_day()
    first = _first_day_to_roll()
    if first is None or first > last:
        return 0
    done = 0
    while first <= last:
        stop = min(first + dt.timedelta(days=CHUNK_DAYS - 1), last)
        roll_days(first, stop)
        done += (stop - first).days + 1
        if progress and (done % every < CHUNK_DAYS or stop == last):
            progress(f"rolled {done} days, through {stop.isoformat()}")
        first = stop + dt.timedelta(days=1)
    return done


def last_complete_day() -> dt.date:
    """The last Amsterdam day that ended more than MARGIN ago."""
    return (clock.now() - MARGIN).astimezone(money.AMSTERDAM).date() - dt.timedelta(days=1)


def roll_days(first: dt.date, last: dt.date) -> None:
    """Replace the rollup of the days [first, last] whole, in one transaction, under the lock."""
    with unit_of_work():
        mark = _locked_mark()
        session.execute(sa.delete(MoneyDay).where(MoneyDay.day >= first, MoneyDay.day <= last))
        session.execute(sa.delete(HoldDay).where(HoldDay.day >= first, HoldDay.day <= last))
        money_rows, hold_rows = compute_days(first, last)
        if money_rows:
            session.execute(
                sa.insert(MoneyDay), [_money_row(key, c) for key, c in money_rows.items()]
            )
        if hold_rows:
            session.execute(sa.insert(HoldDay), [_hold_row(key, c) for key, c in hold_rows.items()])
        # The mark only moves over days that are all rolled: never past a gap.
        joins = mark.rolled_through is None or first <= mark.rolled_through + dt.timedelta(days=1)
        if joins and (mark.rolled_through is None or mark.rolled_through < last):
            mark.rolled_through = last
        mark.updated_at = clock.now()


def compute_days(first: dt.date, last: dt.date) -> tuple[dict, dict]:
    """The rollup's rows of the days [first, last], summed from the postings and holds now.

    {(fund, scheme, day, book, kind): cents} and {(fund, scheme, day): (placed, resolved)},
    without zero rows.
    """
    from wallet.funds.models import Fund

    start, end = money.period_bounds(first, last)
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    edges = [money._midnight(day) for day in days[1:]]
    money_rows: dict[tuple, int] = {}
    for fund_id in session.scalars(sa.select(Fund.id).order_by(Fund.id)):
        for index, book, kind, scheme, cents in _fund_days(fund_id, start, end, edges):
            key = (fund_id, scheme, days[int(index)], book, kind)
            money_rows[key] = money_rows.get(key, 0) + int(cents)
    hold_rows: dict[tuple, list[int]] = {}
    for column, side in ((Hold.created_at, 0), (Hold.resolved_at, 1)):
        for fund_id, scheme, index, cents in _hold_days(column, start, end, edges):
            sums = hold_rows.setdefault((fund_id, scheme, days[int(index)]), [0, 0])
            sums[side] += int(cents)
    return (
        {key: cents for key, cents in money_rows.items() if cents},
        {key: tuple(sums) for key, sums in hold_rows.items() if any(sums)},
    )


def check_rollup(report) -> None:
    """The rollup of every rolled day equals a recomputation from the postings and holds."""
    through = session.scalar(sa.select(RollupMark.rolled_through).where(RollupMark.name == MARK))
    if through is None:
        return
    stored_first = [
        session.scalar(sa.select(sa.func.min(MoneyDay.day))),
        session.scalar(sa.select(sa.func.min(HoldDay.day))),
    ]
    first = min(day for day in (*stored_first, _oldest_day(), through) if day is not None)
    while first <= through:
        last = min(first + dt.timedelta(days=CHUNK_DAYS - 1), through)
        money_rows, hold_rows = compute_days(first, last)
        stored_money, stored_holds = _stored(first, last)
        for key in sorted(set(money_rows) | set(stored_money), key=str):
            if money_rows.get(key, 0) != stored_money.get(key, 0):
                fund_id, scheme, day, book, kind = key
                report(
                    "8 reports' rollup",
                    f"fund {fund_id} on {day.isoformat()}: {book} by "
                    f"{kind} (scheme {scheme}) rolled up {stored_money.get(key, 0)}, "
                    f"the ledger says {money_rows.get(key, 0)}",
                )
        for key in sorted(set(hold_rows) | set(stored_holds), key=str):
            if hold_rows.get(key, (0, 0)) != stored_holds.get(key, (0, 0)):
                fund_id, scheme, day = key
                report(
                    "8 reports' rollup",
                    f"fund {fund_id} on {day.isoformat()}: holds "
                    f"(scheme {scheme}) rolled up {stored_holds.get(key, (0, 0))}, "
                    f"the holds say {hold_rows.get(key, (0, 0))}",
                )
        first = last + dt.timedelta(days=1)


def _stored(first: dt.date, last: dt.date) -> tuple[dict, dict]:
    in_days = (MoneyDay.day >= first, MoneyDay.day <= last)
    money_rows: dict[tuple, int] = {}
    for row in session.execute(
        sa.select(
            MoneyDay.fund_id,
            MoneyDay.scheme_id,
            MoneyDay.day,
            MoneyDay.book,
            MoneyDay.kind,
            sa.func.sum(MoneyDay.cents),
        )
        .where(*in_days)
        .group_by(MoneyDay.fund_id, MoneyDay.scheme_id, MoneyDay.day, MoneyDay.book, MoneyDay.kind)
    ):
        money_rows[tuple(row[:5])] = int(row[5])
    holds = session.execute(
        sa.select(
            HoldDay.fund_id,
            HoldDay.scheme_id,
            HoldDay.day,
            sa.func.sum(HoldDay.placed_cents),
            sa.func.sum(HoldDay.resolved_cents),
        )
        .where(HoldDay.day >= first, HoldDay.day <= last)
        .group_by(HoldDay.fund_id, HoldDay.scheme_id, HoldDay.day)
    )
    return money_rows, {tuple(row[:3]): (int(row[3]), int(row[4])) for row in holds}


def _first_day_to_roll() -> dt.date | None:
    through = session.scalar(sa.select(RollupMark.rolled_through).where(RollupMark.name == MARK))
    return _oldest_day() if through is None else through + dt.timedelta(days=1)


def _oldest_day() -> dt.date | None:
    """The Amsterdam day of the ledger's first transaction or hold."""
    oldest = [
        session.scalar(sa.select(sa.func.min(LedgerTransaction.created_at))),
        session.scalar(sa.select(sa.func.min(Hold.created_at))),
    ]
    moments = [moment for moment in oldest if moment is not None]
    return min(moments).astimezone(money.AMSTERDAM).date() if moments else None


def _locked_mark() -> RollupMark:
    """The mark row, locked for this transaction (made on the first run)."""
    query = sa.select(RollupMark).where(RollupMark.name == MARK).with_for_update()
    mark = session.scalar(query)
    if mark is None:
        session.add(RollupMark(name=MARK, rolled_through=None))
        session.flush()
        mark = session.scalar(query)
    return mark


def _fund_days(fund_id: int, start, end, edges) -> list[tuple]:
    """(day index, book, kind, scheme, cents) of one fund's books in [start, end): the rows
    money.py sums live (money._grouped), one per day."""
    return money._grouped(fund_id, start, end, edges)


def _hold_days(column, start, end, edges) -> list[tuple]:
    """(fund, scheme, day index, cents) of holds whose `column` moment lies in [start, end)."""
    from wallet.funds.models import Fund
    from wallet.grants.models import Grant
    from wallet.placements.models import Placement

    bucket = money._bucket(column, edges).label("bucket")
    when = (column >= start, column < end)
    on_grants = (
        sa.select(Grant.fund_id, Grant.scheme_id, bucket, sa.func.sum(Hold.amount_cents))
        .join(Grant, Grant.account_id == Hold.debit_account_id)
        .where(*when)
        .group_by(Grant.fund_id, Grant.scheme_id, bucket)
    )
    placed, retained = aliased(Placement), aliased(Placement)
    scheme = sa.func.coalesce(placed.scheme_id, retained.scheme_id)
    on_pots = (
        sa.select(Fund.id, scheme, bucket, sa.func.sum(Hold.amount_cents))
        .join(Fund, Fund.pot_account_id == Hold.debit_account_id)
        .outerjoin(placed, placed.hold_id == Hold.id)
        .outerjoin(retained, retained.retention_hold_id == Hold.id)
        .where(*when)
        .group_by(Fund.id, scheme, bucket)
    )
    return [*session.execute(on_grants).all(), *session.execute(on_pots).all()]


def _money_row(key: tuple, cents: int) -> dict:
    fund_id, scheme_id, day, book, kind = key
    return {
        "fund_id": fund_id,
        "scheme_id": scheme_id,
        "day": day,
        "book": book,
        "kind": kind,
        "cents": cents,
    }


def _hold_row(key: tuple, sums: tuple[int, int]) -> dict:
    fund_id, scheme_id, day = key
    return {
        "fund_id": fund_id,
        "scheme_id": scheme_id,
        "day": day,
        "placed_cents": sums[0],
        "resolved_cents": sums[1],
    }
