"""A first use of an idempotency key is one INSERT ... ON CONFLICT DO NOTHING (plus the
result id), no look-up first; a replay is that INSERT doing nothing and one SELECT."""

from __future__ import annotations

import sqlalchemy as sa

from wallet.core.idempotency import run_once


def _key_statements(app) -> list[str]:
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:
        if "idempotency_keys" in statement:
            seen.append(statement.split()[0].upper())

    sa.event.listen(app.extensions["db_engine"], "before_cursor_execute", note)
    return seen


def test_a_first_use_inserts_the_key_without_looking_it_up(app):
    seen = _key_statements(app)
    with app.app_context():
        outcome = run_once("test", "key-1", {"a": 1}, lambda: 7)
    assert (outcome.result_id, outcome.replayed) == (7, False)
    assert seen == ["INSERT", "UPDATE"]


def test_a_replay_inserts_nothing_and_reads_the_first_result(app):
    with app.app_context():
        run_once("test", "key-2", {"a": 1}, lambda: 7)
    seen = _key_statements(app)
    calls: list[int] = []
    with app.app_context():
        outcome = run_once("test", "key-2", {"a": 1}, lambda: calls.append(1) or 8)
    assert (outcome.result_id, outcome.replayed) == (7, True)
    assert calls == []
    assert seen == ["INSERT", "SELECT"]
