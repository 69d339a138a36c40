"""A real S3-compatible server for the document storage tests: moto's server, started as its
own process on 127.0.0.1 at a free port. boto3 talks HTTP to it exactly as it talks to AWS
or MinIO; nothing in boto3 is patched.

`s3_server` (one per test session, started on first use) gives its address and sets dummy
access keys in the environment, which moto accepts and boto3 reads as in production.
`s3_bucket` makes a fresh, empty bucket per test; `documents_in_s3` points the session's
app at that bucket for one test and back to its folder afterwards.
"""

from __future__ import annotations

import functools
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import boto3
import pytest
from flask import Flask

ACCESS_KEY = "leerwallet-test-access"
SECRET_KEY = "leerwallet-test-secret-never-logged"  # moto accepts any key
REGION = "eu-central-1"


def free_port() -> int:
    """A port nothing listens on now (the OS's choice for port 0)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@functools.cache
def _session():
    return boto3.session.Session()


@dataclass(frozen=True)
class S3Server:
    """The running server's address."""

    endpoint_url: str

    def client(self):
        """A boto3 client of its own, to look at the bucket behind the app's back."""
        return _session().client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )


def _wait_until_up(url: str, process: subprocess.Popen, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/moto-api/", timeout=1):  # noqa: S310 - loopback
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("moto server did not answer in time")


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """moto's S3 server in its own process on loopback, with dummy keys in the environment."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    saved = {k: os.environ.get(k) for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    os.environ["AWS_ACCESS_KEY_ID"] = ACCESS_KEY
    os.environ["AWS_SECRET_ACCESS_KEY"] = SECRET_KEY
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_until_up(url, process)
        yield S3Server(url)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture
def s3_bucket(s3_server: S3Server) -> dict:
    """A fresh bucket; the settings that point the app at it."""
    name = f"leerwallet-{uuid.uuid4().hex[:12]}"
    s3_server.client().create_bucket(
        Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    return {
        "STORAGE_BACKEND": "s3",
        "S3_BUCKET": name,
        "S3_ENDPOINT_URL": s3_server.endpoint_url,
        "S3_REGION": REGION,
        "S3_PREFIX": "",
    }


@pytest.fixture
def documents_in_s3(app: Flask, s3_bucket: dict) -> Iterator[dict]:
    """The session's app keeps its documents in the fresh bucket during this test."""
    saved = {name: app.config.get(name) for name in s3_bucket}
    app.config.update(s3_bucket)
    app.extensions.pop("document_storage", None)
    try:
        yield s3_bucket
    finally:
        app.config.update(saved)
        app.extensions.pop("document_storage", None)
