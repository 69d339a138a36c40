"""The outcome of the last `ledger verify`, kept so the metrics can report it between runs.

Verify is far too slow to run at every scrape. Each run inserts one row into
ledger_verify_runs, in the database every app server and scheduler shares, so each
host's /metrics reports the same last run, wherever it ran; the last KEEP runs are kept.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from wallet.core import clock
from wallet.core.db import Base, UTCDateTime, session, unit_of_work

KEEP = 100  # runs kept: a nightly run's history of three months


class LedgerVerifyRun(Base):
    """One run of `ledger verify`: when, whether every invariant held, what it found."""

    __tablename__ = "ledger_verify_runs"
    __table_args__ = (sa.CheckConstraint("findings >= 0", name="findings_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    ok: Mapped[bool]
    findings: Mapped[int]
    # Problems found per invariant, e.g. {"balanced": 1}; empty when ok.
    summary: Mapped[dict] = mapped_column(sa.JSON, default=dict)


@dataclass(frozen=True)
class VerifyResult:
    """When verify last ran and how many problems it found, per invariant."""

    finished_at: dt.datetime
    problems: int
    by_invariant: dict[str, int]


def save(problems: list, started_at: dt.datetime | None = None) -> VerifyResult:
    """Keep the outcome of a verify run that found `problems` (each has `.invariant`)."""
    finished_at = clock.now()
    result = VerifyResult(
        finished_at=finished_at,
        problems=len(problems),
        by_invariant=dict(Counter(str(problem.invariant) for problem in problems)),
    )
    with unit_of_work() as db:
        run = LedgerVerifyRun(
            started_at=started_at or finished_at,
            finished_at=finished_at,
            ok=not problems,
            findings=result.problems,
            summary=result.by_invariant,
        )
        db.add(run)
        db.flush()
        db.execute(sa.delete(LedgerVerifyRun).where(LedgerVerifyRun.id <= run.id - KEEP))
    return result


def load() -> VerifyResult | None:
    """The newest kept outcome; None when verify never ran."""
    run = session.scalar(
        sa.select(LedgerVerifyRun)
        .order_by(LedgerVerifyRun.finished_at.desc(), LedgerVerifyRun.id.desc())
        .limit(1)
    )
    if run is None:
        return None
    return VerifyResult(
        finished_at=run.finished_at,
        problems=run.findings,
        by_invariant={str(k): int(v) for k, v in (run.summary or {}).items()},
    )
