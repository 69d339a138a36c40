"""E-mails to the owner's staff about their bank details, in each person's own language.

The topics join the outbox's table from here, so the feature keeps its texts together.
IBANs are masked in e-mails: a mailbox is read in more places than the site.
"""

from __future__ import annotations

from wallet.audit.services import masked_iban
from wallet.notifications import services as notifications
from wallet.notifications.services import N_

notifications.TOPICS.update(
    {
        "bank_change_requested": (
            N_("New bank details requested for %(owner)s"),
            N_(
                "%(by)s asked to change the IBAN of %(owner)s from %(old)s to %(new)s. The change "
                "takes effect only after a second person confirms it; until then payouts go to "
                "the current account. If you do not know about this request, withdraw it in "
                "Leerwallet and tell the fund at once."
            ),
        ),
        "bank_change_confirmed": (
            N_("The new IBAN of %(owner)s is in use"),
            N_(
                "%(by)s confirmed the new IBAN of %(owner)s: %(new)s replaces %(old)s. Payouts "
                "made from now on go to the new account."
            ),
        ),
        "bank_change_rejected": (
            N_("The new IBAN of %(owner)s was not accepted"),
            N_(
                "%(by)s did not accept the change of the IBAN of %(owner)s to %(new)s. Payouts "
                "keep going to %(old)s."
            ),
        ),
    }
)

TELL = {
    "provider": notifications.notify_provider,
    "employer": notifications.notify_employer,
    "fund": notifications.notify_fund_admins,
}


def tell_staff(change, owner, topic: str, **params) -> None:
    """Every active staff member of the owner hears of `change` (flush only)."""
    TELL[change.owner_kind.value](
        change.owner_id,
        topic,
        owner=owner.name,
        old=masked_iban(change.previous_iban) or "-",
        new=masked_iban(change.iban),
        **params,
    )
