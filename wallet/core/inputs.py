"""Input no database can take, refused at the door with a 4xx before any handler runs.

Ids are 32-bit on PostgreSQL (SQLite takes 64 bits); an id beyond that in a path is simply
not found. Text with a NUL byte cannot be stored in PostgreSQL: any query string, form or
JSON value holding one is a 400. Integers in API bodies are checked by the API's parser
(wallet.api.common), which knows each field's name.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask import Flask, abort, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # PostgreSQL's integer, the type of every primary key
MAX_BIGINT = 2**63 - 1  # PostgreSQL's bigint and SQLite's integer: amounts in cents


class IdConverter(IntegerConverter):
    """`<int:...>` in a route: only ids a database can hold match (others are a 404)."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def query_id(name: str) -> int:
    """An id from the query string (?run=12); 0 when missing, not a number or out of range."""
    value = request.args.get(name, type=int) or 0
    return value if 0 < value <= MAX_ID else 0


def _texts(value) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def _request_texts() -> Iterator[str]:
    yield request.path
    for key, values in request.args.lists():
        yield key
        yield from values
    if request.method in {"POST", "PUT", "PATCH", "DELETE"}:
        # Reading the form also enforces MAX_CONTENT_LENGTH: too large is a 413 here.
        for key, values in request.form.lists():
            yield key
            yield from values
        for upload in request.files.values():
            yield upload.filename or ""
        if request.is_json:
            yield from _texts(request.get_json(silent=True))
    yield request.headers.get("Idempotency-Key", "")  # stored with the write it guards


def refuse_nul_bytes() -> None:
    """400 for a NUL byte anywhere in the request's path, query, form, JSON or key header."""
    if any("\x00" in text for text in _request_texts()):
        abort(400, description=_("The request contains a NUL character, which is not allowed."))


def init_app(app: Flask) -> None:
    """Bound `<int:...>` route ids; refuse NUL bytes before the views (and CSRF) read input."""
    app.url_map.converters["int"] = IdConverter
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_nul_bytes)
