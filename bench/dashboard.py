"""Benchmark: the fund dashboard at national scale on PostgreSQL (goal: p95 under 300 ms).

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/leerwallet_bench \
        .venv/bin/python bench/dashboard.py [--workers 1000000] [--runs 20]

Grants come from the scheduled allocation (real ledger postings); applications, their holds,
claims, approvals, payout lines and flags are written with INSERT ... SELECT generate_series:
the dashboard only reads them, and building 500,000 through the services would take hours.
Then the dashboard's charts are computed and the page's part rendered `--runs` times.
"""

from __future__ import annotations

import argparse
import statistics
import time

import sqlalchemy as sa
from _common import bench_app, create_database_if_missing, timed
from allocate import make_workers

from wallet.core.db import session, unit_of_work

SQL = [
    # 2,000 accredited providers, one course and one run each.
    """INSERT INTO providers (name, kvk_number, status, stripe_payouts_enabled, created_at)
       SELECT 'Opleider ' || i, lpad(i::text, 8, '0'), 'accredited', false, now()
       FROM generate_series(1, 2000) AS i""",
    """INSERT INTO courses (provider_id, code, title_nl, description_nl, kind, sector, skills,
       occupations, hours, modality, language, municipality_code, price_cents, vat, published,
       created_at, updated_at)
       SELECT id, 'C' || id, 'Cursus ' || id, 'Leren', 'certificate', 'techniek', '[]', '[]', 40,
       'classroom', 'nl', 'enschede', 20000 + (id * 7919) % 80000, 'exempt', true, now(), now()
       FROM providers""",
    """INSERT INTO course_runs (course_id, code, starts_on, ends_on, seats, municipality_code)
       SELECT id, 'R1', date '2026-01-01', date '2026-02-01', 1000, 'enschede' FROM courses""",
    # 500,000 applications of the first workers, spread over the last twelve months.
    """INSERT INTO applications (reference, user_id, run_id, provider_id, status, price_cents,
       covered_cents, copay_cents, employer_cents, created_at, updated_at, respond_by)
       SELECT 'A' || g.id, g.user_id, r.id, c.provider_id,
       (ARRAY['submitted','confirmed','completed','invoiced','paid','cancelled'])[1 + g.id % 6],
       c.price_cents, least(c.price_cents, 10000), c.price_cents - least(c.price_cents, 10000),
       0, now() - ((g.id % 360) || ' days')::interval, now(), now()
       FROM grants g JOIN course_runs r ON r.id = 1 + g.id % 2000
       JOIN courses c ON c.id = r.course_id WHERE g.id <= :applications""",
    """INSERT INTO ledger_holds (debit_account_id, credit_account_id, amount_cents, status,
       created_at, resolved_at)
       SELECT g.account_id, g.account_id, a.covered_cents,
       CASE WHEN a.status IN ('paid', 'invoiced') THEN 'posted' ELSE 'pending' END,
       a.created_at, CASE WHEN a.status IN ('paid', 'invoiced') THEN a.created_at
       + interval '40 days' END
       FROM applications a JOIN grants g ON g.user_id = a.user_id""",
    """INSERT INTO application_parts (application_id, grant_id, hold_id, cents)
       SELECT a.id, g.id, h.id, a.covered_cents FROM applications a
       JOIN grants g ON g.user_id = a.user_id
       JOIN ledger_holds h ON h.debit_account_id = g.account_id""",
    # 200,000 claims: approved, in batches and paid, a few rejected.
    """INSERT INTO claims (reference, application_id, provider_id, fund_id, kind, status, version,
       invoice_number, invoice_date, amount_cents, vat_cents, description, invoice_file,
       approvals_needed, submitted_at, updated_at)
       SELECT 'D' || a.id, a.id, a.provider_id, 1, 'final',
       (ARRAY['approved','paid','paid','rejected','in_batch','clawed_back'])[1 + a.id % 6], 1,
       'F' || a.id, current_date, a.covered_cents, 0, 'x', 'x.pdf', 1,
       a.created_at + interval '30 days', now()
       FROM applications a WHERE a.id <= :claims""",
    """INSERT INTO claim_approvals (claim_id, version, approver_id, at)
       SELECT id, 1, 1, submitted_at + ((id % 20) || ' days')::interval FROM claims
       WHERE status <> 'rejected'""",
    """INSERT INTO payout_batches (reference, fund_id, method, status, claim_count, gross_cents,
       offset_cents, amount_cents, created_at) VALUES ('B1', 1, 'sepa', 'closed', 0, 0, 0, 0,
       now())""",
    """INSERT INTO payout_items (batch_id, provider_id, status, gross_cents, offset_cents,
       amount_cents, account_holder, transfer_state, paid_at)
       SELECT 1, id, 'paid', 0, 0, 0, name, 'none', now() FROM providers""",
    """INSERT INTO payout_lines (item_id, claim_id, end_to_end_id, claim_cents, offset_cents,
       amount_cents, released, paid_at, returned_after_clawback)
       SELECT i.id, c.id, 'E' || c.id, c.amount_cents, 0, c.amount_cents, false,
       c.submitted_at + interval '35 days', false
       FROM claims c JOIN payout_items i ON i.provider_id = c.provider_id
       WHERE c.status = 'paid'""",
    """INSERT INTO risk_flags (application_id, claim_id, code, severity, reason, created_at)
       SELECT a.id, NULL, 'price_near_cap', 'medium', 'x', a.created_at FROM applications a
       WHERE a.id % 25 = 0""",
    "ANALYZE",
]


