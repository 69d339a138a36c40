"""The public transparency page /openbaar and the open-data downloads /open-data/NAME.csv:
no login, small numbers hidden (see wallet.reports.suppression)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template

from wallet.reports.open_data import TABLES, current_figures, rows, to_csv
from wallet.reports.suppression import THRESHOLD

bp = Blueprint("public", __name__)

# How long one process keeps the figures (seconds); the page says when they were computed.
DEFAULT_MAX_AGE = 600


def figures():
    """The figures, kept for OPEN_DATA_MAX_AGE seconds (tests: computed on every request)."""
    default = 0 if current_app.testing else DEFAULT_MAX_AGE
    return current_figures(current_app.config.get("OPEN_DATA_MAX_AGE", default))


@bp.get("/openbaar")
def transparency():
    """What each fund did with its money, per scheme, course, provider and municipality."""
    return render_template(
        "reports/public.html", figures=figures(), tables=TABLES, threshold=THRESHOLD
    )


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
