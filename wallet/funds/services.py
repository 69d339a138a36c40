"""Use cases of funds: open a fund with its pot, deposit into it, close it, its figures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from wallet.accounts.names import visible_name
from wallet.audit.services import record
from wallet.core import clock
from wallet.core.db import session, unit_of_work
from wallet.core.errors import Conflict, NotFound, ValidationFailed
from wallet.core.idempotency import Outcome, run_once
from wallet.core.transitions import advance
from wallet.funds.models import Fund, FundStatus
from wallet.funds.transitions import FUND_TRANSITIONS
from wallet.ledger import accounts as account_codes
from wallet.ledger import services as ledger
from wallet.ledger.models import AccountKind


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
        pot = ledger.open_account(account_codes.fund_pot(), AccountKind.FUND_POT)
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
        return post_deposit(fund, cents, reference=reference, actor_id=actor_id)

    request = {"fund": fund_id, "cents": cents, "reference": reference}
    return run_once(f"deposit:{fund_id}", idempotency_key, request, perform)


def post_deposit(fund: Fund, cents: int, *, reference: str, actor_id: int | None) -> int:
    """The deposit's transfer and its audit event in the caller's unit of work (flush only);
    the transaction's id. `deposit` and opening a fund with money (wallet.useradmin) use it."""
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


def close_fund(fund_id: int, *, actor_id: int | None = None) -> Fund:
    """Close a fund: no deposits, no new grants; what is granted stays spendable."""
    fund = get_fund(fund_id)
    if fund.status == FundStatus.CLOSED:
        return fund  # closed already (a double click): one decision, one audit event
    before = fund.status
    target = FUND_TRANSITIONS.target(before, "close")
    with unit_of_work():
        if not advance(Fund, fund.id, before, target):
            return get_fund(fund_id)  # a racing click closed it: one audit event
        record(
            "fund",
            fund.id,
            "close",
            actor_id=actor_id,
            before={"status": before.value},
            after={"status": target.value},
        )
    return fund


def fund_figures(fund_id: int) -> FundFigures:
    """The fund's figures from the ledger, through the reports' money (wallet/reports/money.py):
    whole days from its daily rollup, the rest from the postings, so a national fund's start
    page does not sum hundreds of thousands of postings (and the figures are never stale)."""
    from wallet.reports import money

    fund = get_fund(fund_id)
    flows, books = money.totals(fund_id)
    pot = ledger.balance(fund.pot_account_id)
    # Reserved on the fund's grants: every hold placed so far (held_at a moment after now
    # counts grants and pot) less the pot's own, which are employers' commitments.
    held = money.held_at(fund_id, clock.now() + dt.timedelta(seconds=1)) - pot.held_cents
    return FundFigures(
        deposited_cents=flows["deposited"],
        available_cents=pot.posted_cents,
        granted_cents=books.grants,
        held_cents=held,
        spent_cents=flows["approved"],
        returned_cents=flows["expired"],
    )
