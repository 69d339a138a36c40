"""Can a payee (provider or employer) be paid this way? Checked when a batch is made and
again before a file."""

from __future__ import annotations

from flask_babel import gettext as _

from wallet.payments.models import PayoutMethod
from wallet.providers import validation
from wallet.providers.models import Provider, ProviderStatus


def iban_problem(iban: str | None) -> str | None:
    """Why an IBAN cannot receive a transfer (checksum and a known bank), or None.

    The pain.001 XSD accepts any IBAN-shaped text, a wrong checksum included; this does not.
    """
    if not iban:
        return _("no IBAN is known")
    try:
        validation.iban(iban)
    except ValueError as error:
        return str(error)
    return None


def payee_problem(provider: Provider, method: PayoutMethod) -> str | None:
    """Why the provider cannot be paid by `method` now, or None."""
    if provider.status != ProviderStatus.ACCREDITED:
        return _("the provider is not accredited now")
    if method == PayoutMethod.STRIPE:
        if not provider.stripe_account_id:
            return _("no Stripe account is connected")
        if not provider.stripe_payouts_enabled:
            return _("the Stripe account cannot receive payouts yet")
        return None
    return iban_problem(provider.iban)


def employer_problem(employer, method: PayoutMethod) -> str | None:
    """Why the employer cannot be paid by `method` now, or None: employers are paid by SEPA
    transfer only, once verified, to a valid IBAN."""
    from wallet.employers.models import EmployerStatus

    if method != PayoutMethod.SEPA:
        return _("employers are paid by SEPA transfer only")
    if employer.status != EmployerStatus.VERIFIED:
        return _("the employer is not verified now")
    return iban_problem(employer.iban)
