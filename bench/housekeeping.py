"""Benchmark: the housekeeping sweeps on big tables on PostgreSQL.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/leerwallet_bench \
        .venv/bin/python bench/housekeeping.py [--rows 1000000] [--batch 5000]

Fills idempotency_keys and login_failures with `rows` rows each (one set-based INSERT
apiece), half of them past their retention, then runs every sweep. Reports the rows removed
per second and the longest single batch: that is the longest a sweep holds its row locks,
which is what other writers to the table may wait for.
"""

from __future__ import annotations

import argparse
import json
import time

import sqlalchemy as sa
from _common import bench_app, create_database_if_missing

from wallet.core.db import session


def _fill(rows: int) -> None:
    # Half old (400 days), half new (now): the sweep must remove exactly the old half.
    session.execute(
        sa.text(
            "INSERT INTO idempotency_keys (scope, key, request_hash, created_at) "
            "SELECT 'bench', 'k' || n, repeat('0', 64), "
            "now() - CASE WHEN n % 2 = 0 THEN interval '400 days' ELSE interval '0' END "
            "FROM generate_series(1, :rows) AS n"
        ),
        {"rows": rows},
    )
    session.execute(
        sa.text(
            "INSERT INTO login_failures (email, ip_address, failed_at) "
            "SELECT 'w' || (n % 1000) || '@example.nl', '192.0.2.' || (n % 250), "
            "now() - CASE WHEN n % 2 = 0 THEN interval '400 days' ELSE interval '0' END "
            "FROM generate_series(1, :rows) AS n"
        ),
        {"rows": rows},
    )
    session.commit()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=5000)
    args = parser.parse_args()
    create_database_if_missing()
    app = bench_app()
    app.config["HOUSEKEEPING_BATCH_SIZE"] = args.batch
    from wallet.housekeeping import services

    with app.app_context():
        _fill(args.rows)
        batches: list[float] = []
        original = services.unit_of_work

        def timed_unit_of_work():
            # Wraps each batch's transaction to time it; the sweep itself is unchanged.
            from contextlib import contextmanager

            @contextmanager
            def wrapped():
                started = time.perf_counter()
                with original() as db:
                    yield db
                batches.append(time.perf_counter() - started)

            return wrapped()

        services.unit_of_work = timed_unit_of_work
        started = time.perf_counter()
        counts = services.sweep_all()
        seconds = time.perf_counter() - started
        services.unit_of_work = original
        left = session.scalar(sa.text("SELECT count(*) FROM idempotency_keys"))
    removed = sum(counts.values())
    print(
        json.dumps(
            {
                "rows_per_table": args.rows,
                "batch_size": args.batch,
                "removed": counts,
                "idempotency_keys_left": left,
                "seconds": round(seconds, 2),
                "rows_removed_per_second": round(removed / seconds),
                "batches": len(batches),
                "longest_batch_ms": round(max(batches) * 1000, 1),
                "median_batch_ms": round(sorted(batches)[len(batches) // 2] * 1000, 1),
                "batch_ms_in_order": [round(b * 1000) for b in batches],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
