"""Asking a signed-in person for their password again before a change that a borrowed
session must not make: a new password, a new e-mail address, a worker's first second factor.

A wrong password counts as a failed sign-in of the account from this address, so a borrowed
session guesses no faster here than on the sign-in page (wallet.accounts.services.throttled).
"""

from __future__ import annotations

from flask_babel import gettext as _

from wallet.accounts.models import LoginFailure, User
from wallet.accounts.passwords import verify_password
from wallet.core.db import unit_of_work
from wallet.core.errors import ValidationFailed


def confirm_password(
    user: User, password: str | None, *, ip_address: str, field: str = "current_password"
) -> None:
    """Nothing when `password` is the user's own; ValidationFailed on `field` otherwise,
    LoginThrottled while this address waits after too many failures."""
    from wallet.accounts.services import LoginThrottled, throttled

    ip_address = (ip_address or "unknown")[:45]
    if throttled(user.email, ip_address):
        raise LoginThrottled(_("Too many failed attempts. Try again later."))
    if not password:
        message = _("Type your current password.")
        raise ValidationFailed(message, errors={field: message})
    if not verify_password(user.password_hash, password):
        with unit_of_work() as db:
            db.add(LoginFailure(email=user.email, ip_address=ip_address))
        message = _("This is not your current password.")
        raise ValidationFailed(message, errors={field: message})