def make_data(applications: int, claims: int) -> None:
    """The applications, holds, claims, payout lines and flags of the benchmark."""
    with unit_of_work() as db:
        for statement in SQL:
            db.execute(sa.text(statement), {"applications": applications, "claims": claims})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=1_000_000)
    parser.add_argument("--applications", type=int, default=500_000)
    parser.add_argument("--claims", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    create_database_if_missing()
    app = bench_app()
    results: dict[str, float] = {}
    with app.app_context():
        from flask import render_template

        from wallet.funds.services import create_fund, deposit
        from wallet.grants.allocation import allocate
        from wallet.reports.dashboard_page import dashboard_context, read_filter
        from wallet.schemes.services import SchemeTerms, activate_scheme, define_scheme

        make_workers(args.workers)
        fund = create_fund("Benchfonds")
        needed = args.workers * 100_00
        for chunk in range(0, needed, 10_000_000_00):
            deposit(fund.id, min(10_000_000_00, needed - chunk), reference=f"bench {chunk}")
        terms = SchemeTerms(name="Iedereen", allocation_mode="entitlement", amount_cents=100_00,
                            validity_months=24, rules={})  # fmt: skip
        scheme = activate_scheme(define_scheme(fund.id, terms).id)
        with timed("allocate", results):
            allocate(scheme.id)
        with timed("make_data", results):
            make_data(args.applications, args.claims)
        timings: dict[str, list[float]] = {}
        pages = []
        for _ in range(args.runs):
            with app.test_request_context("/"):
                start = time.perf_counter()
                html = render_template("reports/dashboard.html", **dashboard_context(fund.id, {}))
                pages.append(time.perf_counter() - start)
                assert "lw-chart" in html
            session.rollback()
        for _ in range(3):  # each figure on its own, for the note
            with app.test_request_context("/"):
                wanted, _form = read_filter(fund.id, {})
                for name, work in _figures(wanted):
                    start = time.perf_counter()
                    work()
                    timings.setdefault(name, []).append(time.perf_counter() - start)
    for name, seconds in timings.items():
        print(f"{name}: {1000 * min(seconds):.0f} ms")
    p95 = statistics.quantiles(pages, n=20)[-1] if len(pages) > 1 else pages[0]
    print(f"RESULT dashboard_p95_ms={1000 * p95:.0f} dashboard_p50_ms="
          f"{1000 * statistics.median(pages):.0f} grants={args.workers} "
          f"applications={args.applications} claims={args.claims}")  # fmt: skip


def _figures(wanted):
    from wallet.reports import dashboard as figures
    from wallet.reports.money_panels import monthly_money, scheme_chart

    return [
        ("money per month", lambda: monthly_money(wanted)),
        ("money per scheme", lambda: scheme_chart(wanted)),
        ("participants", lambda: figures.participants(wanted)),
        ("worker moves", lambda: figures.worker_moves(wanted)),
        ("placement moves", lambda: figures.placement_moves(wanted)),
        ("retention", lambda: figures.retention(wanted)),
        ("delays", lambda: figures.delays(wanted)),
        ("claim outcomes", lambda: figures.claim_outcomes(wanted)),
        ("flags", lambda: figures.flags(wanted)),
        ("concentration", lambda: figures.concentration(wanted)),
        ("price to cap", lambda: figures.price_to_cap(wanted)),
    ]


if __name__ == "__main__":
    main()
