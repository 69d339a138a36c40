"""Counts the API fuzzing's requests and reports them at the end of the run."""

from __future__ import annotations

from collections import Counter

import pytest
from flask import Flask, request, request_finished, request_started

FUZZ_REQUESTS = pytest.StashKey[dict]()


class FuzzCounter:
    """Counts the requests the app answers under /api/v1 while fuzzing, per operation."""

    def __init__(self) -> None:
        self.total = 0
        self.operations: set[str] = set()
        self._apps: list[Flask] = []
        self.statuses: Counter[str] = Counter()

    def _started(self, _sender, **_extra) -> None:
        if request.path.startswith("/api/v1/"):
            self.total += 1
            if request.url_rule is not None:
                self.operations.add(f"{request.method} {request.url_rule}")

    def _finished(self, _sender, response, **_extra) -> None:
        if request.path.startswith("/api/v1/"):
            self.statuses[f"{response.status_code // 100}xx"] += 1

    def wrap(self, app: Flask) -> Flask:
        """Count this app's requests from now on."""
        if not request_started.has_receivers_for(app) or app not in self._apps:
            request_started.connect(self._started, app, weak=False)
            request_finished.connect(self._finished, app, weak=False)
            self._apps.append(app)
        return app


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
