"""How fraud reacts to other features' signals (connected when the app factory imports this)."""

from __future__ import annotations

from wallet.applications import signals as application_signals
from wallet.applications.models import Application
from wallet.fraud.services import flag_application


@application_signals.submitted.connect
def _check_new_application(application: Application) -> None:
    """Raise the flags a new application deserves, inside its unit of work."""
    flag_application(application)
