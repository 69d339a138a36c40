"""Where sessions live: a database table by default, Redis when REDIS_URL is set.

Both stores answer the same calls. A request reads its session with one look-up by key
(the SHA-256 of the cookie's token); an expired session is not found, and is deleted on
the way. Redis expires its keys itself; the table is swept by the `expire-sessions` job.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass
from typing import Protocol

import redis
import sqlalchemy as sa

from wallet.core.db import session as db_session
from wallet.core.db import unit_of_work
from wallet.sessions.models import StoredSession


@dataclass
class SessionRecord:
    """A session as the stores keep it; `data` is Flask's tagged JSON of its contents."""

    key: str
    data: str
    user_id: int | None
    created_at: dt.datetime
    last_seen_at: dt.datetime
    idle_seconds: int
    expires_at: dt.datetime
    ip_address: str
    user_agent: str


class SessionStore(Protocol):
    """What the session interface and the services need from a store."""

    def load(self, key: str, now: dt.datetime) -> SessionRecord | None: ...
    def add(self, record: SessionRecord) -> None: ...
    def update(self, record: SessionRecord) -> None: ...
    def delete(self, key: str) -> None: ...
    def of_user(self, user_id: int, now: dt.datetime) -> list[SessionRecord]: ...
    def delete_of_user(self, user_id: int, keep: str | None = None) -> int: ...
    def purge(self, now: dt.datetime) -> int: ...


_COLUMNS = [column.name for column in StoredSession.__table__.columns]


def _record(row: StoredSession) -> SessionRecord:
    return SessionRecord(
        key=row.id,
        data=row.data,
        user_id=row.user_id,
        created_at=row.created_at,
        last_seen_at=row.last_seen_at,
        idle_seconds=row.idle_seconds,
        expires_at=row.expires_at,
        ip_address=row.ip_address,
        user_agent=row.user_agent,
    )


def _values(record: SessionRecord) -> dict:
    values = asdict(record)
    values["id"] = values.pop("key")
    return values


class DatabaseStore:
    """Sessions in the `server_sessions` table, through the request's database session, so
    on SQLite they share the request's transaction instead of waiting for its lock."""

    def load(self, key: str, now: dt.datetime) -> SessionRecord | None:
        # A Core row, not an ORM object: every request does this, and nothing changes it.
        table = StoredSession.__table__
        row = db_session.execute(sa.select(table).where(table.c.id == key)).first()
        if row is None:
            return None
        if row.expires_at <= now:
            self.delete(key)
            return None
        return _record(row)

    def add(self, record: SessionRecord) -> None:
        with unit_of_work():
            db_session.execute(sa.insert(StoredSession).values(**_values(record)))

    def update(self, record: SessionRecord) -> None:
        # A session ended elsewhere in the meantime stays ended: no row, nothing updated.
        values = _values(record)
        key = values.pop("id")
        with unit_of_work():
            db_session.execute(
                sa.update(StoredSession)
                .where(StoredSession.id == key)
                .values(**values)
                .execution_options(synchronize_session=False)
            )

    def delete(self, key: str) -> None:
        with unit_of_work():
            db_session.execute(
                sa.delete(StoredSession)
                .where(StoredSession.id == key)
                .execution_options(synchronize_session=False)
            )

    def of_user(self, user_id: int, now: dt.datetime) -> list[SessionRecord]:
        rows = db_session.scalars(
            sa.select(StoredSession)
            .where(StoredSession.user_id == user_id, StoredSession.expires_at > now)
            .order_by(StoredSession.last_seen_at.desc())
            .execution_options(populate_existing=True)
        )
        return [_record(row) for row in rows]

    def delete_of_user(self, user_id: int, keep: str | None = None) -> int:
        query = sa.delete(StoredSession).where(StoredSession.user_id == user_id)
        if keep is not None:
            query = query.where(StoredSession.id != keep)
        with unit_of_work():
            result = db_session.execute(query.execution_options(synchronize_session=False))
        return result.rowcount

    def purge(self, now: dt.datetime) -> int:
        with unit_of_work():
            result = db_session.execute(
                sa.delete(StoredSession)
                .where(StoredSession.expires_at <= now)
                .execution_options(synchronize_session=False)
            )
        return result.rowcount


PREFIX = "leerwallet:"


def _session_key(key: str) -> str:
    return f"{PREFIX}session:{key}"


def _user_key(user_id: int) -> str:
    return f"{PREFIX}user-sessions:{user_id}"


def _dump(record: SessionRecord) -> str:
    values = asdict(record)
    for name in ("created_at", "last_seen_at", "expires_at"):
        values[name] = values[name].isoformat()
    return json.dumps(values)


def _load(raw: bytes) -> SessionRecord:
    values = json.loads(raw)
    for name in ("created_at", "last_seen_at", "expires_at"):
        values[name] = dt.datetime.fromisoformat(values[name])
    return SessionRecord(**values)


def _expiry_ms(record: SessionRecord) -> int:
    return int(record.expires_at.timestamp() * 1000)


class RedisStore:
    """Sessions in Redis: one key per session that expires with it (PXAT), and one set per
    user of their sessions' keys, for the sessions page and for ending them all."""

    def __init__(self, client: redis.Redis, absolute: dt.timedelta) -> None:
        self.client = client
        self.absolute = absolute

    def load(self, key: str, now: dt.datetime) -> SessionRecord | None:
        raw = self.client.get(_session_key(key))
        if raw is None:
            return None
        record = _load(raw)
        if record.expires_at <= now:  # the clock of the tests runs ahead of Redis's
            self.delete(key)
            return None
        return record

    def add(self, record: SessionRecord) -> None:
        with self.client.pipeline() as pipe:
            pipe.set(_session_key(record.key), _dump(record), pxat=_expiry_ms(record))
            if record.user_id is not None:
                pipe.sadd(_user_key(record.user_id), record.key)
                pipe.expire(_user_key(record.user_id), int(self.absolute.total_seconds()))
            pipe.execute()

    def update(self, record: SessionRecord) -> None:
        # xx: only while the key exists, so a session ended elsewhere is not brought back.
        self.client.set(_session_key(record.key), _dump(record), pxat=_expiry_ms(record), xx=True)

    def delete(self, key: str) -> None:
        # The user's set forgets the key when it is next read (of_user, delete_of_user).
        self.client.delete(_session_key(key))

    def of_user(self, user_id: int, now: dt.datetime) -> list[SessionRecord]:
        keys = sorted(member.decode() for member in self.client.smembers(_user_key(user_id)))
        if not keys:
            return []
        raws = self.client.mget([_session_key(key) for key in keys])
        records, gone = [], []
        for key, raw in zip(keys, raws, strict=True):
            record = _load(raw) if raw is not None else None
            if record is None or record.expires_at <= now or record.user_id != user_id:
                gone.append(key)
            else:
                records.append(record)
        if gone:
            self.client.srem(_user_key(user_id), *gone)
        return sorted(records, key=lambda record: record.last_seen_at, reverse=True)

    def delete_of_user(self, user_id: int, keep: str | None = None) -> int:
        keys = [member.decode() for member in self.client.smembers(_user_key(user_id))]
        ended = [key for key in keys if key != keep]
        if not ended:
            return 0
        with self.client.pipeline() as pipe:
            pipe.delete(*[_session_key(key) for key in ended])
            pipe.srem(_user_key(user_id), *ended)
            deleted, _removed = pipe.execute()
        return int(deleted)

    def purge(self, now: dt.datetime) -> int:
        # Redis removes expired keys itself; the users' sets shrink when read.
        return 0
