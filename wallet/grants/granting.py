"""Granting a budget: the one place every way of granting passes (create_grant), and
an administrator's grant to one worker.

Bulk paths (scheduled allocation, CSV, lottery) live in allocation.py, imports.py and
lottery.py; a worker's own application in applying.py.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from wallet.audit.services import record
from wallet.core import clock
from wallet.core.db import session
from wallet.core.errors import Conflict, ValidationFailed
from wallet.core.idempotency import Outcome, run_once
from wallet.core.money import MoneyError, check_amount
from wallet.funds.services import require_open
from wallet.grants.cap import claim_cap
from wallet.grants.eligibility import (
    check_eligible,
    get_worker,
    require_granted_by_hand,
    require_worker_scheme,
)
from wallet.grants.models import (
    Grant,
    GrantSource,
    GrantStatus,
)
from wallet.grants.validity import expiry_for
from wallet.ledger import accounts as account_codes
from wallet.ledger import services as ledger
from wallet.ledger.models import AccountKind
from wallet.schemes.models import Scheme, SchemeStatus
from wallet.schemes.services import get_scheme


class AlreadyGranted(Conflict):
    """The worker already has a grant under this scheme for this period."""

    title = "Already granted"
    code = "already-granted"


def create_grant(
    scheme: Scheme,
    user_id: int,
    cents: int,
    *,
    period: str,
    source: GrantSource,
    actor_id: int | None = None,
) -> Grant:
    """Grant `cents` from the scheme's fund to one worker. Flushes; the caller commits."""
    require_worker_scheme(scheme)  # every way of granting passes here
    require_open(scheme.fund)
    if scheme.status != SchemeStatus.ACTIVE:
        raise Conflict(_("This scheme is not active."))
    claim_cap(scheme.id, cents)
    exists = sa.select(Grant.id).where(
        Grant.scheme_id == scheme.id, Grant.user_id == user_id, Grant.period == period
    )
    if session.scalar(exists) is not None:
        raise AlreadyGranted(_("This worker already has a budget under this scheme."))
    try:
        account = ledger.open_account(
            account_codes.grant(scheme.id, user_id, period), AccountKind.GRANT
        )
        grant = Grant(
            scheme_id=scheme.id,
            fund_id=scheme.fund_id,
            user_id=user_id,
            account_id=account.id,
            period=period,
            source=source,
            status=GrantStatus.ACTIVE,
            amount_cents=cents,
            granted_at=clock.now(),
            expires_at=expiry_for(scheme, clock.today()),
        )
        session.add(grant)
        session.flush()
    except sa.exc.IntegrityError:
        raise AlreadyGranted(_("This worker already has a budget under this scheme.")) from None
    from wallet.verification.holds import hold_new_grant

    hold_new_grant(grant)  # one person behind several accounts: held until the fund decides
    ledger.transfer(
        scheme.fund.pot_account_id,
        account.id,
        cents,
        kind="grant",
        description=f"Budget {scheme.name}",
        reference=f"grant:{grant.id}",
        actor_id=actor_id,
    )
    # Every way of granting (by hand, CSV, first come, lottery) passes here: one audit place.
    record(
        "grant",
        grant.id,
        "grant",
        actor_id=actor_id,
        after={"scheme": scheme.id, "worker": user_id, "cents": cents, "source": source.value},
    )
    return grant


def grant_to_worker(
    scheme_id: int,
    user_id: int,
    *,
    actor_id: int,
    cents: int | None = None,
    idempotency_key: str | None = None,
) -> Outcome:
    """An administrator grants a budget to one eligible worker (the scheme's amount by default)."""
    scheme = get_scheme(scheme_id)
    require_granted_by_hand(scheme)
    user = get_worker(user_id)
    cents = scheme.amount_cents if cents is None else cents
    try:
        check_amount(cents)
    except MoneyError as error:
        raise ValidationFailed(str(error), errors={"amount_cents": str(error)}) from None
    check_eligible(scheme, user)

    def perform() -> int:
        period = str(clock.today().year)
        grant = create_grant(
            scheme, user.id, cents, period=period, source=GrantSource.MANUAL, actor_id=actor_id
        )
        return grant.id

    request = {"scheme": scheme_id, "user": user_id, "cents": cents}
    return run_once(f"grant:{scheme_id}", idempotency_key, request, perform)
