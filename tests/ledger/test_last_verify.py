"""The last `ledger verify` is a row in the shared database: every host reads the same run."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from wallet.core import clock
from wallet.core.db import session
from wallet.ledger import last_verify
from wallet.ledger.last_verify import LedgerVerifyRun


@dataclass(frozen=True)
class Found:
    invariant: str
    detail: str = ""


def test_nothing_is_reported_before_verify_ran(app_ctx):
    assert last_verify.load() is None


def test_a_run_is_stored_with_its_findings_per_invariant(app_ctx):
    started = clock.now() - dt.timedelta(seconds=30)
    last_verify.save([Found("balanced"), Found("balanced"), Found("holds")], started)

    run = session.scalars(sa.select(LedgerVerifyRun)).one()
    assert (run.ok, run.findings, run.summary) == (False, 3, {"balanced": 2, "holds": 1})
    assert run.started_at == started
    assert run.finished_at >= started


def test_the_newest_run_is_the_one_reported(app_ctx):
    last_verify.save([Found("balanced")])
    with clock.frozen_at(clock.now() + dt.timedelta(hours=1)):
        last_verify.save([])
    result = last_verify.load()
    assert result is not None
    assert (result.problems, result.by_invariant) == (0, {})
    assert session.scalars(sa.select(LedgerVerifyRun.ok).order_by(LedgerVerifyRun.id)).all() == [
        False,
        True,
    ]


def test_another_host_reads_the_run_from_the_database(app, db):
    with app.app_context():
        last_verify.save([Found("balanced")])
    # A second process knows nothing but the database: a fresh app context reads the row.
    with app.app_context():
        result = last_verify.load()
    assert result is not None
    assert result.problems == 1
    assert db.scalar(sa.select(sa.func.count()).select_from(LedgerVerifyRun)) == 1


def test_only_the_last_runs_are_kept(app_ctx, monkeypatch):
    monkeypatch.setattr(last_verify, "KEEP", 3)
    for _ in range(5):
        last_verify.save([])
    assert session.scalar(sa.select(sa.func.count()).select_from(LedgerVerifyRun)) == 3
