"""Use cases of bank details: request a new IBAN, confirm, reject or withdraw the request.

Bank details are the classic fraud target: whoever takes over one staff account could send
the next payout to their own account. So a new IBAN takes effect only when (1) the staff
member who asks for it re-enters their password, and (2) a second person confirms it; every
staff member of the owner is told at each step, and the audit trail shows IBANs masked.

Who confirms: for a provider or an employer, a platform administrator. A bank account
belongs to the organisation across all funds (as its accreditation or verification does,
which are platform decisions too); letting the administrator of any one fund that pays it
decide would let one fund choose where every other fund's money goes. For a fund, a
platform administrator or another administrator of the same fund. Never the requester.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from wallet.accounts.models import Role, User
from wallet.accounts.passwords import verify_password
from wallet.audit.services import masked_iban, record
from wallet.bankdetails import notices
from wallet.bankdetails.models import (
    TRANSITIONS,
    BankAccountChange,
    ChangeStatus,
    OwnerKind,
)
from wallet.core import clock
from wallet.core.db import session, unit_of_work
from wallet.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wallet.core.transitions import advance
from wallet.employers.models import Employer
from wallet.funds.models import Fund
from wallet.providers import validation
from wallet.providers.models import Provider
from wallet.twofactor.services import require_fresh_second_factor

OWNER_MODELS = {OwnerKind.PROVIDER: Provider, OwnerKind.EMPLOYER: Employer, OwnerKind.FUND: Fund}
STAFF_ROLES = {
    Role.PROVIDER_STAFF: OwnerKind.PROVIDER,
    Role.EMPLOYER_STAFF: OwnerKind.EMPLOYER,
    Role.FUND_ADMIN: OwnerKind.FUND,
}


def owner_of(user: User) -> tuple[OwnerKind, int]:
    """Whose bank details `user` keeps: their provider, employer or fund; else Forbidden."""
    kind = STAFF_ROLES.get(user.role)
    owner_id = kind and getattr(user, f"{kind.value}_id")
    if not owner_id:
        raise Forbidden(_("Only the staff of an organisation or fund change its bank details."))
    return kind, owner_id


def get_owner(kind: OwnerKind, owner_id: int) -> Provider | Employer | Fund:
    """The provider, employer or fund, or NotFound."""
    owner = session.get(OWNER_MODELS[kind], owner_id)
    if owner is None:
        raise NotFound(_("There is no such organisation."))
    return owner


def get_change(change_id: int) -> BankAccountChange:
    """The change, or NotFound."""
    change = session.get(BankAccountChange, change_id)
    if change is None:
        raise NotFound(_("There is no such change of bank details."))
    return change


def pending_change(kind: OwnerKind, owner_id: int) -> BankAccountChange | None:
    """The owner's change waiting for a second person, if any (there is at most one)."""
    return session.scalar(
        sa.select(BankAccountChange).where(
            BankAccountChange.owner_kind == kind,
            BankAccountChange.owner_id == owner_id,
            BankAccountChange.status == ChangeStatus.PENDING,
        )
    )


def owners_with_pending_change(kind: OwnerKind, owner_ids) -> set[int]:
    """Which of `owner_ids` wait for a new IBAN to be confirmed (one query; a payout batch
    leaves them out)."""
    ids = list(owner_ids)
    found: set[int] = set()
    for start in range(0, len(ids), 5_000):
        found.update(
            session.scalars(
                sa.select(BankAccountChange.owner_id).where(
                    BankAccountChange.owner_kind == kind,
                    BankAccountChange.status == ChangeStatus.PENDING,
                    BankAccountChange.owner_id.in_(ids[start : start + 5_000]),
                )
            )
        )
    return found


def history_of(kind: OwnerKind, owner_id: int, limit: int = 10) -> list[BankAccountChange]:
    """The owner's latest changes, newest first."""
    return list(
        session.scalars(
            sa.select(BankAccountChange)
            .where(BankAccountChange.owner_kind == kind, BankAccountChange.owner_id == owner_id)
            .order_by(BankAccountChange.id.desc())
            .limit(limit)
        )
    )


def reauthenticate(user: User, password: str) -> None:
    """The person at the keyboard is the account's owner: their password again.

    With a second factor enrolled, a fresh one (STEP_UP_MINUTES) is asked for as well
    (issue 13 point 2): StepUpRequired sends the person to confirm before anything changes.
    """
    require_fresh_second_factor(user)
    if not verify_password(user.password_hash, password or ""):
        raise ValidationFailed(
            _("Your password is not correct; nothing was changed."),
            errors={"password": _("Your password is not correct.")},
        )


def request_change(user: User, iban: str, *, password: str) -> BankAccountChange:
    """Ask for a new IBAN for the user's organisation or fund. The old one stays in force
    until a second person confirms; an earlier pending request is withdrawn (replaced)."""
    kind, owner_id = owner_of(user)
    reauthenticate(user, password)
    try:
        number, bic = validation.iban(iban or "")
    except ValueError as error:
        raise ValidationFailed(str(error), errors={"iban": str(error)}) from None
    owner = get_owner(kind, owner_id)
    if number == owner.iban:
        message = _("This IBAN is already in use; nothing was changed.")
        raise ValidationFailed(message, errors={"iban": message})
    with unit_of_work() as db:
        earlier = pending_change(kind, owner_id)
        if earlier is not None:
            _move(earlier, "withdraw", user)  # the audit event says which replaced it
        change = BankAccountChange(
            owner_kind=kind,
            owner_id=owner_id,
            iban=number,
            bic=bic,
            previous_iban=owner.iban,
            status=ChangeStatus.PENDING,
            requested_by_id=user.id,
            requested_at=clock.now(),
        )
        db.add(change)
        try:
            db.flush()
        except sa.exc.IntegrityError:  # the unique pending index: someone asked at the same time
            raise Conflict(
                _("A colleague asked for a new IBAN at the same moment. Please look again.")
            ) from None
        record(
            kind.value,
            owner_id,
            "bank_change_requested",
            actor_id=user.id,
            before={"iban": masked_iban(owner.iban)},
            after={
                "iban": masked_iban(number),
                "change": change.id,
                "replaces": earlier and earlier.id,
            },
        )
        notices.tell_staff(change, owner, "bank_change_requested", by=user.name)
    return change


