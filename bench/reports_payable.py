"""A proposal measured: money._book_postings with the payable share as EXISTS.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/reports_bench \
        .venv/bin/python bench/reports_payable.py [--compare]

money._book_postings (balances_at, book_movements) counts a payable posting for a fund when
`book <> 'payable' OR transaction_id IN (<every transaction of the fund>)`. PostgreSQL cannot
turn an OR with IN (subquery) into a semi-join: at national scale the subquery's ~900,000 ids
do not fit work_mem, so it is not hashed and each posting scans the list (one balances_at ran
over 6.5 minutes). Here the payable book is a second query whose postings are kept when
another posting of their transaction is on one of the fund's accounts (EXISTS, one probe of
ix_ledger_postings_transaction_id_account_id each). --compare proves both give the same rows
for every fund (opening, closing, movements of a year); then the period export of a year is
timed with it. Nothing in wallet/ is changed: the function is replaced in this process only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time

import sqlalchemy as sa
from _common import create_database_if_missing  # noqa: F401 - puts the repository on sys.path
from sqlalchemy.orm import aliased

from wallet import create_app
from wallet.core.db import session
from wallet.ledger.models import AccountKind, LedgerAccount, LedgerTransaction, Posting
from wallet.reports import money

original = money._book_postings


def book_postings(fund_id, start, end):
    """What money._book_postings returns, the payable share found by EXISTS."""
    from wallet.grants.models import Grant

    reversed_tx = aliased(LedgerTransaction)
    kind = sa.func.coalesce(reversed_tx.kind, LedgerTransaction.kind).label("kind")
    own = money._own_accounts(fund_id).subquery()
    grants = sa.select(Grant.account_id.label("account"), sa.literal("grants").label("book")).where(
        Grant.fund_id == fund_id
    )
    books = sa.union_all(sa.select(own.c.account, own.c.book), grants).subquery()

    def moved(select):
        return (
            select.join(LedgerTransaction, LedgerTransaction.id == Posting.transaction_id)
            .outerjoin(reversed_tx, reversed_tx.id == LedgerTransaction.reverses_id)
            .where(*money._between(start, end))
        )

    on_books = moved(
        sa.select(books.c.book, kind, sa.func.sum(Posting.amount_cents))
        .select_from(Posting)
        .join(books, books.c.account == Posting.account_id)
    ).group_by(books.c.book, kind)
    other = aliased(Posting)
    own2 = money._own_accounts(fund_id).subquery()
    fund_grant = aliased(Grant)
    shares = (
        sa.select(sa.literal(1))
        .select_from(other)
        .outerjoin(fund_grant, fund_grant.account_id == other.account_id)
        .where(
            other.transaction_id == Posting.transaction_id,
            sa.or_(fund_grant.fund_id == fund_id, other.account_id.in_(sa.select(own2.c.account))),
        )
        .exists()
    )
    on_payable = (
        moved(
            sa.select(sa.literal("payable"), kind, sa.func.sum(Posting.amount_cents))
            .select_from(Posting)
            .join(
                LedgerAccount,
                sa.and_(
                    LedgerAccount.id == Posting.account_id,
                    LedgerAccount.kind == AccountKind.PAYABLE,
                ),
            )
        )
        .where(shares)
        .group_by(kind)
    )
    rows = session.execute(on_books).all() + session.execute(on_payable).all()
    return [(book, k, int(c)) for book, k, c in rows]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--compare", action="store_true")
    args = parser.parse_args()
    app = create_app({"ENVIRONMENT": "testing", "DATABASE_URL": os.environ["DATABASE_URL"]})
    with app.app_context():
        start, end = money.period_bounds(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
        funds = session.scalars(sa.text("SELECT id FROM funds ORDER BY id")).all()
        if args.compare:
            for fund in funds:
                same = [
                    sorted(original(fund, a, b)) == sorted(book_postings(fund, a, b))
                    for a, b in ((None, start), (None, end), (start, end))
                ]
                print(f"fund {fund}: opening, closing, movements the same: {same}", flush=True)
            session.rollback()
    money._book_postings = book_postings
    runner = app.test_cli_runner()
    with tempfile.TemporaryDirectory() as out:
        began = time.perf_counter()
        result = runner.invoke(
            args=[
                "reports",
                "period",
                "--fund",
                str(funds[0]),
                "--from",
                "2025-01-01",
                "--to",
                "2025-12-31",
                "--out",
                out,
            ]
        )
        seconds = time.perf_counter() - began
        files = len(os.listdir(out))
    print(
        f"RESULT period_export_seconds_exists={seconds:.2f} exit={result.exit_code} files={files}"
    )


if __name__ == "__main__":
    main()
