"""Grants held because their worker looks like someone with another account.

A grant made for an account with an uncleared match (signals.py) is held instead of active:
it cannot be spent. A fund administrator decides, with a reason, by the transition table:
release (the grant becomes active and the account's matches are cleared: it is a person of
its own) or cancel (the grant is cancelled and what is left on it goes back to the fund's
pot through the ledger, kind `grant_cancel`, and to the scheme's cap in the same
transaction). Each decision is audited where it is taken.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from wallet.accounts.models import Role, User
from wallet.audit.services import record
from wallet.core import clock
from wallet.core.db import session, unit_of_work
from wallet.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wallet.grants.cap import release_cap
from wallet.grants.models import Grant, GrantStatus
from wallet.ledger import services as ledger
from wallet.ledger.models import LedgerAccount
from wallet.verification.models import GrantHold, HoldDecision, IdentityMatch, MatchKind
from wallet.verification.signals import matches_of, under_review

# (grant status, decision) -> the grant's new status
TRANSITIONS: dict[tuple[GrantStatus, HoldDecision], GrantStatus] = {
    (GrantStatus.HELD, HoldDecision.RELEASED): GrantStatus.ACTIVE,
    (GrantStatus.HELD, HoldDecision.CANCELLED): GrantStatus.CANCELLED,
}
grants_table = Grant.__table__


def hold_new_grant(grant: Grant) -> None:
    """Hold a grant just made (caller's unit of work) when its worker is under review."""
    if session.scalar(sa.select(under_review(sa.literal(grant.user_id)))):
        grant.status = GrantStatus.HELD
        session.add(
            GrantHold(
                grant_id=grant.id,
                fund_id=grant.fund_id,
                user_id=grant.user_id,
                created_at=clock.now(),
            )
        )
        session.flush()


def _hold_where(*conditions) -> None:
    """Set-based: hold the active grants matching `conditions` that were never held before."""
    never_held = ~sa.exists().where(GrantHold.grant_id == grants_table.c.id)
    ids = list(
        session.scalars(
            sa.select(grants_table.c.id).where(
                grants_table.c.status == GrantStatus.ACTIVE.value, never_held, *conditions
            )
        )
    )
    if not ids:
        return
    session.execute(
        sa.update(grants_table)
        .where(grants_table.c.id.in_(ids))
        .values(status=GrantStatus.HELD.value)
    )
    now = clock.now()
    session.execute(
        sa.insert(GrantHold.__table__).from_select(
            ["grant_id", "fund_id", "user_id", "created_at"],
            sa.select(
                grants_table.c.id,
                grants_table.c.fund_id,
                grants_table.c.user_id,
                sa.literal(now, GrantHold.created_at.type),
            ).where(grants_table.c.id.in_(ids)),
        )
    )


def hold_run_grants(run_id: int) -> None:
    """Hold the grants an allocation run made for accounts under review (set-based)."""
    _hold_where(grants_table.c.allocation_run_id == run_id, under_review(grants_table.c.user_id))


def hold_grants_of(user_id: int) -> None:
    """Hold the active grants of an account a new match was found for."""
    _hold_where(grants_table.c.user_id == user_id)


@dataclass(frozen=True)
class HeldGrant:
    """One line of a fund's hold queue."""

    hold: GrantHold
    grant: Grant
    worker: User
    available_cents: int
    matches: list[tuple[MatchKind, User]]


def open_holds(fund_id: int) -> list[HeldGrant]:
    """The fund's grants waiting for a decision, oldest first, with what matched."""
    rows = session.execute(
        sa.select(GrantHold, Grant, User, LedgerAccount.posted_cents - LedgerAccount.held_cents)
        .join(Grant, Grant.id == GrantHold.grant_id)
        .join(User, User.id == GrantHold.user_id)
        .join(LedgerAccount, LedgerAccount.id == Grant.account_id)
        .where(GrantHold.fund_id == fund_id, GrantHold.decision.is_(None))
        .order_by(GrantHold.created_at, GrantHold.id)
    ).all()
    matches = matches_of([worker.id for _hold, _grant, worker, _cents in rows])
    return [
        HeldGrant(hold, grant, worker, int(cents), matches.get(worker.id, []))
        for hold, grant, worker, cents in rows
    ]


def decide_hold(hold_id: int, decision: HoldDecision, reason: str, *, actor: User) -> GrantHold:
    """A fund administrator releases or cancels a held grant of their fund, with a reason."""
    hold = session.get(GrantHold, hold_id)
    if hold is None:
        raise NotFound(_("There is no such held budget."))
    if not actor.has_role(Role.FUND_ADMIN) or actor.fund_id != hold.fund_id:
        raise Forbidden(_("Only the administrators of the fund decide on its held budgets."))
    reason = (reason or "").strip()
    if not 3 <= len(reason) <= 500:
        message = _("Give a reason of 3 to 500 characters.")
        raise ValidationFailed(message, errors={"reason": message})
    with unit_of_work():
        # Lock the grant and read both rows afresh: a decision taken meanwhile in another
        # request is seen here, so a grant is decided on once.
        grant = session.scalar(
            sa.select(Grant)
            .where(Grant.id == hold.grant_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        session.refresh(hold)
        new_status = TRANSITIONS.get((grant.status, decision))
        if hold.decision is not None or new_status is None:
            raise Conflict(_("A decision was already taken on this budget."))
        now = clock.now()
        hold.decision, hold.decided_by_id, hold.decided_at = decision, actor.id, now
        hold.reason = reason
        grant.status = new_status
        after: dict = {"status": new_status.value, "hold": hold.id}
        if decision == HoldDecision.RELEASED:
            session.execute(
                sa.update(IdentityMatch)
                .where(IdentityMatch.user_id == hold.user_id, IdentityMatch.cleared_at.is_(None))
                .values(cleared_at=now)
            )
        else:
            after.update(_return_to_pot(grant, actor.id))
        record(
            "grant",
            grant.id,
            f"hold_{decision.value}",
            actor_id=actor.id,
            before={"status": GrantStatus.HELD.value},
            after=after,
            reason=reason,
        )
    return hold


def _return_to_pot(grant: Grant, actor_id: int) -> dict:
    """What is left on a cancelled grant goes back to its fund's pot, through the ledger, and
    to its scheme's cap (committed_cents), so the scheme may grant it to someone else. What
    was spent before the grant was held stays spent, and counted."""
    left = ledger.balance(grant.account_id).available_cents
    if left <= 0:
        return {"cents": 0}
    release_cap(grant.scheme_id, left)
    transaction = ledger.transfer(
        grant.account_id,
        grant.scheme.fund.pot_account_id,
        left,
        kind="grant_cancel",
        description=f"Budget {grant.scheme.name} ingetrokken",
        reference=f"grant:{grant.id}:cancel",
        actor_id=actor_id,
    )
    return {"cents": left, "transaction": transaction.id, "cap_released_cents": left}
