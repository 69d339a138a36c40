"""Setting a password by a link in an e-mail (a forgotten password, or an invitation) and
changing it while signed in; each change tells the owner by e-mail.

A link carries a random token; only its SHA-256 is stored, with a lifetime (an hour for a
reset, a week for an invitation). It is used once: a conditional UPDATE marks it, so two
clicks or two tabs set one password, and setting a password voids the user's other links.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import gettext as _

from wallet.accounts.models import LoginFailure, PasswordLinkPurpose, PasswordReset, User
from wallet.accounts.names import normalise_email
from wallet.accounts.passwords import hash_password, password_problem, verify_password
from wallet.accounts.signals import password_changed
from wallet.audit.services import record
from wallet.core import clock
from wallet.core.db import session, unit_of_work
from wallet.core.errors import DomainError, ValidationFailed
from wallet.core.tokens import digest, new_token
from wallet.core.urls import external_url
from wallet.notifications.models import OutboxMessage

LIFETIMES = {
    PasswordLinkPurpose.RESET: dt.timedelta(minutes=60),
    PasswordLinkPurpose.INVITATION: dt.timedelta(days=7),
}
# A mailbox is not flooded: past this many unused reset links in the lifetime of one, a
# request quietly makes no new one (the page says the same either way).
OPEN_RESETS_LIMIT = 3


class PasswordLinkInvalid(DomainError):
    """The link is unknown, used, expired, or its account is closed: one answer for all."""

    status = 410
    title = "Link no longer valid"
    code = "password-link-invalid"


def _new_token() -> tuple[str, str]:
    """A fresh token and its digest. Made for every request, known address or not."""
    token = new_token()
    return token, digest(token)


def _issue(user: User | None, purpose: PasswordLinkPurpose, token: str, token_hash: str) -> str:
    """Store the link's digest in the caller's unit of work; the link to send. Without a
    user the row is void from the start (see request_password_reset)."""
    now = clock.now()
    session.add(
        PasswordReset(
            user_id=user and user.id,
            purpose=purpose,
            token_hash=token_hash,
            created_at=now,
            expires_at=now + LIFETIMES[purpose],
            used_at=None if user else now,
        )
    )
    session.flush()
    return external_url("passwords.reset", token=token)


def request_password_reset(email: str) -> None:
    """Send a reset link to the account with this address, if there is one; say nothing.

    Known and unknown addresses do the same work, so the answer takes as long for both
    (bench/password_reset.py measures it): the same look-up and count, a new token and its
    SHA-256, one row in password_resets (void, without a user, for an unknown address or a
    mailbox that has enough open links), one statement on the outbox and one commit. Only
    for a known address does that statement write its e-mail; the mail job sends it later,
    so no request waits for a mail server.
    """
    from wallet.notifications.services import notify

    email = normalise_email(email)[:254]
    user = session.scalar(sa.select(User).where(User.email == email, User.active.is_(True)))
    token, token_hash = _new_token()
    with unit_of_work():
        open_links = _open_resets(user.id if user else 0)
        if open_links >= OPEN_RESETS_LIMIT:
            user = None
        url = _issue(user, PasswordLinkPurpose.RESET, token, token_hash)
        if user is not None:
            minutes = int(LIFETIMES[PasswordLinkPurpose.RESET].total_seconds() // 60)
            notify(user, "password_reset", url=url, minutes=minutes)
        else:
            # notify's INSERT is one statement on the outbox: so is this, so both answers make
            # as many round trips to the database (the trip, not the row, is what costs time).
            session.execute(sa.select(OutboxMessage.id).where(OutboxMessage.user_id == 0))


def _open_resets(user_id: int) -> int:
    since = clock.now() - LIFETIMES[PasswordLinkPurpose.RESET]
    query = sa.select(sa.func.count()).where(
        PasswordReset.user_id == user_id,
        PasswordReset.purpose == PasswordLinkPurpose.RESET,
        PasswordReset.used_at.is_(None),
        PasswordReset.created_at >= since,
    )
    return int(session.scalar(query) or 0)


def invite(user: User, *, organisation: str) -> None:
    """E-mail a new colleague a link to choose their own password (caller's unit of work)."""
    from wallet.notifications.services import notify

    token, token_hash = _new_token()
    url = _issue(user, PasswordLinkPurpose.INVITATION, token, token_hash)
    days = LIFETIMES[PasswordLinkPurpose.INVITATION].days
    notify(user, "invitation", url=url, organisation=organisation, days=days)


def link_for(token: str) -> PasswordReset:
    """The usable link this token opens; PasswordLinkInvalid, with one message, otherwise."""
    link = session.scalar(sa.select(PasswordReset).where(PasswordReset.token_hash == digest(token)))
    if (
        link is None
        or link.user is None
        or link.used_at is not None
        or link.expires_at <= clock.now()
        or not link.user.active
    ):
        raise PasswordLinkInvalid(
            _(
                "This link cannot be used any more: it was used already, it expired, or it is "
                "not complete. Ask for a new link with 'Forgot your password?'."
            )
        )
    return link


def set_password_by_link(token: str, password: str) -> User:
    """Use a reset or invitation link once to set the password; the owner gets a notice."""
    from wallet.notifications.services import notify

    link = link_for(token)
    user = link.user
    problem = password_problem(password, user.email, user.name)
    if problem:
        raise ValidationFailed(problem, errors={"password": problem})
    now = clock.now()
    with unit_of_work():
        taken = session.execute(
            sa.update(PasswordReset)
            .where(PasswordReset.id == link.id, PasswordReset.used_at.is_(None))
            .values(used_at=now)
        ).rowcount
        if taken != 1:  # the same link, used a moment ago in another request
            raise PasswordLinkInvalid(_("This link was used already."))
        _store(user, password, now)
        from wallet.verification.links import mark_verified

        # Opening a link sent to the address proves it, as a verification link does.
        mark_verified(user, how=link.purpose.value)
        # The owner proved they read the mailbox: their own failed sign-ins are forgiven.
        session.execute(sa.delete(LoginFailure).where(LoginFailure.email == user.email))
        action = (
            "password_set" if link.purpose == PasswordLinkPurpose.INVITATION else "password_reset"
        )
        record("user", user.id, action, actor_id=user.id, after={"link": link.id})
        notify(user, "password_changed")
        password_changed.send(user, everywhere=True)
    return user


def change_password(user: User, current: str, new: str, *, ip_address: str) -> None:
    """A signed-in user changes their password, proving they know the current one.

    A wrong current password counts as a failed sign-in of this account from this address,
    so a borrowed session cannot be used to guess the password faster than the sign-in page.
    """
    from wallet.accounts.reauth import confirm_password
    from wallet.notifications.services import notify

    confirm_password(user, current, ip_address=ip_address)
    problem = password_problem(new, user.email, user.name)
    if not problem and verify_password(user.password_hash, new):
        problem = _("Choose a password other than your current one.")
    if problem:
        raise ValidationFailed(problem, errors={"password": problem})
    with unit_of_work():
        _store(user, new, clock.now())
        record("user", user.id, "password_changed", actor_id=user.id)
        notify(user, "password_changed")
        password_changed.send(user, everywhere=False)


def _store(user: User, password: str, now: dt.datetime) -> None:
    """The new hash; every link still open for the user stops working."""
    user.password_hash = hash_password(password)
    session.execute(
        sa.update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )
