"""Shared set-up for benchmarks: a Leerwallet app on the PostgreSQL database in DATABASE_URL.

The database is emptied and migrated first, so point DATABASE_URL at a database meant for
benchmarks: its name must contain 'bench' (for example leerwallet_bench).
"""

from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wallet import create_app
from wallet.core.migrate import upgrade


def bench_app():
    """A fresh, migrated app on DATABASE_URL (PostgreSQL, a database named *bench*)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        sys.exit(
            "Set DATABASE_URL to a PostgreSQL database, e.g. "
            "postgresql+psycopg://postgres@127.0.0.1:5432/leerwallet_bench"
        )
    if "bench" not in sa.engine.make_url(url).database:
        sys.exit("The benchmark empties its database: use one whose name contains 'bench'.")
    app = create_app({"ENVIRONMENT": "testing", "DATABASE_URL": url})
    with app.app_context():
        engine = app.extensions["db_engine"]
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        upgrade()
    return app


@contextmanager
def timed(label: str, results: dict):
    """Time a block; store seconds under `label` and print them."""
    start = time.perf_counter()
    yield
    results[label] = time.perf_counter() - start
    print(f"{label}: {results[label]:.2f} s", flush=True)


def create_database_if_missing() -> None:
    """Create the database named in DATABASE_URL when the server does not have it yet."""
    url = sa.engine.make_url(os.environ["DATABASE_URL"])
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
        )
        if not exists:
            conn.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()
