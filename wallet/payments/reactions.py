"""How payments reacts to an application's decisions (wallet.applications.signals).

Connected when this module is imported (the app factory does); the receivers of `decided` run
inside the decision's unit of work and only flush.
"""

from __future__ import annotations

from wallet.applications import signals
from wallet.applications.models import Application
from wallet.payments.copayments import fix_refund_due, record_bank_transfer, refund_if_ended


@signals.decided.connect
def _own_contribution_decided(
    application: Application, *, action: str, payment_reference: str
) -> None:
    """A bank transfer recorded; on cancellation, what of the own contribution goes back."""
    if action == "record_copayment":
        record_bank_transfer(application, payment_reference)
    if action == "cancel":  # the scheme's rule on the own contribution, decided now
        fix_refund_due(application)


@signals.settled.connect
def _refund_after_cancel(application: Application, *, action: str) -> None:
    """After a committed cancellation: a paid online own contribution goes back (or the
    reconcile job retries it)."""
    if action == "cancel":
        refund_if_ended(application.id)
