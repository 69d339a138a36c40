"""E-mails about a change of second factor, in the user's own language. The topics join
the outbox's table from here, as the bank details' do."""

from __future__ import annotations

from wallet.notifications import services as notifications
from wallet.notifications.services import N_

notifications.TOPICS.update(
    {
        "second_factor_added": (
            N_("A second factor was added to your Leerwallet account"),
            N_(
                "An authenticator app was just set up as the second factor of your Leerwallet "
                "account. If you did this, you need not do anything. If you did not, tell your "
                "fund or the platform administrators at once."
            ),
        ),
        "second_factor_replaced": (
            N_("The second factor of your Leerwallet account was changed"),
            N_(
                "A new authenticator app replaced the second factor of your Leerwallet account; "
                "the old app and recovery codes no longer work. If you did not do this, tell your "
                "fund or the platform administrators at once."
            ),
        ),
        "second_factor_removed": (
            N_("The second factor of your Leerwallet account was removed"),
            N_(
                "Your Leerwallet account no longer asks for a code from an authenticator app. If "
                "you did not do this, choose a new password at once and tell your fund."
            ),
        ),
        "recovery_code_used": (
            N_("A recovery code of your Leerwallet account was used"),
            N_(
                "One of your recovery codes was just used for your Leerwallet account; %(left)s "
                "are left. If this was not you, tell your fund or the platform administrators at "
                "once."
            ),
        ),
    }
)

notify = notifications.notify
