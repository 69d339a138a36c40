"""What never reaches a log line: passwords, tokens, secrets, full IBANs, document contents.

`redact_text` cleans a rendered message or traceback; `redact_value` cleans the extra
fields a caller attaches. Both are applied to every record by `RedactionFilter`, so a
careless `log.info("%s", form.data)` still leaks nothing.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

REDACTED = "[redacted]"

# Field names whose value is a secret wherever it appears: in key=value, "key": "value",
# key: value, or as the name of an extra field.
CONFIDENTIAL_NAMES = (
    r"password|passwd|pwd|secret|token|api[_-]?key|authorization|cookie|csrf[_-]?token"
    r"|otp|totp|recovery[_-]?code|client[_-]?secret|private[_-]?key|signature|dsn"
)
_SECRET_NAME = re.compile(rf"(?i)({CONFIDENTIAL_NAMES})")
# Document contents travel in fields with these names; their value is summarised.
_DOCUMENT_NAME = re.compile(r"(?i)^(content|contents|body|document|file_?content|data|pdf|ubl)$")

_KEY_VALUE = re.compile(
    rf"""(?ix)
    (?P<key>["']?[\w-]*(?:{CONFIDENTIAL_NAMES})[\w-]*["']?)   # a key naming a secret
    (?P<sep>\s*[:=]\s*)
    (?P<value>"[^"]*"|'[^']*'|[^\s,;&)}}\]]+)        # quoted or bare value
    """
)
_BEARER = re.compile(r"(?i)\b(bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{8,}")
# An IBAN, written together or in groups of four: country, check digits, 11-30 characters.
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,30}\b")
_PDF = re.compile(r"%PDF-.*", re.DOTALL)
_XML_DOCUMENT = re.compile(r"<\?xml.*", re.DOTALL)


def mask_iban(iban: str) -> str:
    """All but the last four characters hidden: NL91ABNA0417164300 -> **************4300."""
    compact = iban.replace(" ", "")
    return "*" * (len(compact) - 4) + compact[-4:]


def _key_value(match: re.Match) -> str:
    return f"{match['key']}{match['sep']}{REDACTED}"


def redact_text(text: str) -> str:
    """The text with secrets, IBANs and embedded documents taken out."""
    text = _PDF.sub(lambda m: f"[document, {len(m.group())} characters]", text)
    text = _XML_DOCUMENT.sub(lambda m: f"[document, {len(m.group())} characters]", text)
    text = _BEARER.sub(lambda m: f"{m[1]} {REDACTED}", text)
    text = _KEY_VALUE.sub(_key_value, text)
    return _IBAN.sub(lambda m: mask_iban(m.group()), text)


def redact_value(name: str, value: object) -> object:
    """An extra field's value, safe to log under `name`."""
    if _SECRET_NAME.search(name):
        return REDACTED
    if isinstance(value, bytes | bytearray | memoryview):
        return f"[{len(value)} bytes]"
    if _DOCUMENT_NAME.match(name) and isinstance(value, str) and len(value) > 80:
        return f"[{len(value)} characters]"
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {str(k): redact_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(name, v) for v in value]
    return value


# Attributes every LogRecord has; anything else on a record came in through `extra=`.
STANDARD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "taskName",
}


class RedactionFilter(logging.Filter):
    """Renders the message once, redacted, and cleans extra fields and tracebacks."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg = redact_text(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
            # The formatters read exc_text; exc_info would render the raw traceback again.
            record.exc_info = None
        for name, value in list(record.__dict__.items()):
            if name not in STANDARD_ATTRIBUTES and not name.startswith("_"):
                record.__dict__[name] = redact_value(name, value)
        return True
