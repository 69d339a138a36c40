"""Benchmark: password sign-ins per second through the real login form (issue 15).

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/leerwallet_bench \
        .venv/bin/python bench/login.py [--logins 400] [--concurrency 8] [--app-workers 2]

Workers are made set-based with one argon2id hash at the parameters Leerwallet ships
(config: ARGON2_*), reused. Each sign-in is what a browser does: GET /login (a session
cookie and the CSRF token from the page), then POST /login with e-mail address and password,
answered 302. gunicorn runs the production settings on 127.0.0.1; the per-address login
limit is raised for the run, since every client here comes from 127.0.0.1.

Prints: RESULT logins_per_s=... p50_ms=... p99_ms=... argon2=t/m/p
"""

from __future__ import annotations

import argparse
import asyncio
import re
import tempfile
import time
from urllib.parse import quote

from _common import bench_app, create_database_if_missing
from _load import (
    Connection,
    free_port,
    load_average,
    percentile_ms,
    production_env,
    start_gunicorn,
    stop,
    wait_healthy,
)
from rush import PASSWORD, make_workers, shipped_hash

CSRF = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')


async def sign_in_all(port: int, count: int, concurrency: int, results: dict) -> None:
    numbers = iter(range(1, count + 1))

    async def client() -> None:
        conn = Connection(port)
        for number in numbers:
            page = await conn.request("GET", "/login", {"Accept": "text/html"})
            cookie = "; ".join(
                line.split(";", 1)[0] for line in page.headers.get("set-cookie", "").splitlines()
            )
            match = CSRF.search(page.body)
            if page.status != 200 or not cookie or match is None:
                results["errors"] += 1
                results.setdefault("sample", f"GET /login {page.status} {page.body[:200]!r}")
                continue
            body = (
                f"csrf_token={quote(match.group(1).decode())}&next="
                f"&email={quote(f'worker{number}@bench.example')}&password={quote(PASSWORD)}"
            ).encode()
            headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
            answer = await conn.request("POST", "/login", headers, body)
            if answer.status == 302 and "session=" in answer.headers.get("set-cookie", ""):
                results["latencies"].append(answer.ended - page.began)
            else:
                results["errors"] += 1
                results.setdefault("sample", f"POST /login {answer.status} {answer.headers}")
        await conn.close()

    await asyncio.gather(*(client() for _ in range(concurrency)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--logins", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--app-workers", type=int, default=2)
    parser.add_argument("--app-threads", type=int, default=4)
    args = parser.parse_args()

    create_database_if_missing()
    app = bench_app()
    url = app.config["DATABASE_URL"]
    with app.app_context():
        password_hash = shipped_hash(PASSWORD)
        make_workers(args.logins, password_hash)
        params = password_hash.split("$")[3]  # m=...,t=...,p=...
    app.extensions["db_engine"].dispose()
    env = production_env(url, LOGIN_RATE_LIMIT="1000000 per minute")
    port = free_port()
    results: dict = {"latencies": [], "errors": 0}
    with tempfile.TemporaryFile(mode="w+") as log:
        server = start_gunicorn("wsgi:app", port, args.app_workers, args.app_threads, env, log)
        try:
            wait_healthy(port, server)
            began = time.perf_counter()
            asyncio.run(sign_in_all(port, args.logins, args.concurrency, results))
            wall = time.perf_counter() - began
        finally:
            stop(server)
        log.seek(0)
        tracebacks = log.read().count("Traceback")
    done, latencies = len(results["latencies"]), results["latencies"]
    if "sample" in results:
        print(f"first error: {results['sample']}", flush=True)
    print(
        f"RESULT logins_per_s={done / wall:.1f} p50_ms={percentile_ms(latencies, 0.5):.0f}"
        f" p99_ms={percentile_ms(latencies, 0.99):.0f} logins={done} "
        f"errors={results['errors']} tracebacks={tracebacks} argon2={params} "
        f"app={args.app_workers}x{args.app_threads} concurrency={args.concurrency} "
        f"load={load_average().replace(' ', '/')}"
    )


if __name__ == "__main__":
    main()
