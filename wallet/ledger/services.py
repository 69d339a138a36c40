"""Ledger operations. They only flush: the calling use case's unit_of_work commits.

Balances change through conditional UPDATEs ("take 500 only if 500 is available"), so two
requests racing for the last euro cannot both win, on PostgreSQL or SQLite; the CHECK
constraints on ledger_accounts are the second line of defence.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import cast

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from wallet.core import clock
from wallet.core.db import session
from wallet.core.errors import Conflict, NotFound, ValidationFailed
from wallet.core.money import MoneyError, check_amount
from wallet.core.transitions import advance
from wallet.ledger import accounts as account_codes
from wallet.ledger.models import (
    AccountKind,
    Hold,
    HoldStatus,
    LedgerAccount,
    LedgerTransaction,
    Posting,
)

# Mapped classes declare __table__ as a FromClause; ours are Tables, which Core DML takes.
accounts = cast(sa.Table, LedgerAccount.__table__)
holds = cast(sa.Table, Hold.__table__)
transactions = cast(sa.Table, LedgerTransaction.__table__)
postings = cast(sa.Table, Posting.__table__)


def _rowcount(result: sa.Result) -> int:
    # session.execute types its result as Result; an UPDATE's is a CursorResult.
    return cast(sa.CursorResult, result).rowcount


class GuardMissed(Exception):
    """The guard of a guarded move hit no row: the caller answers with its own refusal."""


class InsufficientFunds(Conflict):
    """The account does not have this much available."""

    title = "Insufficient funds"
    code = "insufficient-funds"


class HoldNotPending(Conflict):
    """The hold was already posted, voided or expired."""

    title = "Hold already settled"
    code = "hold-not-pending"


@dataclass(frozen=True)
class Balance:
    """An account's balance: posted, held, and available = posted - held."""

    posted_cents: int
    held_cents: int

    @property
    def available_cents(self) -> int:
        """What can still be spent or held."""
        return self.posted_cents - self.held_cents


def _amount(cents: int) -> int:
    try:
        return check_amount(cents)
    except MoneyError as error:
        raise ValidationFailed(str(error), errors={"amount_cents": str(error)}) from None


def open_account(code: str, kind: AccountKind, *, allow_negative: bool = False) -> LedgerAccount:
    """The account with `code`, made when it does not exist yet.

    INSERT ... ON CONFLICT DO NOTHING, so two requests opening one account at once both get
    it (PostgreSQL and SQLite alike) instead of one failing on the unique code.
    """
    query = sa.select(LedgerAccount).where(LedgerAccount.code == code)
    account = session.scalar(query)
    if account is not None:
        return account
    dialect = session.get_bind().dialect.name
    insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
    values = {
        "code": code,
        "kind": kind.value,
        "currency": "EUR",
        "allow_negative": allow_negative,
        "posted_cents": 0,
        "held_cents": 0,
        "created_at": clock.now(),
    }
    session.execute(
        insert(accounts).values(**values).on_conflict_do_nothing(index_elements=["code"])
    )
    return session.scalars(query).one()  # ours or the other request's: it exists now


def funding_source() -> LedgerAccount:
    """The outside world deposits come from; the one account allowed below zero."""
    return open_account(
        account_codes.FUNDING_SOURCE, AccountKind.FUNDING_SOURCE, allow_negative=True
    )


def get_account(account_id: int) -> LedgerAccount:
    """The account, or NotFound."""
    account = session.get(LedgerAccount, account_id)
    if account is None:
        raise NotFound(_("There is no such ledger account."))
    return account


def balance(account_id: int) -> Balance:
    """The account's balance as the database has it now."""
    row = session.execute(
        sa.select(accounts.c.posted_cents, accounts.c.held_cents).where(accounts.c.id == account_id)
    ).one()
    return Balance(row.posted_cents, row.held_cents)


def take(account_id: int, cents: int) -> None:
    """Take `cents` from the account's available balance, or InsufficientFunds."""
    result = session.execute(
        sa.update(accounts)
        .where(
            accounts.c.id == account_id,
            sa.or_(
                accounts.c.allow_negative,
                accounts.c.posted_cents - accounts.c.held_cents >= cents,
            ),
        )
        .values(posted_cents=accounts.c.posted_cents - cents)
    )
    if _rowcount(result) != 1:
        raise InsufficientFunds(_("There is not enough money available for this."))


