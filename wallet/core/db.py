"""Database: declarative base, one engine per app, a session per app context, unit of work.

Services change data inside `unit_of_work()`: it commits once when the block ends and
rolls back on any exception, so a use case is all-or-nothing. Helpers only flush.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from flask import Flask, current_app, g
from sqlalchemy import event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from werkzeug.local import LocalProxy

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every Leerwallet model."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(sa.TypeDecorator):
    """A timezone-aware UTC datetime on every database (SQLite keeps no zone of its own)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are refused; use wallet.core.clock")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _on_sqlite_connect(dbapi_connection, _record) -> None:
    # SQLAlchemy, not the sqlite3 module, begins transactions (see _begin_immediate).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _begin_immediate(connection) -> None:
    # Take SQLite's write lock when a transaction starts, not at its first write, so what a
    # transaction read cannot change under it: SQLite transactions become serializable.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, **kwargs) -> sa.Engine:
    """An engine for `url` with the settings Leerwallet relies on.

    On SQLite: foreign keys on, WAL, and every transaction serialized (BEGIN IMMEDIATE).
    On PostgreSQL: READ COMMITTED; money moves through conditional UPDATEs and row locks.
    """
    engine = sa.create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _begin_immediate)
    return engine


def init_app(app: Flask) -> None:
    """Create the app's engine and session factory; close the session with the app context."""
    url = app.config["DATABASE_URL"]
    options = {}
    if not url.startswith("sqlite"):
        options = {
            "pool_pre_ping": app.config.get("DATABASE_POOL_PRE_PING", False),
            "pool_recycle": app.config.get("DATABASE_POOL_RECYCLE_SECONDS", 1800),
            "pool_size": app.config.get("DATABASE_POOL_SIZE", 5),
            "max_overflow": app.config.get("DATABASE_MAX_OVERFLOW", 10),
        }
    engine = make_engine(url, **options)
    app.extensions["db_engine"] = engine
    app.extensions["db_sessionmaker"] = sessionmaker(bind=engine, expire_on_commit=False)

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        db_session = g.pop("db_session", None)
        if db_session is not None:
            db_session.close()


def get_engine() -> sa.Engine:
    """The current app's engine."""
    return current_app.extensions["db_engine"]


def get_session() -> Session:
    """The session of the current app context, made on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["db_sessionmaker"]()
        g.db_uow_depth = 0
    return g.db_session


session: Session = LocalProxy(get_session)  # type: ignore[assignment]


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """Commit once when the outermost block succeeds; roll back on any exception.

    Nested blocks join the outer one, so a service may call another service. When a nested
    block fails, the whole unit fails: even if the outer block catches the error, it
    commits nothing and raises instead of saving half the work.
    """
    db_session = get_session()
    outermost = g.db_uow_depth == 0
    if outermost:
        g.db_uow_failed = False
    g.db_uow_depth += 1
    try:
        yield db_session
    except BaseException:
        if outermost:
            db_session.rollback()
        else:
            g.db_uow_failed = True
        raise
    else:
        if outermost:
            if g.db_uow_failed:
                db_session.rollback()
                raise RuntimeError("a nested unit of work failed; nothing was committed")
            try:
                db_session.commit()
            except BaseException:
                db_session.rollback()
                raise
    finally:
        g.db_uow_depth -= 1


def require_no_unit_of_work(what: str) -> None:
    """Refuse to run `what`, which commits on its own, inside someone else's unit of work."""
    get_session()
    if g.db_uow_depth:
        raise RuntimeError(f"{what} opens its own units of work; call it outside one")


def str_enum(enum_cls: type, name: str) -> sa.Enum:
    """A portable enum column: a VARCHAR holding the member's value, with a CHECK constraint."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        length=20,
        create_constraint=True,
        values_callable=lambda members: [m.value for m in members],
    )
