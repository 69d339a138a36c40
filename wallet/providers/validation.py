"""Checks of what providers enter: KvK number, VAT number, IBAN (with a known bank)."""

from __future__ import annotations

from flask_babel import gettext as _
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from stdnum import exceptions as stdnum_errors
from stdnum.eu import vat


def kvk_number(text: str) -> str:
    """The 8 digits of a KvK number; ValueError with a message otherwise."""
    digits = (text or "").replace(" ", "").replace(".", "")
    if len(digits) != 8 or not digits.isdigit():
        raise ValueError(_("A KvK number has 8 digits."))
    return digits


def vat_number(text: str) -> str:
    """A European VAT number in compact form (NL004495445B01); ValueError otherwise."""
    try:
        return vat.validate(text or "")
    except stdnum_errors.ValidationError:
        raise ValueError(
            _("This is not a valid VAT number. A Dutch one looks like NL000099998B57.")
        ) from None


def iban(text: str) -> tuple[str, str]:
    """(IBAN, BIC) for an IBAN whose checksum holds and whose bank is known."""
    try:
        number = IBAN(text or "", validate_bban=True)
    except SchwiftyException:
        raise ValueError(_("This IBAN is not correct; check every character.")) from None
    if number.bank is None or not number.bic:
        raise ValueError(_("The bank of this IBAN is not known. Check the bank code."))
    return number.compact, str(number.bic)
