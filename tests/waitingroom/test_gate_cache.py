"""The apply form's gate reads a scheme's room at most once per
WAITING_ROOM_GATE_CACHE_SECONDS in a process (a rush reads it on every press), and a room
set or removed in that process is seen at once."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from wallet.waitingroom import services
from wallet.waitingroom.services import RoomSettings


def _room_reads(app) -> list[str]:
    reads: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:
        if "waiting_rooms" in statement and statement.lstrip().upper().startswith("SELECT"):
            reads.append(statement)

    sa.event.listen(app.extensions["db_engine"], "before_cursor_execute", note)
    return reads


def test_the_gate_reads_the_room_once_within_its_cache_time(app, opening_scheme):
    scheme = opening_scheme(grants=5, rate=1)
    app.config["WAITING_ROOM_GATE_CACHE_SECONDS"] = 60
    reads = _room_reads(app)
    with app.app_context():
        first = services._gate_room(scheme.id)
        second = services._gate_room(scheme.id)
    assert first is second
    assert first.terms.lead == dt.timedelta(minutes=30)
    assert len(reads) == 1


def test_a_room_changed_in_the_process_reaches_the_gate_at_once(app, opening_scheme):
    scheme = opening_scheme(grants=5, rate=1)
    app.config["WAITING_ROOM_GATE_CACHE_SECONDS"] = 60
    with app.app_context():
        assert services._gate_room(scheme.id).terms.lead == dt.timedelta(minutes=30)
        services.set_waiting_room(scheme.id, RoomSettings(dt.time(9, 0), 45, 1, 0), actor_id=None)
        assert services._gate_room(scheme.id).terms.lead == dt.timedelta(minutes=45)
        services.remove_waiting_room(scheme.id, actor_id=None)
        assert services._gate_room(scheme.id) is None


def test_without_a_cache_time_the_gate_reads_every_time(app, opening_scheme):
    scheme = opening_scheme(grants=5, rate=1)
    app.config["WAITING_ROOM_GATE_CACHE_SECONDS"] = 0
    reads = _room_reads(app)
    with app.app_context():
        services._gate_room(scheme.id)
        services._gate_room(scheme.id)
    assert len(reads) == 2