def take_after(guard: sa.Update, account_id: int, cents: int) -> bool:
    """Run the caller's `guard` (a guarded UPDATE of its own counter, such as a scheme's cap)
    and, when it hit a row, take `cents` from the account as `take` does. False when the
    guard hit no row (nothing taken); InsufficientFunds when the account cannot pay (the
    guard's change then goes with the caller's rollback). On PostgreSQL both are one
    statement, so hot rows (a scheme and its fund's pot in a rush) stay locked for one
    round trip and the commit; elsewhere two statements in the same order."""
    if session.get_bind().dialect.name != "postgresql":
        if _rowcount(session.execute(guard)) != 1:
            return False
        take(account_id, cents)
        return True
    guarded = guard.returning(sa.literal(1).label("hit")).cte("guarded")
    debited = (
        sa.update(accounts)
        .where(
            accounts.c.id == account_id,
            sa.exists(sa.select(guarded.c.hit)),
            sa.or_(
                accounts.c.allow_negative,
                accounts.c.posted_cents - accounts.c.held_cents >= cents,
            ),
        )
        .values(posted_cents=accounts.c.posted_cents - cents)
        .returning(accounts.c.id)
        .cte("debited")
    )
    hits, takes = session.execute(
        sa.select(
            sa.select(sa.func.count()).select_from(guarded).scalar_subquery(),
            sa.select(sa.func.count()).select_from(debited).scalar_subquery(),
        )
    ).one()
    if hits != 1:
        return False
    if takes != 1:
        raise InsufficientFunds(_("There is not enough money available for this."))
    return True


def _add(account_id: int, cents: int) -> None:
    session.execute(
        sa.update(accounts)
        .where(accounts.c.id == account_id)
        .values(posted_cents=accounts.c.posted_cents + cents)
    )


def _apply(account_id: int, cents: int) -> None:
    if cents < 0:
        take(account_id, -cents)
    else:
        _add(account_id, cents)


def record(
    entries: Iterable[tuple[int, int]],
    *,
    kind: str,
    description: str,
    reference: str | None = None,
    actor_id: int | None = None,
    reverses_id: int | None = None,
) -> LedgerTransaction:
    """Write one transaction from (account id, amount) entries that sum to zero."""
    per_account: dict[int, int] = defaultdict(int)
    for account_id, cents in entries:
        if isinstance(cents, bool) or not isinstance(cents, int):
            raise ValidationFailed(_("Amounts are whole cents."))
        per_account[account_id] += cents
    lines = {account_id: cents for account_id, cents in per_account.items() if cents}
    if len(lines) < 2:
        raise ValidationFailed(_("A transaction moves money between at least two accounts."))
    if sum(lines.values()) != 0:
        raise ValidationFailed(_("The postings of a transaction must add up to zero."))
    transaction = LedgerTransaction(
        kind=kind,
        description=description[:300],
        reference=reference,
        created_by_id=actor_id,
        reverses_id=reverses_id,
        created_at=clock.now(),
    )
    session.add(transaction)
    session.flush()
    # Credits first, then debits, each in account order: the same lock order everywhere.
    for account_id in sorted(lines, key=lambda a: (lines[a] < 0, a)):
        _apply(account_id, lines[account_id])
    session.execute(
        sa.insert(Posting),
        [
            {"transaction_id": transaction.id, "account_id": a, "amount_cents": c}
            for a, c in sorted(lines.items())
        ],
    )
    return transaction


def transfer(
    from_account_id: int,
    to_account_id: int,
    cents: int,
    *,
    kind: str,
    description: str,
    reference: str | None = None,
    actor_id: int | None = None,
) -> LedgerTransaction:
    """Move `cents` from one account to another in one transaction."""
    cents = _amount(cents)
    if from_account_id == to_account_id:
        raise ValidationFailed(_("Money cannot move from an account to itself."))
    return record(
        [(from_account_id, -cents), (to_account_id, cents)],
        kind=kind,
        description=description,
        reference=reference,
        actor_id=actor_id,
    )


