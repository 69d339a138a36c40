"""The public figures as open-data tables: one list of rows per table, the same for the CSV
downloads and the JSON API, so both say what the public page says.

Column names are stable English identifiers (data users script against them). Money is in
cents here and in the JSON, in euros with two decimals in the CSV; a hidden cell is None in
the rows, null in the JSON and "<10" in the CSV.
"""

from __future__ import annotations

import csv
import io

from wallet.reports.public import CountRow, PublicFigures

SUPPRESSED = "<10"
COUNT_COLUMNS = ("participants", "received_cents")
TABLES: dict[str, tuple[str, ...]] = {
    "funds": ("fund", "budget_cents", "committed_cents", "paid_cents", *COUNT_COLUMNS),
    "schemes": ("fund", "scheme", "budget_cents", "committed_cents", "paid_cents"),
    "courses": ("fund", "provider", "course", *COUNT_COLUMNS),
    "providers": ("fund", "provider", *COUNT_COLUMNS),
    "municipalities": ("fund", "municipality", "participants"),
}


def _counts(row: CountRow) -> dict:
    return {"participants": row.persons, "received_cents": row.received_cents}


def rows(figures: PublicFigures, table: str) -> list[dict]:
    """The rows of one open-data table (a name from TABLES), fund by fund."""
    found: list[dict] = []
    for fund in figures.funds:
        name = fund.fund.name
        if table == "funds":
            money = fund.fund
            found.append(
                {
                    "fund": name,
                    "budget_cents": money.budget_cents,
                    "committed_cents": money.committed_cents,
                    "paid_cents": money.paid_cents,
                    **_counts(fund.total),
                }
            )
        elif table == "schemes":
            found += [
                {
                    "fund": name,
                    "scheme": s.name,
                    "budget_cents": s.budget_cents,
                    "committed_cents": s.committed_cents,
                    "paid_cents": s.paid_cents,
                }
                for s in fund.schemes
            ]
        elif table == "courses":
            found += [
                {"fund": name, "provider": c.provider, "course": c.name, **_counts(c)}
                for c in fund.courses
            ]
        elif table == "providers":
            found += [{"fund": name, "provider": p.name, **_counts(p)} for p in fund.providers]
        elif table == "municipalities":
            found += [
                {"fund": name, "municipality": m.name, "participants": m.persons}
                for m in fund.municipalities
            ]
    return found


def _euros(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole}.{part:02d}"


def to_csv(table: str, found: list[dict]) -> str:
    """UTF-8 text with a header row; euros with two decimals; hidden cells "<10"."""
    columns = [
        c.removesuffix("_cents") + "_eur" if c.endswith("_cents") else c for c in TABLES[table]
    ]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in found:
        cells = []
        for column in TABLES[table]:
            value = row[column]
            if value is None:
                cells.append(SUPPRESSED)
            elif column.endswith("_cents"):
                cells.append(_euros(value))
            else:
                cells.append(value)
        writer.writerow(cells)
    return out.getvalue()
