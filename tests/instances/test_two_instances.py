"""Several instances: two gunicorn app servers and two schedulers on one PostgreSQL database.

Real processes, as in production (docs/operations.md, "Production layout"): what one app
server writes, the other shows; a document uploaded through one downloads through the other
(a shared UPLOAD_FOLDER); a session made on one is valid on the other (sessions live in the
database); and of two schedulers firing the same run, exactly one does it.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from tests.claims.conftest import pdf
from tests.conftest import PASSWORD
from tests.twofactor.signin import code_for
from wallet.claims.models import Claim
from wallet.core import clock
from wallet.scheduler.locks import JobRun

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
JOB = "expire-sessions"  # harmless: deletes sessions that ran out, none of the test's


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _environment(app, tmp_path: Path) -> dict[str, str]:
    """What every process is told: one database, one secret, one upload folder."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "WALLET_ENV": "development",
        "DATABASE_URL": app.config["DATABASE_URL"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        # The authenticator secrets the test's factories sealed (wallet.twofactor.vault).
        "SECOND_FACTOR_KEY": app.config.get("SECOND_FACTOR_KEY") or app.config["SECRET_KEY"],
        "UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"],
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
        "DATABASE_POOL_SIZE": "2",
        # The test's job every second; the others keep their own times.
        "SCHEDULER_CRON": json.dumps({JOB: {"second": "*"}}),
    }


class Processes:
    """The processes a test started, each with its log file; all stopped at the end."""

    def __init__(self, env: dict[str, str], folder: Path) -> None:
        self.env = env
        self.folder = folder
        self.started: list[tuple[subprocess.Popen, Path]] = []

    def start(self, name: str, *args: str) -> Path:
        log = self.folder / f"{name}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", *args],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started.append((process, log))
        return log

    def stop(self, log: Path | None = None) -> None:
        for process, its_log in self.started:
            if log not in (None, its_log) or process.poll() is not None:
                continue
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def logs(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text()[-3000:]}" for _p, log in self.started)


@pytest.fixture
def processes(app, tmp_path) -> Iterator[Processes]:
    started = Processes(_environment(app, tmp_path), tmp_path)
    try:
        yield started
    finally:
        started.stop()


def _wait_for(check: Callable[[], bool], what: str, processes: Processes, seconds: float = 45):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        if any(process.poll() is not None for process, _log in processes.started):
            break
        time.sleep(0.2)
    pytest.fail(f"{what} did not happen\n{processes.logs()}")


def _answers(base: str) -> bool:
    try:
        return requests.get(f"{base}/readyz", timeout=5).status_code == 200
    except requests.RequestException:
        return False


def _start_app_server(processes: Processes, name: str) -> str:
    port = _free_port()
    # The sample configuration of docs/operations.md, one worker each to start quickly.
    processes.start(
        name,
        "gunicorn",
        "--config",
        "deploy/gunicorn.conf.py",
        "--workers",
        "1",
        "--bind",
        f"127.0.0.1:{port}",
        "wsgi:app",
    )
    return f"http://127.0.0.1:{port}"


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, html[:2000]
    return match.group(1)


def _hidden_fields(html: str) -> dict[str, str]:
    """The hidden inputs of a page's forms (CSRF token, one-time key), as a browser sends."""
    fields = {}
    for tag in re.findall(r"<input [^>]*>", html):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if 'type="hidden"' in tag and name and value:
            fields.setdefault(name.group(1), value.group(1))
    return fields


def _sign_in(app, base: str, user) -> requests.Session:
    """Sign in through the forms of the app server at `base`, second step included."""
    browser = requests.Session()
    form = browser.get(f"{base}/login")
    data = {"email": user.email, "password": PASSWORD, "csrf_token": _csrf(form.text)}
    answer = browser.post(f"{base}/login", data=data, allow_redirects=False)
    assert answer.status_code == 302, answer.text
    if answer.headers["Location"].endswith("/login/second-factor"):
        step = browser.get(f"{base}/login/second-factor")
        data = {"code": code_for(app, user.email), "csrf_token": _csrf(step.text)}
        answer = browser.post(f"{base}/login/second-factor", data=data, allow_redirects=False)
        assert answer.status_code == 302, answer.text
    return browser


def _moved_to(session_on_a: requests.Session) -> requests.Session:
    """A second browser holding only the cookies the first got from server A."""
    other = requests.Session()
    other.cookies.update(session_on_a.cookies)
    return other


