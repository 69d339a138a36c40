"""The outcome of the last `ledger verify`, kept so the metrics can report it between runs.

A small JSON file (LEDGER_VERIFY_RESULT_FILE, default instance/ledger-verify.json): verify
is far too slow to run at every scrape. Written whole through a rename, so a reader never
sees half a file. Several app servers read it from a shared folder, or the operator scrapes
the scheduler's own metrics port (docs/operations.md).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from wallet.core import clock


@dataclass(frozen=True)
class VerifyResult:
    """When verify last ran and how many problems it found, per invariant."""

    finished_at: dt.datetime
    problems: int
    by_invariant: dict[str, int]


def _path() -> Path:
    configured = current_app.config.get("LEDGER_VERIFY_RESULT_FILE")
    return Path(configured or Path(current_app.instance_path) / "ledger-verify.json")


def save(problems: list) -> VerifyResult:
    """Keep the outcome of a verify run that found `problems` (each has `.invariant`)."""
    result = VerifyResult(
        finished_at=clock.now(),
        problems=len(problems),
        by_invariant=dict(Counter(str(problem.invariant) for problem in problems)),
    )
    path = _path()
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "finished_at": result.finished_at.isoformat(),
        "problems": result.problems,
        "by_invariant": result.by_invariant,
    }
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as out:
        json.dump(data, out)
    os.replace(out.name, path)
    return result


def load() -> VerifyResult | None:
    """The last kept outcome; None when verify never ran here or its file is unreadable."""
    try:
        data = json.loads(_path().read_text())
        return VerifyResult(
            finished_at=dt.datetime.fromisoformat(data["finished_at"]),
            problems=int(data["problems"]),
            by_invariant={str(k): int(v) for k, v in data.get("by_invariant", {}).items()},
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
