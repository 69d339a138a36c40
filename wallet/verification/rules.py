"""The one rule other features ask: has this account proved its e-mail address?"""

from __future__ import annotations

from flask_babel import gettext as _

from wallet.accounts.models import User
from wallet.core.errors import Forbidden


class EmailNotVerified(Forbidden):
    """No budget is granted or spent before the owner verified their e-mail address."""

    title = "E-mail address not verified"
    code = "email-not-verified"


def require_verified(user: User) -> None:
    """EmailNotVerified, with what to do, unless the user verified their e-mail address."""
    if not user.email_verified:
        raise EmailNotVerified(
            _(
                "Verify your e-mail address first: open the link we sent you, or ask for a new "
                "one on your start page. Nothing was changed."
            )
        )
