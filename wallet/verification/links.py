"""Verification links: single use, time-limited, only their SHA-256 stored (like resets).

A link is sent when someone registers themselves and again on request; each request after
the first waits twice as long as the one before (1, 2, 4 ... minutes, at most a day), so the
resend button cannot flood a mailbox. Opening the link, or an invitation or reset link,
marks the address verified.
"""

from __future__ import annotations

import datetime as dt
import math

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext

from wallet.accounts.models import User
from wallet.audit.services import record
from wallet.core import clock
from wallet.core.db import session, unit_of_work
from wallet.core.errors import DomainError
from wallet.core.tokens import digest, new_token
from wallet.core.urls import external_url
from wallet.verification.models import EmailVerification

LIFETIME = dt.timedelta(hours=48)
FIRST_WAIT = dt.timedelta(minutes=1)
LONGEST_WAIT = dt.timedelta(days=1)


class VerificationLinkInvalid(DomainError):
    """The link is unknown, used, expired or for an address the account no longer has."""

    status = 410
    title = "Link no longer valid"
    code = "verification-link-invalid"


class ResendTooSoon(DomainError):
    """A new link was asked for before the previous one's wait was over."""

    status = 429
    title = "Too many attempts"
    code = "verification-resend-too-soon"


def send_link(user: User) -> None:
    """Store a new link for the user's current address and e-mail it (caller's unit of work)."""
    from wallet.notifications.services import notify

    token = new_token()
    now = clock.now()
    session.add(
        EmailVerification(
            user_id=user.id,
            email=user.email,
            token_hash=digest(token),
            created_at=now,
            expires_at=now + LIFETIME,
        )
    )
    session.flush()
    url = external_url("verification.verify", token=token)
    notify(user, "email_verification", url=url, hours=int(LIFETIME.total_seconds() // 3600))


def resend_wait(user: User) -> dt.timedelta | None:
    """How long the user must still wait before another link, or None when one may go now."""
    sent = session.execute(
        sa.select(sa.func.count(), sa.func.max(EmailVerification.created_at)).where(
            EmailVerification.user_id == user.id,
            EmailVerification.created_at >= clock.now() - LONGEST_WAIT,
        )
    ).one()
    count, last = sent
    if not count:
        return None
    wait = min(LONGEST_WAIT, FIRST_WAIT * 2 ** (count - 1))
    remaining = last + wait - clock.now()
    return remaining if remaining > dt.timedelta(0) else None


def resend_link(user: User) -> None:
    """Send a new link on the owner's request; ResendTooSoon while the last one's wait runs."""
    if user.email_verified:
        return
    wait = resend_wait(user)
    if wait is not None:
        minutes = max(1, math.ceil(wait.total_seconds() / 60))
        raise ResendTooSoon(
            ngettext(
                "We sent you a link a moment ago. You can ask for another in a minute.",
                "We sent you a link a moment ago. You can ask for another in %(num)d minutes.",
                minutes,
            )
        )
    with unit_of_work():
        send_link(user)


def mark_verified(user: User, *, how: str) -> None:
    """The owner proved they read their address (caller's unit of work); audited once."""
    if user.email_verified_at is None:
        user.email_verified_at = clock.now()
        record("user", user.id, "email_verified", actor_id=user.id, after={"by": how})


def verify_email(token: str) -> User:
    """Use a verification link once; VerificationLinkInvalid, with one message, otherwise."""
    link = session.scalar(
        sa.select(EmailVerification).where(EmailVerification.token_hash == digest(token))
    )
    now = clock.now()
    if (
        link is None
        or link.used_at is not None
        or link.expires_at <= now
        or link.email != link.user.email
        or not link.user.active
    ):
        raise VerificationLinkInvalid(
            _(
                "This link cannot be used any more: it was used already, it expired, or it is "
                "not complete. Sign in and ask for a new link on your start page."
            )
        )
    with unit_of_work():
        taken = session.execute(
            sa.update(EmailVerification)
            .where(EmailVerification.id == link.id, EmailVerification.used_at.is_(None))
            .values(used_at=now)
        ).rowcount
        if taken != 1:  # the same link, used a moment ago in another request
            raise VerificationLinkInvalid(_("This link was used already."))
        mark_verified(link.user, how="link")
    return link.user
