"""E-mails to a user about their own passkeys, in their language (see notifications)."""

from __future__ import annotations

from wallet.notifications import services as notifications
from wallet.notifications.services import N_

notifications.TOPICS.update(
    {
        "passkey_added": (
            N_("A passkey was added to your Leerwallet account"),
            N_(
                "The passkey '%(name)s' was just added to your Leerwallet account; it can be used "
                "to sign in. If you did this, you need not do anything. If you did not, someone "
                "else is using your account: remove the passkey on the Passkeys page, choose a new "
                "password with 'Forgot your password?' on the sign-in page and tell your fund or "
                "the platform administrators."
            ),
        ),
        "passkey_removed": (
            N_("A passkey was removed from your Leerwallet account"),
            N_(
                "The passkey '%(name)s' was just removed from your Leerwallet account and no "
                "longer signs you in. If you did this, you need not do anything. If you did not, "
                "someone else is using your account: choose a new password at once with 'Forgot "
                "your password?' on the sign-in page and tell your fund or the platform "
                "administrators."
            ),
        ),
    }
)


def tell_owner(user, topic: str, *, name: str) -> None:
    """Add the e-mail about the passkey `name` to the caller's unit of work."""
    notifications.notify(user, topic, name=name)
