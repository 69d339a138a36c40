"""Use cases of user administration by a platform administrator: find a user, block and
unblock and close an account, end its sessions, reset its second factor, invite an administrator.

Every action is taken by a platform administrator (Forbidden otherwise), never on their own
account where it would lock them out, audited with its reason in the same unit of work that
commits once, and the owner is told by e-mail where it changes how they sign in.

A blocked account is inactive (`User.active`), so every way in that asks for an active user
refuses it: the session loader, API tokens, reset and invitation links, passkeys, the second
step of a sign-in. Its sessions also end at once. The sign-in form tells a blocked person who
typed the right password that the account is blocked and whom to ask
(wallet.accounts.services.authenticate).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from wallet.accounts.models import Role, User
from wallet.accounts.services import create_staff_user, support_contact
from wallet.audit.services import record
from wallet.core import clock
from wallet.core.db import session, unit_of_work
from wallet.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wallet.funds.models import Fund
from wallet.housekeeping.closing import close_account
from wallet.passkeys.models import Passkey
from wallet.sessions import services as sessions
from wallet.twofactor.models import RecoveryCode, TotpFactor
from wallet.twofactor.services import require_fresh_second_factor
from wallet.useradmin import notices

PER_PAGE = 50
REASON_MAX = 500
# Whom a platform administrator invites from these pages; organisations invite their own staff.
INVITABLE = (Role.PLATFORM_ADMIN, Role.FUND_ADMIN)


@dataclass(frozen=True)
class UserFacts:
    """What the administration pages show about one user."""

    user: User
    organisation: str | None
    second_factor: bool


# --- reading ------------------------------------------------------------------------------


def require_platform_admin(actor: User) -> None:
    """Forbidden unless `actor` is an active platform administrator."""
    if actor is None or not actor.active or actor.role != Role.PLATFORM_ADMIN:
        raise Forbidden(_("Only platform administrators manage users."))


def get_user(user_id: int) -> User:
    """The user, or NotFound."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(_("There is no such user."))
    return user


def _organisation(user: User) -> str | None:
    owner = user.provider or user.employer or user.fund
    return owner.name if owner is not None else None


def _with_second_factor(user_ids: list[int]) -> set[int]:
    """Which of the users have an active authenticator app or a passkey (two queries)."""
    if not user_ids:
        return set()
    totp = session.scalars(
        sa.select(TotpFactor.user_id).where(
            TotpFactor.user_id.in_(user_ids), TotpFactor.secret_encrypted.is_not(None)
        )
    )
    keys = session.scalars(sa.select(Passkey.user_id).where(Passkey.user_id.in_(user_ids)))
    return set(totp) | set(keys)


def _facts(users: list[User]) -> list[UserFacts]:
    enrolled = _with_second_factor([user.id for user in users])
    return [UserFacts(user, _organisation(user), user.id in enrolled) for user in users]


def find_users(
    text: str, page: int = 1, *, role: Role | None = None, per_page: int = PER_PAGE
) -> tuple[list[UserFacts], int]:
    """Users whose name or e-mail address contains `text` (any case), by name; one page of
    them and how many there are in all."""
    query = sa.select(User)
    text = " ".join((text or "").split())[:254].lower()
    if text:
        query = query.where(
            sa.or_(
                sa.func.lower(User.name).contains(text, autoescape=True),
                User.email.contains(text, autoescape=True),
            )
        )
    if role is not None:
        query = query.where(User.role == role)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    users = list(
        session.scalars(
            query.order_by(sa.func.lower(User.name), User.id)
            .limit(per_page)
            .offset((max(page, 1) - 1) * per_page)
        )
    )
    return _facts(users), total


def facts_of(user: User) -> UserFacts:
    """The facts of one user."""
    return _facts([user])[0]


def sessions_of(user: User) -> list:
    """The user's sessions that have not ended, most recently seen first."""
    return sessions.sessions_of(user.id)


# --- acting -------------------------------------------------------------------------------


def _target(actor: User, user_id: int, refusal: str) -> User:
    """The user acted on, once `actor` may act: a platform administrator with a fresh second
    factor, not acting on themselves (`refusal` says why not)."""
    require_platform_admin(actor)
    require_fresh_second_factor(actor)
    user = get_user(user_id)
    if user.id == actor.id:
        raise Forbidden(refusal)
    return user


def _reason(reason: str | None, *, required: bool) -> str | None:
    reason = " ".join((reason or "").split())[:REASON_MAX]
    if required and not reason:
        message = _("Give a reason; it is kept in the audit trail.")
        raise ValidationFailed(message, errors={"reason": message})
    return reason or None


