"""Benchmark: catalogue search at the size of CPF, on SQLite and on PostgreSQL.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/leerwallet_bench \
        .venv/bin/python bench/search.py [--runs 200000] [--queries 60] [--by-course]

For each database: generate the catalogue (200,000 runs), import a CSV of 1,000 courses to
measure the import rate, then run a fixed mixed set of searches (text plus three filters,
as a logged-in worker with grants, so every hit carries its funding plan) and print p50
and p95. Goal: p95 under 50 ms on both.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import tempfile
import time
from pathlib import Path

from _common import bench_app, create_database_if_missing

from wallet import create_app
from wallet.core.migrate import upgrade

TEXTS = [
    "lassen",
    "warmtepomp",
    "python",
    "verzorgende",
    "heftruck",
    "dementie",
    "cnc",
    "timmeren",
    "data analyse",
    "code 95",
    "plc",
    "zonnepanelen",
]
REGIONS = {"Twente": None, "Stedendriehoek": None, "Regio Zwolle": None}


def sqlite_app(folder: Path):
    """A fresh, migrated app on a SQLite file."""
    app = create_app({"ENVIRONMENT": "testing", "DATABASE_URL": f"sqlite:///{folder / 'b.db'}"})
    with app.app_context():
        upgrade()
    return app


def import_csv(courses: int) -> bytes:
    """A CSV catalogue of `courses` courses with two runs each."""
    start = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=30)
    lines = [
        "course_code;title_nl;description_nl;kind;sector;hours;modality;language;"
        "municipality;price;vat;run_code;starts_on;ends_on;seats"
    ]
    for i in range(courses):
        for run in (1, 2):
            day = start + dt.timedelta(days=i % 300 + run)
            lines.append(
                f"IMP-{i};Importcursus {i} lassen;Beschrijving {i};short_course;techniek;40;"
                f"classroom;nl;enschede;{900 + i % 500},00;exempt;R{run};{day};{day};12"
            )
    return ("\n".join(lines) + "\n").encode()


def queries(count: int, by_course: bool = False) -> list:
    """A fixed, mixed set: text plus three filters each (place, level or kind, and price)."""
    from wallet.catalogue.search import SearchQuery
    from wallet.reference import municipalities

    by_region = {}
    for code, municipality in municipalities().items():
        by_region.setdefault(municipality.region or "Gelderland", []).append(code)
    rng = random.Random(42)
    mix = []
    for i in range(count):
        region = rng.choice(list(REGIONS))
        third = (
            {"nlqf_min": 2, "nlqf_max": 4}
            if i % 3 == 0
            else {"kinds": (rng.choice(["certificate", "short_course", "mbo_bbl"]),)}
            if i % 3 == 1
            else {"modality": rng.choice(["classroom", "online", "blended"])}
        )
        mix.append(
            SearchQuery(
                text=rng.choice(TEXTS),
                municipality_codes=tuple(by_region[region]),
                price_max_cents=rng.choice([100_000, 250_000, 500_000]),
                sort=rng.choice(["relevance", "start", "price", "copay"]),
                by_course=by_course,
                **third,
            )
        )
    return mix


def measure(app, label: str, runs: int, query_count: int, by_course: bool = False) -> dict:
    """Generate, import and search on one app; the figures in a dict."""
    from wallet.accounts.services import WorkerRegistration, register_worker
    from wallet.catalogue.generator import generate
    from wallet.catalogue.imports import import_courses
    from wallet.catalogue.search import search
    from wallet.core.db import session, unit_of_work
    from wallet.funding.services import worker_grant_facts
    from wallet.funds.services import create_fund, deposit
    from wallet.grants.granting import grant_to_worker
    from wallet.providers.models import Provider, ProviderStatus
    from wallet.schemes.services import SchemeTerms, activate_scheme, define_scheme

    figures = {}
    with app.app_context():
        started = time.perf_counter()
        generate(runs, seed=1)
        figures["generate_s"] = time.perf_counter() - started
        with unit_of_work() as db:
            provider = Provider(
                name="Import BV", kvk_number="77777777", status=ProviderStatus.ACCREDITED
            )
            db.add(provider)
        data = import_csv(1000)
        started = time.perf_counter()
        import_courses(provider.id, "import.csv", data, actor_id=None)
        figures["import_runs_per_s"] = 2000 / (time.perf_counter() - started)
        worker = register_worker(
            WorkerRegistration(
                name="Bench",
                email="bench@example.nl",
                password="bench-password-1",
                date_of_birth=dt.date(1985, 1, 1),
                municipality_code="enschede",
                employment_status="employed",
                sector="techniek",
                occupation="Operator",
                education_level=3,
                target_occupation="Lasser",
            )
        )
        fund = create_fund("Benchfonds")
        deposit(fund.id, 1_000_000_00, reference="bench")
        for amount, share in ((150_000, 10_000), (100_000, 5_000)):
            terms = SchemeTerms(
                name=f"Regeling {amount}",
                allocation_mode="manual",
                amount_cents=amount,
                validity_months=24,
                rules={"co_funding_bps": share},
            )
            scheme = activate_scheme(define_scheme(fund.id, terms).id)
            grant_to_worker(scheme.id, worker.id, actor_id=None)
        mix = queries(query_count, by_course)
        timings, hits = [], 0
        for query in mix[:10]:  # warm up caches
            search(query, worker_grant_facts(worker.id))
            session.rollback()
        for query in mix:
            started = time.perf_counter()
            page = search(query, worker_grant_facts(worker.id))
            timings.append((time.perf_counter() - started) * 1000)
            session.rollback()
            hits += page.total
    timings.sort()
    figures["p50_ms"] = statistics.median(timings)
    figures["p95_ms"] = timings[int(len(timings) * 0.95) - 1]
    figures["avg_matches"] = hits / len(mix)
    print(f"{label}: " + ", ".join(f"{k}={v:.1f}" for k, v in figures.items()), flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200_000)
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument(
        "--by-course",
        action="store_true",
        help="one hit per course with its next runs, as the search page asks",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        sqlite = measure(
            sqlite_app(Path(folder)), "sqlite", args.runs, args.queries, args.by_course
        )
    create_database_if_missing()
    postgres = measure(bench_app(), "postgresql", args.runs, args.queries, args.by_course)
    print(
        f"RESULT search_p95_ms_sqlite={sqlite['p95_ms']:.1f} "
        f"search_p95_ms_postgresql={postgres['p95_ms']:.1f} "
        f"search_p50_ms_sqlite={sqlite['p50_ms']:.1f} "
        f"search_p50_ms_postgresql={postgres['p50_ms']:.1f} "
        f"import_runs_per_s_sqlite={sqlite['import_runs_per_s']:.0f} "
        f"import_runs_per_s_postgresql={postgres['import_runs_per_s']:.0f} runs={args.runs}"
        + (" by_course=1" if args.by_course else "")
    )


if __name__ == "__main__":
    main()