def refusal(actor: User, change: BankAccountChange) -> str | None:
    """Why `actor` may not confirm or reject `change`, or None when they may."""
    if actor.id == change.requested_by_id:
        return _("You asked for this change yourself; a second person has to confirm it.")
    if actor.role == Role.PLATFORM_ADMIN:
        return None
    if (
        change.owner_kind == OwnerKind.FUND
        and actor.role == Role.FUND_ADMIN
        and actor.fund_id == change.owner_id
    ):
        return None
    if change.owner_kind == OwnerKind.FUND:
        return _("Another administrator of the fund or a platform administrator confirms this.")
    return _("A platform administrator confirms new bank details of organisations.")


def confirm_change(change_id: int, actor: User) -> BankAccountChange:
    """The second person agrees: the owner's IBAN and BIC change now, in this transaction."""
    change = get_change(change_id)
    if why := refusal(actor, change):
        raise Forbidden(why)
    owner = get_owner(change.owner_kind, change.owner_id)
    with unit_of_work():
        _move(change, "confirm", actor)
        before = masked_iban(owner.iban)
        owner.iban, owner.bic = change.iban, change.bic
        record(
            change.owner_kind.value,
            change.owner_id,
            "iban_changed",
            actor_id=actor.id,
            before={"iban": before},
            after={
                "iban": masked_iban(change.iban),
                "change": change.id,
                "requested_by": change.requested_by_id,
            },
        )
        notices.tell_staff(change, owner, "bank_change_confirmed", by=actor.name)
    return change


def reject_change(change_id: int, actor: User, *, reason: str) -> BankAccountChange:
    """The second person refuses, with a reason the owner's staff are told."""
    change = get_change(change_id)
    if why := refusal(actor, change):
        raise Forbidden(why)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Give a reason; the organisation is told."), errors={"reason": _("Give a reason.")}
        )
    owner = get_owner(change.owner_kind, change.owner_id)
    with unit_of_work():
        _move(change, "reject", actor, reason=reason[:500])
        record(
            change.owner_kind.value,
            change.owner_id,
            "bank_change_rejected",
            actor_id=actor.id,
            after={"iban": masked_iban(change.iban), "change": change.id},
            reason=reason,
        )
        notices.tell_staff(change, owner, "bank_change_rejected", by=actor.name, reason=reason)
    return change


def withdraw_change(change_id: int, actor: User) -> BankAccountChange:
    """The owner's staff take their request back; the IBAN in force stays."""
    change = get_change(change_id)
    if owner_of(actor) != (change.owner_kind, change.owner_id):
        raise Forbidden(_("Only the staff of the organisation withdraw its request."))
    with unit_of_work():
        _move(change, "withdraw", actor)
        after = {"iban": masked_iban(change.iban), "change": change.id}
        record(
            change.owner_kind.value,
            change.owner_id,
            "bank_change_withdrawn",
            actor_id=actor.id,
            after=after,
        )
    return change


def _move(change: BankAccountChange, action: str, actor: User, *, reason: str | None = None):
    """Move along the transition table; a conditional UPDATE, so two people deciding at once
    cannot both win (flush only)."""
    target = TRANSITIONS.get((change.status, action))
    if target is None:
        raise Conflict(_("This change of bank details was decided already."))
    moved = advance(
        BankAccountChange,
        change.id,
        change.status,
        target,
        decided_by_id=actor.id,
        decided_at=clock.now(),
        reason=reason,
    )
    if not moved:
        raise Conflict(_("This change of bank details was decided already."))
    session.expire(change)


def changes_to_decide(actor: User) -> list[BankAccountChange]:
    """Pending changes `actor` can see as a confirmer: all for a platform administrator, the
    fund's own for a fund administrator (their own requests included, to be confirmed by a
    colleague). Oldest first."""
    query = sa.select(BankAccountChange).where(BankAccountChange.status == ChangeStatus.PENDING)
    if actor.role != Role.PLATFORM_ADMIN:
        query = query.where(
            BankAccountChange.owner_kind == OwnerKind.FUND,
            BankAccountChange.owner_id == actor.fund_id,
        )
    return list(
        session.scalars(query.order_by(BankAccountChange.requested_at, BankAccountChange.id))
    )


def names_of(changes: list[BankAccountChange]) -> dict[tuple[OwnerKind, int], str]:
    """The owners' names of `changes` (one query per kind)."""
    names: dict[tuple[OwnerKind, int], str] = {}
    for kind, model in OWNER_MODELS.items():
        ids = {c.owner_id for c in changes if c.owner_kind == kind}
        if ids:
            rows = session.execute(sa.select(model.id, model.name).where(model.id.in_(ids)))
            names.update({(kind, i): name for i, name in rows})
    return names


def users_by_id(ids) -> dict[int, User]:
    """The users of `ids` (requesters and deciders on a page)."""
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {u.id: u for u in session.scalars(sa.select(User).where(User.id.in_(ids)))}
