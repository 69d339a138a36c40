"""Benchmark: what the waiting room's gate costs the apply path, on PostgreSQL and Redis.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/leerwallet_bench \
        .venv/bin/python bench/waiting_room.py [--arrivals 2000] [--clients 8]

`clients` threads call the gate (`must_wait`, one app context per call, as a request has)
for a scheme without a room, then with an open room in the database and in Redis
(redis://127.0.0.1:6379/5, keys under a prefix of their own): first `arrivals` new people
(a ticket each), then the same people again (their ticket is read). Afterwards the tickets
must be numbered 1..arrivals, one per person. Prints one RESULT line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import secrets
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa
from _common import bench_app, create_database_if_missing

from wallet import create_app
from wallet.core import clock


def _setup(app, arrivals: int) -> tuple[int, int, list[int]]:
    from wallet.accounts.models import Role, User
    from wallet.core.db import session, unit_of_work
    from wallet.funds.services import create_fund, deposit
    from wallet.schemes.services import SchemeTerms, activate_scheme, define_scheme
    from wallet.waitingroom.services import RoomSettings, set_waiting_room

    with app.app_context():
        fund = create_fund("Benchfonds")
        deposit(fund.id, 10_000_000_00, reference="bench")
        today = clock.today()
        ids = []
        for name in ("Zonder wachtkamer", "Met wachtkamer"):
            terms = SchemeTerms(
                name=name,
                allocation_mode="first_come",
                amount_cents=100_000,
                validity_months=12,
                rules={},
                window_opens_on=today,
                window_closes_on=today + dt.timedelta(days=30),
                total_cap_cents=100_000 * 1000,
            )
            ids.append(activate_scheme(define_scheme(fund.id, terms).id).id)
        set_waiting_room(ids[1], RoomSettings(dt.time(0, 0), 30, 1, 0), actor_id=None)
        with unit_of_work():
            session.execute(
                sa.insert(User),
                [
                    {
                        "email": f"w{n}@bench.nl",
                        "name": f"W {n}",
                        "password_hash": "-",
                        "role": Role.WORKER,
                    }
                    for n in range(arrivals)
                ],
            )
        users = list(session.scalars(sa.select(User.id).order_by(User.id)))
    return ids[0], ids[1], users


def _rate(app, scheme_id: int, users: list[int], clients: int) -> float:
    from wallet.waitingroom.services import must_wait

    def gate(user_id: int) -> bool:
        with app.app_context():
            return must_wait(scheme_id, user_id)

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(gate, users))
    return len(users) / (time.perf_counter() - start)


def _check(app, scheme_id: int, users: list[int]) -> None:
    from wallet.waitingroom.services import store

    with app.app_context():
        numbers = sorted(store().find(scheme_id, user).number for user in users)
        issued = store().issued(scheme_id)
    if numbers != list(range(1, len(users) + 1)) or issued != len(users):
        sys.exit(f"tickets wrong: issued {issued}, numbers {numbers[:5]}...")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--arrivals", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    create_database_if_missing()
    app = bench_app()
    without, with_room, users = _setup(app, args.arrivals)
    prefix = f"leerwallet-bench:{secrets.token_hex(4)}:"
    redis_app = create_app(
        {
            "ENVIRONMENT": "testing",
            "DATABASE_URL": app.config["DATABASE_URL"],
            "REDIS_URL": "redis://127.0.0.1:6379/5",
            "WAITING_ROOM_KEY_PREFIX": prefix,
        }
    )
    results = {"no_room_per_s": _rate(app, without, users, args.clients)}
    for label, each in (("db", app), ("redis", redis_app)):
        results[f"{label}_arrive_per_s"] = _rate(each, with_room, users, args.clients)
        results[f"{label}_again_per_s"] = _rate(each, with_room, users, args.clients)
        _check(each, with_room, users)
        with each.app_context():
            from wallet.waitingroom.services import store

            store().clear(with_room)
    print("RESULT " + " ".join(f"{key}={value:.0f}" for key, value in results.items()))


if __name__ == "__main__":
    main()
