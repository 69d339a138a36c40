"""The period report's files: the workbook (a sheet per table, numbers as numbers, euros in a
euro format, bold headers, set widths), the CSV files, and `flask reports period`."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from tests.reports import period_scene
from wallet.reports import exports
from wallet.reports.period import period_report

people = period_scene.people
make_scene = period_scene.make_scene
make_employer_scheme = period_scene.make_employer_scheme


def _tables_and_workbook(app, people):
    with app.app_context():
        report = period_report(people.fund.id, people.period)
        return exports.tables(report), exports.workbook(report)


def test_the_workbook_has_a_sheet_per_table_with_numbers(app, people):
    tables, data = _tables_and_workbook(app, people)

    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == [table.key for table in tables]
    sheet = book["participants"]
    assert sheet["A1"].font.bold
    assert sheet.column_dimensions["A"].width >= 12
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert ("Scholingsbudget Twente", 2, 0) in rows
    assert rows[-1][1:] == (4, 2)
    assert sheet.cell(sheet.max_row, 1).font.bold


def test_a_csv_file_per_table(app, people):
    with app.app_context():
        report = period_report(people.fund.id, people.period)
        table = exports.tables(report)[0]
        text = "".join(exports.csv_text(table))

    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == ["Regeling", "Deelnemers", "Gestarte plaatsingen"]
    assert ["Scholingsbudget Twente", "2", "0"] in rows
    assert rows[-1][1:] == ["4", "2"]


def test_the_command_writes_the_files(people, runner, tmp_path):
    first, last = people.period.first.isoformat(), people.period.last.isoformat()

    args = ["--from", first, "--to", last, "--out", str(tmp_path)]

    result = runner.invoke(args=["reports", "period", "--fund", str(people.fund.id), *args])

    assert result.exit_code == 0, result.output
    names = sorted(path.name for path in tmp_path.iterdir())
    stem = f"leerwallet-fonds-{people.fund.id}-{first}_{last}"
    assert f"{stem}.xlsx" in names
    assert f"{stem}-participants.csv" in names
    assert str(tmp_path / f"{stem}.xlsx") in result.output
    assert load_workbook(tmp_path / f"{stem}.xlsx").sheetnames[0] == "participants"


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2026-13-01", "", "is geen datum"),
        ("2026-Q5", "", "Er is geen kwartaal 5"),
        ("2026-07-01", "2026-06-30", "ligt voor het begin"),
        ("2010", "2026", "hoogstens 10 jaar"),
    ],
)
def test_bad_input_exits_with_2_and_says_why(people, runner, tmp_path, start, end, message):
    result = runner.invoke(
        args=[
            "reports",
            "period",
            "--fund",
            str(people.fund.id),
            "--from",
            start,
            "--to",
            end,
            "--out",
            str(tmp_path),
        ]
    )

    assert result.exit_code == 2
    assert message in result.output
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_fund_exits_with_2(app, runner, tmp_path):
    result = runner.invoke(
        args=["reports", "period", "--fund", "999", "--from", "2026-Q3", "--out", str(tmp_path)]
    )

    assert result.exit_code == 2
    assert "999" in result.output


def test_a_scheme_report_leaves_out_the_fund_wide_money_and_books(app, people):
    with app.app_context():
        report = period_report(people.fund.id, people.period, scheme_id=people.budgets.id)
        tables = exports.tables(report)

    assert [table.key for table in tables] == [
        "participants",
        "money",
        "placement_moves",
        "worker_moves",
    ]
    movements = [row[0] for row in tables[1].rows]
    assert "Toegekend aan budgetten van werkenden" in movements
    assert "Gestort in het fonds" not in movements
    assert dict(tables[1].rows)["Gereserveerd voor cursussen en plaatsingen aan het eind"] == (
        570_000
    )