def open_new_account(code: str, kind: AccountKind) -> int:
    """A new account with `code` (IntegrityError if the code is taken); its id. One INSERT,
    for hot paths that know the account cannot exist yet (a grant's own account)."""
    values = {
        "code": code,
        "kind": kind.value,
        "currency": "EUR",
        "allow_negative": False,
        "posted_cents": 0,
        "held_cents": 0,
        "created_at": clock.now(),
    }
    insert = sa.insert(accounts).values(**values).returning(accounts.c.id)
    return session.execute(insert).scalar_one()


def move(
    from_account_id: int,
    to_account_id: int,
    cents: int,
    *,
    kind: str,
    description: str,
    reference: str | None = None,
    actor_id: int | None = None,
    guard: sa.Update | None = None,
) -> int:
    """`transfer` in four Core statements and no ORM objects, for hot paths; the
    transaction's id. The same rules: whole positive cents, credit first, then the guarded
    debit (InsufficientFunds), postings that sum to zero. With a `guard`, the debit runs
    with it as `take_after` does, last; GuardMissed when the guard hit no row."""
    cents = _amount(cents)
    if from_account_id == to_account_id:
        raise ValidationFailed(_("Money cannot move from an account to itself."))
    transaction_id = session.execute(
        sa.insert(transactions)
        .values(
            kind=kind,
            description=description[:300],
            reference=reference,
            created_by_id=actor_id,
            created_at=clock.now(),
        )
        .returning(transactions.c.id)
    ).scalar_one()
    session.execute(
        sa.insert(postings).values(
            [
                {"transaction_id": transaction_id, "account_id": a, "amount_cents": c}
                for a, c in sorted([(from_account_id, -cents), (to_account_id, cents)])
            ]
        )
    )
    _add(to_account_id, cents)
    if guard is None:
        take(from_account_id, cents)
    elif not take_after(guard, from_account_id, cents):
        raise GuardMissed
    return transaction_id


Movement = tuple[int, int, int]  # (account money leaves, account it goes to, cents)


def move_many(
    movements: Iterable[Movement] | sa.Select,
    *,
    kind: str,
    description: str,
    reference: str | None = None,
    actor_id: int | None = None,
) -> int | None:
    """Many movements as one transaction, set-based, for bulk jobs; its id, or None when there
    is nothing to move.

    `movements` is a list of (from account, to account, cents) or a SELECT of those three
    columns, which stays in the database (INSERT ... SELECT). The rules of `move`: whole
    positive cents, never from an account to itself, postings (one per account, the net of
    its movements) that sum to zero. The accounts are locked in id order and checked first:
    when any would go below zero (InsufficientFunds) or a movement is invalid
    (ValidationFailed), nothing is written. Then one INSERT of the postings and one UPDATE of
    the balances.
    """
    if isinstance(movements, sa.Select):
        lines = _selected_lines(movements)
    else:
        lines = _listed_lines(movements)
    if lines is None:
        return None
    _lock_and_check(lines)
    transaction_id = session.execute(
        sa.insert(transactions)
        .values(
            kind=kind,
            description=description[:300],
            reference=reference,
            created_by_id=actor_id,
            created_at=clock.now(),
        )
        .returning(transactions.c.id)
    ).scalar_one()
    if isinstance(lines, dict):
        session.execute(
            sa.insert(postings),
            [
                {"transaction_id": transaction_id, "account_id": a, "amount_cents": c}
                for a, c in sorted(lines.items())
            ],
        )
    else:
        session.execute(
            sa.insert(postings).from_select(
                ["transaction_id", "account_id", "amount_cents"],
                sa.select(sa.literal(transaction_id), lines.c.account_id, lines.c.cents),
            )
        )
    mine = postings.c.transaction_id == transaction_id
    net = (
        sa.select(postings.c.amount_cents)
        .where(mine, postings.c.account_id == accounts.c.id)
        .scalar_subquery()
    )
    session.execute(
        sa.update(accounts)
        .where(accounts.c.id.in_(sa.select(postings.c.account_id).where(mine)))
        .values(posted_cents=accounts.c.posted_cents + net)
        .execution_options(synchronize_session=False)
    )
    return transaction_id


