"""Idempotent writes: a retried request with the same key has one effect.

The key is stored in the same database transaction as the effect, with a hash of the
request. A replay returns the first result and writes nothing; the same key with another
request is refused (409). Two concurrent requests with one key: the unique index makes the
second wait for the first and then replay it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, mapped_column

from wallet.core import clock
from wallet.core.db import Base, UTCDateTime, require_no_unit_of_work, session, unit_of_work
from wallet.core.errors import Conflict, ValidationFailed

MAX_KEY_LENGTH = 200


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


def run_once(
    scope: str, key: str | None, request: Mapping, perform: Callable[[], int | None]
) -> Outcome:
    """Run `perform` (which returns the id of what it made, or None) once per (scope, key).

    Opens and commits its own unit of work; call it from a view, job or CLI command.
    """
    require_no_unit_of_work("run_once")
    if key is None:
        with unit_of_work():
            return Outcome(perform(), replayed=False)
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValidationFailed(_("An idempotency key has 1 to 200 characters."))
    digest = request_hash(request)
    found = _existing(scope, key)
    if found is not None:
        return _replay(found, digest)
    try:
        with unit_of_work() as db:
            row = IdempotencyKey(scope=scope, key=key, request_hash=digest, created_at=clock.now())
            db.add(row)
            db.flush()
            row.result_id = perform()
    except sa.exc.IntegrityError:
        # Someone else committed this key first; their result is the result.
        found = _existing(scope, key)
        if found is None:
            raise
        return _replay(found, digest)
    return Outcome(row.result_id, replayed=False)
