"""The reports' figures to and from JSON, so a snapshot (wallet.reports.snapshots) can keep
them in the database: the dashboard's charts, the public figures and the period report.

Written out by hand rather than by reflection: the JSON is read back by another process,
perhaps after a deploy, and each field's shape (tuples, nested rows, dates) is plain here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from wallet.reports.charts import Chart, Series
from wallet.reports.period import BookRow, Move, PeriodReport, SchemeMoney, SchemeRow
from wallet.reports.periods import Period
from wallet.reports.public import CountRow, FundTables, MoneyRow, PublicFigures


def chart_to_json(chart: Chart) -> dict:
    """A chart as JSON: its fields, series as {name, values}."""
    return dataclasses.asdict(chart)


def chart_from_json(data: dict) -> Chart:
    """The chart chart_to_json wrote."""
    return Chart(
        key=data["key"],
        title=data["title"],
        summary=data["summary"],
        unit=data["unit"],
        labels=tuple(data["labels"]),
        series=tuple(Series(s["name"], tuple(s["values"])) for s in data["series"]),
        links=tuple(data["links"]),
        list_link=tuple(data["list_link"]) if data["list_link"] is not None else None,
        highlight=data["highlight"],
        label_heading=data["label_heading"],
        note=data["note"],
        axis_labels=tuple((index, text) for index, text in data["axis_labels"]),
    )


def charts_to_json(charts: list[Chart]) -> dict:
    """The dashboard's charts, in their order."""
    return {"charts": [chart_to_json(chart) for chart in charts]}


def charts_from_json(data: dict) -> list[Chart]:
    """The charts charts_to_json wrote."""
    return [chart_from_json(chart) for chart in data["charts"]]


def _count_row(data: dict | None) -> CountRow | None:
    return CountRow(**data) if data is not None else None


def public_to_json(figures: PublicFigures) -> dict:
    """The public figures as JSON (the moment as ISO 8601)."""
    data = dataclasses.asdict(figures)
    data["computed_at"] = figures.computed_at.isoformat()
    return data


def public_from_json(data: dict) -> PublicFigures:
    """The figures public_to_json wrote."""
    funds = [
        FundTables(
            fund_id=fund["fund_id"],
            fund=MoneyRow(**fund["fund"]),
            schemes=[MoneyRow(**row) for row in fund["schemes"]],
            courses=[CountRow(**row) for row in fund["courses"]],
            providers=[CountRow(**row) for row in fund["providers"]],
            municipalities=[CountRow(**row) for row in fund["municipalities"]],
            total=_count_row(fund["total"]),
            left_out=fund.get("left_out", {}),
        )
        for fund in data["funds"]
    ]
    return PublicFigures(computed_at=dt.datetime.fromisoformat(data["computed_at"]), funds=funds)


def period_to_json(report: PeriodReport) -> dict:
    """A period report as JSON (its days as ISO dates)."""
    data = dataclasses.asdict(report)
    data["period"] = {
        "first": report.period.first.isoformat(),
        "last": report.period.last.isoformat(),
    }
    return data


def period_from_json(data: dict) -> PeriodReport:
    """The report period_to_json wrote."""
    period = data["period"]
    return PeriodReport(
        fund_id=data["fund_id"],
        fund_name=data["fund_name"],
        period=Period(
            dt.date.fromisoformat(period["first"]), dt.date.fromisoformat(period["last"])
        ),
        scheme_id=data["scheme_id"],
        scheme_name=data["scheme_name"],
        schemes=[SchemeRow(**row) for row in data["schemes"]],
        participants=data["participants"],
        placements=data["placements"],
        placement_moves=[Move(**move) for move in data["placement_moves"]],
        worker_moves=[Move(**move) for move in data["worker_moves"]],
        flows=dict(data["flows"]),
        held_at_start=data["held_at_start"],
        held_at_end=data["held_at_end"],
        scheme_money=[SchemeMoney(**row) for row in data["scheme_money"]],
        books=[BookRow(**row) for row in data["books"]],
    )
