"""The full-text index of courses: FTS5 on SQLite, tsvector with the Dutch configuration on
PostgreSQL. Both live outside the models (Alembic leaves them be: see SEARCH_TABLES) and are
kept in step by `index_courses`, inside the same transaction as the change."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from wallet.core.db import session

SEARCH_TABLES = ("course_fts", "course_search")

SQLITE_DDL = [
    "CREATE VIRTUAL TABLE course_fts USING fts5("
    "title, skills, description, tokenize = 'unicode61 remove_diacritics 2')"
]
POSTGRES_DDL = [
    "CREATE TABLE course_search (course_id INTEGER PRIMARY KEY "
    "REFERENCES courses (id) ON DELETE CASCADE, document tsvector NOT NULL)",
    "CREATE INDEX ix_course_search_document ON course_search USING gin (document)",
]

_TITLES = "coalesce(title_nl, '') || ' ' || coalesce(title_en, '') || ' ' || coalesce(title_de, '')"
_TEXTS = (
    "coalesce(description_nl, '') || ' ' || coalesce(description_en, '') || ' ' "
    "|| coalesce(description_de, '')"
)
_LABELS = "CAST(skills AS TEXT) || ' ' || CAST(occupations AS TEXT)"


def is_excluded(name: str | None) -> bool:
    """True for the search tables and the shadow tables FTS5 makes (Alembic ignores them)."""
    return bool(name) and name.startswith(SEARCH_TABLES)


def _where(ids: Iterable[int] | None) -> tuple[str, dict]:
    if ids is None:
        return "", {}
    return " WHERE id IN :ids", {"ids": list(ids)}


_changes = [0]  # bumped on every (re)index: this process's caches of the catalogue renew


def changes() -> int:
    """How often this process (re)indexed courses; a cache of course texts compares it."""
    return _changes[0]


def index_courses(ids: Iterable[int] | None) -> None:
    """(Re)index the given courses, or all of them with None. Flushes only."""
    _changes[0] += 1
    if ids is not None:
        ids = sorted(ids)
        if not ids:
            return
        for start in range(0, len(ids), 5000):
            _index(ids[start : start + 5000])
        return
    _index(None)


def _index(ids: list[int] | None) -> None:
    where, params = _where(ids)
    expanding = [sa.bindparam("ids", expanding=True)] if ids is not None else []
    if session.get_bind().dialect.name == "postgresql":
        delete = "DELETE FROM course_search" + where.replace("id IN", "course_id IN")
        insert = (
            "INSERT INTO course_search (course_id, document) SELECT id, "
            f"setweight(to_tsvector('dutch', {_TITLES}), 'A') || "
            f"setweight(to_tsvector('dutch', {_LABELS}), 'B') || "
            f"setweight(to_tsvector('dutch', {_TEXTS}), 'C') FROM courses" + where
        )
    else:
        delete = "DELETE FROM course_fts" + where.replace("id IN", "rowid IN")
        insert = (
            "INSERT INTO course_fts (rowid, title, skills, description) "
            f"SELECT id, {_TITLES}, {_LABELS}, {_TEXTS} FROM courses" + where
        )
    session.execute(sa.text(delete).bindparams(*expanding), params)
    session.execute(sa.text(insert).bindparams(*expanding), params)


def alembic_include_name(name: str | None, type_: str, _parent_names: dict) -> bool:
    """Alembic's include_name hook: leave the search tables out of autogenerate."""
    return not (type_ == "table" and is_excluded(name))
