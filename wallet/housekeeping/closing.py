"""Closing an account: at the owner's written request or by a platform administrator.

A closed account is inactive for good (every way in asks for an active user), its sessions
end at once, and nothing else changes: its grants, applications, claims and ledger rows stay
as they are. The retention period of its personal data starts at closing; after it the
nightly job pseudonymises the account (wallet.housekeeping.pseudonyms).
"""

from __future__ import annotations

from flask_babel import gettext as _

from wallet.accounts.models import User
from wallet.audit.services import record
from wallet.core import clock
from wallet.core.db import session, unit_of_work
from wallet.core.errors import Conflict, NotFound, ValidationFailed
from wallet.sessions import services as sessions

REASON_MAX = 500


def close_account(user_id: int, *, reason: str, actor_id: int | None = None) -> User:
    """Close the account for good: inactive, its sessions ended; audited with the reason.

    `actor_id` is the administrator who closes it, or None when an operator closes it from
    the command line on the owner's request.
    """
    reason = " ".join((reason or "").split())[:REASON_MAX]
    if not reason:
        message = _("Give a reason; it is kept in the audit trail.")
        raise ValidationFailed(message, errors={"reason": message})
    with unit_of_work():
        user = session.get(User, user_id)
        if user is None:
            raise NotFound(_("There is no such user."))
        if user.closed:
            raise Conflict(_("This account is closed already."))
        was_active = user.active
        user.active = False
        user.closed_at = clock.now()
        ended = sessions.end_sessions_of(user.id)
        record(
            "user",
            user.id,
            "account_closed",
            actor_id=actor_id,
            before={"active": was_active},
            after={"active": False, "sessions_ended": ended},
            reason=reason,
        )
    return user