def _listed_lines(movements: Iterable[Movement]) -> dict[int, int] | None:
    per_account: dict[int, int] = defaultdict(int)
    for debit_id, credit_id, cents in movements:
        cents = _amount(cents)
        if debit_id == credit_id:
            raise ValidationFailed(_("Money cannot move from an account to itself."))
        per_account[debit_id] -= cents
        per_account[credit_id] += cents
    if not per_account:
        return None
    lines = {account_id: cents for account_id, cents in per_account.items() if cents}
    if len(lines) < 2:
        raise ValidationFailed(_("A transaction moves money between at least two accounts."))
    return lines


def _selected_lines(movements: sa.Select):
    moves = movements.subquery()
    debit, credit, cents = list(moves.c)[:3]
    count, bad = session.execute(
        sa.select(
            sa.func.count(),
            sa.func.coalesce(
                sa.func.sum(
                    sa.case((sa.or_(cents.is_(None), cents <= 0, debit == credit), 1), else_=0)
                ),
                0,
            ),
        ).select_from(moves)
    ).one()
    if not count:
        return None
    if bad:
        raise ValidationFailed(_("Every movement moves whole positive cents between two accounts."))
    legs = sa.union_all(
        sa.select(debit.label("account_id"), (-cents).label("cents")),
        sa.select(credit.label("account_id"), cents.label("cents")),
    ).subquery()
    total = sa.cast(sa.func.sum(legs.c.cents), sa.BigInteger)
    lines = (
        sa.select(legs.c.account_id, total.label("cents"))
        .group_by(legs.c.account_id)
        .having(sa.func.sum(legs.c.cents) != 0)
        .subquery()
    )
    if (session.scalar(sa.select(sa.func.count()).select_from(lines)) or 0) < 2:
        raise ValidationFailed(_("A transaction moves money between at least two accounts."))
    return lines


def _lock_and_check(lines) -> None:
    """Lock the accounts in id order (PostgreSQL; SQLite serializes writers), then refuse the
    batch when any account that may not go below zero would."""
    if isinstance(lines, dict):
        ids = sorted(lines)
        rows = session.execute(
            sa.select(
                accounts.c.id,
                accounts.c.allow_negative,
                accounts.c.posted_cents - accounts.c.held_cents,
            )
            .where(accounts.c.id.in_(ids))
            .order_by(accounts.c.id)
            .with_for_update()
        ).all()
        if len(rows) != len(ids):
            raise NotFound(_("There is no such ledger account."))
        short: Sequence[sa.Row] = [row for row in rows if not row[1] and row[2] + lines[row[0]] < 0]
    else:
        wanted = sa.select(lines.c.account_id)
        locked = session.execute(
            sa.select(accounts.c.id)
            .where(accounts.c.id.in_(wanted))
            .order_by(accounts.c.id)
            .with_for_update()
        ).all()
        if len(locked) != session.scalar(sa.select(sa.func.count()).select_from(lines)):
            raise NotFound(_("There is no such ledger account."))
        short = session.execute(
            sa.select(accounts.c.id)
            .join(lines, lines.c.account_id == accounts.c.id)
            .where(
                ~accounts.c.allow_negative,
                accounts.c.posted_cents - accounts.c.held_cents + lines.c.cents < 0,
            )
            .limit(1)
        ).all()
    if short:
        raise InsufficientFunds(_("There is not enough money available for this."))


def sweep(
    pairs: sa.Select, *, kind: str, description: str, limit: int
) -> tuple[int | None, list[Movement]]:
    """Move everything available on up to `limit` accounts to another account each, as one
    transaction; `pairs` selects (account id, where its money goes). The accounts are locked
    before their balance is read, so spending at the same time waits or is refused.
    Returns the transaction's id (None when nothing was left) and the movements it made.
    """
    pairs_q = pairs.subquery()
    source, target = list(pairs_q.c)[:2]
    available = accounts.c.posted_cents - accounts.c.held_cents
    rows = session.execute(
        sa.select(accounts.c.id, target, available)
        .join(pairs_q, source == accounts.c.id)
        .where(available > 0)
        .order_by(accounts.c.id)
        .limit(limit)
        .with_for_update(of=accounts)
    ).all()
    movements = [(int(a), int(t), int(c)) for a, t, c in rows]
    if not movements:
        return None, []
    return move_many(movements, kind=kind, description=description), movements


