"""Benchmark: 50,000 approved claims on PostgreSQL → one payout batch, its SEPA file and its
postings (goal: under 30 s).

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/leerwallet_bench \
        .venv/bin/python bench/payout.py [--claims 50000] [--providers 500]

Makes its own data set-based: a fund, accredited providers with real IBANs, a course and
run each, workers, invoiced applications and approved claims, and the providers' payable
balances as approvals would have left them. Then times making the batch, submitting it (the
ledger postings) and writing the pain.001.001.09 file (XSD-validated), and checks the ledger.
"""

from __future__ import annotations

import argparse

import sqlalchemy as sa
from _common import bench_app, create_database_if_missing, timed
from schwifty import IBAN

from wallet.books.verify import verify
from wallet.core.db import session, unit_of_work
from wallet.funds.services import create_fund, deposit
from wallet.grants.balances import payable_account_id
from wallet.ledger import services as ledger
from wallet.payments import batches
from wallet.payments.models import PayoutMethod
from wallet.payments.sepa import sepa_file


def make_data(claims: int, providers: int) -> int:
    """The fund id; everything else is in the database."""
    fund = create_fund("Benchfonds")
    for n in range(12):  # a deposit is at most € 10 million
        deposit(fund.id, 990_000_000, reference=f"bench {n}")
    with unit_of_work() as db:
        db.execute(
            sa.text("UPDATE funds SET iban = 'NL91ABNA0417164300' WHERE id = :f"), {"f": fund.id}
        )
        ibans = [
            str(IBAN.generate("NL", bank_code="INGB", account_code=f"{n:010d}"))
            for n in range(1, providers + 1)
        ]
        db.execute(
            sa.text(
                "INSERT INTO providers (name, kvk_number, status, created_at, iban, bic, "
                "accredited_at, stripe_payouts_enabled) "
                "VALUES (:name, :kvk, 'accredited', now(), :iban, 'INGBNL2A', now(), false)"
            ),
            [
                {"name": f"Opleider {n}", "kvk": f"{n:08d}", "iban": iban}
                for n, iban in enumerate(ibans, start=1)
            ],
        )
        db.execute(
            sa.text(
                "INSERT INTO courses (provider_id, code, title_nl, description_nl, kind, sector, "
                "skills, occupations, hours, modality, language, municipality_code, price_cents, "
                "vat, published, created_at, updated_at) "
                "SELECT id, 'C-' || id, 'Cursus ' || id, 'Bench', 'certificate', 'techniek', "
                "'[]', '[]', 40, 'classroom', 'nl', 'enschede', 200000, 'exempt', true, now(), "
                "now() FROM providers"
            )
        )
        db.execute(
            sa.text(
                "INSERT INTO course_runs (course_id, code, starts_on, ends_on, seats, "
                "municipality_code) SELECT id, 'R1', current_date - 60, current_date - 5, 500, "
                "'enschede' FROM courses"
            )
        )
        db.execute(
            sa.text(
                "INSERT INTO users (email, password_hash, name, role, preferred_language, active, "
                "created_at) SELECT 'bench' || i || '@bench.example', 'not-a-hash', "
                "'Werkende ' || i, 'worker', 'nl', true, now() FROM generate_series(1, :n) AS i"
            ),
            {"n": claims},
        )
        db.execute(
            sa.text(
                "INSERT INTO applications (reference, user_id, run_id, provider_id, status, "
                "price_cents, covered_cents, copay_cents, created_at, updated_at, respond_by) "
                "SELECT 'LW-B-' || i, u.id, r.id, c.provider_id, 'invoiced', "
                "100000 + (i % 997) * 100, 100000 + (i % 997) * 100, 0, now(), now(), now() "
                "FROM generate_series(1, :n) AS i "
                "JOIN users u ON u.email = 'bench' || i || '@bench.example' "
                "JOIN course_runs r ON r.id = 1 + (i % :p) JOIN courses c ON c.id = r.course_id"
            ),
            {"n": claims, "p": providers},
        )
        db.execute(
            sa.text(
                "INSERT INTO claims (reference, application_id, provider_id, fund_id, kind, "
                "status, version, invoice_number, invoice_date, amount_cents, vat_cents, "
                "description, attendance_pct, invoice_file, approvals_needed, submitted_at, "
                "updated_at) "
                "SELECT 'DC-B-' || a.id, a.id, a.provider_id, :fund, 'final', 'approved', 1, "
                "'F-' || a.id, current_date, a.covered_cents, 0, 'Bench', 90, "
                "repeat('0', 64) || '.pdf', 1, now(), now() FROM applications a"
            ),
            {"fund": fund.id},
        )
        # What the approvals posted: the fund's money on each provider's payable account.
        owed = db.execute(
            sa.text("SELECT provider_id, sum(amount_cents) FROM claims GROUP BY provider_id")
        ).all()
        for provider_id, cents in owed:
            ledger.transfer(
                fund.pot_account_id,
                payable_account_id(provider_id),
                int(cents),
                kind="hold_post",
                description="bench approvals",
            )
    db.execute(sa.text("ANALYZE"))
    return fund.id


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=50_000)
    parser.add_argument("--providers", type=int, default=500)
    args = parser.parse_args()
    create_database_if_missing()
    app = bench_app()
    results: dict[str, float] = {}
    with app.app_context():
        with timed("data", results):
            fund_id = make_data(args.claims, args.providers)
        session.commit()
        with timed("payout", results):
            with timed("batch", results):
                batch = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=None).batch
            with timed("submit", results):
                batches.submit_batch(batch.id, fund_id, actor=None)
            with timed("sepa_file", results):
                document = sepa_file(batch.id, fund_id)
        problems = verify()
        print(
            f"batch {batch.reference}: {batch.claim_count} claims, {len(batch.items)} "
            f"providers, {batch.amount_cents / 100:,.2f} EUR, file {len(document):,} bytes, "
            f"ledger problems {len(problems)}"
        )
    print(
        f"RESULT payout_50k_seconds={results['payout']:.2f} batch_seconds={results['batch']:.2f}"
        f" submit_seconds={results['submit']:.2f} sepa_file_seconds={results['sepa_file']:.2f}"
        f" claims={args.claims} providers={args.providers}"
    )


if __name__ == "__main__":
    main()
