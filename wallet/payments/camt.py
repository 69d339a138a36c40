"""Bank statements: ISO 20022 camt.053 (versions .001.02 and .001.08) read into lines.

Each transaction detail of a booked entry becomes one `StatementLine`; payouts are then
matched on their EndToEndId. Amounts are read with Decimal into whole cents, never floats.
The XML is parsed without entities, DTDs or network access; a document type declaration
is refused outright, as no bank sends one.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from decimal import Decimal

from flask_babel import gettext as _
from lxml import etree

from wallet.core.xml import parse_untrusted

MAX_BYTES = 20 * 1024 * 1024
NAMESPACES = frozenset(
    f"urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version}" for version in ("02", "08")
)
_NUMBER = re.compile(r"^[0-9]{1,18}(\.[0-9]+)?$")


class StatementProblem(ValueError):
    """A bank statement that cannot be read; the message says why for a person."""


@dataclass(frozen=True)
class StatementLine:
    """One transfer on the statement. `debit` means money left the fund's account."""

    end_to_end_id: str | None
    amount_cents: int
    debit: bool
    booked_on: dt.date | None
    entry_reference: str | None
    counterparty_iban: str | None
    counterparty_name: str | None
    returned: bool
    return_reason: str | None
    account_iban: str | None = None  # the statement's own account (the fund's, we hope)


def read_statement(data: bytes) -> list[StatementLine]:
    """Every transaction of every booked entry in a camt.053 file, else StatementProblem."""
    if len(data) > MAX_BYTES:
        raise StatementProblem(_("The bank statement is larger than 20 MB."))
    try:
        root = parse_untrusted(data)
    except (etree.XMLSyntaxError, ValueError):
        raise StatementProblem(_("The bank statement is not readable XML.")) from None
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.doctype:
        raise StatementProblem(_("The bank statement contains a document type declaration."))
    namespace = etree.QName(root).namespace
    if etree.QName(root).localname != "Document" or namespace not in NAMESPACES:
        raise StatementProblem(_("The file is not a camt.053 bank statement."))
    ns = {"c": namespace}
    if root.find("c:BkToCstmrStmt", ns) is None:
        raise StatementProblem(_("The file is not a camt.053 bank statement."))
    lines = []
    for statement in root.iterfind("c:BkToCstmrStmt/c:Stmt", ns):
        account = (_text(statement, "c:Acct/c:Id/c:IBAN", ns=ns) or "").replace(" ", "").upper()
        for entry in statement.iterfind("c:Ntry", ns):
            lines.extend(
                replace(line, account_iban=account or None) for line in _entry_lines(entry, ns)
            )
    return lines


def _text(element: etree._Element, *paths: str, ns: dict[str, str]) -> str | None:
    """The first non-empty text found at one of `paths`, stripped."""
    for path in paths:
        value = (element.findtext(path, namespaces=ns) or "").strip()
        if value:
            return value
    return None


def _cents(amount: etree._Element) -> int:
    currency = (amount.get("Ccy") or "").strip()
    if currency != "EUR":
        message = _(
            "The bank statement has an amount in %(currency)s; only EUR is accepted.",
            currency=currency[:10] or "?",
        )
        raise StatementProblem(message)
    text = (amount.text or "").strip()
    if not _NUMBER.match(text):
        raise StatementProblem(_("The bank statement has an amount that is not a number."))
    value = Decimal(text)
    if value != value.quantize(Decimal("0.01")):
        raise StatementProblem(_("The bank statement has an amount with more than two decimals."))
    return int(value * 100)


def _booked_on(entry: etree._Element, ns: dict[str, str]) -> dt.date | None:
    text = _text(entry, "c:BookgDt/c:Dt", "c:BookgDt/c:DtTm", ns=ns)
    try:
        return dt.date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def _entry_lines(entry: etree._Element, ns: dict[str, str]) -> list[StatementLine]:
    status = _text(entry, "c:Sts/c:Cd", "c:Sts", ns=ns)
    if status and status != "BOOK":
        return []  # pending or informational: nothing has been paid yet
    entry_amount = entry.find("c:Amt", ns)
    if entry_amount is None:
        raise StatementProblem(_("The bank statement has an entry without an amount."))
    _cents(entry_amount)  # refuses a foreign or malformed entry amount, even in a batch
    # An entry without details still is one line; an element of no namespace finds nothing.
    details = entry.findall("c:NtryDtls/c:TxDtls", ns) or [etree.Element("NoDetails")]
    lines = []
    for tx in details:
        amount = tx.find("c:Amt", ns)
        if amount is None:
            amount = tx.find("c:AmtDtls/c:TxAmt/c:Amt", ns)
        if amount is None and len(details) > 1:
            message = _("The bank statement has a batch entry without an amount per transfer.")
            raise StatementProblem(message)
        lines.append(_line(entry, tx, entry_amount if amount is None else amount, ns))
    return lines


def _line(
    entry: etree._Element, tx: etree._Element, amount: etree._Element, ns: dict[str, str]
) -> StatementLine:
    side = _text(tx, "c:CdtDbtInd", ns=ns) or _text(entry, "c:CdtDbtInd", ns=ns)
    if side not in ("DBIT", "CRDT"):
        message = _("The bank statement has an entry that is neither a debit nor a credit.")
        raise StatementProblem(message)
    party = "c:RltdPties/c:" + ("Cdtr" if side == "DBIT" else "Dbtr")  # the other side
    end_to_end = _text(tx, "c:Refs/c:EndToEndId", ns=ns)
    iban = _text(tx, f"{party}Acct/c:Id/c:IBAN", ns=ns)
    return_info = tx.find("c:RtrInf", ns)
    return StatementLine(
        end_to_end_id=None if end_to_end == "NOTPROVIDED" else end_to_end,
        amount_cents=_cents(amount),
        debit=side == "DBIT",
        booked_on=_booked_on(entry, ns),
        entry_reference=_text(entry, "c:NtryRef", "c:AcctSvcrRef", ns=ns)
        or _text(tx, "c:Refs/c:AcctSvcrRef", ns=ns),
        counterparty_iban=iban.replace(" ", "").upper() if iban else None,
        counterparty_name=_text(tx, f"{party}/c:Nm", f"{party}/c:Pty/c:Nm", ns=ns),
        returned=_text(entry, "c:RvslInd", ns=ns) in ("true", "1") or return_info is not None,
        return_reason=_text(tx, "c:RtrInf/c:Rsn/c:Cd", "c:RtrInf/c:Rsn/c:Prtry", ns=ns),
    )
