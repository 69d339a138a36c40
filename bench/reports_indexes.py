"""Before and after migration 0021_report_indexes: the queries each index serves, timed.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/reports_bench \
        .venv/bin/python bench/reports_indexes.py [--runs 3] [--phase before|after|both]

Runs on the data set bench/reports.py built (it is not emptied). Each query is run `runs`
times under EXPLAIN ANALYZE and its fastest execution time kept (the machine is shared, the
fastest run is the least disturbed). `both` measures, upgrades to 0021, measures again and
prints one line per query; `before` first downgrades to the revision below 0021.
"""

from __future__ import annotations

import argparse
import os
import re

import sqlalchemy as sa
from _common import create_database_if_missing  # noqa: F401 - puts the repository on sys.path

from wallet import create_app
from wallet.core.db import session

# (name, the index that serves it, SQL); :fund and :pot are the first fund and its pot, the
# others the codes of its accounts.
QUERIES = [
    (
        "fund figures: expired back to the pot",
        "postings (transaction_id, account_id)",
        "SELECT sum(p.amount_cents) FROM ledger_postings p JOIN ledger_transactions t "
        "ON t.id = p.transaction_id WHERE p.account_id = :pot AND t.kind = 'grant_expiry'",
    ),
    (
        "fund figures: deposited",
        "postings (transaction_id, account_id)",
        "SELECT sum(p.amount_cents) FROM ledger_postings p JOIN ledger_transactions t "
        "ON t.id = p.transaction_id WHERE p.account_id = :pot AND t.kind = 'deposit'",
    ),
    (
        "fund figures: spent from grants",
        "(none helps: 400,000 grant accounts)",
        "SELECT sum(p.amount_cents) FROM ledger_postings p JOIN ledger_transactions t "
        "ON t.id = p.transaction_id WHERE t.kind = 'hold_post' AND p.account_id IN "
        "(SELECT account_id FROM grants WHERE fund_id = :fund)",
    ),
    (
        "fund figures: on grants",
        "(none helps: 400,000 grant accounts)",
        "SELECT sum(posted_cents), sum(held_cents) FROM ledger_accounts WHERE id IN "
        "(SELECT account_id FROM grants WHERE fund_id = :fund)",
    ),
    (
        "money: the fund's own accounts",
        "ledger_accounts (kind)",
        "SELECT id FROM ledger_accounts WHERE code IN (:transit, :paid_out) "
        "OR (kind = 'receivable' AND code LIKE :receivable)",
    ),
    (
        "money: payable share, as EXISTS",
        "postings (transaction_id, account_id)",
        "SELECT sum(p.amount_cents) FROM ledger_postings p JOIN ledger_accounts a "
        "ON a.id = p.account_id AND a.kind = 'payable' WHERE EXISTS (SELECT 1 FROM "
        "ledger_postings q JOIN grants g ON g.account_id = q.account_id AND g.fund_id = :fund "
        "WHERE q.transaction_id = p.transaction_id)",
    ),
    (
        "ledger explorer: newest 50 of the pot",
        "(none needed)",
        "SELECT t.id, t.created_at, t.kind, p.amount_cents FROM ledger_postings p "
        "JOIN ledger_transactions t ON t.id = p.transaction_id WHERE p.account_id = :pot "
        "ORDER BY p.transaction_id DESC LIMIT 50",
    ),
    (
        "claims to review: count",
        "(claims (fund_id, status) was not used)",
        "SELECT count(*) FROM claims c JOIN applications a ON a.id = c.application_id "
        "JOIN course_runs r ON r.id = a.run_id WHERE c.fund_id = :fund "
        "AND c.status IN ('submitted', 'approved_once')",
    ),
]
BELOW = "0020_password_resets"  # the revision below 0021


def measure(runs: int, values: dict) -> dict[str, float]:
    """The fastest execution time (ms) of each query over `runs` EXPLAIN ANALYZE runs."""
    times = {}
    for name, _index, sql in QUERIES:
        best = None
        for _ in range(runs):
            plan = session.execute(sa.text("EXPLAIN (ANALYZE, FORMAT TEXT) " + sql), values)
            text = "\n".join(row[0] for row in plan)
            ms = float(re.search(r"Execution Time: ([\d.]+) ms", text).group(1))
            best = ms if best is None else min(best, ms)
        session.rollback()
        times[name] = best
        print(f"  {name}: {best:.1f} ms", flush=True)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--phase", choices=["before", "after", "both"], default="both")
    args = parser.parse_args()
    from alembic import command

    from wallet.core.migrate import alembic_config

    app = create_app({"ENVIRONMENT": "testing", "DATABASE_URL": os.environ["DATABASE_URL"]})
    with app.app_context():
        fund, pot = session.execute(
            sa.text("SELECT id, pot_account_id FROM funds ORDER BY id LIMIT 1")
        ).one()
        session.rollback()
        values = {
            "fund": fund,
            "pot": pot,
            "transit": f"fund:{fund}:in_transit",
            "paid_out": f"fund:{fund}:paid_out",
            "receivable": f"provider:%:fund:{fund}:receivable",
        }
        results = {}
        if args.phase in ("before", "both"):
            command.downgrade(alembic_config(), BELOW)
            session.execute(sa.text("ANALYZE ledger_postings, ledger_accounts, claims"))
            session.commit()
            print(f"before (at {BELOW}):", flush=True)
            results["before"] = measure(args.runs, values)
        if args.phase in ("after", "both"):
            command.upgrade(alembic_config(), "head")
            session.execute(sa.text("ANALYZE ledger_postings, ledger_accounts, claims"))
            session.commit()
            print("after (at 0021):", flush=True)
            results["after"] = measure(args.runs, values)
    if len(results) == 2:
        for name, index, _sql in QUERIES:
            print(
                f"INDEX {index}: {name}: {results['before'][name]:.1f} ms -> "
                f"{results['after'][name]:.1f} ms"
            )


if __name__ == "__main__":
    main()
