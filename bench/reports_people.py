"""Benchmark: the reports' people figures (dashboard, period report, public page) timed one by
one on the data set bench/reports.py built (run that first; this script never builds).

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/reports_bench \
        .venv/bin/python bench/reports_people.py [--repeat 5] [--only WORDS]
        [--explain NAME] [--save results.txt]

Each figure is called `--repeat` times in a fresh transaction: median and max per figure.
`--save FILE` writes every figure's result (repr) so that two runs, before and after a
change, can be compared with diff: a faster query must give the same answer.
`--explain NAME` prints EXPLAIN ANALYZE of the slowest statements of one figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time
from functools import partial

import sqlalchemy as sa
from _common import create_database_if_missing  # noqa: F401 - puts the project on sys.path
from reports_data import ADMIN_EMAIL
from reports_probe import explain_slowest

from wallet import create_app
from wallet.core.db import session
from wallet.reports import dashboard, period, public
from wallet.reports.money import period_bounds
from wallet.reports.periods import Period


def _first_fund() -> tuple[int, int]:
    """The bench administrator's fund and its first scheme."""
    fund_id = session.scalar(
        sa.text("SELECT fund_id FROM users WHERE email = :e"), {"e": ADMIN_EMAIL}
    )
    scheme = session.scalar(
        sa.text("SELECT min(id) FROM schemes WHERE fund_id = :f"), {"f": fund_id}
    )
    return fund_id, scheme


def figures(fund_id: int, scheme_id: int) -> list[tuple[str, object]]:
    """(name, call) of every people figure, for the filters the dashboard's pages use."""
    today = dt.datetime.now(dt.UTC).date()
    first, last = dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31)
    twente = tuple(sorted(code for code, m in _municipalities().items() if m.region == "Twente"))
    filters = {
        "year": dashboard.Filter(fund_id, first, last),
        "year+scheme": dashboard.Filter(fund_id, first, last, scheme_id),
        "year+region": dashboard.Filter(fund_id, first, last, None, twente),
        "default": dashboard.Filter(fund_id, today - dt.timedelta(days=364), today),
    }
    names = (
        "participants",
        "worker_moves",
        "placement_moves",
        "retention",
        "delays",
        "claim_outcomes",
        "flags",
        "concentration",
        "price_to_cap",
    )
    calls = [
        (f"dashboard.{name} [{label}]", partial(getattr(dashboard, name), wanted))
        for label, wanted in filters.items()
        for name in names
    ]
    calls += [  # as the dashboard asks them: one after the other in one transaction
        (f"dashboard.participants+worker_moves [{label}]", partial(_both, wanted))
        for label, wanted in filters.items()
    ]
    year = Period(first, last)
    start, end = period_bounds(first, last)

    def people(scheme=None):
        enrolled = period._enrolled(fund_id, start, end, scheme).subquery()
        placed = period._placed(fund_id, year, scheme).subquery()
        return period._people(enrolled, placed)

    def placed(scheme=None):
        return period._placed(fund_id, year, scheme).subquery()

    calls += [
        ("period._people [year]", people),
        ("period._people [year+scheme]", lambda: people(scheme_id)),
        ("period._placement_counts [year]", lambda: period._placement_counts(placed())),
        ("period._placement_moves [year]", lambda: period._placement_moves(placed())),
        (
            "period._worker_moves [year]",
            lambda: period._worker_moves(period._enrolled(fund_id, start, end, None).subquery()),
        ),
        ("public._persons", public._persons),
        ("public._received", public._received),
    ]
    return calls


def _both(wanted):
    return dashboard.people(wanted)


def _municipalities():
    from wallet.reference import municipalities

    return municipalities()


def _canonical(result):
    """A dict's items in order: two runs differ only where the figures do."""
    return sorted(result.items(), key=repr) if isinstance(result, dict) else result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", metavar="WORDS", help="comma-separated parts of names")
    parser.add_argument("--explain", metavar="NAME", help="EXPLAIN ANALYZE one figure")
    parser.add_argument("--save", metavar="FILE", help="write each figure's result")
    args = parser.parse_args()
    app = create_app({"ENVIRONMENT": "testing", "DATABASE_URL": os.environ["DATABASE_URL"]})
    with app.test_request_context():
        calls = figures(*_first_fund())
        if args.explain:
            explain_slowest(app, dict(calls)[args.explain])
            return
        words = args.only.split(",") if args.only else [""]
        saved = []
        for name, call in calls:
            if not any(word in name for word in words):
                continue
            samples = []
            for _ in range(args.repeat):
                began = time.perf_counter()
                result = call()
                samples.append(1000 * (time.perf_counter() - began))
                session.rollback()
            samples.sort()
            print(
                f"{name:45} median {samples[len(samples) // 2]:7.0f} ms  max {samples[-1]:7.0f} ms",
                flush=True,
            )
            saved.append(f"{name}: {_canonical(result)!r}")
        if args.save:
            with open(args.save, "w") as out:
                out.write("\n".join(saved) + "\n")


if __name__ == "__main__":
    main()
