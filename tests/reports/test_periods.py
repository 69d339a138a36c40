"""Periods as people type them: dates, quarters and years, parsed in one place."""

from __future__ import annotations

import datetime as dt

import pytest

from wallet.core.errors import ValidationFailed
from wallet.reports.periods import Period, last_complete_quarter, parse_period, quick_periods

D = dt.date


@pytest.mark.parametrize(
    ("start", "end", "first", "last", "label"),
    [
        ("2026-Q3", "", D(2026, 7, 1), D(2026, 9, 30), "2026-Q3"),
        ("2026q4", None, D(2026, 10, 1), D(2026, 12, 31), "2026-Q4"),
        ("2026", "", D(2026, 1, 1), D(2026, 12, 31), "2026"),
        ("2026-Q1", "2026-Q2", D(2026, 1, 1), D(2026, 6, 30), "2026-01-01_2026-06-30"),
        ("2025", "2026-Q1", D(2025, 1, 1), D(2026, 3, 31), "2025-01-01_2026-03-31"),
        (" 2026-02-03 ", "2026-02-03", D(2026, 2, 3), D(2026, 2, 3), "2026-02-03_2026-02-03"),
        ("2024-02-29", "2034-02-27", D(2024, 2, 29), D(2034, 2, 27), "2024-02-29_2034-02-27"),
    ],
)
def test_what_people_type(app_ctx, start, end, first, last, label):
    period = parse_period(start, end)

    assert (period.first, period.last) == (first, last)
    assert period.label == label


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("", "2026-Q3", "from"),
        ("2026-Q0", "", "from"),
        ("2026-Q3", "2026-Q9", "to"),
        ("1 juli", "", "from"),
        ("2026-07-01", "2026-06-30", "to"),
        ("2016-01-01", "2026-01-01", "to"),
        ("2024-02-29", "2034-02-28", "to"),
    ],
)
def test_what_is_refused_and_on_which_field(app_ctx, start, end, field):
    with pytest.raises(ValidationFailed) as refused:
        parse_period(start, end)

    assert list(refused.value.errors) == [field]


@pytest.mark.parametrize(
    ("today", "first"),
    [
        (D(2026, 12, 2), D(2026, 7, 1)),
        (D(2026, 10, 1), D(2026, 7, 1)),
        (D(2026, 9, 30), D(2026, 4, 1)),
        (D(2026, 2, 10), D(2025, 10, 1)),
    ],
)
def test_the_default_is_the_last_complete_quarter(today, first):
    assert last_complete_quarter(today).first == first


def test_the_quick_links_are_four_quarters_and_two_years():
    labels = [label for label, _period in quick_periods(D(2026, 12, 2))]

    assert labels == ["2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3", "2025", "2026"]
    assert quick_periods(D(2026, 12, 2))[0][1] == Period(D(2025, 10, 1), D(2025, 12, 31))
