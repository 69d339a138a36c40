"""The hot path of an opening rush: a worker applies under a first-come (or lottery) scheme.

What `applying.apply_for_grant_orm` decides, with the same answers, in a few statements:

* the facts, in one query: the worker (role, verified, profile), the scheme (mode, status,
  window, amount, cap and committed amount, rules as stored), its fund (status, pot), whether
  the worker applied already and whether their account is under review;
* the scheme's rules compiled once per version of the rules (cached on their stored text);
* the guard-and-grant as Core statements without ORM objects: the grant's ledger account,
  the grant, the application, the audit event and the ledger transaction, then the guarded
  UPDATE of the scheme's committed amount with the debit of the pot (scheme row, then pot:
  the lock order of the slow path; one statement on PostgreSQL), all in the caller's one
  unit of work;
* a sold-out scheme answered without a write, a lock or a transaction: the facts query reads
  the scheme's committed amount and cap as committed (MVCC: readers never wait for the
  writers of that hot row), which is right in every process at once and follows a raised
  cap the moment it is committed. No in-process flag is kept: it could only say what that
  read already says, and a flag can go stale (a cap raised, a database restored).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import lru_cache

import sqlalchemy as sa
from flask_babel import gettext as _

from wallet.accounts.models import Role, User, WorkerProfile
from wallet.audit.models import AuditEvent
from wallet.core import clock
from wallet.core.db import session
from wallet.core.errors import Conflict, NotFound, ValidationFailed
from wallet.funds.models import Fund, FundStatus
from wallet.funds.services import FundClosed
from wallet.grants.cap import SchemeCapReached, cap_claim
from wallet.grants.models import (
    Grant,
    GrantSource,
    GrantStatus,
    SchemeApplication,
    SchemeApplicationStatus,
)
from wallet.ledger import accounts as account_codes
from wallet.ledger import services as ledger
from wallet.ledger.models import AccountKind
from wallet.schemes.models import AllocationMode, Scheme, SchemeKind, SchemeStatus
from wallet.schemes.rules import SchemeRules, WorkerFacts, eligibility_problems, load_rules


@dataclass(frozen=True)
class ApplyFacts:
    """Everything the apply decision reads, from one query."""

    scheme_id: int
    user_id: int
    is_worker: bool
    verified: bool
    worker: WorkerFacts | None
    kind: SchemeKind
    status: SchemeStatus
    mode: AllocationMode
    name: str
    window_opens_on: dt.date | None
    window_closes_on: dt.date | None
    amount_cents: int
    validity_months: int
    total_cap_cents: int | None
    committed_cents: int
    rules_text: str
    fund_id: int
    fund_name: str
    fund_open: bool
    pot_account_id: int
    applied: bool
    under_review: bool

    def window_is_open(self, today: dt.date) -> bool:
        """As Scheme.window_is_open."""
        if self.window_opens_on and today < self.window_opens_on:
            return False
        return not (self.window_closes_on and today > self.window_closes_on)


def read_facts(scheme_id: int, user_id: int) -> ApplyFacts:
    """The facts of one application in one query; NotFound for no scheme or no worker."""
    from wallet.verification.signals import under_review

    applied = sa.exists().where(
        SchemeApplication.scheme_id == Scheme.id, SchemeApplication.user_id == User.id
    )
    row = session.execute(
        sa.select(
            User.role,
            User.email_verified_at,
            WorkerProfile.municipality_code,
            WorkerProfile.employment_status,
            WorkerProfile.date_of_birth,
            WorkerProfile.education_level,
            Scheme.kind,
            Scheme.status,
            Scheme.allocation_mode,
            Scheme.name,
            Scheme.window_opens_on,
            Scheme.window_closes_on,
            Scheme.amount_cents,
            Scheme.validity_months,
            Scheme.total_cap_cents,
            Scheme.committed_cents,
            sa.cast(Scheme.rules, sa.Text),
            Fund.id,
            Fund.name,
            Fund.status,
            Fund.pot_account_id,
            applied,
            under_review(User.id),
        )
        .select_from(Scheme)
        .join(Fund, Fund.id == Scheme.fund_id)
        .outerjoin(User, User.id == user_id)
        .outerjoin(WorkerProfile, WorkerProfile.user_id == User.id)
        .where(Scheme.id == scheme_id)
    ).first()
    if row is None:
        raise NotFound(_("There is no such scheme."))
    (
        role,
        verified_at,
        municipality,
        employment,
        born,
        level,
        kind,
        status,
        mode,
        name,
        opens,
        closes,
        amount,
        months,
        cap,
        committed,
        rules_text,
        fund_id,
        fund_name,
        fund_status,
        pot,
        has_applied,
        reviewed,
    ) = row
    worker = None
    if municipality is not None:
        worker = WorkerFacts(municipality, employment, born, level)
    return ApplyFacts(
        scheme_id=scheme_id,
        user_id=user_id,
        is_worker=role == Role.WORKER,
        verified=verified_at is not None,
        worker=worker,
        kind=kind,
        status=status,
        mode=mode,
        name=name,
        window_opens_on=opens,
        window_closes_on=closes,
        amount_cents=amount,
        validity_months=months,
        total_cap_cents=cap,
        committed_cents=committed,
        rules_text=rules_text or "{}",
        fund_id=fund_id,
        fund_name=fund_name,
        fund_open=fund_status == FundStatus.OPEN,
        pot_account_id=pot,
        applied=bool(has_applied),
        under_review=bool(reviewed),
    )


@lru_cache(maxsize=256)
def compiled_rules(scheme_id: int, rules_text: str) -> SchemeRules:
    """A scheme's rules, validated once per version (the stored text is the version)."""
    return load_rules(json.loads(rules_text) or {})


