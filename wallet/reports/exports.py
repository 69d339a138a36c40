"""The period report as tables, and those tables as CSV files and as an Excel workbook.

The page, the downloads and the command line all take their tables from `tables()`, so they
cannot disagree. CSV: one file per table. Every table has its own columns (a money flow has
an amount, a sector move a from, a to and a count); one CSV with a `table` column would
need the union of all columns, mostly empty, and no spreadsheet or script reads that
without first splitting it again. A file per table opens as it is.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from wallet.core.csvfiles import csv_lines
from wallet.core.money import Money
from wallet.reports.money import FLOWS
from wallet.reports.period import Move, PeriodReport

TEXT, COUNT, EURO = "text", "count", "euro"
EURO_FORMAT = '"€" #,##0.00;[Red]-"€" #,##0.00'
FLOW_LABELS = {
    "deposited": _l("Deposited into the fund"),
    "granted": _l("Committed to workers' budgets"),
    "expired": _l("Returned from expired budgets"),
    "approved": _l("Approved claims of training providers"),
    "reimbursed": _l("Approved reimbursements to employers"),
    "clawed_back": _l("Clawed back from paid claims"),
    "submitted": _l("Sent to the bank in payout batches"),
    "paid": _l("Paid out"),
    "returned": _l("Returned by the bank"),
}
# Payout and deposit flows belong to the fund as a whole, not to one of its schemes.
FUND_WIDE = ("deposited", "submitted", "paid", "returned")
SCHEME_FLOWS = ("granted", "expired", "approved", "reimbursed")
BOOK_LABELS = {
    "pot": _l("Fund pot (not yet granted)"),
    "grants": _l("Workers' budgets"),
    "payable": _l("Owed to training providers and employers"),
    "in_transit": _l("Sent to the bank, not yet paid"),
    "paid_out": _l("Paid out"),
    "receivable": _l("Owed back by training providers"),
}


@dataclass(frozen=True)
class Column:
    """A column: its heading and whether it holds text, a count or an amount in cents."""

    label: str
    kind: str = TEXT

    @property
    def numeric(self) -> bool:
        """Counts and amounts align right and are numbers in the workbook."""
        return self.kind != TEXT


@dataclass(frozen=True)
class Table:
    """One table of the report; `key` names its CSV file and its sheet."""

    key: str
    title: str
    columns: tuple[Column, ...]
    rows: list[tuple]
    total: tuple | None = None  # a last row shown apart (in bold in the workbook)


def _schemes(report: PeriodReport) -> Table:
    rows = [(row.name, row.participants, row.placements) for row in report.schemes]
    total = None
    if report.scheme_id is None:
        total = (_("The fund (each person once)"), report.participants, report.placements)
    return Table(
        "participants",
        _("Participants and placements per scheme"),
        (
            Column(_("Scheme")),
            Column(_("Participants"), COUNT),
            Column(_("Placements started"), COUNT),
        ),
        rows,
        total,
    )


def _moves(key: str, title: str, moves: list[Move]) -> Table:
    return Table(
        key,
        title,
        (Column(_("From sector")), Column(_("To sector")), Column(_("Persons"), COUNT)),
        [(m.from_sector, m.to_sector, m.persons) for m in moves],
    )


def _money(report: PeriodReport) -> Table:
    flows = [f for f in FLOWS if report.scheme_id is None or f not in FUND_WIDE]
    rows = [(str(FLOW_LABELS[f]), report.flows[f]) for f in flows]
    rows += [
        (_("Reserved for courses and placements at the start"), report.held_at_start),
        (_("Reserved for courses and placements at the end"), report.held_at_end),
    ]
    return Table(
        "money", _("What the money did"), (Column(_("Movement")), Column(_("Amount"), EURO)), rows
    )


def _scheme_money(report: PeriodReport) -> Table:
    columns = (
        Column(_("Scheme")),
        *(Column(str(FLOW_LABELS[f]), EURO) for f in SCHEME_FLOWS),
        Column(_("Reserved at the end"), EURO),
    )
    rows = [
        (row.name, *(row.flows[f] for f in SCHEME_FLOWS), row.held_at_end)
        for row in report.scheme_money
    ]
    return Table("scheme_money", _("Money per scheme"), columns, rows)


def _books(report: PeriodReport) -> Table:
    rows = [(str(BOOK_LABELS[r.book]), r.opening, r.movements, r.closing) for r in report.books]
    total = (
        _("Total: everything deposited"),
        *(sum(r[i] for r in rows) for i in (1, 2, 3)),
    )
    return Table(
        "books",
        _("The fund's books: opening balance + movements = closing balance"),
        (
            Column(_("Book")),
            Column(_("Opening balance"), EURO),
            Column(_("Movements"), EURO),
            Column(_("Closing balance"), EURO),
        ),
        rows,
        total,
    )


def tables(report: PeriodReport) -> list[Table]:
    """The report's tables in the order the page shows them; the fund's books and the money
    per scheme only in the report of the whole fund."""
    found = [_schemes(report), _money(report)]
    if report.scheme_id is None:
        found += [_scheme_money(report), _books(report)]
    found.append(
        _moves("placement_moves", _("Sector moves in employer placements"), report.placement_moves)
    )
    found.append(
        _moves(
            "worker_moves",
            _("Sector moves of workers to their target occupation"),
            report.worker_moves,
        )
    )
    return found


def file_stem(report: PeriodReport) -> str:
    """`leerwallet-fonds-3-2026-Q3`: the name both downloads and the CLI's files start with."""
    scheme = f"-regeling-{report.scheme_id}" if report.scheme_id else ""
    return f"leerwallet-fonds-{report.fund_id}{scheme}-{report.period.label}"


def _euros(cents: int) -> Decimal:
    return Money(cents).to_decimal()


def _plain(table: Table, row: tuple) -> list:
    return [_euros(v) if c.kind == EURO else v for c, v in zip(table.columns, row, strict=True)]


def csv_text(table: Table) -> Iterator[str]:
    """One table as CSV (semicolons, euros with a decimal comma, as Dutch spreadsheets read)."""
    rows = [_plain(table, row) for row in table.rows]
    if table.total:
        rows.append(_plain(table, table.total))
    return csv_lines([c.label for c in table.columns], rows)


def workbook(report: PeriodReport) -> bytes:
    """The report as an .xlsx: a sheet per table, numbers as numbers, euros in euro format."""
    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    for table in tables(report):
        sheet = book.create_sheet(table.key[:31])
        sheet.append([c.label for c in table.columns])
        for cell in sheet[1]:
            cell.font = bold
        for row in [*table.rows, *([table.total] if table.total else [])]:
            sheet.append(_plain(table, row))
        if table.total:
            for cell in sheet[sheet.max_row]:
                cell.font = bold
        for index, column in enumerate(table.columns, start=1):
            letter = get_column_letter(index)
            if column.kind == EURO:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = EURO_FORMAT
            width = max([len(column.label)] + [len(str(r[index - 1])) for r in table.rows])
            sheet.column_dimensions[letter].width = min(60, max(12, width + 4))
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
