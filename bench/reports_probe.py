"""Probes for bench/reports.py: the report money functions timed directly, and the plans of
the slowest SQL statements behind a page or a function (EXPLAIN ANALYZE)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from contextlib import contextmanager

import sqlalchemy as sa

from wallet.core.db import session

TIMEOUT_SECONDS = 120  # a report function taking longer is stopped and reported as such


def money_calls(fund_id: int, first: dt.date, last: dt.date) -> list[tuple[str, Callable]]:
    """(name, call) of wallet.reports.money for the fund over [first, last]; [] without it."""
    try:
        from wallet.reports import money
    except ImportError:
        return []
    start, end = money.period_bounds(first, last)
    calls = [
        ("money.flows", lambda: money.flows(fund_id, start, end)),
        ("money.monthly_flows", lambda: money.monthly_flows(fund_id, start, end)),
        ("money.balances_at(end)", lambda: money.balances_at(fund_id, end)),
        ("money.balances_at(start)", lambda: money.balances_at(fund_id, start)),
        ("money.scheme_flows", lambda: money.scheme_flows(fund_id, start, end)),
        ("money.book_movements", lambda: money.book_movements(fund_id, start, end)),
        ("money.held_at(end)", lambda: money.held_at(fund_id, end)),
        ("money.pending_held", lambda: money.pending_held(fund_id)),
    ]
    return [(name, call) for name, call in calls if hasattr(money, name[6:].split("(")[0])]


def time_calls(app, calls: list[tuple[str, Callable]], repeat: int) -> dict[str, list[float]]:
    """Seconds of each call, `repeat` times, each in a fresh session (as a request has)."""
    timings: dict[str, list[float]] = {}
    with app.app_context():
        for name, call in calls:
            samples = []
            for _ in range(repeat):
                session.execute(sa.text(f"SET statement_timeout = '{TIMEOUT_SECONDS}s'"))
                start = time.perf_counter()
                try:
                    call()
                except sa.exc.OperationalError:  # the statement timeout: far too slow
                    print(f"  {name}: over {TIMEOUT_SECONDS} s, stopped", flush=True)
                    samples = []
                    break
                finally:
                    session.rollback()
                samples.append(time.perf_counter() - start)
                if samples[-1] > 10:  # once is enough to know it is far too slow
                    break
            session.execute(sa.text("SET statement_timeout = 0"))
            session.rollback()
            if not samples:
                continue
            timings[name] = samples
            ordered = sorted(samples)
            print(
                f"  {name}: median {1000 * ordered[len(ordered) // 2]:.0f} ms, "
                f"max {1000 * ordered[-1]:.0f} ms",
                flush=True,
            )
    return timings


@contextmanager
def recorded_statements(engine):
    """Collect (seconds, statement, parameters) of every statement run inside the block."""
    seen: list[tuple[float, str, object]] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    def after(conn, cursor, statement, parameters, context, executemany):
        began = conn.info["bench_started"].pop()
        seen.append((time.perf_counter() - began, statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
        sa.event.remove(engine, "after_cursor_execute", after)


def explain_slowest(app, run: Callable, top: int = 3, at_least_ms: float = 50) -> None:
    """Run `run()` once, then print EXPLAIN (ANALYZE, BUFFERS) of its slowest statements."""
    engine = app.extensions["db_engine"]
    with recorded_statements(engine) as seen:
        run()
    slow = sorted(seen, key=lambda row: row[0], reverse=True)[:top]
    for seconds, statement, parameters in slow:
        if seconds * 1000 < at_least_ms:
            continue
        print(f"\n--- {1000 * seconds:.0f} ms:\n{statement}\n-- parameters: {parameters}")
        with engine.connect() as conn:
            cursor = conn.connection.cursor()
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters or None)
            print("\n".join(row[0] for row in cursor.fetchall()), flush=True)
            conn.rollback()
