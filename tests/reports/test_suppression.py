"""Small-cell suppression: nothing under 10 persons shown, nothing recoverable by subtraction,
nothing hidden without a reason."""

from hypothesis import given
from hypothesis import strategies as st

from wallet.reports.suppression import THRESHOLD, Group, primary, suppress

counts_strategy = st.integers(min_value=0, max_value=40)


def _column(values: list[int]) -> tuple[dict, list[Group]]:
    """A one-column table with its total."""
    counts = {("row", i): value for i, value in enumerate(values)}
    counts["total"] = sum(values)
    return counts, [Group("total", [("row", i) for i in range(len(values))])]


def _grid(rows: list[list[int]]) -> tuple[dict, list[Group]]:
    """A table with row totals, column totals and a grand total: every row and every column
    is a group, and so are the row totals and the column totals."""
    width = len(rows[0])
    counts = {(r, c): value for r, row in enumerate(rows) for c, value in enumerate(row)}
    for r, row in enumerate(rows):
        counts[(r, "total")] = sum(row)
    for c in range(width):
        counts[("total", c)] = sum(row[c] for row in rows)
    counts["grand"] = sum(map(sum, rows))
    groups = [Group((r, "total"), [(r, c) for c in range(width)]) for r in range(len(rows))]
    groups += [Group(("total", c), [(r, c) for r in range(len(rows))]) for c in range(width)]
    groups.append(Group("grand", [(r, "total") for r in range(len(rows))]))
    groups.append(Group("grand", [("total", c) for c in range(width)]))
    return counts, groups


def _safe(counts: dict, groups: list[Group], hidden: set) -> None:
    """The two promises: no small cell shown; no group hides exactly one of its cells (with
    a shown total: hidden members are 0 or >= 2; with a hidden total, a member is hidden too,
    so the shown members do not add up to it)."""
    for key, count in counts.items():
        if key not in hidden:
            assert count >= THRESHOLD
    for group in groups:
        assert sum(1 for cell in (group.total, *group.members) if cell in hidden) != 1


columns = st.lists(counts_strategy, min_size=1, max_size=12)
grids = st.integers(1, 5).flatmap(
    lambda width: st.lists(
        st.lists(counts_strategy, min_size=width, max_size=width), min_size=1, max_size=5
    )
)


@given(columns)
def test_a_column_shows_no_small_cell_and_gives_none_away(values):
    counts, groups = _column(values)
    _safe(counts, groups, suppress(counts, groups))


@given(grids)
def test_a_grid_with_row_and_column_totals_shows_no_small_cell_and_gives_none_away(rows):
    counts, groups = _grid(rows)
    _safe(counts, groups, suppress(counts, groups))


@given(columns)
def test_a_column_hides_at_most_one_cell_more_than_the_small_ones(values):
    counts, groups = _column(values)
    hidden = suppress(counts, groups)
    small = primary(counts)
    extra = hidden - small
    members_small = sum(1 for i in range(len(values)) if ("row", i) in small)
    if members_small == 1 and "total" not in small:
        assert len(extra) == 1
        (cell,) = extra
        shown = [counts[("row", i)] for i in range(len(values)) if ("row", i) not in hidden]
        if cell != "total":  # the smallest of the rest was hidden, not a bigger one
            assert all(counts[cell] <= value for value in shown)
    else:
        assert extra == set()


@given(grids)
def test_a_grid_hides_nothing_when_no_cell_is_small(rows):
    counts, groups = _grid([[value + THRESHOLD for value in row] for row in rows])
    assert suppress(counts, groups) == set()


@given(grids)
def test_every_extra_hidden_cell_in_a_grid_was_needed_when_it_was_hidden(rows):
    counts, groups = _grid(rows)
    hidden = suppress(counts, groups)
    extra = hidden - primary(counts)
    # each complementary cell answers one group that gave a cell away: never more than groups
    assert len(extra) <= len(groups)


def test_twelve_and_three_hide_both_courses_and_keep_the_total():
    counts = {"a": 12, "b": 3, "total": 15}
    hidden = suppress(counts, [Group("total", ["a", "b"])])
    assert hidden == {"a", "b"}


def test_the_smallest_other_cell_is_the_one_hidden_with_a_small_one():
    counts = {"a": 40, "b": 3, "c": 11, "d": 25, "total": 79}
    assert suppress(counts, [Group("total", ["a", "b", "c", "d"])]) == {"b", "c"}


def test_a_total_with_one_member_is_hidden_with_it_and_that_cascades_upward():
    # provider p has one course (12, hidden to protect the fund's 3); so p's total is hidden,
    # and the fund's providers group then hides its smallest other provider
    counts = {"c1": 12, "p": 12, "q": 3, "r": 30, "s": 20, "fund": 65}
    groups = [Group("p", ["c1"]), Group("fund", ["p", "q", "r", "s"])]
    hidden = suppress(counts, groups)
    assert hidden == {"q", "p", "c1"}
    _safe(counts, groups, hidden)


def test_a_total_under_ten_is_hidden_and_then_nothing_else_needs_to_be():
    counts = {"a": 4, "b": 3, "total": 7}
    assert suppress(counts, [Group("total", ["a", "b"])]) == {"a", "b", "total"}
