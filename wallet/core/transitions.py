"""State machines as tables, and the one way to move a row from one state to the next.

`TransitionTable` says which (state, action) pairs exist and where they lead; `advance` moves
a row only if it is still in the state the caller saw: one conditional UPDATE, so of two
racing requests exactly one gets through (PostgreSQL and SQLite alike).
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterator, Mapping
from typing import Any, Generic, TypeVar, cast

import sqlalchemy as sa

from wallet.core.db import session
from wallet.core.errors import Conflict

S = TypeVar("S", bound=enum.Enum)


class TransitionRefused(Conflict):
    """The action is not possible in the row's current state (answered as any Conflict)."""


class TransitionTable(Generic[S]):
    """(state, action) -> new state, with a clear refusal for every other pair.

    `refusal` is a lazy message with %(status)s, `labels` names each state's value for people;
    `refusals` may give an action its own message (with or without %(status)s). It reads
    like the dict it wraps (`in`, `get`, iteration), so forms can list what a state allows.
    """

    def __init__(
        self,
        pairs: Mapping[tuple[S, str], S],
        *,
        refusal: Any,
        labels: Mapping[str, Any],
        refusals: Mapping[str, Any] | None = None,
    ) -> None:
        self.pairs: dict[tuple[S, str], S] = dict(pairs)
        self.refusal = refusal
        self.labels = labels
        self.refusals = dict(refusals or {})

    def target(self, state: S, action: str) -> S:
        """Where `action` leads from `state`, or TransitionRefused saying why not."""
        after = self.pairs.get((state, action))
        if after is None:
            label = self.labels.get(state.value, state.value)
            message = str(self.refusals.get(action, self.refusal))
            if "%(status)s" in message:
                message = message % {"status": str(label)}
            raise TransitionRefused(message)
        return after

    def actions(self, state: S) -> list[str]:
        """The actions `state` allows, in table order."""
        return [action for (before, action) in self.pairs if before == state]

    def sources(self, action: str) -> list[S]:
        """The states `action` is allowed from."""
        return [before for (before, name) in self.pairs if name == action]

    def destination(self, action: str) -> S:
        """The one state `action` leads to, from wherever it is allowed."""
        (after,) = {target for (_before, name), target in self.pairs.items() if name == action}
        return after

    def advance(self, model: Any, row_id: int, action: str, **values: Any) -> bool:
        """`advance` the row from any state `action` is allowed in; whether it moved."""
        return advance(model, row_id, self.sources(action), self.destination(action), **values)

    def get(self, key: tuple[S, str], default: S | None = None) -> S | None:
        """The new state for (state, action), or `default`."""
        return self.pairs.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self.pairs

    def __iter__(self) -> Iterator[tuple[S, str]]:
        return iter(self.pairs)

    def __len__(self) -> int:
        return len(self.pairs)

    def items(self):
        """(state, action), new state pairs."""
        return self.pairs.items()


def _value(state: Any) -> Any:
    return state.value if isinstance(state, enum.Enum) else state


def _values(states: Any) -> list[Any]:
    """One state or several, as the values the column holds."""
    if isinstance(states, (str, enum.Enum)) or not isinstance(states, Collection):
        states = [states]
    return [_value(state) for state in states]


def advance(
    model: Any,
    row_id: int,
    from_states: Any | Collection[Any],
    to_state: Any,
    *,
    column: str = "status",
    where: Collection[Any] = (),
    **values: Any,
) -> bool:
    """Move the row to `to_state` (setting `values` too) if it is still in one of
    `from_states`; whether it moved. One UPDATE ... WHERE id = :id AND status IN (:from):
    the database decides between racing requests, so only one of them gets True. `column`
    names another state column (a transfer's state); `where` adds conditions of the table.

    The ORM object, if loaded, is expired so the next read sees the new state.
    """
    table = model.__table__ if hasattr(model, "__table__") else model
    states = _values(from_states)
    session.flush()  # pending changes reach the row before it is expired below
    result = session.execute(
        sa.update(table)
        .where(table.c.id == row_id, table.c[column].in_(states), *where)
        .values({column: _value(to_state), **values})
        .execution_options(synchronize_session=False)
    )
    moved = cast(sa.CursorResult, result).rowcount == 1
    if moved and hasattr(model, "__mapper__"):
        key = sa.inspect(model).identity_key_from_primary_key([row_id])
        instance = session.identity_map.get(key)
        if instance is not None:
            session.expire(instance)
    return moved


def advance_many(
    model: Any,
    row_ids: Collection[int],
    from_states: Any | Collection[Any],
    to_state: Any,
    **values: Any,
) -> int:
    """`advance` for many rows (a payout batch's claims), in chunks of 5,000 ids; how many
    moved. Callers that need all or none compare the count with len(row_ids)."""
    table = model.__table__ if hasattr(model, "__table__") else model
    states = _values(from_states)
    ids = list(row_ids)
    moved = 0
    for start in range(0, len(ids), 5_000):
        result = session.execute(
            sa.update(table)
            .where(table.c.id.in_(ids[start : start + 5_000]), table.c.status.in_(states))
            .values(status=_value(to_state), **values)
            .execution_options(synchronize_session=False)
        )
        moved += cast(sa.CursorResult, result).rowcount
    return moved
