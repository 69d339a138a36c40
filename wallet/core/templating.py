"""Jinja helpers shared by every template: money, dates and the navigation of each role."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask_babel import format_date, format_datetime, get_locale
from markupsafe import Markup

from wallet.core.forms import once_key_input
from wallet.core.money import Money
from wallet.reference import municipality


def money(cents: int | None) -> str:
    """Integer cents as the reader's locale writes euros."""
    if cents is None:
        return ""
    return Money(cents).format(str(get_locale() or "nl"))


def date(value: dt.date | dt.datetime | None, fmt: str = "medium") -> str:
    """A date as the reader's locale writes it."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return format_datetime(value, fmt)
    return format_date(value, fmt)


def municipality_name(code: str) -> str:
    """The name of a municipality by its code."""
    found = municipality(code)
    return found.name if found else code


def unbroken(value: str | None) -> Markup:
    """A reference such as DC-2027-0000003 kept on one line: in a heading on a phone it
    would otherwise break at one of its hyphens."""
    return Markup('<span class="lw-nowrap">%s</span>') % (value or "")


def init_app(app: Flask) -> None:
    """Register the filters."""
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["date"] = date
    app.jinja_env.filters["unbroken"] = unbroken
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale() or "nl")
    app.jinja_env.globals["municipality_name"] = municipality_name
    app.jinja_env.globals["once_key_input"] = once_key_input
