"""Benchmark: the opening rush on a first-come scheme, as signed-in workers send it (issue 15).

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/leerwallet_bench \
        .venv/bin/python bench/rush.py [--workers 250000] [--cap 35000] [--concurrency 256]
        [--app-workers 2] [--app-threads 4] [--instances 1|2] [--kill] [--bare-requests N]
        [--worker-connections N]

Makes N verified workers set-based (one argon2id hash at the shipped parameters, reused),
a fund and a first-come scheme for `cap` grants of EUR 1,000, and one signed-in server
session per worker written straight into the session table (the cookie's token, its SHA-256
as key, flask-login's fields and the raw CSRF value, as a sign-in leaves them). Each client
sends the form a browser sends from the start page: POST /budget/schemes/<id>/apply with
the session cookie, the CSRF token signed the way Flask-WTF signs it and a fresh one-time key.

gunicorn runs the production settings (WALLET_ENV=production) on 127.0.0.1; --instances 2
starts two gunicorns on two ports sharing the database and the clients alternate between
them. --kill sends SIGKILL to one app worker when half the cap is granted. A monitor reads
the scheme's committed amount four times a second to tell granted from sold-out answers.

Then it audits: exactly min(cap, workers) granted, committed = granted x amount, nothing
below zero, `ledger verify` clean. Last, bench/bare.py (the same guarded UPDATE and INSERT
in a tiny Flask + psycopg app) runs under the same gunicorn settings and clients: ratio is
rush_rps / bare_rps. Prints one line:

    RESULT rush_rps=... granted_per_s=... p50_ms=... p99_ms=... sold_out_rps=...
           overspend_cents=... rss_mb=... bare_rps=... ratio=...
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import hashlib
import math
import os
import secrets
import signal
import tempfile
import time
from dataclasses import dataclass, field

import sqlalchemy as sa
from _common import bench_app, create_database_if_missing
from _load import (
    SECRET_KEY,
    Connection,
    free_port,
    load_average,
    percentile_ms,
    production_env,
    rss_mb,
    start_gunicorn,
    stop,
    wait_healthy,
    worker_pids,
)
from itsdangerous import URLSafeTimedSerializer

from wallet.core.db import session, unit_of_work

AMOUNT_CENTS = 1_000_00
PASSWORD = "bench-password-123"


def token_of(seed: str, user_id: int) -> str:
    """The session cookie's token for a worker (the same md5 the SQL below computes)."""
    return hashlib.md5(f"{seed}:{user_id}".encode()).hexdigest()  # noqa: S324 - not security


def csrf_raw_of(seed: str, user_id: int) -> str:
    return hashlib.md5(f"csrf:{seed}:{user_id}".encode()).hexdigest()  # noqa: S324


def shipped_hash(password: str) -> str:
    """An argon2id hash at the parameters Leerwallet ships (config: ARGON2_*), made once."""
    from argon2 import PasswordHasher

    from config import development

    shipped = development()
    return PasswordHasher(
        time_cost=shipped["ARGON2_TIME_COST"],
        memory_cost=shipped["ARGON2_MEMORY_COST"],
        parallelism=shipped["ARGON2_PARALLELISM"],
    ).hash(password)


