"""Moving an account to a new e-mail address: asked with the password (and a fresh second
factor where one is enrolled, see the view), confirmed by a single-use link to the new
address, told to the old one.

The link works as a reset link does (wallet.accounts.resets): a random token of which only
the SHA-256 is stored, a lifetime, and a conditional UPDATE that lets it be used once. The
change takes effect only when the link is opened and confirmed. Whether the new address
belongs to another account is said only then, to whoever reads that mailbox, so the request
page tells nobody which addresses have an account. On the change the account's other
sessions end (wallet.sessions hears `email_changed`), links sent to the old address stop
working, and both steps are audited with the addresses masked.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from wallet.accounts.models import (
    EmailChange,
    EmailChangeOutcome,
    PasswordReset,
    User,
)
from wallet.accounts.names import normalise_email
from wallet.accounts.reauth import confirm_password
from wallet.accounts.signals import email_changed
from wallet.audit.services import record
from wallet.core import clock
from wallet.core.db import session, unit_of_work
from wallet.core.errors import DomainError, ValidationFailed
from wallet.core.tokens import digest, new_token
from wallet.core.urls import external_url
from wallet.notifications import services as notifications
from wallet.notifications.services import N_

LIFETIME = dt.timedelta(hours=1)
# A mailbox of someone else is not flooded: this many requests an hour per account at most.
REQUESTS_PER_HOUR = 3

notifications.TOPICS.update(
    {
        "email_change_confirm": (
            N_("Confirm your new e-mail address for Leerwallet"),
            N_(
                "Someone asked to use this address for their Leerwallet account instead of "
                "%(old)s. If that was you, open this link within %(minutes)s minutes and confirm; "
                "it works once: %(url)s Until then nothing changes. If it was not you, ignore "
                "this e-mail."
            ),
        ),
        "email_change_requested": (
            N_("A new e-mail address was asked for your Leerwallet account"),
            N_(
                "Someone signed in to your Leerwallet account asked to move it to the address "
                "%(new)s. It changes only when the link we sent there is opened. If you did not "
                "ask this, cancel it under 'E-mail address' on your account page, choose a new "
                "password with 'Forgot your password?' and tell your fund."
            ),
        ),
        "email_changed": (
            N_("Your Leerwallet account has a new e-mail address"),
            N_(
                "Your Leerwallet account now uses the address %(new)s instead of this one; every "
                "other session of the account has ended. If you did not do this, tell your fund "
                "or the platform administrators at once."
            ),
        ),
    }
)


class EmailChangeLinkInvalid(DomainError):
    """The link is unknown, used, expired, or the account's address changed since."""

    status = 410
    title = "Link no longer valid"
    code = "email-change-link-invalid"


class EmailChangeTooOften(DomainError):
    """More requests for a new address than REQUESTS_PER_HOUR."""

    status = 429
    title = "Too many attempts"
    code = "email-change-too-often"


class EmailAddressTaken(DomainError):
    """The confirmed new address belongs to another account (told only to its mailbox)."""

    status = 409
    title = "Address in use"
    code = "email-address-taken"


def masked(email: str) -> str:
    """The address as audit trails and notices show it: 'w•••@example.nl'."""
    local, _at, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}"


def pending_change(user: User) -> EmailChange | None:
    """The user's request still waiting for its link, if any."""
    return session.scalar(
        sa.select(EmailChange)
        .where(
            EmailChange.user_id == user.id,
            EmailChange.used_at.is_(None),
            EmailChange.expires_at > clock.now(),
        )
        .order_by(EmailChange.id.desc())
    )


def _close_open(user_id: int, outcome: EmailChangeOutcome) -> None:
    session.execute(
        sa.update(EmailChange)
        .where(EmailChange.user_id == user_id, EmailChange.used_at.is_(None))
        .values(used_at=clock.now(), outcome=outcome)
    )


def _checked_address(user: User, new_email: str) -> str:
    email = normalise_email(new_email)[:254]
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        message = _("Enter a valid e-mail address, like naam@voorbeeld.nl.")
        raise ValidationFailed(message, errors={"new_email": message}) from None
    if email == user.email:
        message = _("This is the address your account has now.")
        raise ValidationFailed(message, errors={"new_email": message})
    return email


