"""camt.053 bank statements: lines read from both versions, and files that are refused."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from tests.payments.camt_builder import camt053
from wallet.payments.camt import MAX_BYTES, StatementLine, StatementProblem, read_statement

VERSIONS = ["02", "08"]
PROVIDER_IBAN = "NL02ABNA0123456789"


@pytest.fixture(autouse=True)
def _app_context(app_ctx):
    """Messages for people are translated, which wants an app context; these tests read the
    English wording."""
    from flask_babel import force_locale

    with force_locale("en"):
        yield


def _lines() -> list[dict]:
    return [
        {
            "end_to_end_id": "LW-1-1",
            "amount": "2400.00",
            "name": "Opleider B.V.",
            "iban": PROVIDER_IBAN,
        },
        {
            "end_to_end_id": "REFUND-9",
            "amount": "150.25",
            "debit": False,
            "name": "Jan Jansen",
            "iban": "NL69INGB0123456789",
        },
        {"end_to_end_id": None, "amount": "7.50", "name": "Bank", "iban": PROVIDER_IBAN},
        {
            "debit": True,
            "batch": [
                {
                    "end_to_end_id": "LW-2-1",
                    "amount": "1000.00",
                    "name": "Academie A",
                    "iban": "DE89370400440532013000",
                },
                {
                    "end_to_end_id": "LW-2-2",
                    "amount": "0.99",
                    "name": "School B",
                    "iban": "FR1420041010050500013M02606",
                },
            ],
        },
        {
            "end_to_end_id": "LW-1-2",
            "amount": "300.00",
            "debit": False,
            "returned": "AC04",
            "name": "Opleider B.V.",
            "iban": PROVIDER_IBAN,
            "booked_on": "2024-05-03",
        },
    ]


@pytest.mark.parametrize("version", VERSIONS)
def test_reads_every_transaction_of_both_versions(version: str) -> None:
    lines = read_statement(camt053(_lines(), iban="NL91 ABNA 0417 1643 00", version=version))

    day = dt.date(2024, 5, 2)
    assert {line.account_iban for line in lines} == {"NL91ABNA0417164300"}  # one spelling
    assert [dataclasses.replace(line, account_iban=None) for line in lines] == [
        StatementLine(
            "LW-1-1", 240000, True, day, "000001", PROVIDER_IBAN, "Opleider B.V.", False, None
        ),
        StatementLine(
            "REFUND-9", 15025, False, day, "000002", "NL69INGB0123456789", "Jan Jansen", False, None
        ),
        StatementLine(None, 750, True, day, "000003", PROVIDER_IBAN, "Bank", False, None),
        StatementLine(
            "LW-2-1",
            100000,
            True,
            day,
            "000004",
            "DE89370400440532013000",
            "Academie A",
            False,
            None,
        ),
        StatementLine(
            "LW-2-2",
            99,
            True,
            day,
            "000004",
            "FR1420041010050500013M02606",
            "School B",
            False,
            None,
        ),
        StatementLine(
            "LW-1-2",
            30000,
            False,
            dt.date(2024, 5, 3),
            "000005",
            PROVIDER_IBAN,
            "Opleider B.V.",
            True,
            "AC04",
        ),
    ]


@pytest.mark.parametrize("version", VERSIONS)
def test_a_reversed_entry_is_returned_without_a_reason(version: str) -> None:
    data = camt053(
        [{"end_to_end_id": "LW-3-1", "amount": "10.00", "debit": False, "reversed": True}],
        version=version,
    )

    (line,) = read_statement(data)

    assert line.returned
    assert line.return_reason is None
    assert line.amount_cents == 1000


@pytest.mark.parametrize("version", VERSIONS)
def test_pending_entries_are_left_out(version: str) -> None:
    data = camt053(
        [
            {"end_to_end_id": "LW-4-1", "amount": "1.00", "status": "PDNG"},
            {"end_to_end_id": "LW-4-2", "amount": "2.00"},
        ],
        version=version,
    )

    assert [line.end_to_end_id for line in read_statement(data)] == ["LW-4-2"]


def test_a_single_transaction_without_amount_takes_the_entry_amount() -> None:
    data = camt053([{"end_to_end_id": "LW-5-1", "amount": "42.00"}])
    start, end = data.index(b"<AmtDtls>"), data.index(b"</AmtDtls>") + len(b"</AmtDtls>")

    (line,) = read_statement(data[:start] + data[end:])

    assert line.amount_cents == 4200
    assert line.end_to_end_id == "LW-5-1"


def test_a_batch_without_amounts_per_transaction_is_refused() -> None:
    data = camt053(
        [
            {
                "batch": [
                    {"end_to_end_id": "A", "amount": "1.00"},
                    {"end_to_end_id": "B", "amount": "2.00"},
                ]
            }
        ],
        version="08",
    )
    data = data.replace(b'<Amt Ccy="EUR">1.00</Amt>', b"").replace(
        b'<Amt Ccy="EUR">2.00</Amt>', b""
    )

    with pytest.raises(StatementProblem, match="batch entry without an amount"):
        read_statement(data)


def test_an_entry_without_details_is_one_line_without_reference() -> None:
    data = camt053([{"end_to_end_id": "X", "amount": "3.10"}])
    start = data.index(b"<NtryDtls>")
    end = data.index(b"</NtryDtls>") + len(b"</NtryDtls>")

    (line,) = read_statement(data[:start] + data[end:])

    assert (line.end_to_end_id, line.amount_cents, line.debit) == (None, 310, True)
    assert line.counterparty_iban is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "not readable XML"),
        (b"%PDF-1.7\n%binary", "not readable XML"),
        (b"<Document><unclosed></Document>", "not readable XML"),
        (b"<Document/>", "not a camt.053"),
        (
            b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>',
            "not a camt.053",
        ),
        (
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.052.001.02">'
            b"<BkToCstmrAcctRpt/></Document>",
            "not a camt.053",
        ),
        (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"/>', "not a camt"),
    ],
)
def test_files_that_are_no_camt053_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(StatementProblem, match=message):
        read_statement(data)


def test_another_iso20022_message_is_refused() -> None:
    data = camt053([{"end_to_end_id": "A", "amount": "1.00"}]).replace(
        b"camt.053.001.02", b"pain.001.001.03"
    )

    with pytest.raises(StatementProblem, match=r"not a camt\.053"):
        read_statement(data)


@pytest.mark.parametrize("version", VERSIONS)
def test_an_external_entity_is_not_expanded(version: str) -> None:
    data = camt053([{"end_to_end_id": "PLACEHOLDER", "amount": "1.00"}], version=version)
    data = data.replace(b"PLACEHOLDER", b"&e;").replace(
        b"?>\n", b'?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n', 1
    )

    with pytest.raises(StatementProblem, match="document type declaration") as refused:
        read_statement(data)

    assert "root:" not in str(refused.value)


def test_an_entity_bomb_is_refused() -> None:
    laughs = b"".join(
        b'<!ENTITY l%d "&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;">'
        % ((i,) + (i - 1,) * 10)
        for i in range(1, 10)
    )
    data = (
        b'<?xml version="1.0"?><!DOCTYPE Document [<!ENTITY l0 "lol">' + laughs + b"]>"
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">&l9;</Document>'
    )

    with pytest.raises(StatementProblem):
        read_statement(data)


@pytest.mark.parametrize("version", VERSIONS)
def test_another_currency_is_refused(version: str) -> None:
    data = camt053([{"end_to_end_id": "A", "amount": "5.00", "currency": "USD"}], version=version)

    with pytest.raises(StatementProblem, match="amount in USD; only EUR"):
        read_statement(data)


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("12.345", "more than two decimals"),
        ("12,50", "not a number"),
        ("NaN", "not a number"),
        ("1E3", "not a number"),
        ("-5.00", "not a number"),
        ("", "not a number"),
    ],
)
def test_amounts_that_are_no_whole_cents_are_refused(amount: str, message: str) -> None:
    data = camt053([{"end_to_end_id": "A", "amount": amount}], version="08")

    with pytest.raises(StatementProblem, match=message):
        read_statement(data)


def test_trailing_zeros_beyond_cents_are_fine() -> None:
    (line,) = read_statement(camt053([{"end_to_end_id": "A", "amount": "12.34000"}]))

    assert line.amount_cents == 1234


def test_a_file_above_20_mb_is_refused() -> None:
    data = camt053([{"end_to_end_id": "A", "amount": "1.00"}])
    padding = b"<!--" + b" " * (MAX_BYTES - len(data)) + b"-->"
    assert len(data + padding) > 20 * 1024 * 1024

    with pytest.raises(StatementProblem, match="larger than 20 MB"):
        read_statement(data + padding)