def block_user(actor: User, user_id: int, reason: str) -> User:
    """Block an account: no sign-in, no API token, every session ended at once; the owner is
    told why by e-mail."""
    user = _target(actor, user_id, _("You cannot block your own account."))
    reason = _reason(reason, required=True)
    if user.blocked:
        raise Conflict(_("This account is blocked already."))
    with unit_of_work():
        user.active = False
        user.blocked_at, user.blocked_reason, user.blocked_by_id = clock.now(), reason, actor.id
        ended = sessions.end_sessions_of(user.id)
        record(
            "user",
            user.id,
            "account_blocked",
            actor_id=actor.id,
            before={"active": True},
            after={"active": False, "sessions_ended": ended},
            reason=reason,
        )
        notices.notify(user, "account_blocked", reason=reason, contact=support_contact())
    return user


def unblock_user(actor: User, user_id: int, reason: str | None = None) -> User:
    """Lift a block: the owner can sign in again (with a new session) and is told so."""
    user = _target(actor, user_id, _("You cannot unblock your own account."))
    reason = _reason(reason, required=False)
    if not user.blocked:
        raise Conflict(_("This account is not blocked."))
    if user.closed:
        raise Conflict(_("This account is closed; it cannot be opened again."))
    with unit_of_work():
        before = {"active": False, "blocked_reason": user.blocked_reason}
        user.blocked_at = user.blocked_reason = user.blocked_by_id = None
        user.active = True
        record(
            "user",
            user.id,
            "account_unblocked",
            actor_id=actor.id,
            before=before,
            after={"active": True},
            reason=reason,
        )
        notices.notify(user, "account_unblocked")
    return user


def close_user(actor: User, user_id: int, reason: str) -> User:
    """Close an account for good, on its owner's request or by decision of the fund: no
    sign-in ever again, every session ended; its personal data is pseudonymised after the
    retention period (wallet.housekeeping)."""
    user = _target(actor, user_id, _("You cannot close your own account."))
    return close_account(user.id, reason=_reason(reason, required=True), actor_id=actor.id)


def end_user_sessions(actor: User, user_id: int) -> int:
    """Sign the user out everywhere; how many sessions ended."""
    user = _target(actor, user_id, _("End your own sessions on the page 'Your sessions'."))
    with unit_of_work():
        ended = sessions.end_sessions_of(user.id)
        record("user", user.id, "sessions_ended", actor_id=actor.id, after={"ended": ended})
    return ended


def reset_second_factor(actor: User, user_id: int, reason: str) -> User:
    """Remove the user's authenticator app, recovery codes and passkeys and end their
    sessions (a lost phone, ASVS 6.4.4). Staff set up a new factor at their next sign-in
    (wallet.twofactor's enrolment gate); the owner is told by e-mail."""
    user = _target(actor, user_id, _("You cannot reset your own second factor."))
    reason = _reason(reason, required=True)
    with unit_of_work() as db:
        removed = {
            "totp": db.execute(
                sa.delete(TotpFactor)
                .where(TotpFactor.user_id == user.id)
                .execution_options(synchronize_session=False)
            ).rowcount,
            "recovery_codes": db.execute(
                sa.delete(RecoveryCode)
                .where(RecoveryCode.user_id == user.id)
                .execution_options(synchronize_session=False)
            ).rowcount,
            "passkeys": db.execute(
                sa.delete(Passkey)
                .where(Passkey.user_id == user.id)
                .execution_options(synchronize_session=False)
            ).rowcount,
        }
        if not any(removed.values()):
            raise Conflict(_("This user has no second factor to reset."))
        removed["sessions_ended"] = sessions.end_sessions_of(user.id)
        record(
            "user", user.id, "second_factor_reset", actor_id=actor.id, before=removed, reason=reason
        )
        notices.notify(user, "second_factor_reset", reason=reason)
    return user


def invite_administrator(
    actor: User, *, name: str, email: str, role: Role, fund_id: int | None = None
) -> User:
    """Invite a platform administrator, or a fund administrator of one fund, by e-mail with a
    link to choose their own password (the colleagues' invitation); audited as staff_added."""
    require_platform_admin(actor)
    require_fresh_second_factor(actor)
    if role not in INVITABLE:
        raise ValidationFailed(
            _("Invite a platform or a fund administrator."),
            errors={"role": _("Choose a kind of administrator.")},
        )
    fund = None
    if role == Role.FUND_ADMIN:
        fund = session.get(Fund, fund_id) if fund_id else None
        if fund is None:
            message = _("Choose the fund this administrator works for.")
            raise ValidationFailed(message, errors={"fund": message})
    return create_staff_user(email=email, name=name, role=role, fund=fund, actor_id=actor.id)
