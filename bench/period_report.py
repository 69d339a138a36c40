"""Benchmark: the period report of a fund at national scale on PostgreSQL (goal: the whole
export, page tables, CSV files and workbook, in under 10 s).

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/leerwallet_bench \
        .venv/bin/python bench/period_report.py [--workers 500000] [--placements 50000]

Makes its data set-based in SQL: a fund with a worker scheme and an employer scheme, two
budgets per worker (1,000,000 grants for 500,000 workers) on their ledger accounts with the
allocation posted, one application per worker with its hold and its audit trail (submitted,
confirmed across the year), approved claims posted for two in five of them, employers and
placements started across the year. Then times the year's report and its files.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

import sqlalchemy as sa
from _common import bench_app, create_database_if_missing, timed

from wallet.core.db import session, unit_of_work
from wallet.funds.services import create_fund
from wallet.reports import exports
from wallet.reports.period import period_report
from wallet.reports.periods import year
from wallet.schemes import services as schemes

YEAR = 2026
RULES = {
    "share_bps": 5_000, "cap_per_person_cents": 500_000,
    "cap_per_employer_year_cents": 2_000_000, "total_budget_cents": 100_000_000,
    "starting_situations": ["other_sector", "benefit"], "target_occupations": ["Procesoperator"],
    "training_kinds": ["bespoke"], "retention_months": 6, "retention_share_bps": 2_500,
    "window_opens_on": "2026-01-01", "window_closes_on": "2027-12-31",
}  # fmt: skip


def _sql(db, text: str, **params) -> None:
    db.execute(sa.text(text), params)


def make_data(workers: int, placements: int) -> int:
    """The fund id; everything else is in the database."""
    fund = create_fund("Benchfonds")
    budgets = schemes.define_scheme(fund.id, schemes.SchemeTerms(
        name="Scholingsbudget", allocation_mode="manual", amount_cents=100_000,
        validity_months=24, rules={}))  # fmt: skip
    extra = schemes.define_scheme(fund.id, schemes.SchemeTerms(
        name="Omscholing", allocation_mode="manual", amount_cents=100_000,
        validity_months=24, rules={}))  # fmt: skip
    sector = schemes.define_scheme(fund.id, schemes.SchemeTerms(
        name="Sectorplan", allocation_mode=None, amount_cents=None, validity_months=None,
        rules=RULES, kind="employer"))  # fmt: skip
    ids = {"f": fund.id, "a": budgets.id, "b": extra.id, "s": sector.id, "n": workers,
           "p": placements, "y0": dt.datetime(YEAR, 1, 1, tzinfo=dt.UTC)}  # fmt: skip
    with unit_of_work() as db:
        _sql(db, "INSERT INTO providers (name, kvk_number, status, created_at, "
                 "stripe_payouts_enabled) VALUES ('Opleider', '00000001', 'accredited', now(), "
                 "false)")  # fmt: skip
        _sql(db, "INSERT INTO courses (provider_id, code, title_nl, description_nl, kind, sector, "
                 "skills, occupations, hours, modality, language, municipality_code, price_cents, "
                 "vat, published, created_at, updated_at) SELECT id, 'C-1', 'Cursus', 'Bench', "
                 "'certificate', 'techniek', '[]', '[]', 40, 'classroom', 'nl', 'enschede', "
                 "100000, 'exempt', true, now(), now() FROM providers")  # fmt: skip
        _sql(db, "INSERT INTO course_runs (course_id, code, starts_on, ends_on, seats, "
                 "municipality_code) SELECT id, 'R1', '2026-01-01', '2026-12-31', 500, "
                 "'enschede' FROM courses")  # fmt: skip
        _sql(
            db,
            "INSERT INTO users (email, password_hash, name, role, preferred_language, "
            "active, created_at) SELECT 'w' || i || '@bench.example', 'x', 'W ' || i, "
            "'worker', 'nl', true, now() FROM generate_series(1, :n) AS i",
            **ids,
        )
        _sql(db, "INSERT INTO worker_profiles (user_id, date_of_birth, municipality_code, "
                 "employment_status, sector, occupation, education_level, target_occupation) "
                 "SELECT id, '1980-01-01', 'enschede', 'employed', "
                 "(ARRAY['zorg','handel','techniek','ict'])[1 + id % 4], 'Medewerker', 3, "
                 "(ARRAY['Elektromonteur','Verpleegkundige','Dirigent'])[1 + id % 3] "
                 "FROM users WHERE role = 'worker'")  # fmt: skip
        for scheme in ("a", "b"):
            _sql(db, "INSERT INTO ledger_accounts (code, kind, currency, allow_negative, "
                     "posted_cents, held_cents, created_at) SELECT 'grant:' || :s || ':' || id, "
                     "'grant', 'EUR', false, 100000, 0, :y0 FROM users WHERE role = 'worker'",
                 s=ids[scheme], y0=ids["y0"])  # fmt: skip
            _sql(db, "INSERT INTO grants (scheme_id, fund_id, user_id, account_id, period, "
                     "source, status, amount_cents, granted_at, expires_at) SELECT :s, :f, "
                     "split_part(a.code, ':', 3)::int, a.id, '2026', 'manual', 'active', 100000, "
                     ":y0, :y0 + interval '2 years' FROM ledger_accounts a "
                     "WHERE a.code LIKE 'grant:' || :s || ':%'", s=ids[scheme], f=fund.id,
                 y0=ids["y0"])  # fmt: skip
        # The allocation: one transaction, the pot down by every grant.
        _sql(
            db,
            "INSERT INTO ledger_transactions (kind, description, created_at) "
            "VALUES ('allocation', 'bench', :y0)",
            **ids,
        )
        _sql(db, "INSERT INTO ledger_postings (transaction_id, account_id, amount_cents) "
                 "SELECT (SELECT max(id) FROM ledger_transactions), account_id, amount_cents "
                 "FROM grants")  # fmt: skip
        _sql(
            db,
            "INSERT INTO ledger_postings (transaction_id, account_id, amount_cents) "
            "SELECT (SELECT max(id) FROM ledger_transactions), pot_account_id, "
            "-(SELECT sum(amount_cents) FROM grants) FROM funds WHERE id = :f",
            **ids,
        )
        # One application per worker on its first budget, confirmed some day of the year.
        _sql(db, "INSERT INTO applications (reference, user_id, run_id, provider_id, status, "
                 "price_cents, covered_cents, copay_cents, created_at, updated_at, respond_by) "
                 "SELECT 'LW-' || g.user_id, g.user_id, 1, 1, 'confirmed', 100000, 100000, 0, "
                 ":y0 + (g.user_id % 360) * interval '1 day', now(), now() FROM grants g "
                 "WHERE g.scheme_id = :a", **ids)  # fmt: skip
        _sql(db, "INSERT INTO ledger_holds (debit_account_id, credit_account_id, amount_cents, "
                 "status, reference, created_at) SELECT g.account_id, f.pot_account_id, 100000, "
                 "'pending', 'app:' || a.id, a.created_at FROM applications a "
                 "JOIN grants g ON g.user_id = a.user_id AND g.scheme_id = :a "
                 "JOIN funds f ON f.id = g.fund_id", **ids)  # fmt: skip
        _sql(db, "INSERT INTO application_parts (application_id, grant_id, hold_id, cents) "
                 "SELECT a.id, g.id, h.id, 100000 FROM applications a JOIN grants g ON "
                 "g.user_id = a.user_id AND g.scheme_id = :a JOIN ledger_holds h ON "
                 "h.reference = 'app:' || a.id", **ids)  # fmt: skip
        for action, days in (("submit", 0), ("confirm", 3)):
            _sql(db, "INSERT INTO audit_events (at, subject_type, subject_id, action) SELECT "
                     "created_at + :d * interval '1 day', 'application', id, :act "
                     "FROM applications", d=days, act=action)  # fmt: skip
        _sql(db, "INSERT INTO employers (name, kvk_number, sbi_code, street, postcode, city, "
                 "municipality_code, iban, contact_email, status, created_at) SELECT 'E ' || i, "
                 "lpad((50000000 + i)::text, 8, '0'), (ARRAY['17','47','86','62'])[1 + i % 4], "
                 "'Straat 1', '7511AB', 'Enschede', 'enschede', 'NL91ABNA0417164300', "
                 "'e' || i || '@bench.example', 'verified', now() "
                 "FROM generate_series(1, 500) AS i")  # fmt: skip
        _sql(db, "INSERT INTO employer_applications (reference, employer_id, scheme_id, fund_id, "
                 "status, created_at, updated_at) SELECT 'WA-' || id, id, :s, :f, 'decided', "
                 "now(), now() FROM employers", **ids)  # fmt: skip
        _sql(db, "INSERT INTO placements (application_id, employer_id, scheme_id, status, "
                 "full_name, date_of_birth, person_key, starting_situation, from_sbi_code, "
                 "occupation, contract_type, hours_per_week, start_date, training_kind, "
                 "quote_cents, requested_cents, committed_cents, created_at, updated_at) "
                 "SELECT 1 + i % 500, 1 + i % 500, :s, "
                 "(ARRAY['approved','retained','ended_early','rejected'])[1 + i % 4], "
                 "'P ' || i, '1985-05-05', 'p ' || i || '|1985-05-05', 'other_sector', "
                 "(ARRAY['47','56',NULL])[1 + i % 3], 'Procesoperator', 'permanent', 36, "
                 "date '2026-01-01' + (i % 360), 'bespoke', 800000, 400000, 400000, now(), now() "
                 "FROM generate_series(1, :p) AS i", **ids)  # fmt: skip
        # Approved claims: two in five applications' holds posted, one transaction each.
        _sql(db, "INSERT INTO ledger_transactions (kind, description, reference, created_at) "
                 "SELECT 'hold_post', 'bench claim', 'claim:' || h.id, h.created_at + interval "
                 "'40 days' FROM ledger_holds h WHERE h.id % 5 < 2", **ids)  # fmt: skip
        _sql(db, "INSERT INTO ledger_postings (transaction_id, account_id, amount_cents) "
                 "SELECT t.id, h.debit_account_id, -h.amount_cents FROM ledger_transactions t "
                 "JOIN ledger_holds h ON t.reference = 'claim:' || h.id")  # fmt: skip
        _sql(db, "INSERT INTO ledger_postings (transaction_id, account_id, amount_cents) "
                 "SELECT t.id, f.pot_account_id, h.amount_cents FROM ledger_transactions t "
                 "JOIN ledger_holds h ON t.reference = 'claim:' || h.id "
                 "JOIN funds f ON f.id = :f", **ids)  # fmt: skip
    session.execute(sa.text("ANALYZE"))
    session.commit()
    return fund.id


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=500_000)
    parser.add_argument("--placements", type=int, default=50_000)
    args = parser.parse_args()
    create_database_if_missing()
    app = bench_app()
    results: dict[str, float] = {}
    with app.app_context(), app.test_request_context():
        with timed("data", results):
            fund_id = make_data(args.workers, args.placements)
        runs = []
        for _attempt in range(3):
            start = time.perf_counter()
            report = period_report(fund_id, year(YEAR))
            tables = exports.tables(report)
            files = ["".join(exports.csv_text(table)) for table in tables]
            book = exports.workbook(report)
            runs.append(time.perf_counter() - start)
        with timed("report_only", results):
            period_report(fund_id, year(YEAR))
        print(f"participants {report.participants:,}, placements {report.placements:,}, "
              f"{len(tables)} tables, CSV {sum(map(len, files)):,} chars, workbook "
              f"{len(book):,} bytes; runs {', '.join(f'{r:.2f}' for r in runs)} s")  # fmt: skip
    print(
        f"RESULT period_export_seconds={min(runs):.2f} period_export_worst_seconds="
        f"{max(runs):.2f} report_seconds={results['report_only']:.2f} "
        f"workers={args.workers} grants={2 * args.workers} placements={args.placements}"
    )


if __name__ == "__main__":
    main()
