"""Use cases of grants: by an administrator, by first-come application, expiry, balances.

Bulk paths (scheduled allocation, CSV, lottery) live in allocation.py and imports.py.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from wallet.accounts.models import Role, User
from wallet.audit.services import record
from wallet.core import clock
from wallet.core.db import session, unit_of_work
from wallet.core.errors import Conflict, NotFound, ValidationFailed
from wallet.core.idempotency import Outcome, run_once
from wallet.core.money import MoneyError, check_amount
from wallet.funds.models import Fund
from wallet.funds.services import require_open
from wallet.grants import first_come
from wallet.grants.cap import SchemeCapReached, claim_cap, release_cap  # noqa: F401 (callers import them here)
from wallet.grants.models import (
    Grant,
    GrantSource,
    GrantStatus,
    SchemeApplication,
    SchemeApplicationStatus,
)
from wallet.ledger import services as ledger
from wallet.ledger.models import AccountKind, LedgerAccount, LedgerTransaction, Posting
from wallet.schemes.models import AllocationMode, Scheme, SchemeKind, SchemeStatus
from wallet.schemes.rules import WorkerFacts, eligibility_problems, load_rules
from wallet.schemes.services import get_scheme

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
MOVEMENT_LABELS = {
    "grant": _l("Budget granted"),
    "allocation": _l("Budget granted"),
    "hold_post": _l("Paid to the training provider"),
    "grant_expiry": _l("Expired: returned to the fund"),
    "grant_cancel": _l("Cancelled: returned to the fund"),
    "reversal": _l("Correction"),
}
grants_table = Grant.__table__


class NotEligible(ValidationFailed):
    """The worker does not meet the scheme's rules; `errors['eligibility']` says why."""

    title = "Not eligible"
    code = "not-eligible"


class AlreadyGranted(Conflict):
    """The worker already has a grant under this scheme for this period."""

    title = "Already granted"
    code = "already-granted"


@dataclass(frozen=True)
class GrantView:
    """A grant as a worker sees it, balances from the ledger."""

    grant: Grant
    fund_name: str
    scheme_name: str
    posted_cents: int
    held_cents: int

    @property
    def available_cents(self) -> int:
        """What the worker can still spend."""
        return self.posted_cents - self.held_cents if self.grant.status == "active" else 0

    @property
    def spent_cents(self) -> int:
        """Granted minus what is left on the grant (spent or returned on expiry)."""
        return self.grant.amount_cents - self.posted_cents


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or the month's last day where it has fewer days."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def expiry_for(scheme: Scheme, granted_on: dt.date) -> dt.datetime:
    """A grant expires at midnight in the Netherlands after its validity ends."""
    return expiry_after(scheme.validity_months, granted_on)


def expiry_after(validity_months: int, granted_on: dt.date) -> dt.datetime:
    """Midnight in the Netherlands after `validity_months` from `granted_on`."""
    last_day = add_months(granted_on, validity_months)
    return dt.datetime.combine(last_day, dt.time(0), AMSTERDAM).astimezone(dt.UTC)


def worker_facts(user: User) -> WorkerFacts:
    """The profile facts eligibility looks at."""
    if user.role != Role.WORKER or user.profile is None:
        raise ValidationFailed(_("Budgets are granted to workers only."))
    profile = user.profile
    return WorkerFacts(
        municipality_code=profile.municipality_code,
        employment_status=profile.employment_status,
        date_of_birth=profile.date_of_birth,
        education_level=profile.education_level,
    )


def check_eligible(scheme: Scheme, user: User) -> None:
    """NotEligible with every reason, or nothing."""
    problems = eligibility_problems(load_rules(scheme.rules), worker_facts(user), clock.today())
    if problems:
        raise NotEligible(" ".join(problems), errors={"eligibility": problems})


