"""Benchmark: holds per second on one hot grant from many concurrent clients on PostgreSQL.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/leerwallet_bench \
        .venv/bin/python bench/holds.py [--clients 32] [--seconds 20] [--amount 100]

One worker has one big grant (EUR 1,000,000); every client places small holds on that same
grant, so every hold contends for the same ledger account row. Measured twice, each for a
fixed number of seconds:

* direct: `clients` threads place ledger holds on the grant for a provider (one app context
  and one unit of work per hold, like a request), sharing the app's connection pool;
* http: gunicorn serves the app on 127.0.0.1 and `clients` threads POST
  /api/v1/funds/<id>/deposits with a fund administrator's token, one keep-alive connection
  per thread. Holds have no HTTP endpoint of their own any more (they move only through an
  application or a claim), so this phase measures the nearest single-row write over HTTP:
  deposits that all contend for the fund's pot account (`deposits_per_second_http`).

Afterwards the ledger's own checks (`verify_ledger`) must find nothing, the grant's held
amount must equal the successful holds times the amount and the pot must hold the
successful deposits.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import sqlalchemy as sa
from _common import bench_app, create_database_if_missing

from wallet.core.db import session, unit_of_work

ROOT = Path(__file__).resolve().parent.parent
GRANT_CENTS = 1_000_000_00  # EUR 1,000,000 on the one hot grant
PASSWORD = "bench-password-123"  # a throwaway benchmark user


class Tally:
    """What the client threads of one phase did: successes, latencies, errors by kind."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ok = 0
        self.latencies: list[float] = []
        self.errors: Counter[str] = Counter()
        self.samples: dict[str, str] = {}

    def merge(self, ok: int, latencies: list[float], errors: Counter, samples: dict) -> None:
        with self.lock:
            self.ok += ok
            self.latencies.extend(latencies)
            self.errors.update(errors)
            for kind, text in samples.items():
                self.samples.setdefault(kind, text)

    def percentile_ms(self, fraction: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def make_data(app, amount: int) -> dict:
    """Fund, scheme, worker with one big grant, fund admin with a token, a provider."""
    import datetime as dt

    from wallet.accounts.models import Role
    from wallet.accounts.services import (
        WorkerRegistration,
        create_api_token,
        create_staff_user,
        register_worker,
    )
    from wallet.core import clock
    from wallet.funds.services import create_fund, deposit
    from wallet.grants.balances import get_grant
    from wallet.grants.granting import grant_to_worker
    from wallet.providers.models import Provider, ProviderStatus
    from wallet.schemes.services import SchemeTerms, activate_scheme, define_scheme

    with app.app_context():
        fund = create_fund("Benchfonds holds")
        deposit(fund.id, GRANT_CENTS, reference="bench holds")
        terms = SchemeTerms(
            name="Hot grant",
            allocation_mode="manual",
            amount_cents=100_00,
            validity_months=12,
            rules={},
        )
        scheme = activate_scheme(define_scheme(fund.id, terms).id)
        today = clock.today()
        worker = register_worker(
            WorkerRegistration(
                name="Werkende Hot",
                email="hot@bench.example",
                password=PASSWORD,
                date_of_birth=dt.date(today.year - 40, 1, 1),
                municipality_code="enschede",
                employment_status="employed",
                sector="techniek",
                occupation="Operator",
                education_level=3,
                target_occupation="Monteur",
            )
        )
        admin = create_staff_user(
            email="admin@bench.example",
            name="Fondsbeheer",
            password=PASSWORD,
            role=Role.FUND_ADMIN,
            fund=fund,
        )
        _token, plain = create_api_token(admin, "bench holds")
        provider = Provider(
            name="Bench Opleidingen", kvk_number="12345678", status=ProviderStatus.ACCREDITED
        )
        with unit_of_work() as db:
            db.add(provider)
        grant_id = grant_to_worker(
            scheme.id, worker.id, actor_id=admin.id, cents=GRANT_CENTS
        ).result_id
        # One hold up front opens the provider's payable account, so the timed phases
        # measure steady state (see the report: the first holds race to open it).
        account_id = get_grant(grant_id).account_id
        place_one_hold(account_id, provider.id, amount, "bench warm-up")
        return {
            "grant_id": grant_id,
            "account_id": account_id,
            "provider_id": provider.id,
            "fund_id": fund.id,
            "pot_account_id": fund.pot_account_id,
            "token": plain,
            "warmup_holds": 1,
        }


def place_one_hold(account_id: int, provider_id: int, amount: int, reference: str) -> None:
    """One hold on the grant for the provider, in its own unit of work (as a request would)."""
    from wallet.grants.balances import payable_account_id
    from wallet.ledger import services as ledger

    with unit_of_work():
        ledger.place_hold(account_id, payable_account_id(provider_id), amount, reference=reference)


def pg_counters(app) -> dict[str, int]:
    """Rollbacks and deadlocks of the benchmark database so far (pg_stat_database)."""
    with app.app_context():
        session.execute(sa.text("SELECT pg_stat_clear_snapshot()"))
        row = session.execute(
            sa.text(
                "SELECT xact_commit, xact_rollback, deadlocks FROM pg_stat_database "
                "WHERE datname = current_database()"
            )
        ).one()
        session.rollback()
    return {"commits": row[0], "rollbacks": row[1], "deadlocks": row[2]}


def run_clients(clients: int, seconds: float, work) -> tuple[Tally, float]:
    """Start `clients` threads running work(tally, start_barrier, deadline_box); wall seconds."""
    tally = Tally()
    barrier = threading.Barrier(clients + 1)
    box: dict[str, float] = {}
    threads = [
        threading.Thread(target=work, args=(tally, barrier, box), daemon=True)
        for _ in range(clients)
    ]
    for thread in threads:
        thread.start()
    start = time.perf_counter()
    box["deadline"] = start + seconds
    barrier.wait()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    stuck = sum(thread.is_alive() for thread in threads)
    if stuck:
        tally.errors["thread-still-running"] += stuck
    return tally, time.perf_counter() - start


def direct_phase(app, data: dict, clients: int, seconds: float, amount: int):
    def work(tally: Tally, barrier: threading.Barrier, box: dict) -> None:
        ok, latencies, errors, samples = 0, [], Counter(), {}
        barrier.wait()
        deadline = box["deadline"]
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            try:
                with app.app_context():
                    place_one_hold(data["account_id"], data["provider_id"], amount, "bench direct")
            except Exception as error:  # counted and reported below
                kind = type(error).__name__
                errors[kind] += 1
                samples.setdefault(kind, str(error)[:300])
                continue
            latencies.append(time.perf_counter() - began)
            ok += 1
        tally.merge(ok, latencies, errors, samples)

    return run_clients(clients, seconds, work)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(url: str, port: int, workers: int, threads: int, log) -> subprocess.Popen:
    env = dict(os.environ, WALLET_ENV="testing", WALLET_TEST_DATABASE_URL=url, DATABASE_URL=url)
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        "gthread",
        "--keep-alive",
        "30",
        "--log-level",
        "warning",
        "wallet:create_app()",
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)


