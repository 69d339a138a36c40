"""The fund administrator's period report: the page, its CSV files and its workbook.

A GET form (it changes nothing), so a report is a link that can be shared or bookmarked.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user

from wallet.accounts.access import role_required
from wallet.accounts.models import Role
from wallet.core import clock
from wallet.core.csvfiles import csv_download
from wallet.core.db import session
from wallet.core.errors import ValidationFailed
from wallet.reports import exports, served
from wallet.reports.period import PeriodReport
from wallet.reports.periods import Period, last_complete_quarter, parse_period, quick_periods
from wallet.schemes.models import Scheme

bp = Blueprint("reports", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _schemes() -> list[tuple[int, str]]:
    return session.execute(
        sa.select(Scheme.id, Scheme.name)
        .where(Scheme.fund_id == current_user.fund_id)
        .order_by(Scheme.name, Scheme.id)
    ).all()


def _scheme_arg(schemes: list[tuple[int, str]]) -> int | None:
    """The chosen scheme, if it is one of the fund's (anything else: the whole fund)."""
    text = request.args.get("scheme", "").strip()
    ids = {scheme_id for scheme_id, _name in schemes}
    return int(text) if text.isdigit() and int(text) in ids else None


def _wanted() -> tuple[Period, int | None, list[tuple[int, str]]]:
    """The period and scheme asked for; the last complete quarter when no period is given."""
    schemes = _schemes()
    start, end = request.args.get("from"), request.args.get("to")
    if not (start or "").strip() and not (end or "").strip():
        period = last_complete_quarter(clock.today())
    else:
        period = parse_period(start, end)
    return period, _scheme_arg(schemes), schemes


def _report() -> PeriodReport:
    try:
        period, scheme_id, _ignored = _wanted()
    except ValidationFailed:
        abort(404)  # a download link is made by the page from a period it could read
    return served.period(current_user.fund_id, period, scheme_id)[0]


@bp.get("/fund/reports/period")
@role_required(Role.FUND_ADMIN)
def period():
    """The period report of the administrator's fund, with the form to choose another."""
    args = {name: request.args.get(name, "") for name in ("from", "to", "scheme")}
    try:
        chosen, scheme_id, schemes = _wanted()
    except ValidationFailed as problem:
        return render_template(
            "reports/period.html",
            report=None,
            tables=[],
            errors=problem.errors,
            args=args,
            schemes=_schemes(),
            scheme_id=None,
            quick=quick_periods(clock.today()),
        ), 422
    report, kept = served.period(current_user.fund_id, chosen, scheme_id)
    if not args["from"]:
        args["from"], args["to"] = chosen.first.isoformat(), chosen.last.isoformat()
    return render_template(
        "reports/period.html",
        report=report,
        tables=exports.tables(report),
        errors={},
        args=args,
        schemes=schemes,
        scheme_id=scheme_id,
        quick=quick_periods(clock.today()),
        figures_of=served.figures_of(kept),
    )


@bp.get("/fund/reports/period/<key>.csv")
@role_required(Role.FUND_ADMIN)
def period_csv(key: str):
    """One table of the report as a CSV file."""
    report = _report()
    table = next((t for t in exports.tables(report) if t.key == key), None)
    if table is None:
        abort(404)
    return csv_download(exports.csv_text(table), f"{exports.file_stem(report)}-{key}.csv")


@bp.get("/fund/reports/period.xlsx")
@role_required(Role.FUND_ADMIN)
def period_xlsx():
    """The whole report as an Excel workbook, a sheet per table."""
    report = _report()
    name = f"{exports.file_stem(report)}.xlsx"
    return Response(
        exports.workbook(report),
        mimetype=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