def require_worker_scheme(scheme: Scheme) -> None:
    """An employer scheme reimburses employers; it never grants a budget to a worker."""
    if scheme.for_employers:
        message = _(
            "This is an employer scheme: it reimburses employers and grants no budgets to workers."
        )
        raise Conflict(message)


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
        account = ledger.open_account(f"grant:{scheme.id}:{user_id}:{period}", AccountKind.GRANT)
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


def _worker(user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or user.role != Role.WORKER:
        raise NotFound(_("There is no such worker."))
    return user


def require_granted_by_hand(scheme: Scheme) -> None:
    """First-come and lottery budgets are applied for by workers, never granted by hand:
    one way per scheme keeps one budget per worker."""
    require_worker_scheme(scheme)
    if scheme.allocation_mode in (AllocationMode.FIRST_COME, AllocationMode.LOTTERY):
        raise Conflict(_("Budgets under this scheme are applied for by workers themselves."))


def last_valid_day(expires_at: dt.datetime) -> dt.date:
    """The last day (in the Netherlands) on which a grant expiring at `expires_at` is valid."""
    return (expires_at.astimezone(AMSTERDAM) - dt.timedelta(microseconds=1)).date()


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
    user = _worker(user_id)
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


@dataclass(frozen=True)
class Applied:
    """What became of a worker's application: its id, status and grant (first come)."""

    id: int
    status: SchemeApplicationStatus
    grant_id: int | None


def facts_for_apply(scheme_id: int, user_id: int) -> first_come.ApplyFacts:
    """The facts of an application, read in one query, refused early (a used-up cap
    included, without a write) unless the worker applied already: that is left to the form's
    one-time key, so a form sent twice is answered as a replay."""
    facts = first_come.read_facts(scheme_id, user_id)
    if not facts.applied:
        first_come.refuse(facts, clock.today())
    return facts


def apply_for_grant(
    scheme_id: int, user_id: int, facts: first_come.ApplyFacts | None = None
) -> Applied:
    """A worker asks for a budget: granted at once (first come) or entered in the draw.

    The hot path of an opening rush (wallet/grants/first_come.py): the same answers as
    apply_for_grant_orm, in one query for the facts and a few set-based statements.
    """
    facts = facts or first_come.read_facts(scheme_id, user_id)
    first_come.refuse(facts, clock.today())
    with unit_of_work():
        if facts.mode == AllocationMode.FIRST_COME:
            application_id, grant_id = first_come.grant_first_come(facts)
            return Applied(application_id, SchemeApplicationStatus.GRANTED, grant_id)
        return Applied(first_come.enter_draw(facts), SchemeApplicationStatus.WAITING, None)


def apply_for_grant_orm(scheme_id: int, user_id: int) -> SchemeApplication:
    """apply_for_grant through ORM objects and create_grant: the reference the hot path is
    tested against (tests/grants/test_first_come_path.py)."""
    scheme = get_scheme(scheme_id)
    user = _worker(user_id)
    require_worker_scheme(scheme)
    if scheme.allocation_mode not in (AllocationMode.FIRST_COME, AllocationMode.LOTTERY):
        raise Conflict(_("Budgets under this scheme are not applied for."))
    if scheme.status != SchemeStatus.ACTIVE or not scheme.window_is_open(clock.today()):
        raise Conflict(_("Applications for this scheme are not open."))
    check_eligible(scheme, user)
    from wallet.verification.rules import require_verified

    require_verified(user)
    already = sa.select(SchemeApplication.id).where(
        SchemeApplication.scheme_id == scheme_id, SchemeApplication.user_id == user_id
    )
    if session.scalar(already) is not None:
        raise AlreadyGranted(_("You have already applied under this scheme."))
    with unit_of_work() as db:
        application = SchemeApplication(
            scheme_id=scheme_id, user_id=user_id, applied_at=clock.now()
        )
        if scheme.allocation_mode == AllocationMode.FIRST_COME:
            grant = create_grant(
                scheme,
                user_id,
                scheme.amount_cents,
                period=scheme.window_opens_on.isoformat(),
                source=GrantSource.FIRST_COME,
                actor_id=user_id,  # granted by the scheme's rule, on the worker's request
            )
            application.status = SchemeApplicationStatus.GRANTED
            application.grant_id = grant.id
        else:
            application.status = SchemeApplicationStatus.WAITING
        db.add(application)
        try:
            db.flush()
        except sa.exc.IntegrityError:
            raise AlreadyGranted(_("You have already applied under this scheme.")) from None
    return application


def grants_of(user_id: int) -> list[GrantView]:
    """A worker's grants, earliest expiry first, with balances from the ledger."""
    rows = session.execute(
        sa.select(
            Grant, Fund.name, Scheme.name, LedgerAccount.posted_cents, LedgerAccount.held_cents
        )
        .join(Scheme, Scheme.id == Grant.scheme_id)
        .join(Fund, Fund.id == Grant.fund_id)
        .join(LedgerAccount, LedgerAccount.id == Grant.account_id)
        .where(Grant.user_id == user_id)
        .order_by(Grant.expires_at, Grant.id)
    )
    return [GrantView(*row) for row in rows]


@dataclass(frozen=True)
class Spendable:
    """What a worker can spend now over all their grants, and when the first of it expires."""

    cents: int
    first_expiry: dt.datetime | None
    expiring_cents: int  # what is available on the grants that expire then


def spendable(views: list[GrantView]) -> Spendable:
    """The "te besteden" headline from the worker's grants (grants_of)."""
    live = [view for view in views if view.available_cents > 0]
    if not live:
        return Spendable(0, None, 0)
    first = min(view.grant.expires_at for view in live)
    expiring = sum(view.available_cents for view in live if view.grant.expires_at == first)
    return Spendable(sum(view.available_cents for view in live), first, expiring)


def get_grant(grant_id: int) -> Grant:
    """The grant, or NotFound."""
    grant = session.get(Grant, grant_id)
    if grant is None:
        raise NotFound(_("There is no such grant."))
    return grant


def expire_grants(now: dt.datetime | None = None) -> int:
    """Expire grants whose time is up and return their unused budget to the fund's pot.

    Set-based: one UPDATE marks the grants, one transaction moves what is left on every
    expired grant back to its fund. Safe to run twice or concurrently with spending:
    the grant accounts are locked (PostgreSQL) or the database is (SQLite) while it sweeps.
    """
    now = now or clock.now()
    with unit_of_work() as db:
        marked = db.execute(
            sa.update(grants_table)
            .where(
                grants_table.c.status == GrantStatus.ACTIVE.value,
                grants_table.c.expires_at <= now,
            )
            .values(status=GrantStatus.EXPIRED.value, expired_at=now)
        ).rowcount
    while True:
        with unit_of_work():
            if not _sweep_expired(now):
                break
    return marked


SWEEP_BATCH = 5000


def _sweep_expired(now: dt.datetime) -> int:
    """Move what is left on up to SWEEP_BATCH expired grants to their pots; how many moved."""
    pairs = (
        sa.select(Grant.account_id, Fund.pot_account_id)
        .join(Fund, Fund.id == Grant.fund_id)
        .where(Grant.status == GrantStatus.EXPIRED)
    )
    transaction_id, moved = ledger.sweep(
        pairs, kind="grant_expiry", description="Vervallen budget terug naar het fonds",
        limit=SWEEP_BATCH,
    )  # fmt: skip
    if transaction_id is None:
        return 0
    funds = dict(session.execute(sa.select(Fund.pot_account_id, Fund.id)).all())
    per_fund: dict[int, int] = {}
    for _grant_account, pot_id, cents in moved:
        per_fund[funds[pot_id]] = per_fund.get(funds[pot_id], 0) + cents
    # verify ties each expiry to one such event on each fund whose pot it credits.
    for fund_id, cents in per_fund.items():
        record("fund", fund_id, "expire_grants", actor_id=None,
               after={"cents": cents, "transaction": transaction_id})  # fmt: skip
    return len(moved)


def grants_of_scheme(scheme_id: int, page: int = 1, per_page: int = 50) -> tuple[list, int]:
    """One page of a scheme's grants with worker and balances, and how many there are."""
    base = sa.select(Grant).where(Grant.scheme_id == scheme_id)
    total = session.scalar(sa.select(sa.func.count()).select_from(base.subquery()))
    rows = session.execute(
        sa.select(
            Grant, User.name, User.email, LedgerAccount.posted_cents, LedgerAccount.held_cents
        )
        .join(User, User.id == Grant.user_id)
        .join(LedgerAccount, LedgerAccount.id == Grant.account_id)
        .where(Grant.scheme_id == scheme_id)
        .order_by(Grant.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return rows, total


def payable_account_id(provider_id: int) -> int:
    """The ledger account of what Leerwallet owes a provider (made on first use)."""
    from wallet.providers.models import Provider, ProviderStatus

    provider = session.get(Provider, provider_id)
    if provider is None:
        raise NotFound(_("There is no such provider."))
    if provider.status != ProviderStatus.ACCREDITED:
        raise Conflict(_("Only accredited training providers can be paid from a budget."))
    return ledger.open_account(f"provider:{provider_id}:payable", AccountKind.PAYABLE).id


@dataclass(frozen=True)
class StatementLine:
    """One movement on one of a worker's grants."""

    at: dt.datetime
    fund_name: str
    scheme_name: str
    description: str
    amount_cents: int
    balance_cents: int  # of that grant, after this movement


def worker_statement(user_id: int) -> list[StatementLine]:
    """Every movement on every grant of the worker, oldest first, with running balances."""
    rows = session.execute(
        sa.select(
            Grant.id,
            LedgerTransaction.created_at,
            Fund.name,
            Scheme.name,
            LedgerTransaction.kind,
            LedgerTransaction.description,
            Posting.amount_cents,
        )
        .join(Posting, Posting.account_id == Grant.account_id)
        .join(LedgerTransaction, LedgerTransaction.id == Posting.transaction_id)
        .join(Scheme, Scheme.id == Grant.scheme_id)
        .join(Fund, Fund.id == Grant.fund_id)
        .where(Grant.user_id == user_id)
        .order_by(LedgerTransaction.id, Grant.id)
    )
    running: dict[int, int] = {}
    lines = []
    for grant_id, at, fund_name, scheme_name, kind, description, cents in rows:
        running[grant_id] = running.get(grant_id, 0) + cents
        lines.append(
            StatementLine(
                at,
                fund_name,
                scheme_name,
                MOVEMENT_LABELS.get(kind, description),
                cents,
                running[grant_id],
            )
        )
    return lines


def open_schemes_for(user_id: int) -> list[tuple[Scheme, list[str], str | None]]:
    """Schemes a worker can apply to now: (scheme, reasons they do not qualify, their status)."""
    user = _worker(user_id)
    today = clock.today()
    schemes = session.scalars(
        sa.select(Scheme).where(
            Scheme.status == SchemeStatus.ACTIVE,
            Scheme.kind == SchemeKind.WORKER_BUDGET,
            Scheme.allocation_mode.in_([AllocationMode.FIRST_COME, AllocationMode.LOTTERY]),
        )
    ).all()
    applied = dict(
        session.execute(
            sa.select(SchemeApplication.scheme_id, SchemeApplication.status).where(
                SchemeApplication.user_id == user_id
            )
        ).all()
    )
    facts = worker_facts(user)
    return [
        (
            scheme,
            eligibility_problems(load_rules(scheme.rules), facts, today),
            applied.get(scheme.id),
        )
        for scheme in schemes
        if scheme.window_is_open(today)
    ]