def wait_healthy(port: int, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return
            conn.close()
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthz in time")


def http_phase(port: int, data: dict, clients: int, seconds: float, amount: int):
    path = f"/api/v1/funds/{data['fund_id']}/deposits"
    body = json.dumps({"amount_cents": amount, "reference": "bench http"})
    headers = {"Authorization": f"Bearer {data['token']}", "Content-Type": "application/json"}

    def work(tally: Tally, barrier: threading.Barrier, box: dict) -> None:
        ok, latencies, errors, samples = 0, [], Counter(), {}
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        barrier.wait()
        deadline = box["deadline"]
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            try:
                conn.request("POST", path, body, headers)
                response = conn.getresponse()
                payload = response.read()
            except (OSError, http.client.HTTPException) as error:
                kind = f"client-{type(error).__name__}"
                errors[kind] += 1
                samples.setdefault(kind, str(error)[:300])
                conn.close()  # http.client reconnects on the next request
                continue
            if response.status == 201:
                latencies.append(time.perf_counter() - began)
                ok += 1
            else:
                kind = f"http-{response.status}"
                errors[kind] += 1
                samples.setdefault(kind, payload[:300].decode(errors="replace"))
        conn.close()
        tally.merge(ok, latencies, errors, samples)

    return run_clients(clients, seconds, work)


def report(label: str, tally: Tally, wall: float, what: str = "holds") -> float:
    rate = tally.ok / wall if wall else 0.0
    errors = dict(tally.errors) or "none"
    print(
        f"{label}: {tally.ok} {what} in {wall:.2f} s = {rate:.1f} {what}/s; "
        f"p50 {tally.percentile_ms(0.5):.1f} ms, p99 {tally.percentile_ms(0.99):.1f} ms; "
        f"errors: {errors}",
        flush=True,
    )
    for kind, text in tally.samples.items():
        print(f"  {label} {kind}: {text}", flush=True)
    return rate


def check_ledger(app, data: dict, holds: int, deposits: int, amount: int) -> None:
    """The ledger's own checks find nothing (the holds here are bare ledger holds with no
    application behind them, which the full `ledger verify` rightly reports); the grant holds
    exactly the successful holds, the pot exactly the successful deposits."""
    from wallet.books.verify import verify_ledger
    from wallet.ledger.models import Hold, HoldStatus
    from wallet.ledger.services import balance

    with app.app_context():
        problems = verify_ledger()
        bal = balance(data["account_id"])
        pot = balance(data["pot_account_id"])
        pending = session.scalar(
            sa.select(sa.func.count()).where(
                Hold.debit_account_id == data["account_id"], Hold.status == HoldStatus.PENDING
            )
        )
        session.rollback()
    print(
        f"ledger: verify problems={len(problems)}, grant posted={bal.posted_cents} "
        f"held={bal.held_cents} pending holds={pending}, expected holds={holds}; "
        f"pot posted={pot.posted_cents}, expected deposits={deposits}",
        flush=True,
    )
    assert problems == [], problems[:5]
    assert bal.posted_cents == GRANT_CENTS, bal
    assert pending == holds, (pending, holds)
    assert bal.held_cents == holds * amount, (bal.held_cents, holds * amount)
    assert pot.posted_cents == deposits * amount, (pot.posted_cents, deposits * amount)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each phase")
    parser.add_argument("--amount", type=int, default=100, help="cents per hold")
    parser.add_argument("--http-workers", type=int, default=4)
    parser.add_argument("--http-threads", type=int, default=4)
    args = parser.parse_args()
    if not 1 <= args.clients <= 200 or not 0 < args.seconds <= 45:
        sys.exit("Use 1 to 200 clients and at most 45 seconds a phase.")

    create_database_if_missing()
    app = bench_app()
    url = app.config["DATABASE_URL"]
    data = make_data(app, args.amount)

    before = pg_counters(app)
    print(f"direct: {args.clients} clients for {args.seconds:.0f} s ...", flush=True)
    direct, direct_wall = direct_phase(app, data, args.clients, args.seconds, args.amount)
    direct_rate = report("direct", direct, direct_wall)
    middle = pg_counters(app)
    app.extensions["db_engine"].dispose()  # leave the connections to gunicorn

    port = free_port()
    with tempfile.TemporaryFile(mode="w+") as log:
        server = start_gunicorn(url, port, args.http_workers, args.http_threads, log)
        try:
            wait_healthy(port, server)
            print(
                f"http: {args.clients} clients for {args.seconds:.0f} s against gunicorn "
                f"({args.http_workers} workers x {args.http_threads} threads) ...",
                flush=True,
            )
            web, web_wall = http_phase(port, data, args.clients, args.seconds, args.amount)
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        log.seek(0)
        server_log = log.read()
    http_rate = report("http", web, web_wall, "deposits")
    tracebacks = server_log.count("Traceback")
    if tracebacks:
        print(f"gunicorn logged {tracebacks} tracebacks; the last lines:", flush=True)
        print("\n".join(server_log.strip().splitlines()[-15:]), flush=True)
    after = pg_counters(app)

    holds = data["warmup_holds"] + direct.ok
    check_ledger(app, data, holds, web.ok, args.amount)
    direct_errors = sum(direct.errors.values())
    http_errors = sum(web.errors.values())
    print(
        f"RESULT holds_per_second={direct_rate:.1f} deposits_per_second_http={http_rate:.1f} "
        f"clients={args.clients} seconds_per_phase={args.seconds:.0f} "
        f"amount_cents={args.amount} holds_direct={direct.ok} deposits_http={web.ok} "
        f"errors_direct={direct_errors} errors_http={http_errors} "
        f"p99_ms_direct={direct.percentile_ms(0.99):.1f} "
        f"p99_ms_http={web.percentile_ms(0.99):.1f} "
        f"http_workers={args.http_workers}x{args.http_threads} "
        f"pg_rollbacks_direct={middle['rollbacks'] - before['rollbacks']} "
        f"pg_rollbacks_http={after['rollbacks'] - middle['rollbacks']} "
        f"pg_deadlocks={after['deadlocks'] - before['deadlocks']} "
        f"server_tracebacks={tracebacks} ledger_verify=ok"
    )


if __name__ == "__main__":
    main()