def make_workers(count: int, password_hash: str) -> None:
    """`count` verified workers in Twente, ages and levels spread out, one hash for all."""
    with unit_of_work() as db:
        db.execute(
            sa.text(
                "INSERT INTO users (email, password_hash, name, role, preferred_language, "
                "active, created_at, email_verified_at) "
                "SELECT 'worker' || i || '@bench.example', :hash, 'Werkende ' || i, "
                "'worker', 'nl', true, now(), now() FROM generate_series(1, :n) AS i"
            ),
            {"n": count, "hash": password_hash},
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


def sign_in_all(seed: str) -> None:
    """One live server session per worker, as a password sign-in leaves it (set-based)."""
    with unit_of_work() as db:
        db.execute(
            sa.text(
                "INSERT INTO server_sessions (id, user_id, data, created_at, last_seen_at, "
                "idle_seconds, expires_at, ip_address, user_agent) "
                "SELECT encode(sha256(convert_to(md5(:seed || ':' || id), 'UTF8')), 'hex'), id, "
                "json_build_object('_fresh', true, '_user_id', id::text, 'language', 'nl', "
                "'csrf_token', md5('csrf:' || :seed || ':' || id))::text, "
                "now(), now(), 7200, now() + interval '2 hours', '127.0.0.1', 'bench/rush' "
                "FROM users WHERE role = 'worker'"
            ),
            {"seed": seed},
        )


def make_scheme(cap: int, workers: int) -> int:
    """A fund with enough money and an active first-come scheme for `cap` grants."""
    from wallet.core import clock
    from wallet.funds.services import create_fund, deposit
    from wallet.schemes.services import SchemeTerms, activate_scheme, define_scheme

    fund = create_fund("Benchfonds rush")
    needed = min(cap, workers) * AMOUNT_CENTS
    for chunk in range(0, needed, 10_000_000_00):  # at most EUR 10 million a deposit
        deposit(fund.id, min(10_000_000_00, needed - chunk), reference=f"bench {chunk}")
    today = clock.today()
    terms = SchemeTerms(
        name="Scholingsbudget eerst komt",
        allocation_mode="first_come",
        amount_cents=AMOUNT_CENTS,
        validity_months=24,
        rules={},
        window_opens_on=today,
        window_closes_on=today + dt.timedelta(days=30),
        total_cap_cents=cap * AMOUNT_CENTS,
    )
    return activate_scheme(define_scheme(fund.id, terms).id).id


@dataclass
class Run:
    """What the clients of one run saw."""

    latencies: list[float] = field(default_factory=list)
    ended: list[float] = field(default_factory=list)  # completion times, perf_counter
    errors: dict[str, int] = field(default_factory=dict)
    samples: dict[str, str] = field(default_factory=dict)
    reconnects: int = 0
    started: float = 0.0
    finished: float = 0.0
    sold_out_at: float | None = None  # when the monitor first saw the cap reached

    def error(self, kind: str, text: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1
        self.samples.setdefault(kind, text[:300])

    @property
    def wall(self) -> float:
        return self.finished - self.started


async def drive(
    ports: list[int],
    requests: list[tuple[str, dict, bytes]],
    concurrency: int,
    run: Run,
    on_progress=None,
) -> None:
    """Send every request once from `concurrency` keep-alive connections (ports alternate)."""
    queue = iter(requests)

    async def client(number: int) -> None:
        conn = Connection(ports[number % len(ports)])
        for path, headers, body in queue:
            try:
                answer = await conn.request("POST", path, headers, body)
            except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as error:
                run.error(f"client-{type(error).__name__}", str(error))
                await conn.close()
                continue
            if answer.status == 302 and "/login" not in answer.headers.get("location", ""):
                run.latencies.append(answer.seconds)
                run.ended.append(answer.ended)
            else:
                run.error(f"http-{answer.status}", answer.body.decode(errors="replace"))
            if on_progress is not None:
                on_progress()
        run.reconnects += conn.reconnects
        await conn.close()

    run.started = time.perf_counter()
    await asyncio.gather(*(client(n) for n in range(concurrency)))
    run.finished = time.perf_counter()


async def monitor(url: str, scheme_id: int, cap_cents: int, run: Run, stop_event) -> None:
    """Note when the scheme's committed amount reaches its cap (cheap read, 4x a second)."""
    engine = sa.create_engine(url, pool_size=1)
    try:
        while not stop_event.is_set():
            with engine.connect() as conn:
                committed = conn.scalar(
                    sa.text("SELECT committed_cents FROM schemes WHERE id = :id"), {"id": scheme_id}
                )
            if committed >= cap_cents and run.sold_out_at is None:
                run.sold_out_at = time.perf_counter()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop_event.wait(), 0.25)
    finally:
        engine.dispose()


def apply_requests(seed: str, scheme_id: int, user_ids: list[int]) -> list:
    """The form each worker's browser sends, session cookie and signed CSRF token included."""
    signer = URLSafeTimedSerializer(SECRET_KEY, salt="wtf-csrf-token")
    path = f"/budget/schemes/{scheme_id}/apply"
    requests = []
    for user_id in user_ids:
        csrf = signer.dumps(csrf_raw_of(seed, user_id))
        body = f"csrf_token={csrf}&once_key={secrets.token_urlsafe(24)}&confirm=1".encode()
        headers = {
            "Cookie": f"session={token_of(seed, user_id)}",
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "text/html",
        }
        requests.append((path, headers, body))
    return requests


def audit(app, scheme_id: int, expected: int) -> dict:
    """Exactly `expected` grants, committed = grants x amount, nothing below zero, books clean."""
    from wallet.books.verify import verify

    with app.app_context():
        row = session.execute(
            sa.text(
                "SELECT (SELECT count(*) FROM grants WHERE scheme_id = :id), "
                "(SELECT coalesce(sum(amount_cents), 0) FROM grants WHERE scheme_id = :id), "
                "committed_cents, total_cap_cents, "
                "(SELECT count(*) FROM scheme_applications WHERE scheme_id = :id), "
                "(SELECT count(*) FROM ledger_accounts WHERE NOT allow_negative "
                " AND (posted_cents < 0 OR posted_cents - held_cents < 0)) "
                "FROM schemes WHERE id = :id"
            ),
            {"id": scheme_id},
        ).one()
        problems = verify()
        session.rollback()
    granted, granted_cents, committed, cap_cents, applications, negative = row
    facts = {
        "granted": granted,
        "applications": applications,
        "committed": committed,
        "overspend_cents": max(0, granted_cents - cap_cents, committed - cap_cents),
        "negative_accounts": negative,
        "verify_problems": len(problems),
    }
    print(f"audit: {facts}; expected grants {expected}", flush=True)
    for problem in problems[:5]:
        print(f"  verify: {problem}", flush=True)
    assert granted == expected, (granted, expected)
    assert applications == granted, (applications, granted)
    assert committed == granted * AMOUNT_CENTS == granted_cents, (committed, granted_cents)
    assert negative == 0
    assert not problems
    return facts


def report(label: str, run: Run, requests: int) -> None:
    rate = len(run.latencies) / run.wall if run.wall else 0
    print(
        f"{label}: {len(run.latencies)}/{requests} answered 302 in {run.wall:.1f} s = "
        f"{rate:.0f}/s; p50 {percentile_ms(run.latencies, 0.5):.0f} ms, "
        f"p99 {percentile_ms(run.latencies, 0.99):.0f} ms; errors {run.errors or 'none'}; "
        f"reconnects {run.reconnects}; load {load_average()}",
        flush=True,
    )
    for kind, text in run.samples.items():
        print(f"  {label} {kind}: {text}", flush=True)


def worker_connections(args) -> int:
    """gunicorn's --worker-connections for the run: the clients spread over every worker of
    every instance (--worker-connections 0: gunicorn's default of 1000)."""
    if args.worker_connections == 0:
        return 1000
    if args.worker_connections is not None:
        return args.worker_connections
    return math.ceil(args.concurrency / (args.instances * args.app_workers))


def rush(args, app, url: str, scheme_id: int, user_ids: list[int], seed: str) -> tuple:
    """The rush against the real app; returns the run and the largest worker RSS in MB."""
    requests = apply_requests(seed, scheme_id, user_ids)
    env = production_env(url, DATABASE_POOL_SIZE=str(args.app_threads))
    run = Run()
    servers, ports, peak_rss = [], [], 0.0
    with tempfile.TemporaryFile(mode="w+") as log:
        try:
            for _ in range(args.instances):
                port = free_port()
                server = start_gunicorn(
                    "wsgi:app",
                    port,
                    args.app_workers,
                    args.app_threads,
                    env,
                    log,
                    worker_connections(args),
                )
                servers.append(server)
                ports.append(port)
            for server, port in zip(servers, ports, strict=True):
                wait_healthy(port, server)
            print(
                f"rush: {len(requests)} workers, cap {args.cap}, {args.concurrency} clients, "
                f"{args.instances} x gunicorn {args.app_workers} workers x "
                f"{args.app_threads} threads; load {load_average()}",
                flush=True,
            )
            cap_cents = min(args.cap, len(user_ids)) * AMOUNT_CENTS
            done = {"count": 0, "killed": None}

            def on_progress() -> None:
                done["count"] += 1
                nonlocal peak_rss
                if done["count"] % 2000 == 0:
                    for server in servers:
                        for pid in worker_pids(server):
                            peak_rss = max(peak_rss, rss_mb(pid))
                if args.kill and done["killed"] is None and done["count"] >= args.cap // 2:
                    pids = worker_pids(servers[0])
                    if pids:
                        os.kill(pids[0], signal.SIGKILL)
                        done["killed"] = pids[0]
                        print(f"rush: killed app worker {pids[0]} with SIGKILL", flush=True)

            async def main() -> None:
                stop_event = asyncio.Event()
                watcher = asyncio.create_task(monitor(url, scheme_id, cap_cents, run, stop_event))
                await drive(ports, requests, args.concurrency, run, on_progress)
                stop_event.set()
                await watcher

            asyncio.run(main())
            for server in servers:
                for pid in worker_pids(server):
                    peak_rss = max(peak_rss, rss_mb(pid))
        finally:
            for server in servers:
                stop(server)
        log.seek(0)
        server_log = log.read()
    tracebacks = server_log.count("Traceback")
    if tracebacks:
        print(f"gunicorn logged {tracebacks} tracebacks; the last lines:", flush=True)
        print("\n".join(server_log.strip().splitlines()[-20:]), flush=True)
    report("rush", run, len(requests))
    return run, peak_rss


def bare(args, url: str, count: int) -> Run:
    """The same clients against bench/bare.py under the same gunicorn settings."""
    from bare import prepare

    prepare(url, AMOUNT_CENTS, min(args.cap, count))
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"}
    requests = [(f"/apply/{n}", headers, b"") for n in range(1, count + 1)]
    env = production_env(url)
    run = Run()
    port = free_port()
    with tempfile.TemporaryFile(mode="w+") as log:
        server = start_gunicorn(
            "bare:app", port, args.app_workers, args.app_threads, env, log, worker_connections(args)
        )
        try:
            wait_healthy(port, server)
            asyncio.run(drive([port], requests, args.concurrency, run))
        finally:
            stop(server)
    report("bare", run, len(requests))
    return run


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=250_000)
    parser.add_argument("--cap", type=int, default=35_000)
    parser.add_argument("--concurrency", type=int, default=256)
    parser.add_argument("--app-workers", type=int, default=2)
    parser.add_argument("--app-threads", type=int, default=4)
    parser.add_argument("--instances", type=int, default=1, choices=(1, 2))
    parser.add_argument(
        "--worker-connections",
        type=int,
        default=None,
        help="gunicorn --worker-connections (default: clients / workers; 0: gunicorn's 1000)",
    )
    parser.add_argument("--kill", action="store_true", help="SIGKILL one app worker mid-rush")
    parser.add_argument(
        "--bare-requests",
        type=int,
        default=None,
        help="requests to the bare app (default: min(workers, 50000))",
    )
    args = parser.parse_args()

    create_database_if_missing()
    app = bench_app()
    url = app.config["DATABASE_URL"]
    seed = secrets.token_hex(8)
    started = time.perf_counter()
    with app.app_context():
        make_workers(args.workers, shipped_hash(PASSWORD))
        sign_in_all(seed)
        scheme_id = make_scheme(args.cap, args.workers)
        user_ids = list(
            session.scalars(sa.text("SELECT id FROM users WHERE role = 'worker' ORDER BY id"))
        )
        session.rollback()
        engine = app.extensions["db_engine"]
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
    app.extensions["db_engine"].dispose()  # leave the connections to gunicorn
    print(
        f"data: {args.workers} workers signed in, scheme {scheme_id} "
        f"in {time.perf_counter() - started:.1f} s",
        flush=True,
    )

    run, peak_rss = rush(args, app, url, scheme_id, user_ids, seed)
    expected = min(args.cap, args.workers)
    facts = audit(app, scheme_id, expected)
    app.extensions["db_engine"].dispose()

    # Granted while the scheme had room; sold-out answers are those completed after it.
    sold_out_at = run.sold_out_at or run.finished
    granting = sold_out_at - run.started
    after = [t for t in run.ended if t > sold_out_at]
    sold_out_rps = len(after) / (run.finished - sold_out_at) if after else 0.0
    bare_run = bare(args, url, args.bare_requests or min(args.workers, 50_000))
    rush_rps = len(run.latencies) / run.wall
    bare_rps = len(bare_run.latencies) / bare_run.wall
    errors = sum(run.errors.values())
    print(
        f"RESULT rush_rps={rush_rps:.0f} granted_per_s={expected / granting:.0f} "
        f"p50_ms={percentile_ms(run.latencies, 0.5):.0f} "
        f"p99_ms={percentile_ms(run.latencies, 0.99):.0f} sold_out_rps={sold_out_rps:.0f} "
        f"overspend_cents={facts['overspend_cents']} rss_mb={peak_rss:.0f} "
        f"bare_rps={bare_rps:.0f} ratio={rush_rps / bare_rps:.2f} "
        f"workers={args.workers} cap={args.cap} errors={errors} instances={args.instances} "
        f"app={args.app_workers}x{args.app_threads}/{worker_connections(args)} "
        f"kill={'yes' if args.kill else 'no'} "
        f"load={load_average().replace(' ', '/')}"
    )


if __name__ == "__main__":
    main()
