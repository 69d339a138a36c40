"""Readiness: may a load balancer send this process requests? Three checks, each a word."""

from __future__ import annotations

import functools
import logging

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app

from wallet.core.db import get_engine
from wallet.core.storage import is_writable
from wallet.core.web import ROOT

log = logging.getLogger(__name__)
OK = "ok"


@functools.cache
def _scripts() -> ScriptDirectory:
    # Reading every migration file takes a moment; the files do not change while we run.
    return ScriptDirectory(str(ROOT / "migrations"))


def check_database_and_migrations() -> tuple[str, str]:
    """("ok" | "unreachable", "ok" | "behind" | "ahead" | "unknown")."""
    try:
        with get_engine().connect() as connection:
            connection.execute(sa.text("SELECT 1"))
            current = frozenset(MigrationContext.configure(connection).get_current_heads())
    except sa.exc.SQLAlchemyError:
        log.exception("readiness: database unreachable")
        return "unreachable", "unknown"
    heads = frozenset(_scripts().get_heads())
    if current == heads:
        return OK, OK
    log.warning("readiness: database at %s, code at %s", sorted(current), sorted(heads))
    # A revision the code does not know: the database is ahead (a newer release ran).
    known = all(_known(revision) for revision in current)
    return OK, ("behind" if known else "ahead")


def _known(revision: str) -> bool:
    try:
        return _scripts().get_revision(revision) is not None
    except Exception:  # alembic raises its own errors for an unknown revision
        return False


def check_storage() -> str:
    """ "ok" when a document can be written to (and removed from) the document storage."""
    if is_writable():
        return OK
    backend = current_app.config.get("STORAGE_BACKEND", "local")
    log.error("readiness: document storage (%s) not writable", backend)
    return "not writable"


def readiness() -> dict[str, str]:
    """Each check's word; all "ok" means ready."""
    database, migrations = check_database_and_migrations()
    return {"database": database, "migrations": migrations, "storage": check_storage()}