def _job_lines(log: Path) -> list[dict]:
    lines = []
    for text in log.read_text().splitlines():
        try:
            line = json.loads(text)
        except ValueError:
            continue
        if isinstance(line, dict) and line.get("job") == JOB and "slot" in line:
            lines.append(line)
    return lines


def test_two_app_servers_and_two_schedulers_share_one_database(app, db, processes, make_journey):
    journey = make_journey()
    clock.set_now(None)  # the servers keep real time; so do the authenticator codes here
    a = _start_app_server(processes, "app-a")
    b = _start_app_server(processes, "app-b")
    schedulers = [
        processes.start(f"scheduler-{n}", "flask", "--app", "wallet", "scheduler", "run")
        for n in (1, 2)
    ]
    _wait_for(lambda: _answers(a) and _answers(b), "both app servers answering", processes)

    # A provider signs in on A and invoices the worker's course, uploading the PDF there.
    provider_on_a = _sign_in(app, a, journey["staff"])
    application_id = journey["application"].id
    form = provider_on_a.get(f"{a}/provider/applications/{application_id}/claim")
    assert form.status_code == 200, form.text
    invoice = pdf("factuur op A")
    sent = provider_on_a.post(
        f"{a}/provider/applications/{application_id}/claim",
        data={
            **_hidden_fields(form.text),
            "kind": "final",
            "invoice_number": "TWEE-1",
            "invoice_date": "2026-01-05",
            "amount": "2.400,00",
            "vat": "0,00",
            "description": "Lascursus",
            "attendance_pct": "88",
        },
        files={"invoice_pdf": ("factuur.pdf", invoice, "application/pdf")},
        allow_redirects=False,
    )
    assert sent.status_code == 302, sent.text
    claim = db.scalar(sa.select(Claim))

    # B knows the session A made, shows the claim A stored, and serves the file A received.
    provider_on_b = _moved_to(provider_on_a)
    assert claim.reference in provider_on_b.get(f"{b}/provider/claims").text
    download = provider_on_b.get(f"{b}/claims/{claim.id}/files/invoice")
    assert download.status_code == 200
    assert download.content == invoice
    anonymous = requests.get(
        f"{b}/claims/{claim.id}/files/invoice", allow_redirects=False, timeout=10
    )
    assert anonymous.status_code in (302, 401, 403)  # and without the session, nothing

    # The worker signs in on B; A knows that session and shows their application.
    worker_on_a = _moved_to(_sign_in(app, b, journey["worker"]))
    applications = worker_on_a.get(f"{a}/applications")
    assert applications.status_code == 200
    assert "Basiscursus MIG/MAG-lassen" in applications.text

    # Signing out on A ends the session on B too.
    provider_on_a.post(f"{a}/logout", data={"csrf_token": _csrf(provider_on_a.get(f"{a}/").text)})
    gone = provider_on_b.get(f"{b}/provider/claims", allow_redirects=False)
    assert gone.status_code == 302
    assert "/login" in gone.headers["Location"]

    # Both schedulers fire the every-second job; let them run side by side for a while.
    _wait_for(
        lambda: all("Scheduler started" in log.read_text() for log in schedulers),
        "both schedulers started",
        processes,
    )
    both_running_from = time.time()
    time.sleep(6)
    stopping_at = time.time()
    for log in schedulers:
        processes.stop(log)

    lines = [line for log in schedulers for line in _job_lines(log)]
    finished = Counter(line["slot"] for line in lines if "finished" in line["message"])
    skipped = Counter(line["slot"] for line in lines if "skipped" in line["message"])
    runs = db.scalars(sa.select(JobRun).where(JobRun.job == JOB)).all()
    ran_slots = {run.slot.isoformat() for run in runs}
    assert len(runs) >= 4, processes.logs()
    # Every run done is a row, once; no slot ran twice; the two schedulers competed.
    assert set(finished) == ran_slots
    assert max(finished.values()) == 1, finished
    assert {run.owner for run in runs} <= {
        f"{socket.gethostname()}:{pid}" for pid in _pids(processes, schedulers)
    }
    # Once both had started, each slot was fired twice: run by one, skipped by the other.
    together = {slot for slot in finished if both_running_from + 1 < _epoch(slot) < stopping_at - 1}
    assert len(together) >= 3
    assert all(skipped[slot] == 1 for slot in together), (finished, skipped)


def _pids(processes: Processes, logs: list[Path]) -> list[int]:
    return [process.pid for process, log in processes.started if log in logs]


def _epoch(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso).timestamp()