def reverse(transaction_id: int, *, reason: str, actor_id: int | None = None) -> LedgerTransaction:
    """Undo a transaction with its mirror image; a transaction is reversed at most once."""
    original = session.get(LedgerTransaction, transaction_id)
    if original is None:
        raise NotFound(_("There is no such transaction."))
    if original.reverses_id is not None:
        raise Conflict(_("A reversal is not reversed; record a new transaction instead."))
    already = session.scalar(
        sa.select(LedgerTransaction.id).where(LedgerTransaction.reverses_id == transaction_id)
    )
    if already is not None:
        raise Conflict(_("This transaction has already been reversed."))
    lines = session.execute(
        sa.select(Posting.account_id, Posting.amount_cents).where(
            Posting.transaction_id == transaction_id
        )
    ).all()
    return record(
        [(account_id, -cents) for account_id, cents in lines],
        kind="reversal",
        description=reason,
        reference=original.reference,
        actor_id=actor_id,
        reverses_id=transaction_id,
    )


def place_hold(
    debit_account_id: int,
    credit_account_id: int,
    cents: int,
    *,
    reference: str | None = None,
    expires_at: dt.datetime | None = None,
) -> Hold:
    """Set `cents` aside on the debit account, or InsufficientFunds. Counts in-flight holds."""
    cents = _amount(cents)
    if debit_account_id == credit_account_id:
        raise ValidationFailed(_("Money cannot move from an account to itself."))
    result = session.execute(
        sa.update(accounts)
        .where(
            accounts.c.id == debit_account_id,
            accounts.c.posted_cents - accounts.c.held_cents >= cents,
        )
        .values(held_cents=accounts.c.held_cents + cents)
    )
    if _rowcount(result) != 1:
        raise InsufficientFunds(_("There is not enough budget available for this."))
    hold = Hold(
        debit_account_id=debit_account_id,
        credit_account_id=credit_account_id,
        amount_cents=cents,
        status=HoldStatus.PENDING,
        reference=reference,
        expires_at=expires_at,
        created_at=clock.now(),
    )
    session.add(hold)
    session.flush()
    return hold


def _settle(hold_id: int, status: HoldStatus, posted_cents: int, transaction_id: int | None):
    """Move the hold out of pending, once: a second attempt finds it settled."""
    settled = advance(
        Hold,
        hold_id,
        HoldStatus.PENDING,
        status,
        posted_cents=posted_cents,
        resolved_at=clock.now(),
        resolving_transaction_id=transaction_id,
    )
    if not settled:
        raise HoldNotPending(_("This reservation has already been settled."))


def _pending_hold(hold_id: int) -> Hold:
    hold = session.get(Hold, hold_id)
    if hold is None:
        raise NotFound(_("There is no such reservation."))
    session.refresh(hold)
    if hold.status != HoldStatus.PENDING:
        raise HoldNotPending(_("This reservation has already been settled."))
    return hold


def _release(account_id: int, cents: int) -> None:
    session.execute(
        sa.update(accounts)
        .where(accounts.c.id == account_id)
        .values(held_cents=accounts.c.held_cents - cents)
    )


def post_hold(
    hold_id: int,
    cents: int | None = None,
    *,
    description: str,
    actor_id: int | None = None,
    kind: str = "hold_post",
) -> LedgerTransaction | None:
    """Settle a hold: move `cents` (all of it by default) and release the rest; the
    transaction is of `kind` (hold_post for a grant's hold, reimbursement for a pot's).

    Posting zero is allowed and equals voiding; more than the hold is refused.
    """
    hold = _pending_hold(hold_id)
    cents = hold.amount_cents if cents is None else cents
    if isinstance(cents, bool) or not isinstance(cents, int) or cents < 0:
        raise ValidationFailed(_("Amounts are whole cents."))
    if cents > hold.amount_cents:
        raise ValidationFailed(_("Not more can be settled than was reserved."))
    # Settle first: of two racing attempts only one gets past this line.
    _settle(hold.id, HoldStatus.POSTED, cents, None)
    _release(hold.debit_account_id, hold.amount_cents)
    transaction = None
    if cents:
        transaction = record(
            [(hold.debit_account_id, -cents), (hold.credit_account_id, cents)],
            kind=kind,
            description=description,
            reference=hold.reference,
            actor_id=actor_id,
        )
        session.execute(
            sa.update(holds)
            .where(holds.c.id == hold.id)
            .values(resolving_transaction_id=transaction.id)
        )
    session.expire(hold)
    return transaction


