"""E-mails to a person whose account a platform administrator changed, in their language;
the reason given is added below the text by the outbox (a `reason` parameter)."""

from __future__ import annotations

from wallet.notifications import services as notifications
from wallet.notifications.services import N_

notifications.TOPICS.update(
    {
        "account_blocked": (
            N_("Your Leerwallet account is blocked"),
            N_(
                "A platform administrator blocked your Leerwallet account, so you cannot sign in "
                "and every session has ended. If you think this is a mistake, write to "
                "%(contact)s or ask your fund."
            ),
        ),
        "account_unblocked": (
            N_("Your Leerwallet account is open again"),
            N_(
                "A platform administrator lifted the block on your Leerwallet account. You can "
                "sign in again."
            ),
        ),
        "second_factor_reset": (
            N_("The second factor of your Leerwallet account was reset"),
            N_(
                "A platform administrator removed your authenticator app, recovery codes and "
                "passkeys from your Leerwallet account and ended your sessions. When you next "
                "sign in, set up a new second factor. If you did not ask for this, tell your "
                "fund or the platform administrators at once."
            ),
        ),
    }
)

notify = notifications.notify
