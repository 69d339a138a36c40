"""The fund dashboard on the fund administrator's start page: the filter read from the query
string (a GET form, so it works without JavaScript) and the charts it asks for."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import gettext

from wallet.core import clock
from wallet.reference import municipalities
from wallet.reports import charts
from wallet.reports import dashboard as figures
from wallet.reports.money_panels import money_chart, monthly_money, scheme_chart
from wallet.reports.panels import (
    delay_chart,
    mobility_charts,
    outcome_chart,
    participant_charts,
    retention_chart,
)
from wallet.reports.risk import concentration_chart, flag_chart, price_chart
from wallet.schemes.services import schemes_of


@dataclass(frozen=True)
class FilterForm:
    """What the filter form shows: the values as typed and the problems with them."""

    first: str
    last: str
    scheme: str
    region: str
    errors: dict[str, str]


def default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last 12 months: this month and the eleven before it, up to today."""
    month = today.year * 12 + today.month - 1 - 11
    return dt.date(month // 12, month % 12 + 1, 1), today


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def region_choices() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(regions, municipalities) as (value, name) for the filter's select."""
    places = municipalities().values()
    regions = sorted({m.region for m in places if m.region})
    return [(f"r:{r}", r) for r in regions], [(f"m:{m.code}", m.name) for m in places]


def _municipality_codes(region: str) -> tuple[str, ...] | None:
    kind, _colon, value = region.partition(":")
    places = municipalities()
    if kind == "m" and value in places:
        return (value,)
    if kind == "r":
        found = tuple(code for code, m in places.items() if m.region == value)
        return found or None
    return None


def read_filter(fund_id: int, args: Mapping[str, str]) -> tuple[figures.Filter, FilterForm]:
    """The filter of the query string; what cannot be read falls back to its default and is
    said so next to its field."""
    errors: dict[str, str] = {}
    first, last = default_period(clock.today())
    typed_first, typed_last = args.get("from", ""), args.get("to", "")
    if typed_first and _date(typed_first) is None:
        errors["from"] = gettext("Enter a date, such as 2026-01-31.")
    if typed_last and _date(typed_last) is None:
        errors["to"] = gettext("Enter a date, such as 2026-01-31.")
    chosen_first, chosen_last = _date(typed_first) or first, _date(typed_last) or last
    if chosen_last < chosen_first:
        errors["to"] = gettext("The end comes before the start; the last 12 months are shown.")
    else:
        first, last = chosen_first, chosen_last
    schemes = {str(s.id): s.id for s in schemes_of(fund_id)}
    scheme = args.get("scheme", "")
    region = args.get("region", "")
    codes = _municipality_codes(region)
    wanted = figures.Filter(fund_id, first, last, schemes.get(scheme), codes)
    form = FilterForm(
        typed_first or first.isoformat(),
        typed_last or last.isoformat(),
        scheme if scheme in schemes else "",
        region if codes else "",
        errors,
    )
    return wanted, form


def dashboard_charts(wanted: figures.Filter) -> list[charts.Chart]:
    """Every chart of the dashboard, in the order the page shows them."""
    regional = wanted.municipality_codes is not None
    participants, worker_moves = figures.people(wanted)
    return [
        money_chart(monthly_money(wanted), per_scheme=wanted.scheme_id is not None),
        scheme_chart(wanted),
        *participant_charts(participants, regional),
        *mobility_charts(worker_moves, figures.placement_moves(wanted)),
        retention_chart(figures.retention(wanted)),
        delay_chart(figures.delays(wanted)),
        outcome_chart(figures.claim_outcomes(wanted)),
        flag_chart(figures.flags(wanted)),
        concentration_chart(figures.concentration(wanted)),
        price_chart(figures.price_to_cap(wanted)),
    ]


def dashboard_context(fund_id: int, args: Mapping[str, str]) -> dict:
    """What the dashboard part of the start page needs."""
    from wallet.reports import served

    wanted, form = read_filter(fund_id, args)
    regions, places = region_choices()
    shown, kept = served.dashboard(wanted)
    return {
        "dashboard": {
            "filter": wanted,
            "form": form,
            "charts": {chart.key: chart for chart in shown},
            "figures_of": served.figures_of(kept),
            "schemes": schemes_of(fund_id),
            "regions": regions,
            "municipalities": places,
        },
        **template_helpers(),
    }


def template_helpers() -> dict:
    """What templates/reports/charts.html needs in its context (import it `with context`)."""
    return {
        "palette": charts.PALETTE,
        "width": charts.WIDTH,
        "bar_layout": charts.bar_layout,
        "column_layout": charts.column_layout,
        "format_value": charts.format_value,
    }
