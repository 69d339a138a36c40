"""Counts the API fuzzing's requests and reports them at the end of the run."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask, request, request_finished, request_started

FUZZ_REQUESTS = pytest.StashKey[dict]()


class FuzzCounter:
    """Counts the requests the app answers under /api/v1 while fuzzing, per operation."""

    def __init__(self) -> None:
        self.total = 0
        self.operations: set[str] = set()
        self.statuses: Counter[str] = Counter()

    def _started(self, _sender, **_extra) -> None:
        if request.path.startswith("/api/v1/"):
            self.total += 1
            if request.url_rule is not None:
                self.operations.add(f"{request.method} {request.url_rule}")

    def _finished(self, _sender, response, **_extra) -> None:
        if request.path.startswith("/api/v1/"):
            self.statuses[f"{response.status_code // 100}xx"] += 1

    @contextmanager
    def counting(self, app: Flask) -> Iterator[Flask]:
        """Count the app's requests inside the block only (other tests use the same app)."""
        request_started.connect(self._started, app)
        request_finished.connect(self._finished, app)
        try:
            yield app
        finally:
            request_started.disconnect(self._started, app)
            request_finished.disconnect(self._finished, app)


@pytest.fixture(scope="session")
def fuzz_counter(pytestconfig) -> FuzzCounter:
    """One counter for the whole run; its total is printed in the terminal summary."""
    counter = FuzzCounter()
    pytestconfig.stash[FUZZ_REQUESTS] = counter
    return counter


def pytest_terminal_summary(terminalreporter, config) -> None:
    """The number of requests the API fuzzing sent, for the record."""
    counter = config.stash.get(FUZZ_REQUESTS, None)
    if counter is not None and counter.total:
        terminalreporter.write_line(
            f"API fuzzing: {counter.total} requests to the app "
            f"({len(counter.operations)} routes reached; answers "
            f"{', '.join(f'{k}: {v}' for k, v in sorted(counter.statuses.items()))})"
        )
