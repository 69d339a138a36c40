"""Profile apply requests of an opening rush in-process (cProfile), granted and sold out.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/leerwallet_bench \
        .venv/bin/python bench/rush_profile.py [--requests 200] [--top 25]

The same data and the same request as bench/rush.py (signed-in workers, CSRF token, one-time
key), sent through Flask's test client with the production settings, so the profile shows
the app's own work and not the network. Prints the statements per request and the top of
the profile sorted by cumulative time, once while granting and once when sold out.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import secrets
import time

import sqlalchemy as sa
from _common import bench_app, create_database_if_missing
from _load import SECRET_KEY
from rush import PASSWORD, apply_requests, make_scheme, make_workers, shipped_hash, sign_in_all

from wallet.core.db import session

BASE = "http://127.0.0.1:8000"  # as gunicorn on loopback sees it (bench/rush.py)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    create_database_if_missing()
    app = bench_app()
    seed = secrets.token_hex(8)
    with app.app_context():
        make_workers(2 * args.requests, shipped_hash(PASSWORD))
        sign_in_all(seed)
        scheme_id = make_scheme(args.requests, 2 * args.requests)
        user_ids = list(session.scalars(sa.text("SELECT id FROM users ORDER BY id")))
        session.rollback()
    app.extensions["db_engine"].dispose()

    os.environ.update(
        WALLET_ENV="production", SECRET_KEY=SECRET_KEY, BASE_URL="https://leerwallet.bench.example"
    )
    from wallet import create_app

    production = create_app()
    statements: list[str] = []
    spent: dict[str, list[float]] = {}
    engine = production.extensions["db_engine"]

    def before(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)
        _conn.info["began"] = time.perf_counter()

    def after(_conn, _cursor, statement, *_args) -> None:
        key = " ".join(statement.split()[:4])[:60]
        spent.setdefault(key, []).append(time.perf_counter() - _conn.info["began"])

    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    client = production.test_client(use_cookies=False)  # the cookie is Secure: send it as is
    requests = apply_requests(seed, scheme_id, user_ids)
    for phase, batch in (
        ("granting", requests[: args.requests]),
        ("sold out", requests[args.requests :]),
    ):
        statements.clear()
        spent.clear()
        profiler = cProfile.Profile()
        began = time.perf_counter()
        profiler.enable()
        for path, headers, body in batch:
            response = client.post(path, data=body, headers=headers, base_url=BASE)
            assert response.status_code == 302, response.get_data(as_text=True)[:3000]
            assert "/login" not in response.headers["Location"]
        profiler.disable()
        wall = time.perf_counter() - began
        print(
            f"== {phase}: {len(batch)} requests in {wall:.2f} s = "
            f"{1000 * wall / len(batch):.2f} ms each in-process, "
            f"{len(statements) / len(batch):.1f} SQL statements each",
            flush=True,
        )
        for key, times in sorted(spent.items(), key=lambda kv: -sum(kv[1])):
            print(f"  {1000 * sum(times) / len(batch):7.2f} ms/request  {len(times):5d} x  {key}")
        out = io.StringIO()
        order = os.environ.get("PROFILE_SORT", "cumulative")
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(args.top)
        print(out.getvalue(), flush=True)
    with production.app_context():
        granted = session.scalar(sa.text("SELECT count(*) FROM grants"))
    print(f"granted {granted} of {args.requests}")


if __name__ == "__main__":
    main()
