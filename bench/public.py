"""Benchmark: the public figures (/openbaar, /open-data) at national scale on PostgreSQL.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/leerwallet_bench \
        .venv/bin/python bench/public.py [--applications 500000] [--workers 400000]

Makes its own data set-based (a fund and scheme, 2,000 providers with 10 courses each,
workers with profiles in 76 municipalities, one grant each, applications with their parts
and holds, approved claims with theirs), then times computing every fund's figures with
their suppression, and the page and a CSV over HTTP (figures computed on every request).
"""

from __future__ import annotations

import argparse
import time

import sqlalchemy as sa
from _common import bench_app, create_database_if_missing, timed

from wallet.core.db import session, unit_of_work
from wallet.funds.services import create_fund, deposit
from wallet.reference import municipalities
from wallet.reports.public import public_figures
from wallet.schemes import services as schemes

PROVIDERS, COURSES_EACH = 2_000, 10
STATUSES = ("confirmed", "in_progress", "completed", "invoiced", "paid", "submitted",
            "cancelled", "invoiced", "paid", "confirmed")  # fmt: skip


def _next_id(db, table: str) -> int:
    query = f"SELECT coalesce(max(id), 0) + 1 FROM {table}"  # noqa: S608 - our own table names
    return int(db.scalar(sa.text(query)))


