"""Small-cell suppression for published tables: no cell about fewer than 10 persons is shown,
and none of the hidden cells can be worked out from the totals by subtraction.

The rule, applied to a set of person counts (cells) and groups (a total and its members):

1. Primary: every cell counting fewer than ``THRESHOLD`` persons is hidden.
2. Complementary: a group with exactly one hidden cell among its total and its members
   gives that cell away (the total minus the shown members, or the members added up). So
   the smallest shown member of the group is hidden too (ties: the first in the group's
   order); when no member is left to hide, the total is hidden instead.
3. Step 2 repeats until no group gives a cell away, because hiding a cell in one group (a
   provider's total, say) can leave another group (the fund's providers) with one hidden
   member. Cells only ever become hidden, so this ends.

So in every group the hidden cells are none or at least two: subtraction gives only a sum
(or difference) of two or more unknowns. Money of a row is hidden with the persons of that
row (money paid for three people describes those three); since the rows hidden in a group
are then none or at least two, the money total less the shown money also gives only a sum
of two or more rows.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

THRESHOLD = 10


@dataclass(frozen=True)
class Group:
    """A total and the cells that add up to it (or, for unique persons, at most to it)."""

    total: Hashable
    members: Sequence[Hashable]


def primary(counts: Mapping[Hashable, int]) -> set[Hashable]:
    """The cells that describe fewer than THRESHOLD persons."""
    return {key for key, count in counts.items() if count < THRESHOLD}


def _gives_away(group: Group, hidden: set[Hashable]) -> bool:
    """True when exactly one of the group's cells (its total and its members) is hidden."""
    cells = (group.total, *group.members)
    return sum(1 for cell in cells if cell in hidden) == 1


def suppress(counts: Mapping[Hashable, int], groups: Iterable[Group]) -> set[Hashable]:
    """The cells to hide: primary suppression, then complementary suppression until no
    group has exactly one hidden cell."""
    groups = list(groups)
    hidden = primary(counts)
    changed = True
    while changed:
        changed = False
        for group in groups:
            if not _gives_away(group, hidden):
                continue
            shown = [member for member in group.members if member not in hidden]
            if group.total in hidden and not shown:
                continue  # a group without members: its total stands alone
            if shown:
                hidden.add(min(shown, key=lambda member: counts[member]))
            else:
                hidden.add(group.total)
            changed = True
    return hidden