def void_hold(hold_id: int) -> Hold:
    """Release a hold in full; nothing moves."""
    hold = _pending_hold(hold_id)
    _settle(hold.id, HoldStatus.VOIDED, 0, None)
    _release(hold.debit_account_id, hold.amount_cents)
    session.expire(hold)
    return hold


def expire_hold(hold_id: int) -> Hold:
    """Release a hold whose time is up; racing a post, exactly one of the two wins."""
    hold = _pending_hold(hold_id)
    _settle(hold.id, HoldStatus.EXPIRED, 0, None)
    _release(hold.debit_account_id, hold.amount_cents)
    session.expire(hold)
    return hold


def due_holds(now: dt.datetime, limit: int = 1000) -> list[int]:
    """Ids of pending holds whose expiry has passed."""
    query = (
        sa.select(Hold.id)
        .where(Hold.status == HoldStatus.PENDING, Hold.expires_at <= now)
        .order_by(Hold.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def statement(account_id: int, *, limit: int | None = None, offset: int = 0) -> list[dict]:
    """Every movement on the account, oldest first, with the running balance."""
    query = (
        sa.select(
            LedgerTransaction.id,
            LedgerTransaction.created_at,
            LedgerTransaction.kind,
            LedgerTransaction.description,
            LedgerTransaction.reference,
            Posting.amount_cents,
        )
        .join(Posting, Posting.transaction_id == LedgerTransaction.id)
        .where(Posting.account_id == account_id)
        .order_by(LedgerTransaction.id)
    )
    rows, running = [], 0
    for row in session.execute(query):
        running += row.amount_cents
        rows.append({**row._asdict(), "balance_cents": running})
    if limit is not None:
        return rows[offset : offset + limit]
    return rows[offset:]


def statement_page(
    account_id: int, *, page: int, per_page: int, newest_first: bool = False
) -> tuple[list[dict], int]:
    """One page of the account's movements with the running balance, and how many there are.

    A page costs what it shows, not the account's whole history (a fund's pot has hundreds of
    thousands of postings): the balance before the page is the sum of the postings it skips,
    or, newest first, the account's balance less the newer ones.
    """
    order = Posting.id.desc() if newest_first else Posting.id.asc()
    mine = Posting.account_id == account_id
    offset = (max(page, 1) - 1) * per_page
    rows = session.execute(
        sa.select(
            LedgerTransaction.id,
            LedgerTransaction.created_at,
            LedgerTransaction.kind,
            LedgerTransaction.description,
            LedgerTransaction.reference,
            Posting.amount_cents,
        )
        .join(Posting, Posting.transaction_id == LedgerTransaction.id)
        .where(mine)
        .order_by(order)
        .limit(per_page)
        .offset(offset)
    ).all()
    skipped = sa.select(Posting.amount_cents).where(mine).order_by(order).limit(offset).subquery()
    skipped_cents = int(session.scalar(sa.select(sa.func.sum(skipped.c.amount_cents))) or 0)
    total = session.scalar(sa.select(sa.func.count()).select_from(Posting).where(mine)) or 0
    lines = []
    if newest_first:
        running = get_account(account_id).posted_cents - skipped_cents
        for row in rows:
            lines.append({**row._asdict(), "balance_cents": running})
            running -= row.amount_cents
    else:
        running = skipped_cents
        for row in rows:
            running += row.amount_cents
            lines.append({**row._asdict(), "balance_cents": running})
    return lines, total


def expire_due_holds(now: dt.datetime | None = None) -> int:
    """Expire every pending hold whose time is up, each in its own unit of work.

    A hold posted or voided meanwhile is skipped: exactly one of the two wins.
    """
    from wallet.core.db import require_no_unit_of_work, unit_of_work

    require_no_unit_of_work("expire_due_holds")
    now = now or clock.now()
    expired = 0
    while batch := due_holds(now):
        session.rollback()
        for hold_id in batch:
            try:
                with unit_of_work():
                    expire_hold(hold_id)
                expired += 1
            except HoldNotPending:
                continue
    return expired
