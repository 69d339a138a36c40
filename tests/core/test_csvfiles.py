"""The one CSV writer: text that a spreadsheet would run as a formula stays text."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest

from wallet.core.csvfiles import FORMULA_STARTS, cell, csv_lines

HOSTILE = [start + 'HYPERLINK("http://evil.example")' for start in FORMULA_STARTS]


@pytest.mark.parametrize("text", HOSTILE)
def test_text_that_starts_like_a_formula_is_kept_as_text(text):
    assert cell(text) == "'" + text


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (Decimal("-12.50"), "-12,50"),  # our own numbers are numbers, not text
        (-1250, "-1250"),
        (dt.date(2026, 3, 1), "2026-03-01"),
        (None, ""),
        ("Scholingsbudget", "Scholingsbudget"),
        ("a=b", "a=b"),
    ],
)
def test_numbers_dates_and_plain_text_are_written_as_they_are(value, written):
    assert cell(value) == written


def test_the_decimal_point_is_the_export_s_choice():
    assert cell(Decimal("1500.00"), decimal_comma=False) == "1500.00"


def test_the_lines_have_a_bom_the_delimiter_and_every_row():
    rows = [["=1+1", Decimal("2.00")]] * 450
    text = "".join(csv_lines(["Naam", "Bedrag"], rows, chunk=200))
    assert text.startswith("\ufeffNaam;Bedrag\r\n")
    parsed = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert len(parsed) == 451
    assert parsed[1] == ["'=1+1", "2,00"]
