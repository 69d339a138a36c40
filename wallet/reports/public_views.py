"""The public transparency page /openbaar and the open-data downloads /open-data/NAME.csv:
no login, small numbers hidden (see wallet.reports.suppression)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template

from wallet.reports import served
from wallet.reports.open_data import TABLES, rows, to_csv
from wallet.reports.suppression import THRESHOLD

bp = Blueprint("public", __name__)


def figures():
    """The figures from their snapshot, shared by every process and refreshed by the
    reports-snapshots job (wallet.reports.served); the page says when they were computed."""
    return served.public()


@bp.get("/openbaar")
def transparency():
    """What each fund did with its money, per scheme, course, provider and municipality."""
    return render_template("reports/public.html", figures=served.public_page(), threshold=THRESHOLD)


@bp.get("/open-data/<name>.csv")
def open_data_csv(name: str):
    """One open-data table as CSV (UTF-8, a header row, hidden cells "<10")."""
    if name not in TABLES:
        abort(404)
    text = to_csv(name, rows(figures(), name))
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="leerwallet-{name}.csv"'},
    )
