"""Use cases of funds: open a fund with its pot, deposit into it, close it, its figures."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from wallet.accounts.names import visible_name
from wallet.audit.services import record
from wallet.core.db import session, unit_of_work
from wallet.core.errors import Conflict, NotFound, ValidationFailed
from wallet.core.idempotency import Outcome, run_once
from wallet.funds.models import Fund, FundStatus
from wallet.ledger import services as ledger
from wallet.ledger.models import AccountKind, LedgerAccount, LedgerTransaction, Posting


class FundClosed(Conflict):
    """A closed fund takes no deposits and grants no budgets."""

    title = "Fund closed"
    code = "fund-closed"


@dataclass(frozen=True)
class FundFigures:
    """Where a fund's money is, in cents. deposited = available + granted + spent."""

    deposited_cents: int  # all deposits, less reversed ones
    available_cents: int  # in the pot, free to grant
    granted_cents: int  # on workers' grants now (including held)
    held_cents: int  # reserved for applications, part of granted
    spent_cents: int  # moved from grants to providers
    returned_cents: int  # came back to the pot when grants expired

    @property
    def committed_cents(self) -> int:
        """Granted and not spent: what the fund has promised workers."""
        return self.granted_cents


def get_fund(fund_id: int) -> Fund:
    """The fund, or NotFound."""
    fund = session.get(Fund, fund_id)
    if fund is None:
        raise NotFound(_("There is no such fund."))
    return fund


def create_fund(name: str, *, actor_id: int | None = None) -> Fund:
    """Open a fund with an empty pot."""
    name = visible_name(name)
    if not name or len(name) > 200:
        raise ValidationFailed(
            _("Give the fund a name of at most 200 characters."),
            errors={"name": _("Give the fund a name of at most 200 characters.")},
        )
    if session.scalar(sa.select(Fund.id).where(Fund.name == name)) is not None:
        raise Conflict(_("A fund with this name already exists."))
    with unit_of_work() as db:
        fund = Fund(name=name, status=FundStatus.OPEN, pot_account_id=0)
        pot = ledger.open_account(f"fund-pot:{uuid.uuid4().hex}", AccountKind.FUND_POT)
        fund.pot_account_id = pot.id
        db.add(fund)
        db.flush()
        record("fund", fund.id, "create", actor_id=actor_id, after={"name": name})
    return fund


def require_open(fund: Fund) -> None:
    """FundClosed unless the fund is open."""
    if fund.status != FundStatus.OPEN:
        raise FundClosed(_("The fund %(name)s is closed.", name=fund.name))


def deposit(
    fund_id: int,
    cents: int,
    *,
    reference: str,
    actor_id: int | None = None,
    idempotency_key: str | None = None,
) -> Outcome:
    """Move money from the funding source into the fund's pot; retry-safe with a key."""
    fund = get_fund(fund_id)
    require_open(fund)
    reference = (reference or "").strip()[:100]
    if not reference:
        raise ValidationFailed(
            _("Give the deposit a reference, such as the bank statement line."),
            errors={
                "reference": _("Give the deposit a reference, such as the bank statement line.")
            },
        )

    def perform() -> int:
        transaction = ledger.transfer(
            ledger.funding_source().id,
            fund.pot_account_id,
            cents,
            kind="deposit",
            description=f"Storting in {fund.name}",
            reference=reference,
            actor_id=actor_id,
        )
        # Tied to the transaction by verify: one such event per deposit on the fund's pot.
        after = {"cents": cents, "reference": reference, "transaction": transaction.id}
        record("fund", fund.id, "deposit", actor_id=actor_id, after=after)
        return transaction.id

    request = {"fund": fund_id, "cents": cents, "reference": reference}
    return run_once(f"deposit:{fund_id}", idempotency_key, request, perform)


def close_fund(fund_id: int, *, actor_id: int | None = None) -> Fund:
    """Close a fund: no deposits, no new grants; what is granted stays spendable."""
    fund = get_fund(fund_id)
    with unit_of_work():
        before = fund.status
        fund.status = FundStatus.CLOSED
        record("fund", fund.id, "close", actor_id=actor_id, before={"status": before.value},
               after={"status": FundStatus.CLOSED.value})  # fmt: skip
    return fund


def _sum(query) -> int:
    return int(session.scalar(query) or 0)


def fund_figures(fund_id: int) -> FundFigures:
    """The fund's figures straight from the ledger."""
    from wallet.grants.models import Grant

    fund = get_fund(fund_id)
    grant_accounts = sa.select(Grant.account_id).where(Grant.fund_id == fund_id)
    pot_postings = sa.select(sa.func.sum(Posting.amount_cents)).join(LedgerTransaction)
    deposited = _sum(
        pot_postings.where(
            Posting.account_id == fund.pot_account_id,
            sa.or_(
                LedgerTransaction.kind == "deposit",
                sa.and_(
                    LedgerTransaction.kind == "reversal",
                    LedgerTransaction.reverses_id.in_(
                        sa.select(LedgerTransaction.id).where(LedgerTransaction.kind == "deposit")
                    ),
                ),
            ),
        )
    )
    returned = _sum(
        pot_postings.where(
            Posting.account_id == fund.pot_account_id, LedgerTransaction.kind == "grant_expiry"
        )
    )
    on_grants = session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(LedgerAccount.posted_cents), 0),
            sa.func.coalesce(sa.func.sum(LedgerAccount.held_cents), 0),
        ).where(LedgerAccount.id.in_(grant_accounts))
    ).one()
    spent = -_sum(
        pot_postings.where(
            Posting.account_id.in_(grant_accounts), LedgerTransaction.kind == "hold_post"
        )
    )
    return FundFigures(
        deposited_cents=deposited,
        available_cents=ledger.balance(fund.pot_account_id).posted_cents,
        granted_cents=int(on_grants[0]),
        held_cents=int(on_grants[1]),
        spent_cents=spent,
        returned_cents=returned,
    )
