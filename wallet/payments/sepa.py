"""The SEPA credit-transfer file (pain.001) of a submitted batch, validated against its XSD.

One transfer per claim: its end-to-end id is the claim reference, so the bank statement
(camt.053) tells which claim was paid. The creditor is the item's payee: a provider for its
claims, an employer for its reimbursement claims. Claims fully offset against a clawback are
not in the file. Every IBAN is checked with schwifty first: the XSD alone accepts a wrong checksum.
"""

from __future__ import annotations

import functools
from pathlib import Path

import sqlalchemy as sa
from flask_babel import gettext as _
from lxml import etree
from sepaxml import SepaTransfer

from wallet.claims.models import Claim
from wallet.core.db import session
from wallet.core.errors import Conflict, ValidationFailed
from wallet.core.xml import parse_untrusted
from wallet.funds.models import Fund
from wallet.payments.batches import get_batch
from wallet.payments.models import BatchStatus, ItemStatus, PayoutItem, PayoutLine, PayoutMethod
from wallet.payments.payees import iban_problem
from wallet.placements.models import ReimbursementClaim

SCHEMAS = ("pain.001.001.09", "pain.001.001.03")
XSD_FOLDER = Path(__import__("sepaxml").__file__).parent / "schemas"


@functools.cache
def _schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD_FOLDER / f"{name}.xsd")))


def validate(document: bytes, schema: str) -> None:
    """Raise ValueError with the XSD's complaint when the file does not validate."""
    parsed = parse_untrusted(document, huge=True)
    xsd = _schema(schema)
    if not xsd.validate(parsed):
        raise ValueError(str(xsd.error_log.last_error))


def sepa_file(batch_id: int, fund_id: int, schema: str = SCHEMAS[0]) -> bytes:
    """The pain.001 file of a submitted SEPA batch, for the fund's bank."""
    if schema not in SCHEMAS:
        raise ValidationFailed(_("Choose pain.001.001.09 or pain.001.001.03."))
    batch = get_batch(batch_id, fund_id)
    if batch.method != PayoutMethod.SEPA:
        raise Conflict(_("This batch is paid through Stripe, not by a bank file."))
    if batch.status not in (BatchStatus.SUBMITTED, BatchStatus.CLOSED):
        raise Conflict(_("Submit the batch first: its money then goes in transit."))
    fund = session.get(Fund, fund_id)
    problem = iban_problem(fund.iban)
    if problem:
        raise Conflict(
            _(
                "The fund's own IBAN is needed for the file (%(problem)s). Enter it on "
                "the fund page.",
                problem=problem,
            )
        )
    rows = session.execute(
        sa.select(
            PayoutItem.account_holder,
            PayoutItem.iban,
            PayoutItem.bic,
            PayoutLine.end_to_end_id,
            PayoutLine.amount_cents,
            sa.func.coalesce(Claim.invoice_number, ReimbursementClaim.invoice_number).label(
                "invoice_number"
            ),
        )
        .join(PayoutLine, PayoutLine.item_id == PayoutItem.id)
        .outerjoin(Claim, Claim.id == PayoutLine.claim_id)
        .outerjoin(ReimbursementClaim, ReimbursementClaim.id == PayoutLine.reimbursement_claim_id)
        .where(
            PayoutItem.batch_id == batch.id,
            PayoutItem.status != ItemStatus.FAILED,
            PayoutLine.amount_cents > 0,
            PayoutLine.released.is_(False),
        )
        .order_by(PayoutLine.id)
    ).all()
    wrong = sorted({f"{r.account_holder}: {p}" for r in rows if (p := iban_problem(r.iban))})
    if wrong:
        raise ValidationFailed(
            _("These IBANs cannot be paid; nothing was written: %(list)s", list="; ".join(wrong))
        )
    if not rows:
        raise Conflict(_("Nothing in this batch is paid by transfer."))
    debtor = {
        "name": fund.name,
        "IBAN": fund.iban.replace(" ", ""),
        "batch": True,
        "currency": "EUR",
    }
    if fund.bic:
        debtor["BIC"] = fund.bic
    transfer = SepaTransfer(debtor, schema=schema, clean=True)
    day = batch.execution_date  # fixed at submit: never the day of the download
    for row in rows:
        payment = {
            "name": row.account_holder,
            "IBAN": row.iban.replace(" ", ""),
            "amount": row.amount_cents,
            "execution_date": day,
            "description": f"Leerwallet {row.end_to_end_id} factuur {row.invoice_number}",
            "endtoend_id": row.end_to_end_id,
        }
        if row.bic:
            payment["BIC"] = row.bic
        transfer.add_payment(payment)
    document = _stable(transfer.export(validate=False), batch)
    validate(document, schema)
    return document


def _stable(document: bytes, batch) -> bytes:
    """The same file at every download: MsgId is the batch reference (the bank refuses a
    message id it has seen), the payment information ids and creation time follow from the
    batch (sepaxml makes them random and now)."""
    root = parse_untrusted(document, huge=True)
    for message_id in root.iter("{*}MsgId"):
        message_id.text = batch.reference
    for number, info_id in enumerate(root.iter("{*}PmtInfId"), start=1):
        info_id.text = f"{batch.reference}-{number}"
    for created in root.iter("{*}CreDtTm"):
        created.text = batch.submitted_at.strftime("%Y-%m-%dT%H:%M:%S")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
