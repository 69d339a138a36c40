"""The redaction filter: no password, token, secret, full IBAN or document in a log line."""

import logging

import pytest

from wallet.ops.redaction import RedactionFilter, mask_iban, redact_text, redact_value

IBAN = "NL91ABNA0417164300"
MASKED = "**************4300"


@pytest.mark.parametrize(
    ("text", "secret", "kept"),
    [
        ("login password=hunter2hunter2 for a@b.nl", "hunter2hunter2", "a@b.nl"),
        ('{"password": "hunter2hunter2", "email": "a@b.nl"}', "hunter2hunter2", "a@b.nl"),
        ("{'new_password': 'hunter2hunter2'}", "hunter2hunter2", "new_password"),
        ("Authorization: Bearer lw_abcdef0123456789", "lw_abcdef0123456789", "Authorization"),
        ("sent token lw_abcdef0123456789 to", "lw_abcdef0123456789", "sent"),
        ("stripe_secret_key=sk_test_123456789 ok", "sk_test_123456789", "ok"),
        ("client_secret: abcdefgh12345678", "abcdefgh12345678", "client_secret"),
        ("csrf_token=ImFiYyI.xyz&name=Jan", "ImFiYyI.xyz", "name=Jan"),
        (f"payout to {IBAN} of 12,50", IBAN, "4300"),
        ("payout to NL91 ABNA 0417 1643 00 today", "ABNA 0417", "4300 today"),
        ("invoice %PDF-1.7 1 0 obj << /Type /Catalog >>", "/Catalog", "invoice [document"),
        ('upload <?xml version="1.0"?><Invoice>', "<Invoice>", "upload [document"),
    ],
)
def test_redact_text_takes_out_the_secret_and_keeps_the_rest(text, secret, kept):
    cleaned = redact_text(text)
    assert secret not in cleaned
    assert kept in cleaned


def test_an_iban_keeps_only_its_last_four_characters():
    assert mask_iban(IBAN) == "**************4300"
    assert redact_text(f"iban {IBAN}") == "iban **************4300"


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("password", "hunter2", "[redacted]"),
        ("api_token", "lw_x", "[redacted]"),
        ("invoice", b"%PDF-1.7 ...", "[12 bytes]"),
        ("content", "x" * 500, "[500 characters]"),
        (
            "form",
            {"password": "p", "iban": IBAN},
            {"password": "[redacted]", "iban": "*" * 14 + "4300"},
        ),
        ("user_id", 7, 7),
    ],
)
def test_redact_value_cleans_extra_fields_by_name_and_kind(name, value, expected):
    assert redact_value(name, value) == expected


def test_the_filter_cleans_message_arguments_extras_and_the_traceback():
    try:
        raise ValueError("could not store password=hunter2hunter2")
    except ValueError:
        import sys

        exc_info = sys.exc_info()
    record = logging.LogRecord(
        "wallet.test", logging.ERROR, __file__, 1, "form %s", ({"token": "abc123"},), exc_info
    )
    record.iban = IBAN
    assert RedactionFilter().filter(record)
    assert "abc123" not in record.getMessage()
    assert record.iban == "*" * 14 + "4300"
    assert "ValueError" in record.exc_text
    assert "hunter2hunter2" not in record.exc_text
