"""The grants' template filter: the last day a grant is still valid, as the reader writes it.

Registered by the app factory (wallet.core stays below the features it formats for)."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask_babel import format_date

from wallet.grants.validity import last_valid_day


def last_day(moment: dt.datetime | None) -> str:
    """The last day something that ends at `moment` (midnight in NL) is still valid."""
    if moment is None:
        return ""
    return format_date(last_valid_day(moment), "medium")


def init_app(app: Flask) -> None:
    """Register the filter."""
    app.jinja_env.filters["last_day"] = last_day
