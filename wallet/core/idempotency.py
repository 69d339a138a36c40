"""Idempotent writes: a retried request with the same key has one effect.

The key is stored in the same database transaction as the effect, with a hash of the
request. A replay returns the first result and writes nothing; the same key with another
request is refused (409). For an HTTP request that carries the key in its Idempotency-Key
header, the hash covers the whole request (route, path ids, query, JSON or form body, the
uploaded files' content), so no endpoint can leave a field out. Two concurrent requests
with one key: the unique index makes the second wait for the first and then replay it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import cast

import sqlalchemy as sa
from flask import has_request_context
from flask import request as http_request
from flask_babel import gettext as _
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from wallet.core import clock
from wallet.core.db import Base, UTCDateTime, require_no_unit_of_work, session, unit_of_work
from wallet.core.errors import Conflict, ValidationFailed

MAX_KEY_LENGTH = 200
IDEMPOTENCY_HEADER = "Idempotency-Key"


class IdempotencyKey(Base):
    """A retried write's key and the hash of its request; a replay returns the first result."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (sa.UniqueConstraint("scope", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(sa.String(50))
    key: Mapped[str] = mapped_column(sa.String(MAX_KEY_LENGTH))
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    result_id: Mapped[int | None]
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)


class IdempotencyConflict(Conflict):
    """The key was used before for a different request."""

    title = "Idempotency key reused"
    code = "idempotency-key-reused"


@dataclass(frozen=True)
class Outcome:
    """The id of what the write made, and whether this call was a replay."""

    result_id: int | None
    replayed: bool


def request_hash(request: Mapping) -> str:
    """A stable hash of a request's meaningful fields."""
    text = json.dumps(request, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _file_digest(upload) -> str:
    stream = upload.stream
    position = stream.tell()
    stream.seek(0)
    digest = hashlib.sha256(stream.read()).hexdigest()
    stream.seek(position)  # the view may read the file after us, or already has
    return digest


def http_fingerprint(key: str) -> dict | None:
    """The whole HTTP request that carries `key` in its header; None outside such a request."""
    if not has_request_context() or http_request.headers.get(IDEMPOTENCY_HEADER) != key:
        return None
    files: dict[str, list[str]] = {}
    for name, upload in http_request.files.items(multi=True):
        files.setdefault(name, []).append(_file_digest(upload))
    return {
        "method": http_request.method,
        "route": str(http_request.url_rule),
        "path": http_request.view_args or {},
        "query": http_request.args.to_dict(flat=False),
        "json": http_request.get_json(silent=True) if http_request.is_json else None,
        "form": http_request.form.to_dict(flat=False),
        "files": files,
    }


def _existing(scope: str, key: str) -> IdempotencyKey | None:
    query = sa.select(IdempotencyKey).where(
        IdempotencyKey.scope == scope, IdempotencyKey.key == key
    )
    return session.scalar(query)


def _replay(row: IdempotencyKey, digest: str) -> Outcome:
    stored_hash, result_id = row.request_hash, row.result_id
    session.rollback()  # end the read, so a later write starts a fresh transaction
    if stored_hash != digest:
        raise IdempotencyConflict(
            _("This idempotency key was already used for a different request.")
        )
    return Outcome(result_id, replayed=True)


def _digest(key: str, request: Mapping) -> str:
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValidationFailed(_("An idempotency key has 1 to 200 characters."))
    return request_hash({"request": request, "http": http_fingerprint(key)})


def earlier_outcome(scope: str, key: str | None, request: Mapping) -> Outcome | None:
    """The first outcome when (scope, key) was used before (409 if for another request), else
    None. For a write that commits in steps of its own and so cannot run inside run_once
    (Stripe transfers): look here first, do the write, then record the key with run_once."""
    require_no_unit_of_work("earlier_outcome")
    if key is None:
        return None
    digest = _digest(key, request)
    found = _existing(scope, key)
    if found is None:
        session.rollback()  # end the read (on SQLite it holds the write lock)
        return None
    return _replay(found, digest)


def _claim_key(scope: str, key: str, digest: str) -> int | None:
    """Record (scope, key) in the current transaction with one INSERT ... ON CONFLICT DO
    NOTHING RETURNING; its row id, or None when the key is taken. A concurrent first use
    of the key makes this wait (unique index) until that transaction ends."""
    table = cast(sa.Table, IdempotencyKey.__table__)
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else postgres_insert
    statement = (
        insert(table)
        .values(scope=scope, key=key, request_hash=digest, created_at=clock.now())
        .on_conflict_do_nothing(index_elements=["scope", "key"])
        .returning(table.c.id)
    )
    return session.execute(statement).scalar()


def _record_result(row_id: int, result_id: int | None) -> None:
    if result_id is not None:
        table = cast(sa.Table, IdempotencyKey.__table__)
        session.execute(sa.update(table).where(table.c.id == row_id).values(result_id=result_id))


def run_once(
    scope: str, key: str | None, request: Mapping, perform: Callable[[], int | None]
) -> Outcome:
    """Run `perform` (which returns the id of what it made, or None) once per (scope, key).

    Opens and commits its own unit of work; call it from a view, job or CLI command. The
    first use of a key costs one INSERT (and one UPDATE for the result id); a replay one
    INSERT that does nothing and one SELECT.
    """
    require_no_unit_of_work("run_once")
    if key is None:
        with unit_of_work():
            return Outcome(perform(), replayed=False)
    digest = _digest(key, request)
    with unit_of_work():
        row_id = _claim_key(scope, key, digest)
        if row_id is not None:
            result_id = perform()
            _record_result(row_id, result_id)
            return Outcome(result_id, replayed=False)
    # Taken: by an earlier request, or by a concurrent one that has committed meanwhile.
    found = _existing(scope, key)
    if found is None:  # removed in between (retention): the key is free again
        return run_once(scope, key, request, perform)
    return _replay(found, digest)
