"""How long a grant is valid: its expiry, and its last valid day, in Dutch time."""

from __future__ import annotations

import calendar
import datetime as dt
from zoneinfo import ZoneInfo

from wallet.schemes.models import Scheme

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or the month's last day where it has fewer days."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def expiry_for(scheme: Scheme, granted_on: dt.date) -> dt.datetime:
    """A grant expires at midnight in the Netherlands after its validity ends."""
    return expiry_after(scheme.validity_months, granted_on)


def expiry_after(validity_months: int, granted_on: dt.date) -> dt.datetime:
    """Midnight in the Netherlands after `validity_months` from `granted_on`."""
    last_day = add_months(granted_on, validity_months)
    return dt.datetime.combine(last_day, dt.time(0), AMSTERDAM).astimezone(dt.UTC)


def last_valid_day(expires_at: dt.datetime) -> dt.date:
    """The last day (in the Netherlands) on which a grant expiring at `expires_at` is valid."""
    return (expires_at.astimezone(AMSTERDAM) - dt.timedelta(microseconds=1)).date()
