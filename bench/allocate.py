"""Benchmark: the scheduled allocation of 1,000,000 grants on PostgreSQL (goal: under 60 s).

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/leerwallet_bench \
        .venv/bin/python bench/allocate.py [--workers 1000000]

Makes its own workers with one INSERT ... SELECT generate_series, a fund with enough money
and an entitlement scheme, then times `allocate()` and, separately, `ledger verify`.
"""

from __future__ import annotations

import argparse

import sqlalchemy as sa
from _common import bench_app, create_database_if_missing, timed

from wallet.core.db import session, unit_of_work


def make_workers(count: int) -> None:
    """`count` workers in Twente municipalities, ages and levels spread out."""
    with unit_of_work() as db:
        db.execute(
            sa.text(
                # Verified: the allocation grants nothing to an unverified address.
                "INSERT INTO users (email, password_hash, name, role, preferred_language, "
                "active, created_at, email_verified_at) "
                "SELECT 'worker' || i || '@bench.example', 'not-a-hash', 'Werkende ' || i, "
                "'worker', 'nl', true, now(), now() FROM generate_series(1, :n) AS i"
            ),
            {"n": count},
        )
        db.execute(
            sa.text(
                "INSERT INTO worker_profiles (user_id, date_of_birth, municipality_code, "
                "employment_status, sector, occupation, education_level, target_occupation) "
                "SELECT id, date '1970-01-01' + (id % 12000), "
                "(ARRAY['enschede','hengelo','almelo','borne','losser'])[1 + id % 5], "
                "(ARRAY['employed','job_seeker','self_employed'])[1 + id % 3], 'techniek', "
                "'Operator', 1 + id % 4, 'Monteur' FROM users WHERE role = 'worker'"
            )
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=1_000_000)
    args = parser.parse_args()
    create_database_if_missing()
    app = bench_app()
    results: dict[str, float] = {}
    with app.app_context():
        from wallet.books.verify import verify
        from wallet.funds.services import create_fund, deposit
        from wallet.grants.allocation import allocate
        from wallet.schemes.services import SchemeTerms, activate_scheme, define_scheme

        with timed("make_workers", results):
            make_workers(args.workers)
        fund = create_fund("Benchfonds")
        needed = args.workers * 100_00
        for chunk in range(0, needed, 10_000_000_00):  # at most € 10 million a deposit
            deposit(fund.id, min(10_000_000_00, needed - chunk), reference=f"bench {chunk}")
        terms = SchemeTerms(
            name="Iedereen in Twente",
            allocation_mode="entitlement",
            amount_cents=100_00,
            validity_months=24,
            rules={"municipalities": ["enschede", "hengelo", "almelo", "borne", "losser"]},
        )
        scheme = activate_scheme(define_scheme(fund.id, terms).id)
        with timed("allocate", results):
            run = allocate(scheme.id)
        assert run is not None
        assert run.grants == args.workers, run.grants
        with timed("verify", results):
            problems = verify()
        session.rollback()
        assert problems == [], problems[:5]
    print(
        f"RESULT allocate_1m_seconds={results['allocate']:.2f} grants={args.workers} "
        f"verify_seconds={results['verify']:.2f}"
    )


if __name__ == "__main__":
    main()
