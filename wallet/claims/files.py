"""Invoice files: PDFs checked by their content, UBL 2.1 e-invoices read for a cross-check.

Files live in the document storage (wallet.core.storage: the upload folder or an S3
bucket), named by the SHA-256 of their content (the name the claim's row keeps is the key),
and are served only by the claim pages to those allowed. A file is written before the
claim's transaction commits; if that transaction fails the file stays behind unreferenced,
which is harmless (same content, same name).
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask import abort
from flask_babel import gettext as _
from lxml import etree

from wallet.core.storage import DocumentMissing, storage
from wallet.core.storage import download as storage_download
from wallet.core.xml import parse_untrusted

MAX_BYTES = 10 * 1024 * 1024
UBL = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}
NAME = re.compile(r"^[0-9a-f]{64}\.(pdf|xml)$")


class FileProblem(ValueError):
    """A file that cannot be accepted; the message says why for a person."""


def check_pdf(data: bytes) -> bytes:
    """The bytes when they are a readable PDF of at most 10 MB, else FileProblem."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if not data:
        raise FileProblem(_("Attach a PDF file."))
    if len(data) > MAX_BYTES:
        raise FileProblem(_("The file is larger than 10 MB."))
    if not data.lstrip()[:5] == b"%PDF-":
        raise FileProblem(_("This file is not a PDF."))
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted or len(reader.pages) < 1:
            raise FileProblem(_("The PDF is protected with a password or has no pages."))
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as error:
        if isinstance(error, FileProblem):
            raise
        raise FileProblem(_("This PDF cannot be read; it may be damaged.")) from None
    return data


CONTENT_TYPES = {"pdf": "application/pdf", "xml": "application/xml"}


def store(data: bytes, suffix: str) -> str:
    """Keep the bytes under the name of their SHA-256; the same content is stored once."""
    name = f"{hashlib.sha256(data).hexdigest()}.{suffix}"
    storage().put(name, data, CONTENT_TYPES[suffix])
    return name


def _checked(name: str) -> str:
    if not NAME.match(name or ""):
        raise DocumentMissing(name)
    return name


def load(name: str) -> bytes:
    """The stored file's bytes; names are only ever our own hashes (DocumentMissing else)."""
    return storage().get(_checked(name))


def remove(name: str) -> None:
    """Delete a stored file that no row names any more (the housekeeping's pseudonymisation)."""
    storage().delete(_checked(name))


def exists(name: str) -> bool:
    return storage().exists(_checked(name))


def download(name: str, download_name: str):
    """The stored file as an attachment; the caller has checked who may see it."""
    suffix = name.rsplit(".", 1)[-1]
    try:
        _checked(name)
    except DocumentMissing:
        abort(404)
    return storage_download(
        name, mimetype=CONTENT_TYPES[suffix], download_name=f"{download_name}.{suffix}"
    )


@dataclass(frozen=True)
class UblInvoice:
    """What is cross-checked of a UBL 2.1 invoice."""

    number: str
    payable_cents: int
    tax_cents: int
    supplier_vat: str


def _cents(text: str | None) -> int:
    try:
        value = Decimal((text or "").strip())
    except InvalidOperation:
        raise FileProblem(_("The e-invoice has an amount that is not a number.")) from None
    if value != value.quantize(Decimal("0.01")):
        raise FileProblem(_("The e-invoice has an amount with more than two decimals."))
    return int(value * 100)


def read_ubl(data: bytes) -> UblInvoice:
    """Number, payable amount, VAT and the supplier's VAT id of a UBL 2.1 invoice."""
    if len(data) > MAX_BYTES:
        raise FileProblem(_("The file is larger than 10 MB."))
    try:
        root = parse_untrusted(data)
    except etree.XMLSyntaxError:
        raise FileProblem(_("The e-invoice is not readable XML.")) from None
    if root.tag != f"{{{UBL}}}Invoice":
        raise FileProblem(_("The e-invoice is not a UBL 2.1 invoice."))

    def text(path: str) -> str:
        return (root.findtext(path, namespaces=NS) or "").strip()

    number = text("cbc:ID")
    if not number:
        raise FileProblem(_("The e-invoice has no invoice number."))
    vat = text("cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID")
    return UblInvoice(
        number=number,
        payable_cents=_cents(text("cac:LegalMonetaryTotal/cbc:PayableAmount")),
        tax_cents=_cents(text("cac:TaxTotal/cbc:TaxAmount") or "0"),
        supplier_vat=vat.replace(" ", "").upper(),
    )
