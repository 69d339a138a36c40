"""CSV files the product writes: one writer, with the guard against formula injection.

A spreadsheet runs a cell that starts with =, +, -, @ (or a tab or carriage return before
one) as a formula, so a scheme named `=HYPERLINK(...)` would become a link in a worker's
statement. Every text cell passes through `cell`; numbers and dates are written by the
writer in the export's own format and are never quoted.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal

from flask import Response, stream_with_context

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def cell(value: object, *, decimal_comma: bool = True) -> str:
    """One value as a CSV cell: text that could run as a formula is kept as text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        text = f"{value:.2f}"
        return text.replace(".", ",") if decimal_comma else text
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_lines(
    header: Sequence[object],
    rows: Iterable[Sequence[object]],
    *,
    delimiter: str = ";",
    bom: bool = True,
    decimal_comma: bool = True,
    chunk: int = 200,
) -> Iterator[str]:
    """The CSV text of `header` and `rows`, in chunks of `chunk` rows, every cell guarded."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)

    def flush() -> str:
        text = out.getvalue()
        out.seek(0)
        out.truncate()
        return text

    writer.writerow([cell(value, decimal_comma=decimal_comma) for value in header])
    yield (BOM if bom else "") + flush()
    for count, row in enumerate(rows, start=1):
        writer.writerow([cell(value, decimal_comma=decimal_comma) for value in row])
        if count % chunk == 0:
            yield flush()
    yield flush()


def csv_download(lines: Iterable[str], filename: str) -> Response:
    """A streamed CSV attachment named `filename`."""
    return Response(
        stream_with_context(iter(lines)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