def make_data(applications: int, workers: int) -> None:
    """Everything in the database, as the services would have left the tables."""
    fund = create_fund("Benchfonds")
    deposit(fund.id, 990_000_000, reference="bench")
    scheme = schemes.define_scheme(fund.id, schemes.SchemeTerms(
        name="Bench", allocation_mode="manual", amount_cents=300_000, validity_months=24,
        rules={}))  # fmt: skip
    schemes.activate_scheme(scheme.id)
    places = list(municipalities())
    with unit_of_work() as db:
        x = lambda sql, **params: db.execute(sa.text(sql), params)  # noqa: E731
        x(
            "INSERT INTO providers (name, kvk_number, status, created_at, accredited_at, "
            "stripe_payouts_enabled) SELECT 'Opleider ' || i, lpad(i::text, 8, '0'), "
            "'accredited', now(), now(), false FROM generate_series(1, :n) AS i",
            n=PROVIDERS,
        )
        x(
            "INSERT INTO courses (provider_id, code, title_nl, description_nl, kind, sector, "
            "skills, occupations, hours, modality, language, municipality_code, price_cents, vat, "
            "published, created_at, updated_at) SELECT p.id, 'C-' || k, 'Cursus ' || p.id || '-' "
            "|| k, 'Bench', 'certificate', 'techniek', '[]', '[]', 40, 'classroom', 'nl', "
            "'enschede', 200000, 'exempt', true, now(), now() FROM providers p, "
            "generate_series(1, :k) AS k",
            k=COURSES_EACH,
        )
        x(
            "INSERT INTO course_runs (course_id, code, starts_on, ends_on, seats, "
            "municipality_code) SELECT id, 'R1', current_date - 60, current_date - 5, 500, "
            "'enschede' FROM courses"
        )
        first_user = _next_id(db, "users")
        x(
            "INSERT INTO users (email, password_hash, name, role, preferred_language, active, "
            "created_at) SELECT 'bench' || i || '@bench.example', 'not-a-hash', 'Werkende ' || i, "
            "'worker', 'nl', true, now() FROM generate_series(1, :n) AS i",
            n=workers,
        )
        x(
            "INSERT INTO worker_profiles (user_id, date_of_birth, municipality_code, "
            "employment_status, sector, occupation, education_level, target_occupation) "
            "SELECT id, date '1980-01-01', "
            "(CAST(:places AS text[]))[1 + (id::bigint * 7919) % :count], 'employed', "
            "'techniek', 'Operator', 3, 'Monteur' FROM users WHERE role = 'worker'",
            places=places,
            count=len(places),
        )
        first_account = _next_id(db, "ledger_accounts")
        x(
            "INSERT INTO ledger_accounts (code, kind, currency, allow_negative, posted_cents, "
            "held_cents, created_at) SELECT 'grant:bench:' || i, 'grant', 'EUR', false, 300000, 0, "
            "now() FROM generate_series(1, :n) AS i",
            n=workers,
        )
        first_grant = _next_id(db, "grants")
        x(
            "INSERT INTO grants (scheme_id, fund_id, user_id, account_id, period, source, status, "
            "amount_cents, granted_at, expires_at) SELECT :scheme, :fund, :user + i - 1, "
            ":account + i - 1, '2026', 'manual', 'active', 300000, now(), now() + interval '2 "
            "years' FROM generate_series(1, :n) AS i",
            scheme=scheme.id,
            fund=fund.id,
            user=first_user,
            account=first_account,
            n=workers,
        )
        runs = PROVIDERS * COURSES_EACH
        x(
            "INSERT INTO applications (reference, user_id, run_id, provider_id, status, "
            "price_cents, covered_cents, copay_cents, created_at, updated_at, respond_by) "
            "SELECT 'LW-B-' || i, :user + (i % :w), r.id, c.provider_id, "
            "(CAST(:statuses AS text[]))[1 + i % 10], "
            "200000, 200000, 0, now(), now(), now() FROM generate_series(0, :n - 1) AS i "
            "JOIN course_runs r ON r.id = 1 + ((i * 37 + i / :w) % :runs) "
            "JOIN courses c ON c.id = r.course_id",
            user=first_user,
            w=workers,
            statuses=list(STATUSES),
            n=applications,
            runs=runs,
        )
        first_hold = _next_id(db, "ledger_holds")
        x(
            "INSERT INTO ledger_holds (debit_account_id, credit_account_id, amount_cents, status, "
            "created_at) SELECT g.account_id, g.account_id, 200000, 'pending', now() "
            "FROM applications a JOIN grants g ON g.user_id = a.user_id ORDER BY a.id"
        )
        x(
            "INSERT INTO application_parts (application_id, grant_id, hold_id, cents) "
            "SELECT a.id, g.id, :hold + row_number() OVER (ORDER BY a.id) - 1, 200000 "
            "FROM applications a JOIN grants g ON g.user_id = a.user_id",
            hold=first_hold,
        )
        transaction = db.scalar(sa.text(
            "INSERT INTO ledger_transactions (kind, description, created_at) "
            "VALUES ('hold_post', 'bench approvals', now()) RETURNING id"))  # fmt: skip
        x(
            "INSERT INTO claims (reference, application_id, provider_id, fund_id, kind, status, "
            "version, invoice_number, invoice_date, amount_cents, vat_cents, description, "
            "attendance_pct, invoice_file, approvals_needed, submitted_at, updated_at) "
            "SELECT 'DC-B-' || a.id, a.id, a.provider_id, :fund, 'final', "
            "CASE a.status WHEN 'paid' THEN 'paid' ELSE 'approved' END, 1, 'F-' || a.id, "
            "current_date, 200000, 0, 'Bench', 90, repeat('0', 64) || '.pdf', 1, now(), now() "
            "FROM applications a WHERE a.status IN ('invoiced', 'paid')",
            fund=fund.id,
        )
        first_hold = _next_id(db, "ledger_holds")
        x(
            "INSERT INTO ledger_holds (debit_account_id, credit_account_id, amount_cents, status, "
            "created_at, resolved_at, posted_cents) SELECT g.account_id, g.account_id, 200000, "
            "'posted', now(), now(), 200000 FROM claims c JOIN applications a ON a.id = "
            "c.application_id JOIN grants g ON g.user_id = a.user_id ORDER BY c.id"
        )
        x(
            "INSERT INTO claim_parts (claim_id, grant_id, hold_id, cents, transaction_id) "
            "SELECT c.id, g.id, :hold + row_number() OVER (ORDER BY c.id) - 1, 200000, :t "
            "FROM claims c JOIN applications a ON a.id = c.application_id "
            "JOIN grants g ON g.user_id = a.user_id",
            hold=first_hold,
            t=transaction,
        )
    db.execute(sa.text("ANALYZE"))
    del first_grant


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--applications", type=int, default=500_000)
    parser.add_argument("--workers", type=int, default=400_000)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    create_database_if_missing()
    app = bench_app()
    results: dict[str, float] = {}
    with app.app_context():
        with timed("data", results):
            make_data(args.applications, args.workers)
        session.commit()
        with timed("figures", results):
            figures = public_figures()
        fund = figures.funds[0]
        print(f"{len(fund.courses)} courses ({sum(r.hidden for r in fund.courses)} hidden), "
              f"{len(fund.providers)} providers, {len(fund.municipalities)} municipalities, "
              f"{fund.total.persons} participants")  # fmt: skip
    client = app.test_client()
    app.config["REPORT_SNAPSHOT_MAX_AGE"] = 0  # every request computes the figures
    cold = [_get(client, "/openbaar") for _ in range(2)]
    app.config["REPORT_SNAPSHOT_MAX_AGE"] = None  # as in production: the stored snapshot
    _get(client, "/openbaar")
    page = sorted(_get(client, "/openbaar") for _ in range(args.requests))
    csv = sorted(_get(client, "/open-data/courses.csv") for _ in range(args.requests))
    p95 = lambda times: times[max(0, round(0.95 * len(times)) - 1)] * 1000  # noqa: E731
    print(f"RESULT public_figures_seconds={results['figures']:.2f} "
          f"page_computing_ms={min(cold) * 1000:.0f} page_p95_ms={p95(page):.0f} "
          f"courses_csv_p95_ms={p95(csv):.0f} applications={args.applications} "
          f"workers={args.workers}")  # fmt: skip


def _get(client, path: str) -> float:
    start = time.perf_counter()
    assert client.get(path).status_code == 200
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
