"""The period a report covers, read from what a person types: dates, quarters and years.

One parser for the page, the downloads and the command line, so `2026-Q3` means the same
everywhere. Each end may be a date (2026-07-01), a quarter (2026-Q3) or a year (2026): the
start takes the first day of a quarter or year, the end its last day, so `from=2026-Q1
&to=2026-Q2` is the first half year. An end left empty takes the start's quarter or year.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from flask_babel import gettext as _

from wallet.core.errors import ValidationFailed

MAX_YEARS = 10
QUARTER = re.compile(r"^(\d{4})-?[Qq](\d+)$")
YEAR = re.compile(r"^(\d{4})$")


@dataclass(frozen=True)
class Period:
    """A report period: from `first` to `last`, both days included."""

    first: dt.date
    last: dt.date

    @property
    def label(self) -> str:
        """`2026-Q3`, `2026` or `2026-01-01 to 2026-02-15`: for file names and headings."""
        first, last = self.first, self.last
        if (first.month, first.day, last.month, last.day) == (1, 1, 12, 31) and (
            first.year == last.year
        ):
            return str(first.year)
        if first.day == 1 and first.month % 3 == 1 and last == _quarter_end(first):
            return f"{first.year}-Q{(first.month - 1) // 3 + 1}"
        return f"{first.isoformat()}_{last.isoformat()}"


def _quarter_end(first: dt.date) -> dt.date:
    month = first.month + 3
    following = dt.date(first.year + (month > 12), (month - 1) % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def quarter(year: int, number: int) -> Period:
    """Quarter `number` (1-4) of `year`."""
    first = dt.date(year, 3 * number - 2, 1)
    return Period(first, _quarter_end(first))


def year(number: int) -> Period:
    """The calendar year `number`."""
    return Period(dt.date(number, 1, 1), dt.date(number, 12, 31))


def _span(text: str, field: str) -> Period:
    """The days `text` names: one date, a quarter or a year."""
    if match := QUARTER.match(text):
        number = int(match.group(2))
        if not 1 <= number <= 4:
            message = _("There is no quarter %(number)d: quarters are Q1 to Q4.", number=number)
            raise ValidationFailed(message, errors={field: message})
        return quarter(int(match.group(1)), number)
    if match := YEAR.match(text):
        return year(int(match.group(1)))
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        message = _(
            "“%(text)s” is not a date: give a date as 2026-07-01, a quarter as 2026-Q3 or a "
            "year as 2026.",
            text=text[:40],
        )
        raise ValidationFailed(message, errors={field: message}) from None
    return Period(day, day)


def parse_period(start: str | None, end: str | None = None) -> Period:
    """The period from `start` to `end` as typed; ValidationFailed with a message per field."""
    start, end = (start or "").strip(), (end or "").strip()
    if not start:
        message = _("Give the first day of the period, a quarter (2026-Q3) or a year (2026).")
        raise ValidationFailed(message, errors={"from": message})
    first = _span(start, "from")
    last = _span(end, "to") if end else first
    if last.last < first.first:
        message = _("The end of the period lies before its start.")
        raise ValidationFailed(message, errors={"to": message})
    if last.last >= _years_after(first.first, MAX_YEARS):
        message = _("A report covers at most %(years)d years.", years=MAX_YEARS)
        raise ValidationFailed(message, errors={"to": message})
    return Period(first.first, last.last)


def _years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def last_complete_quarter(today: dt.date) -> Period:
    """The quarter before the one `today` is in: the default report."""
    number = (today.month - 1) // 3 + 1
    return quarter(today.year, number - 1) if number > 1 else quarter(today.year - 1, 4)


def quick_periods(today: dt.date) -> list[tuple[str, Period]]:
    """The links above the form: the last four complete quarters, then last and this year."""
    found, current = [], last_complete_quarter(today)
    for _step in range(4):
        found.append((current.label, current))
        current = last_complete_quarter(current.first)
    found.reverse()
    found += [(str(today.year - 1), year(today.year - 1)), (str(today.year), year(today.year))]
    return found