def is_sold_out(facts: ApplyFacts) -> bool:
    """True when no further grant of the scheme's amount fits under its cap, as committed
    when the facts were read (a plain read: no lock, no write, no wait on the writers)."""
    cap = facts.total_cap_cents
    return cap is not None and facts.committed_cents + facts.amount_cents > cap


def _cap_reached() -> Exception:
    return SchemeCapReached(_("The budget of this scheme has been used up."))


def refuse(facts: ApplyFacts, today: dt.date) -> None:
    """Raise what apply_for_grant would refuse with, in its order; a used-up cap included
    (without a write). An earlier application is left to the caller: a form sent again
    must be answered as a replay, not as a refusal."""
    from wallet.grants.eligibility import NotEligible
    from wallet.grants.granting import AlreadyGranted
    from wallet.verification.rules import EmailNotVerified

    if not facts.is_worker:
        raise NotFound(_("There is no such worker."))
    if facts.kind == SchemeKind.EMPLOYER_REIMBURSEMENT:
        raise Conflict(
            _(
                "This is an employer scheme: it reimburses employers and grants no budgets "
                "to workers."
            )
        )
    if facts.mode not in (AllocationMode.FIRST_COME, AllocationMode.LOTTERY):
        raise Conflict(_("Budgets under this scheme are not applied for."))
    if facts.status != SchemeStatus.ACTIVE or not facts.window_is_open(today):
        raise Conflict(_("Applications for this scheme are not open."))
    if facts.worker is None:
        raise ValidationFailed(_("Budgets are granted to workers only."))
    rules = compiled_rules(facts.scheme_id, facts.rules_text)
    problems = eligibility_problems(rules, facts.worker, today)
    if problems:
        raise NotEligible(" ".join(problems), errors={"eligibility": problems})
    if not facts.verified:
        raise EmailNotVerified(
            _(
                "Verify your e-mail address first: open the link we sent you, or ask for a new "
                "one on your start page. Nothing was changed."
            )
        )
    if facts.applied:
        raise AlreadyGranted(_("You have already applied under this scheme."))
    if facts.mode == AllocationMode.FIRST_COME:
        if not facts.fund_open:
            raise FundClosed(_("The fund %(name)s is closed.", name=facts.fund_name))
        if is_sold_out(facts):
            raise _cap_reached()


def _insert(table, values: dict) -> int:
    return session.execute(sa.insert(table).values(**values).returning(table.c.id)).scalar_one()


def grant_first_come(facts: ApplyFacts) -> tuple[int, int]:
    """Grant the scheme's amount to the worker; (application id, grant id). Flushes nothing
    through the ORM; the caller's unit of work commits or rolls everything back."""
    from wallet.grants.granting import AlreadyGranted
    from wallet.grants.validity import expiry_after
    from wallet.verification.models import GrantHold

    now, today = clock.now(), clock.today()
    cents, user_id, scheme_id = facts.amount_cents, facts.user_id, facts.scheme_id
    period = facts.window_opens_on.isoformat()
    try:
        account_id = ledger.open_new_account(
            account_codes.grant(scheme_id, user_id, period), AccountKind.GRANT
        )
        grant_id = _insert(
            Grant.__table__,
            {
                "scheme_id": scheme_id,
                "fund_id": facts.fund_id,
                "user_id": user_id,
                "account_id": account_id,
                "period": period,
                "source": GrantSource.FIRST_COME.value,
                "status": (GrantStatus.HELD if facts.under_review else GrantStatus.ACTIVE).value,
                "amount_cents": cents,
                "granted_at": now,
                "expires_at": expiry_after(facts.validity_months, today),
            },
        )
        application_id = _insert(
            SchemeApplication.__table__,
            {
                "scheme_id": scheme_id,
                "user_id": user_id,
                "applied_at": now,
                "status": SchemeApplicationStatus.GRANTED.value,
                "grant_id": grant_id,
            },
        )
    except sa.exc.IntegrityError:
        raise AlreadyGranted(_("You have already applied under this scheme.")) from None
    if facts.under_review:  # one person behind several accounts: held until the fund decides
        _insert(
            GrantHold.__table__,
            {"grant_id": grant_id, "fund_id": facts.fund_id, "user_id": user_id, "created_at": now},
        )
    session.execute(
        sa.insert(AuditEvent.__table__).values(
            at=now,
            actor_id=user_id,
            subject_type="grant",
            subject_id=grant_id,
            action="grant",
            after={
                "scheme": scheme_id,
                "worker": user_id,
                "cents": cents,
                "source": GrantSource.FIRST_COME.value,
            },
        )
    )
    # The hot rows (the scheme's cap, then the fund's pot) last and in one statement on
    # PostgreSQL, so they stay locked only for that statement and the commit.
    try:
        ledger.move(
            facts.pot_account_id,
            account_id,
            cents,
            kind="grant",
            description=f"Budget {facts.name}",
            reference=f"grant:{grant_id}",
            actor_id=user_id,
            guard=cap_claim(scheme_id, cents),
        )
    except ledger.GuardMissed:
        raise _cap_reached() from None
    return application_id, grant_id


def enter_draw(facts: ApplyFacts) -> int:
    """A lottery application, waiting for the draw; its id."""
    from wallet.grants.granting import AlreadyGranted

    try:
        return _insert(
            SchemeApplication.__table__,
            {
                "scheme_id": facts.scheme_id,
                "user_id": facts.user_id,
                "applied_at": clock.now(),
                "status": SchemeApplicationStatus.WAITING.value,
            },
        )
    except sa.exc.IntegrityError:
        raise AlreadyGranted(_("You have already applied under this scheme.")) from None