def request_email_change(user: User, new_email: str, password: str, *, ip_address: str) -> None:
    """Send a confirmation link to `new_email` and a notice to the current address.

    Needs the current password (a wrong one counts as a failed sign-in). The answer is the
    same whether another account has `new_email` or not. An earlier waiting request of the
    user stops working.
    """
    email = _checked_address(user, new_email)
    confirm_password(user, password, ip_address=ip_address)
    since = clock.now() - dt.timedelta(hours=1)
    asked = session.scalar(
        sa.select(sa.func.count()).where(
            EmailChange.user_id == user.id, EmailChange.created_at >= since
        )
    )
    if (asked or 0) >= REQUESTS_PER_HOUR:
        raise EmailChangeTooOften(
            _(
                "You asked for a new address %(count)d times in the last hour. Try again later.",
                count=REQUESTS_PER_HOUR,
            )
        )
    token = new_token()
    now = clock.now()
    with unit_of_work():
        _close_open(user.id, EmailChangeOutcome.REPLACED)
        change = EmailChange(
            user_id=user.id,
            old_email=user.email,
            new_email=email,
            token_hash=digest(token),
            created_at=now,
            expires_at=now + LIFETIME,
        )
        session.add(change)
        session.flush()
        minutes = int(LIFETIME.total_seconds() // 60)
        url = external_url("email_change.confirm", token=token)
        notifications.notify(
            user,
            "email_change_confirm",
            to_address=email,
            url=url,
            old=masked(user.email),
            minutes=minutes,
        )
        notifications.notify(user, "email_change_requested", new=masked(email))
        record(
            "user",
            user.id,
            "email_change_requested",
            actor_id=user.id,
            after={"email": masked(email), "request": change.id},
        )


def cancel_email_change(user: User) -> bool:
    """Take back the waiting request, if any; its link stops working. Audited."""
    change = pending_change(user)
    if change is None:
        return False
    with unit_of_work():
        _close_open(user.id, EmailChangeOutcome.CANCELLED)
        record(
            "user",
            user.id,
            "email_change_cancelled",
            actor_id=user.id,
            after={"request": change.id},
        )
    return True


def change_for(token: str) -> EmailChange:
    """The waiting request this token confirms; EmailChangeLinkInvalid otherwise."""
    change = session.scalar(sa.select(EmailChange).where(EmailChange.token_hash == digest(token)))
    if (
        change is None
        or change.used_at is not None
        or change.expires_at <= clock.now()
        or change.old_email != change.user.email
        or not change.user.active
    ):
        raise EmailChangeLinkInvalid(
            _(
                "This link cannot be used any more: it was used already, it expired, or it is "
                "not complete. Ask for a new one on your account page."
            )
        )
    return change


def confirm_email_change(token: str, *, signed_in: User | None) -> User:
    """Use the link once: the account takes the new address, now verified.

    `signed_in` is whoever is signed in where the link was opened: when it is the account's
    owner their session stays (under a new id); every other session of the account ends.
    EmailAddressTaken, with the link used up, when another account has the address.
    """
    change = change_for(token)
    user, now = change.user, clock.now()
    change_id, user_id = change.id, user.id
    old, new = change.old_email, change.new_email
    try:
        with unit_of_work():
            _take(change, now)
            if session.scalar(sa.select(sa.func.count()).where(User.email == new)):
                raise EmailAddressTaken(_taken_message(old))
            user.email, user.email_verified_at = new, now
            change.outcome = EmailChangeOutcome.CONFIRMED
            session.flush()  # the unique address decides a race with another account
            # Links sent to the old address no longer set a password.
            session.execute(
                sa.update(PasswordReset)
                .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
                .values(used_at=now)
            )
            record(
                "user",
                user.id,
                "email_changed",
                actor_id=user.id,
                before={"email": masked(old)},
                after={"email": masked(new)},
            )
            notifications.notify(user, "email_changed", to_address=old, new=masked(new))
            keep = signed_in is not None and signed_in.id == user.id
            email_changed.send(user, keep_current=keep)
    except EmailAddressTaken:
        _refuse_taken(change_id, user_id, now)
        raise
    except IntegrityError:
        _refuse_taken(change_id, user_id, now)
        raise EmailAddressTaken(_taken_message(old)) from None
    return user


def _take(change: EmailChange, now: dt.datetime) -> None:
    taken = session.execute(
        sa.update(EmailChange)
        .where(EmailChange.id == change.id, EmailChange.used_at.is_(None))
        .values(used_at=now)
    ).rowcount
    if taken != 1:  # the same link, used a moment ago in another request
        raise EmailChangeLinkInvalid(_("This link was used already."))


def _taken_message(old: str) -> str:
    return _(
        "Another Leerwallet account uses this address already, so your account keeps "
        "the address %(old)s. Choose another address on your account page.",
        old=masked(old),
    )


def _refuse_taken(change_id: int, user_id: int, now: dt.datetime) -> None:
    """Use the link up and audit the refusal (a unit of work of its own)."""
    with unit_of_work():
        session.execute(
            sa.update(EmailChange)
            .where(EmailChange.id == change_id, EmailChange.used_at.is_(None))
            .values(used_at=now, outcome=EmailChangeOutcome.TAKEN)
        )
        record(
            "user",
            user_id,
            "email_change_refused",
            actor_id=user_id,
            after={"request": change_id, "why": "taken"},
        )
