"""The bare reference for bench/rush.py: a tiny Flask + psycopg app with the same guarded
statement and nothing else (no session, no CSRF, no ledger, no audit).

    gunicorn bare:app   (run by bench/rush.py from bench/, DATABASE_URL set)

POST /apply/<user_id> does, in one transaction, UPDATE bare_schemes SET committed = committed
+ amount WHERE id = 1 AND committed + amount <= cap, and on success INSERT a bare grant; it
answers 302 like the real form. What rush.py reports as `ratio` is the product's requests
per second over this app's, measured on the same machine in the same run.
"""

from __future__ import annotations

import os
import threading

import psycopg
from flask import Flask, redirect

app = Flask(__name__)
_local = threading.local()


def _connection() -> psycopg.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None or conn.closed:
        url = os.environ["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
        conn = _local.conn = psycopg.connect(url)
    return conn


SCHEMA = """
DROP TABLE IF EXISTS bare_grants;
DROP TABLE IF EXISTS bare_schemes;
CREATE TABLE bare_schemes (id int PRIMARY KEY, amount_cents bigint NOT NULL,
  cap_cents bigint NOT NULL, committed_cents bigint NOT NULL DEFAULT 0,
  CHECK (committed_cents <= cap_cents));
CREATE TABLE bare_grants (id bigserial PRIMARY KEY, scheme_id int NOT NULL,
  user_id bigint NOT NULL, amount_cents bigint NOT NULL, granted_at timestamptz NOT NULL,
  UNIQUE (scheme_id, user_id));
"""


def prepare(url: str, amount_cents: int, cap: int) -> None:
    """Fresh bare tables: one scheme for `cap` grants of `amount_cents`."""
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        conn.execute(SCHEMA)
        conn.execute(
            "INSERT INTO bare_schemes VALUES (1, %s, %s, 0)", (amount_cents, cap * amount_cents)
        )


@app.get("/healthz")
def healthz():
    return "ok"


@app.post("/apply/<int:user_id>")
def apply(user_id: int):
    conn = _connection()
    with conn.transaction():
        row = conn.execute(
            "UPDATE bare_schemes SET committed_cents = committed_cents + amount_cents "
            "WHERE id = 1 AND committed_cents + amount_cents <= cap_cents "
            "RETURNING amount_cents"
        ).fetchone()
        if row is not None:
            conn.execute(
                "INSERT INTO bare_grants (scheme_id, user_id, amount_cents, granted_at) "
                "VALUES (1, %s, %s, now())",
                (user_id, row[0]),
            )
    return redirect("/")
