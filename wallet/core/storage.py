"""Document storage: invoices, certificates and e-invoices kept by key, in one place for every
app server.

Two backends behind one small interface: a local folder (UPLOAD_FOLDER, the default) and
any S3-compatible object store (STORAGE_BACKEND=s3: S3_BUCKET, S3_ENDPOINT_URL, S3_REGION,
S3_PREFIX; the access keys come from boto3's own chain, e.g. AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY in the environment, and never pass through the app's settings or logs).

Keys are made by the code, never from a name a user chose (claims name files by the SHA-256
of their content): `KEY` admits lowercase letters, digits, `-`, `_` and `.` in segments
separated by `/`, each starting with a letter or digit, so no key climbs out of the folder.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import threading
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any, Protocol

from flask import Flask, Response, abort, current_app, send_file
from flask_babel import gettext as _

from wallet.core.errors import DomainError

log = logging.getLogger(__name__)

KEY = re.compile(r"^[a-z0-9][a-z0-9._-]{0,127}(/[a-z0-9][a-z0-9._-]{0,127}){0,3}$")
BACKENDS = ("local", "s3")


class DocumentMissing(LookupError):
    """No document is stored under this key."""


class StorageUnavailable(DomainError):
    """The document store cannot be reached or refuses to write; try again later."""

    status = 503
    title = "Service Unavailable"
    code = "storage-unavailable"


def check_key(key: str) -> str:
    """The key when it is one of ours; ValueError for anything that could name another path."""
    if not isinstance(key, str) or not KEY.match(key) or ".." in key:
        raise ValueError(f"not a document key: {key!r}")
    return key


class DocumentStorage(Protocol):
    """Where documents are kept: put, get, exists, delete and a stream for downloads."""

    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...

    def open(self, key: str) -> tuple[IO[bytes], int]:
        """A readable stream of the document and its size in bytes."""
        ...


class LocalStorage:
    """Documents as files in one folder: the default, and a shared volume with several servers."""

    def __init__(self, folder: str | os.PathLike) -> None:
        self.folder = Path(folder)

    def _path(self, key: str) -> Path:
        return self.folder / check_key(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        target = self._path(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            # Written aside, then renamed: a reader never sees half a file.
            partial = target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex}.part")
            partial.write_bytes(data)
            partial.replace(target)
        except OSError as error:
            log.exception("storage: cannot write %s in %s", key, self.folder)
            raise _unavailable() from error

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise DocumentMissing(key) from None
        except OSError as error:
            log.exception("storage: cannot read %s in %s", key, self.folder)
            raise _unavailable() from error

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink(missing_ok=True)
        except OSError as error:
            raise _unavailable() from error

    def open(self, key: str) -> tuple[IO[bytes], int]:
        try:
            stream = self._path(key).open("rb")
        except FileNotFoundError:
            raise DocumentMissing(key) from None
        except OSError as error:
            raise _unavailable() from error
        return stream, os.fstat(stream.fileno()).st_size


_SESSION_LOCK = threading.Lock()


@functools.cache
def _boto_session():
    # One session per process: it reads the service descriptions once (about a second).
    import boto3

    return boto3.session.Session()


class S3Storage:
    """Documents as objects in an S3-compatible bucket (AWS S3, MinIO, Ceph, ...)."""

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        prefix: str = "",
    ) -> None:
        from botocore.config import Config

        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        config = Config(
            connect_timeout=3,
            read_timeout=20,
            retries={"mode": "standard", "max_attempts": 3},
            # A self-hosted store behind one address knows no bucket subdomains.
            s3={"addressing_style": "path" if endpoint_url else "auto"},
        )
        # No keys passed here: boto3 reads them from the environment or the instance role.
        with _SESSION_LOCK:  # a boto3 session is not thread-safe while it makes clients
            self.client = _boto_session().client(
                "s3", endpoint_url=endpoint_url, region_name=region, config=config
            )

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    def _call(self, action: str, key: str, **kwargs):
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, action)(Bucket=self.bucket, Key=self._key(key), **kwargs)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            # A HEAD answer has no body: its code is the bare status.
            if code in ("NoSuchKey", "NotFound", "404"):
                raise DocumentMissing(key) from None
            log.error("storage: %s %s in bucket %s failed: %s", action, key, self.bucket, code)
            raise _unavailable() from error
        except BotoCoreError as error:
            log.error(
                "storage: %s %s in bucket %s failed: %s",
                action,
                key,
                self.bucket,
                type(error).__name__,
            )
            raise _unavailable() from error

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self._call("put_object", key, Body=data, ContentType=content_type)

    def get(self, key: str) -> bytes:
        body = self._call("get_object", key)["Body"]
        try:
            return body.read()
        finally:
            body.close()

    def exists(self, key: str) -> bool:
        try:
            self._call("head_object", key)
        except DocumentMissing:
            return False
        return True

    def delete(self, key: str) -> None:
        self._call("delete_object", key)

    def open(self, key: str) -> tuple[IO[bytes], int]:
        answer = self._call("get_object", key)
        return answer["Body"], int(answer["ContentLength"])


def _unavailable() -> StorageUnavailable:
    return StorageUnavailable(
        _("Documents cannot be stored or read right now. Please try again in a few minutes.")
    )


def make_storage(config: Mapping[str, Any]) -> DocumentStorage:
    """The backend the settings choose."""
    backend = (config.get("STORAGE_BACKEND") or "local").lower()
    if backend == "s3":
        if not config.get("S3_BUCKET"):
            raise ValueError("STORAGE_BACKEND=s3 needs S3_BUCKET.")
        return S3Storage(
            config["S3_BUCKET"],
            endpoint_url=config.get("S3_ENDPOINT_URL"),
            region=config.get("S3_REGION"),
            prefix=config.get("S3_PREFIX") or "",
        )
    if backend != "local":
        raise ValueError(f"STORAGE_BACKEND must be one of {', '.join(BACKENDS)}, not {backend!r}.")
    return LocalStorage(config["UPLOAD_FOLDER"])


def storage(app: Flask | None = None) -> DocumentStorage:
    """This app's document storage, made on first use (after a worker forks, not before)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    found = app.extensions.get("document_storage")
    if found is None:
        found = app.extensions["document_storage"] = make_storage(app.config)
    return found


def download(key: str, *, mimetype: str, download_name: str) -> Response:
    """The document as an attachment, streamed from wherever it is kept; 404 when it is gone.

    Callers check who may see it first: this only serves the bytes."""
    try:
        stream, size = storage().open(key)
    except (DocumentMissing, ValueError):
        abort(404)
    response = send_file(
        stream, mimetype=mimetype, as_attachment=True, download_name=download_name, etag=False
    )
    # Signed-in answers get `Cache-Control: no-store` (wallet._security_headers).
    response.content_length = size
    return response


def is_writable() -> bool:
    """A throwaway document can be written and removed again (the readiness check)."""
    key = f"readyz/{uuid.uuid4().hex}.probe"
    try:
        target = storage()
        target.put(key, b"ready", "application/octet-stream")
        target.delete(key)
    except (StorageUnavailable, OSError, ValueError):
        return False
    return True
