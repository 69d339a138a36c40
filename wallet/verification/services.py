"""Use cases the pages call: a sign-in's signal (the verification links are in links.py,
the held grants in holds.py)."""

from __future__ import annotations

from wallet.accounts.models import User
from wallet.core.db import unit_of_work
from wallet.verification.signals import record_sign_in


def note_sign_in(user: User, ip_address: str | None, device_id: str | None) -> None:
    """Keep the sign-in's address and device; a browser shared by two workers holds the
    newer account's grants until the fund decides."""
    with unit_of_work():
        record_sign_in(user, ip_address, device_id)
