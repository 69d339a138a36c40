"""A lean HTTP/1.1 load generator on asyncio streams, and gunicorn started for a benchmark.

The load generator shares two cores with the app and the database, so it is kept as cheap
as a client can be: one keep-alive connection per concurrent client, requests written as
bytes, responses read by Content-Length. No third-party client library is needed.
"""

from __future__ import annotations

import asyncio
import http.client
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "bench-only-secret-key-" + "x" * 42  # production wants >= 32 characters


@dataclass
class Answer:
    """One response: status, headers (lower-case names), body, and when it completed."""

    status: int
    headers: dict[str, str]
    body: bytes
    began: float
    ended: float

    @property
    def seconds(self) -> float:
        return self.ended - self.began


@dataclass
class Connection:
    """One keep-alive connection to 127.0.0.1:port; reconnects when the server closed it."""

    port: int
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    reconnects: int = field(default=0)

    async def _open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.reconnects += 1

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None

    async def request(self, method: str, path: str, headers: dict, body: bytes = b"") -> Answer:
        if self.writer is None:
            await self._open()
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        began = time.perf_counter()
        self.writer.write(raw)
        status_line = await self.reader.readline()
        if not status_line:  # the server closed an idle keep-alive connection: once more
            await self.close()
            await self._open()
            began = time.perf_counter()
            self.writer.write(raw)
            status_line = await self.reader.readline()
        status = int(status_line.split(b" ", 2)[1])
        answer_headers: dict[str, str] = {}
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _sep, value = line.decode("latin-1").partition(":")
            name = name.strip().lower()
            value = value.strip()
            if name == "set-cookie" and name in answer_headers:
                value = answer_headers[name] + "\n" + value
            answer_headers[name] = value
        length = int(answer_headers.get("content-length", "0"))
        payload = await self.reader.readexactly(length) if length else b""
        if answer_headers.get("connection", "").lower() == "close":
            await self.close()
        return Answer(status, answer_headers, payload, began, time.perf_counter())


def percentile_ms(seconds: list[float], fraction: float) -> float:
    """The `fraction` percentile of latencies in seconds, in milliseconds."""
    if not seconds:
        return 0.0
    ordered = sorted(seconds)
    return 1000 * ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def production_env(database_url: str, **extra: str) -> dict:
    """The production settings (WALLET_ENV=production) on loopback for a benchmark."""
    return dict(
        os.environ,
        WALLET_ENV="production",
        DATABASE_URL=database_url,
        SECRET_KEY=SECRET_KEY,
        BASE_URL="https://leerwallet.bench.example",
        **extra,
    )


def start_gunicorn(
    app: str, port: int, workers: int, threads: int, env: dict, log, connections: int = 1000
) -> subprocess.Popen:
    """gunicorn with gthread workers on 127.0.0.1:port, serving `app` (module:callable).

    `connections` is gunicorn's --worker-connections: the keep-alive clients one worker
    takes at most. At its default (1000) the worker that accepts first keeps every client
    of a rush and the others idle; ceil(clients / workers) spreads them over all workers.
    """
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        "gthread",
        "--worker-connections",
        str(connections),
        "--keep-alive",
        "30",
        "--backlog",
        "4096",
        "--log-level",
        "warning",
        app,
    ]
    return subprocess.Popen(
        command,
        cwd=ROOT / "bench" if app.startswith("bare") else ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )


def wait_healthy(port: int, server: subprocess.Popen, path: str = "/healthz") -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                conn.close()
                return
            conn.close()
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer in time")


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def worker_pids(server: subprocess.Popen) -> list[int]:
    """The gunicorn master's worker processes."""
    try:
        text = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text()
    except OSError:
        return []
    return [int(pid) for pid in text.split()]


def rss_mb(pid: int) -> float:
    """Resident memory of one process in MB (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])
