"""The scheduled allocation: every eligible worker gets a grant, in a few SQL statements.

One allocation run of a scheme for a period is one database transaction:
1. insert an empty ledger account for every eligible worker without a grant for this period
   (INSERT ... SELECT), named after the run and the worker;
2. insert a grant per new account (INSERT ... SELECT joining the accounts);
3. count the run's grants;
4. count the scheme's cap (a conditional UPDATE);
5. move the money with the ledger's set-based `move_many`: one transaction, the pot minus
   the total, every grant plus its amount, refused as a whole when the pot cannot cover it.
If the pot or the cap cannot cover everyone, nothing is granted and the error says why.
A second run for the same period finds nobody left (the unique grant per scheme, worker and
period), so the job is safe to repeat and to run from two schedulers.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import gettext as _

from wallet.accounts.models import Role, User, WorkerProfile
from wallet.audit.services import record
from wallet.core import clock
from wallet.core.db import require_no_unit_of_work, session, unit_of_work
from wallet.core.errors import Conflict
from wallet.core.money import Money
from wallet.funds.services import require_open
from wallet.grants.cap import claim_cap
from wallet.grants.eligibility import require_worker_scheme
from wallet.grants.models import AllocationRun, Grant, GrantSource, GrantStatus
from wallet.grants.validity import expiry_for
from wallet.ledger import accounts as account_codes
from wallet.ledger import services as ledger
from wallet.ledger.models import AccountKind, LedgerAccount
from wallet.schemes.models import AllocationMode, Scheme, SchemeKind, SchemeStatus
from wallet.schemes.rules import SchemeRules, load_rules
from wallet.schemes.services import get_scheme
from wallet.verification.holds import hold_run_grants


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def eligible_workers(rules: SchemeRules, today: dt.date) -> sa.Select:
    """SELECT of the ids of active, verified workers who meet `rules` on `today` (in SQL)."""
    query = (
        sa.select(User.id)
        .join(WorkerProfile, WorkerProfile.user_id == User.id)
        .where(
            User.role == Role.WORKER,
            User.active.is_(True),
            # One person, one budget: an address nobody proved to read gets nothing.
            User.email_verified_at.is_not(None),
        )
    )
    if rules.municipalities:
        query = query.where(WorkerProfile.municipality_code.in_(rules.municipalities))
    if rules.target_groups:
        query = query.where(WorkerProfile.employment_status.in_(rules.target_groups))
    if rules.min_age is not None:
        query = query.where(WorkerProfile.date_of_birth <= _years_before(today, rules.min_age))
    if rules.max_age is not None:
        query = query.where(WorkerProfile.date_of_birth > _years_before(today, rules.max_age + 1))
    if rules.max_education_level is not None:
        query = query.where(WorkerProfile.education_level <= rules.max_education_level)
    return query


def allocate(
    scheme_id: int, period: str | None = None, *, actor_id: int | None = None
) -> AllocationRun | None:
    """Grant the scheme's amount to every eligible worker who has none for `period` yet.

    Returns the run, or None when nobody was left to grant to.
    """
    scheme = get_scheme(scheme_id)
    require_worker_scheme(scheme)
    if scheme.allocation_mode != AllocationMode.ENTITLEMENT:
        raise Conflict(_("Only entitlement schemes are allocated automatically."))
    if scheme.status != SchemeStatus.ACTIVE:
        raise Conflict(_("This scheme is not active."))
    require_open(scheme.fund)
    today, now = clock.today(), clock.now()
    period = period or str(today.year)
    with unit_of_work() as db:
        run = AllocationRun(scheme_id=scheme.id, period=period, started_at=now)
        db.add(run)
        db.flush()
        watermark = db.scalar(sa.select(sa.func.coalesce(sa.func.max(LedgerAccount.id), 0)))
        _open_grant_accounts(scheme, run, period, today, now)
        _insert_grants(scheme, run, period, today, now, watermark)
        count, total = db.execute(
            sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(Grant.amount_cents), 0)).where(
                Grant.allocation_run_id == run.id
            )
        ).one()
        if count == 0:
            db.delete(run)
            return None
        total = int(total)  # PostgreSQL sums BIGINT as NUMERIC
        claim_cap(scheme.id, total)
        transaction_id = _post_allocation(scheme, run, total)
        hold_run_grants(run.id)
        run.grants, run.total_cents, run.transaction_id = count, total, transaction_id
        record(
            "allocation_run",
            run.id,
            "allocate",
            actor_id=actor_id,
            after={"scheme": scheme.id, "period": period, "grants": count, "cents": total},
        )
    return run


def _account_code(run: AllocationRun, user_id):
    """The account of a grant made by an allocation run: named after the run and worker."""
    return account_codes.allocation_grant_sql(run.id, user_id)


def _open_grant_accounts(scheme: Scheme, run: AllocationRun, period: str, today, now) -> None:
    eligible = eligible_workers(load_rules(scheme.rules), today).where(
        ~sa.exists().where(
            Grant.scheme_id == scheme.id, Grant.user_id == User.id, Grant.period == period
        )
    )
    select = eligible.with_only_columns(
        _account_code(run, User.id),
        sa.literal(AccountKind.GRANT.value),
        sa.literal("EUR"),
        sa.false(),
        sa.literal(0, sa.BigInteger),
        sa.literal(0, sa.BigInteger),
        sa.literal(now, LedgerAccount.created_at.type),
    )
    columns = [
        "code",
        "kind",
        "currency",
        "allow_negative",
        "posted_cents",
        "held_cents",
        "created_at",
    ]
    session.execute(sa.insert(LedgerAccount.__table__).from_select(columns, select))


def _insert_grants(scheme: Scheme, run: AllocationRun, period: str, today, now, watermark) -> None:
    """A grant per account the run opened; accounts after the watermark narrow the join."""
    columns = [
        "scheme_id",
        "fund_id",
        "user_id",
        "account_id",
        "period",
        "source",
        "status",
        "amount_cents",
        "granted_at",
        "expires_at",
        "allocation_run_id",
    ]
    select = (
        sa.select(
            sa.literal(scheme.id),
            sa.literal(scheme.fund_id),
            User.id,
            LedgerAccount.id,
            sa.literal(period),
            sa.literal(GrantSource.ALLOCATION.value),
            sa.literal(GrantStatus.ACTIVE.value),
            sa.literal(scheme.amount_cents, sa.BigInteger),
            sa.literal(now, Grant.granted_at.type),
            sa.literal(expiry_for(scheme, today), Grant.expires_at.type),
            sa.literal(run.id),
        )
        .join(LedgerAccount, LedgerAccount.code == _account_code(run, User.id))
        .where(LedgerAccount.id > watermark)
    )
    session.execute(sa.insert(Grant.__table__).from_select(columns, select))


def _post_allocation(scheme: Scheme, run: AllocationRun, total: int) -> int:
    """One ledger transaction: the fund's pot to every grant of the run; its id."""
    movements = sa.select(
        sa.literal(scheme.fund.pot_account_id), Grant.account_id, Grant.amount_cents
    ).where(Grant.allocation_run_id == run.id)
    try:
        return ledger.move_many(
            movements,
            kind="allocation",
            description=f"Toekenning {scheme.name} ({run.period})",
            reference=f"allocation:{run.id}",
        )
    except ledger.InsufficientFunds:
        raise ledger.InsufficientFunds(
            _(
                "The fund cannot cover this allocation: it needs %(needed)s.",
                needed=Money(total).format(),
            )
        ) from None


def allocate_all(period: str | None = None) -> list[AllocationRun]:
    """Run the allocation of every active entitlement scheme of every open fund."""
    require_no_unit_of_work("allocate_all")
    ids = session.scalars(
        sa.select(Scheme.id).where(
            Scheme.allocation_mode == AllocationMode.ENTITLEMENT,
            Scheme.kind == SchemeKind.WORKER_BUDGET,
            Scheme.status == SchemeStatus.ACTIVE,
        )
    ).all()
    session.rollback()
    runs = []
    for scheme_id in ids:
        run = allocate(scheme_id, period)
        if run is not None:
            runs.append(run)
    return runs
