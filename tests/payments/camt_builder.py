"""Test support: build a realistic camt.053 bank statement (.001.02 or .001.08).

Each line dict describes one entry (Ntry) with one transaction (TxDtls):

    end_to_end_id  str or None (None is written as NOTPROVIDED)
    amount         str, e.g. "2400.00"
    debit          bool, default True (DBIT: money left the fund's account)
    name, iban     the counterparty (creditor of a debit, debtor of a credit)
    returned       optional return reason code, e.g. "AC04" (adds RtrInf)

Extras: `reversed` (bool, adds RvslInd), `booked_on` ("2024-05-02"), `currency` ("EUR"),
`status` ("BOOK") and `batch`: a list of such dicts booked as one entry with several
TxDtls (the entry amount is their sum unless `amount` is given).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from lxml import etree

FUND_NAME = "Stichting Leerwallet Fonds"
OPENING = Decimal("100000.00")


def _add(parent: etree._Element, tag: str, text: str | None = None, **attrs: str):
    element = etree.SubElement(parent, f"{{{parent.nsmap[None]}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def _path(parent: etree._Element, path: str, text: str) -> etree._Element:
    """Add nested elements "A/B/C" with `text` in the innermost one."""
    *outer, last = path.split("/")
    for tag in outer:
        parent = _add(parent, tag)
    return _add(parent, last, text)


def _decimal(text: str) -> Decimal:
    """The amount for the balances; 0 for the malformed ones that tests feed the reader."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        return Decimal(0)
    return value if value.is_finite() else Decimal(0)


def _amount(line: dict) -> str:
    if "amount" in line:
        return line["amount"]
    return str(sum(_decimal(tx["amount"]) for tx in line["batch"]))


def _party(parent: etree._Element, role: str, name: str, iban: str, version: str) -> None:
    party = _add(parent, role)
    _path(party, "Pty/Nm" if version == "08" else "Nm", name)
    _path(parent, f"{role}Acct/Id/IBAN", iban)


def _transaction(entry_details, tx: dict, debit: bool, currency: str, fund_iban: str, version):
    details = _add(entry_details, "TxDtls")
    refs = _add(details, "Refs")
    _add(refs, "EndToEndId", tx.get("end_to_end_id") or "NOTPROVIDED")
    if version == "08":
        _add(details, "Amt", tx["amount"], Ccy=currency)
        _add(details, "CdtDbtInd", "DBIT" if debit else "CRDT")
    else:
        _path(details, "AmtDtls/TxAmt/Amt", tx["amount"]).set("Ccy", currency)
    parties = _add(details, "RltdPties")
    counterparty = (tx.get("name", "Opleider B.V."), tx.get("iban", "NL02ABNA0123456789"))
    fund = (FUND_NAME, fund_iban)
    debtor, creditor = (fund, counterparty) if debit else (counterparty, fund)
    _party(parties, "Dbtr", *debtor, version)
    _party(parties, "Cdtr", *creditor, version)
    _path(details, "RmtInf/Ustrd", f"Leerwallet {tx.get('end_to_end_id') or 'transfer'}")
    if tx.get("returned"):
        information = _add(details, "RtrInf")
        _path(information, "Rsn/Cd", tx["returned"])
        _add(information, "AddtlInf", "Returned by the beneficiary's bank")


def _entry(statement, number: int, line: dict, iban: str, version: str) -> None:
    debit = line.get("debit", True)
    currency = line.get("currency", "EUR")
    returned = any(tx.get("returned") for tx in line.get("batch", [line]))
    entry = _add(statement, "Ntry")
    _add(entry, "NtryRef", f"{number:06d}")
    _add(entry, "Amt", _amount(line), Ccy=currency)
    _add(entry, "CdtDbtInd", "DBIT" if debit else "CRDT")
    if line.get("reversed"):
        _add(entry, "RvslInd", "true")
    status = line.get("status", "BOOK")
    if version == "02":
        _add(entry, "Sts", status)
    else:
        _path(entry, "Sts/Cd", status)
    booked_on = line.get("booked_on", "2024-05-02")
    _path(entry, "BookgDt/Dt", booked_on)
    _path(entry, "ValDt/Dt", booked_on)
    _add(entry, "AcctSvcrRef", f"2024{number:012d}")
    domain = _path(entry, "BkTxCd/Domn/Cd", "PMNT").getparent()
    family = _add(domain, "Fmly")
    _add(family, "Cd", "ICDT" if debit or returned else "RCDT")
    _add(family, "SubFmlyCd", "RRTN" if returned else "ESCT")
    entry_details = _add(entry, "NtryDtls")
    if "batch" in line:
        _path(entry_details, "Btch/NbOfTxs", str(len(line["batch"])))
    for tx in line.get("batch", [line]):
        _transaction(entry_details, tx, debit, currency, iban, version)


def _balance(statement, code: str, amount: Decimal, day: str) -> None:
    balance = _add(statement, "Bal")
    _path(balance, "Tp/CdOrPrtry/Cd", code)
    _add(balance, "Amt", f"{abs(amount):.2f}", Ccy="EUR")
    _add(balance, "CdtDbtInd", "CRDT" if amount >= 0 else "DBIT")
    _path(balance, "Dt/Dt", day)


def camt053(lines: list[dict], *, iban: str = "NL91ABNA0417164300", version: str = "02") -> bytes:
    """A camt.053.001.<version> statement of the fund's account `iban` with `lines`."""
    if version not in ("02", "08"):
        raise ValueError("version is '02' or '08'")
    namespace = f"urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version}"
    document = etree.Element(f"{{{namespace}}}Document", nsmap={None: namespace})
    report = _add(document, "BkToCstmrStmt")
    header = _add(report, "GrpHdr")
    _add(header, "MsgId", "STMT-20240502-0001")
    _add(header, "CreDtTm", "2024-05-02T18:00:00+02:00")
    statement = _add(report, "Stmt")
    _add(statement, "Id", f"{iban}-2024-05-02")
    _add(statement, "ElctrncSeqNb", "123")
    _add(statement, "CreDtTm", "2024-05-02T18:00:00+02:00")
    account = _add(statement, "Acct")
    _path(account, "Id/IBAN", iban)
    _add(account, "Ccy", "EUR")
    movement = sum(
        (-1 if line.get("debit", True) else 1) * _decimal(_amount(line)) for line in lines
    )
    _balance(statement, "OPBD", OPENING, "2024-05-01")
    _balance(statement, "CLBD", OPENING + movement, "2024-05-02")
    for number, line in enumerate(lines, start=1):
        _entry(statement, number, line, iban, version)
    return etree.tostring(document, xml_declaration=True, encoding="UTF-8", pretty_print=True)
