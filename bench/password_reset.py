"""Benchmark: does asking for a password reset take longer for an address with an account?

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/leerwallet_bench \
        .venv/bin/python bench/password_reset.py [--requests 300]

`requests` workers each have an account; the script POSTs /password/forgot in turns for a
known address (each a different worker, so every one writes a link and its e-mail) and an
unknown one, through the app in this process (no network in between), and prints the
median, 95th percentile and mean of each with their difference. Both should lie within the
noise of each other: the same look-up, token, SHA-256 and commit run either way, and the
known address only adds two INSERTs to the same transaction (the mail goes out later).
"""

from __future__ import annotations

import argparse
import statistics
import time

import sqlalchemy as sa
from _common import bench_app, create_database_if_missing

from wallet.accounts.models import PasswordReset, Role, User
from wallet.accounts.passwords import NO_PASSWORD
from wallet.core.db import session, unit_of_work


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    create_database_if_missing()
    app = bench_app()
    app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context(), unit_of_work():
        session.execute(
            sa.insert(User),
            [
                {
                    "email": f"bench{n}@example.nl",
                    "password_hash": NO_PASSWORD,
                    "name": f"Bench {n}",
                    "role": Role.WORKER,
                    "preferred_language": "nl",
                    "active": True,
                }
                for n in range(args.requests)
            ],
        )
    client = app.test_client()
    timings: dict[str, list[float]] = {"known": [], "unknown": []}
    for n in range(args.requests):
        for kind, email in (("known", f"bench{n}@example.nl"), ("unknown", f"nobody{n}@x.nl")):
            start = time.perf_counter()
            answer = client.post("/password/forgot", data={"email": email})
            timings[kind].append((time.perf_counter() - start) * 1000)
            assert answer.status_code == 302, answer.status_code
    with app.app_context():
        usable = PasswordReset.user_id.is_not(None)
        links = session.scalar(sa.select(sa.func.count(PasswordReset.id)).where(usable))
    assert links == args.requests, links
    summary = {}
    for kind, values in timings.items():
        summary[kind] = (
            statistics.median(values),
            _percentile(values, 0.95),
            statistics.fmean(values),
        )
        print(
            f"{kind}: p50 {summary[kind][0]:.2f} ms, p95 {summary[kind][1]:.2f} ms, "
            f"mean {summary[kind][2]:.2f} ms"
        )
    difference = summary["known"][0] - summary["unknown"][0]
    known, unknown = summary["known"][0], summary["unknown"][0]
    print(
        f"RESULT requests={args.requests} p50_known_ms={known:.2f} "
        f"p50_unknown_ms={unknown:.2f} p50_difference_ms={difference:.2f}"
    )


if __name__ == "__main__":
    main()
