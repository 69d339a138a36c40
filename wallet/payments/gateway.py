"""The one place Leerwallet talks to Stripe: a StripeClient built from the settings.

With no STRIPE_SECRET_KEY the app is offline: payouts go by SEPA file and co-payments by
bank transfer with a payment reference; nothing here is called.
"""

from __future__ import annotations

import stripe
from flask import current_app
from flask_babel import gettext as _

from wallet.core.errors import Conflict


class StripeUnavailable(Conflict):
    """Stripe is not configured, or did not answer."""

    title = "Stripe unavailable"
    code = "stripe-unavailable"


def enabled() -> bool:
    """Is Stripe configured?"""
    return bool(current_app.config.get("STRIPE_SECRET_KEY"))


def client() -> stripe.StripeClient:
    """A client for the configured account (and base URL: localstripe in the tests)."""
    if not enabled():
        raise StripeUnavailable(_("Online payments are not set up; pay by bank transfer."))
    base = current_app.config.get("STRIPE_API_BASE") or "https://api.stripe.com"
    return stripe.StripeClient(
        current_app.config["STRIPE_SECRET_KEY"],
        base_addresses={"api": base, "connect": base, "files": base, "meter_events": base},
        max_network_retries=2,
    )


def failed(error: stripe.StripeError) -> StripeUnavailable:
    """A Stripe error as a domain error a person can read."""
    message = getattr(error, "user_message", None) or str(error) or "?"
    return StripeUnavailable(
        _("Stripe refused or did not answer: %(message)s", message=message[:200])
    )
