"""The books tied together: every cent on a grant, payable, in-transit and paid-out account is
explained by the claims, holds, payout items and audited decisions that put it there.

Each check is one or two grouped queries (no loop over rows), so `ledger verify` stays linear
in the size of the ledger. This proof reads the models of every feature, so it lives in
wallet.books, above them; the ledger itself does not depend on them.

Decisions: a ledger transaction of one of these kinds is a decision somebody (or a scheduled
job) took, and must have its audit event (invariant 6), tied as follows:

    deposit        one ("fund", pot's fund, "deposit") event per deposit on the fund's pot
    grant          ("grant", id, "grant"); the grant whose account the transaction credits
    allocation     ("allocation_run", run, "allocate"); AllocationRun.transaction_id
    grant_expiry   one ("fund", fund, "expire_grants") event per expiry crediting its pot
    grant_cancel   ("grant", id, "hold_cancelled"); the held grant whose account it debits
    hold_post      ("claim", claim, "approve"); ClaimPart.transaction_id
    reimbursement  ("reimbursement_claim", claim, "approve"); ReimbursementClaim.transaction_id
    clawback       ("claim", claim, "claw_back"); Claim.clawback_transaction_id
    payout_submit  ("payout_batch", batch, "submit"); PayoutItem.transit_transaction_id (an
                   item pays a provider or an employer: from its own payable account)
    payout_*       any other payout transaction (paid, returned): one event on an item or a
                   line of the batch named by its reference per transaction
    copay_received ("copayment", id, "received"); reference is the application's reference
    copay_refunded ("copayment", id, "refunded"); reference is the application's reference
    reversal       ("ledger_transaction", reversed id, "reverse")

A transaction of any other kind is itself a breach.

The reports' rollup (invariant 8): every day it holds equals the postings and holds of that
day summed again (wallet.reports.rollup.check_rollup, the job's own grouped queries per run
of days), so a late commit or an edited row is named by fund and day.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from wallet.books.commitments import check_commitments
from wallet.core.db import session
from wallet.ledger import accounts as account_codes
from wallet.ledger.models import (
    AccountKind,
    Hold,
    HoldStatus,
    LedgerAccount,
    LedgerTransaction,
    Posting,
)

KNOWN_KINDS = (
    "deposit",
    "grant",
    "allocation",
    "grant_expiry",
    "grant_cancel",
    "hold_post",
    "reimbursement",
    "reversal",
    "clawback",
    "payout_submit",
    "payout_paid",
    "payout_returned",
    "copay_received",
    "copay_refunded",
)
# A claim in one of these states was approved in full: its money left the grants.
APPROVED_STATES = ("approved", "in_batch", "paid", "clawed_back")


def _rows(query) -> Sequence[sa.Row]:
    return session.execute(query).all()


def _num(value) -> int:
    """PostgreSQL sums BIGINT as NUMERIC."""
    return int(value or 0)


def check_books(add) -> None:
    """Every check of this module; `add` receives each Problem."""
    from wallet.books.verify import Problem

    def report(invariant: str, detail: str) -> None:
        add(Problem(invariant, detail))

    _check_grant_postings(report)
    _check_grant_balances(report)
    _check_grant_debits(report)
    _check_hold_owners(report)
    _check_claim_parts(report)
    _check_payables(report)
    _check_receivables(report)
    _check_copayments(report)
    _check_payouts(report)
    _check_kinds(report)
    _check_posting_shapes(report)
    _check_reversals(report)
    _check_decisions_audited(report)
    check_commitments(report)
    _check_reports_rollup(report)


def _posted_holds():
    return (
        sa.select(Hold.resolving_transaction_id.label("tx"), Hold.debit_account_id.label("account"))
        .where(Hold.status == HoldStatus.POSTED, Hold.resolving_transaction_id.is_not(None))
        .subquery()
    )


def _check_grant_postings(report) -> None:
    """Money reaches a grant only by its grant, and leaves it only by a posted hold or expiry."""
    from wallet.grants.models import Grant, GrantStatus

    held = _posted_holds()
    kind, cents = LedgerTransaction.kind, Posting.amount_cents
    explained = sa.or_(
        sa.and_(kind.in_(["grant", "allocation"]), cents > 0),
        sa.and_(kind == "hold_post", cents < 0, held.c.tx.is_not(None)),
        sa.and_(kind == "grant_expiry", cents < 0, Grant.status == GrantStatus.EXPIRED),
        sa.and_(kind == "grant_cancel", cents < 0, Grant.status == GrantStatus.CANCELLED),
    )
    query = (
        sa.select(Grant.id, LedgerTransaction.id, kind, cents)
        .join(Posting, Posting.account_id == Grant.account_id)
        .join(LedgerTransaction, LedgerTransaction.id == Posting.transaction_id)
        .outerjoin(
            held, sa.and_(held.c.tx == Posting.transaction_id, held.c.account == Posting.account_id)
        )
        .where(~explained)
    )
    for grant_id, tx, tx_kind, amount in _rows(query):
        report(
            "7 grant explained",
            f"grant {grant_id}: transaction {tx} ({tx_kind}) moved "
            f"{amount} cents that no grant, hold or expiry explains",
        )


def _check_grant_balances(report) -> None:
    """A grant's balance is what was granted, less what its holds posted and what expired or
    went back to the pot when a held grant was cancelled."""
    from wallet.grants.models import Grant

    posted = (
        sa.select(
            Hold.debit_account_id.label("account"), sa.func.sum(Hold.posted_cents).label("cents")
        )
        .where(Hold.status == HoldStatus.POSTED)
        .group_by(Hold.debit_account_id)
        .subquery()
    )
    expired = (
        sa.select(
            Posting.account_id.label("account"), sa.func.sum(Posting.amount_cents).label("cents")
        )
        .join(LedgerTransaction, LedgerTransaction.id == Posting.transaction_id)
        .where(LedgerTransaction.kind.in_(["grant_expiry", "grant_cancel"]))
        .group_by(Posting.account_id)
        .subquery()
    )
    expected = (
        Grant.amount_cents
        - sa.func.coalesce(posted.c.cents, 0)
        + sa.func.coalesce(expired.c.cents, 0)
    )
    query = (
        sa.select(Grant.id, LedgerAccount.posted_cents, expected)
        .join(LedgerAccount, LedgerAccount.id == Grant.account_id)
        .outerjoin(posted, posted.c.account == Grant.account_id)
        .outerjoin(expired, expired.c.account == Grant.account_id)
        .where(LedgerAccount.posted_cents != expected)
    )
    for grant_id, balance, should in _rows(query):
        report(
            "7 grant balance",
            f"grant {grant_id}: balance {balance} but granted less posted "
            f"holds and expiry is {_num(should)}",
        )


def _check_grant_debits(report) -> None:
    """Each posted hold on a grant is a part of a claim approved by enough administrators."""
    from wallet.claims.models import Claim, ClaimApproval, ClaimPart
    from wallet.grants.models import Grant

    approvals = (
        sa.select(ClaimApproval.claim_id, ClaimApproval.version, sa.func.count().label("n"))
        .group_by(ClaimApproval.claim_id, ClaimApproval.version)
        .subquery()
    )
    given = sa.func.coalesce(approvals.c.n, 0)
    query = (
        sa.select(Hold.id, Grant.id, ClaimPart.claim_id, Claim.status, given)
        .join(Grant, Grant.account_id == Hold.debit_account_id)
        .outerjoin(
            ClaimPart,
            sa.and_(
                ClaimPart.hold_id == Hold.id,
                ClaimPart.grant_id == Grant.id,
                ClaimPart.transaction_id == Hold.resolving_transaction_id,
                ClaimPart.cents == Hold.posted_cents,
            ),
        )
        .outerjoin(Claim, Claim.id == ClaimPart.claim_id)
        .outerjoin(
            approvals,
            sa.and_(approvals.c.claim_id == Claim.id, approvals.c.version == Claim.version),
        )
        .where(Hold.status == HoldStatus.POSTED, Hold.posted_cents > 0)
        .where(
            sa.or_(
                ClaimPart.id.is_(None),
                Claim.status.not_in(APPROVED_STATES),
                given < Claim.approvals_needed,
            )
        )
    )
    for hold_id, grant_id, claim_id, status, n in _rows(query):
        if claim_id is None:
            detail = f"hold {hold_id} posted grant {grant_id} without an approved claim"
        else:
            detail = (
                f"hold {hold_id} posted grant {grant_id} for claim {claim_id}, which is "
                f"{status} with {n} approvals of its version"
            )
        report("7 debit traces to a claim", detail)


def _check_hold_owners(report) -> None:
    """Every hold on a grant belongs to an application part (or, replaced, to a claim part)."""
    from wallet.applications.models import ApplicationPart
    from wallet.claims.models import ClaimPart
    from wallet.grants.models import Grant

    query = (
        sa.select(Hold.id, Grant.id)
        .join(Grant, Grant.account_id == Hold.debit_account_id)
        .where(
            ~sa.exists().where(ApplicationPart.hold_id == Hold.id),
            ~sa.exists().where(ClaimPart.hold_id == Hold.id),
        )
    )
    for hold_id, grant_id in _rows(query):
        report(
            "7 hold has an owner",
            f"hold {hold_id} on grant {grant_id} belongs to no application or claim",
        )


def _check_claim_parts(report) -> None:
    """An approved claim's parts add up to its amount: what the payable was credited."""
    from wallet.claims.models import Claim, ClaimPart

    parts = (
        sa.select(ClaimPart.claim_id, sa.func.sum(ClaimPart.cents).label("cents"))
        .group_by(ClaimPart.claim_id)
        .subquery()
    )
    query = (
        sa.select(Claim.id, Claim.amount_cents, sa.func.coalesce(parts.c.cents, 0))
        .outerjoin(parts, parts.c.claim_id == Claim.id)
        .where(
            Claim.status.in_(APPROVED_STATES),
            Claim.amount_cents != sa.func.coalesce(parts.c.cents, 0),
        )
    )
    for claim_id, amount, posted in _rows(query):
        report(
            "4 paid as approved",
            f"claim {claim_id} of {amount} cents was posted {_num(posted)} from grants",
        )


def _check_payables(report) -> None:
    """A provider's payable is its approved claims not yet in a submitted payout batch."""
    from wallet.claims.models import Claim
    from wallet.payments.models import ItemStatus, PayoutItem, PayoutLine
    from wallet.providers.models import Provider

    in_draft = (
        sa.select(PayoutLine.claim_id)
        .join(PayoutItem, PayoutItem.id == PayoutLine.item_id)
        .where(PayoutLine.released.is_(False), PayoutItem.status == ItemStatus.DRAFT)
    )
    owed = (
        sa.select(Claim.provider_id, sa.func.sum(Claim.amount_cents).label("cents"))
        .where(
            sa.or_(
                Claim.status == "approved",
                sa.and_(Claim.status == "in_batch", Claim.id.in_(in_draft)),
            )
        )
        .group_by(Claim.provider_id)
        .subquery()
    )
    expected = sa.func.coalesce(owed.c.cents, 0)
    query = (
        sa.select(LedgerAccount.code, Provider.id, LedgerAccount.posted_cents, expected)
        .select_from(LedgerAccount)
        .outerjoin(Provider, account_codes.provider_payable_sql(Provider.id) == LedgerAccount.code)
        .outerjoin(owed, owed.c.provider_id == Provider.id)
        .where(
            LedgerAccount.kind == AccountKind.PAYABLE,
            LedgerAccount.code.not_like(account_codes.EMPLOYER_PAYABLE_LIKE),
        )
        .where(sa.or_(Provider.id.is_(None), LedgerAccount.posted_cents != expected))
    )
    for code, provider_id, balance, should in _rows(query):
        report(
            "4 payable agrees with claims",
            f"provider {provider_id} ({code}): payable {balance} but its approved, "
            f"unbatched claims say {_num(should)}",
        )


def _check_receivables(report) -> None:
    """What a provider owes a fund is its clawbacks of paid claims, less what later payouts
    offset against it (lines still standing in submitted batches), less the claims whose
    transfer the bank returned after they were clawed back (the provider never got them)."""
    from wallet.claims.models import Claim
    from wallet.payments.models import ItemStatus, PayoutBatch, PayoutItem, PayoutLine

    clawed = (
        sa.select(
            Posting.account_id.label("account"), sa.func.sum(Posting.amount_cents).label("cents")
        )
        .join(Claim, Claim.clawback_transaction_id == Posting.transaction_id)
        .group_by(Posting.account_id)
        .subquery()
    )
    offset = (
        sa.select(
            LedgerAccount.id.label("account"), sa.func.sum(PayoutLine.offset_cents).label("cents")
        )
        .select_from(PayoutLine)
        .join(PayoutItem, PayoutItem.id == PayoutLine.item_id)
        .join(PayoutBatch, PayoutBatch.id == PayoutItem.batch_id)
        .join(
            LedgerAccount,
            LedgerAccount.code
            == account_codes.provider_receivable_sql(PayoutItem.provider_id, PayoutBatch.fund_id),
        )
        .where(
            PayoutLine.released.is_(False),
            PayoutLine.offset_cents > 0,
            PayoutItem.status != ItemStatus.DRAFT,
        )
        .group_by(LedgerAccount.id)
        .subquery()
    )
    forgiven = (
        sa.select(
            LedgerAccount.id.label("account"), sa.func.sum(PayoutLine.claim_cents).label("cents")
        )
        .select_from(PayoutLine)
        .join(PayoutItem, PayoutItem.id == PayoutLine.item_id)
        .join(PayoutBatch, PayoutBatch.id == PayoutItem.batch_id)
        .join(
            LedgerAccount,
            LedgerAccount.code
            == account_codes.provider_receivable_sql(PayoutItem.provider_id, PayoutBatch.fund_id),
        )
        .where(PayoutLine.returned_after_clawback.is_(True))
        .group_by(LedgerAccount.id)
        .subquery()
    )
    expected = (
        sa.func.coalesce(clawed.c.cents, 0)
        + sa.func.coalesce(offset.c.cents, 0)
        + sa.func.coalesce(forgiven.c.cents, 0)
    )
    query = (
        sa.select(LedgerAccount.code, LedgerAccount.posted_cents, expected)
        .outerjoin(clawed, clawed.c.account == LedgerAccount.id)
        .outerjoin(offset, offset.c.account == LedgerAccount.id)
        .outerjoin(forgiven, forgiven.c.account == LedgerAccount.id)
        .where(LedgerAccount.kind == AccountKind.RECEIVABLE, LedgerAccount.posted_cents != expected)
    )
    for code, balance, should in _rows(query):
        report(
            "4 receivable agrees with clawbacks",
            f"{code}: balance {balance} but clawbacks of paid claims less offsets say "
            f"{_num(should)}",
        )


def _check_copayments(report) -> None:
    """Co-payments received are the workers' payments that succeeded, less what was refunded."""
    from wallet.payments.models import Copayment, CopaymentStatus

    kept = sa.select(
        sa.func.coalesce(
            sa.func.sum(Copayment.amount_cents - sa.func.coalesce(Copayment.refunded_cents, 0)), 0
        )
    ).where(Copayment.status.in_([CopaymentStatus.SUCCEEDED, CopaymentStatus.REFUNDED]))
    expected = kept.scalar_subquery()
    query = sa.select(LedgerAccount.code, LedgerAccount.posted_cents, expected).where(
        LedgerAccount.kind == AccountKind.COPAY_RECEIVED, LedgerAccount.posted_cents != expected
    )
    for code, balance, should in _rows(query):
        report(
            "4 co-payments agree with the payments",
            f"{code}: balance {balance} but the co-payments received less refunds say "
            f"{_num(should)}",
        )


def _check_payouts(report) -> None:
    """A fund's in-transit is its submitted items; its paid-out is its paid items (providers'
    and employers' alike)."""
    from wallet.funds.models import Fund
    from wallet.payments.models import ItemStatus, PayoutBatch, PayoutItem

    for status, suffix, invariant in (
        (ItemStatus.SUBMITTED, account_codes.IN_TRANSIT, "4 in transit agrees with payouts"),
        (ItemStatus.PAID, account_codes.PAID_OUT, "4 paid out agrees with payouts"),
    ):
        items = (
            sa.select(PayoutBatch.fund_id, sa.func.sum(PayoutItem.amount_cents).label("cents"))
            .join(PayoutItem, PayoutItem.batch_id == PayoutBatch.id)
            .where(PayoutItem.status == status)
            .group_by(PayoutBatch.fund_id)
            .subquery()
        )
        expected = sa.func.coalesce(items.c.cents, 0)
        balance = sa.func.coalesce(LedgerAccount.posted_cents, 0)
        query = (
            sa.select(Fund.id, balance, expected)
            .outerjoin(
                LedgerAccount, LedgerAccount.code == account_codes.fund_account_sql(Fund.id, suffix)
            )
            .outerjoin(items, items.c.fund_id == Fund.id)
            .where(balance != expected)
        )
        for fund_id, cents, should in _rows(query):
            report(
                invariant,
                f"fund {fund_id}: {suffix} {cents} but its payout items "
                f"{status.value} say {_num(should)}",
            )
    _check_paid_batches(report)
    _check_payout_lines(report)


def _check_paid_batches(report) -> None:
    """Per batch: what was posted to paid-out under its reference is what its paid items say."""
    from wallet.payments.models import ItemStatus, PayoutBatch, PayoutItem

    paid = (
        sa.select(PayoutItem.batch_id, sa.func.sum(PayoutItem.amount_cents).label("cents"))
        .where(PayoutItem.status == ItemStatus.PAID)
        .group_by(PayoutItem.batch_id)
        .subquery()
    )
    posted = (
        sa.select(LedgerTransaction.reference, sa.func.sum(Posting.amount_cents).label("cents"))
        .join(Posting, Posting.transaction_id == LedgerTransaction.id)
        .join(LedgerAccount, LedgerAccount.id == Posting.account_id)
        .where(LedgerAccount.kind == AccountKind.PAID_OUT)
        .group_by(LedgerTransaction.reference)
        .subquery()
    )
    should, moved = sa.func.coalesce(paid.c.cents, 0), sa.func.coalesce(posted.c.cents, 0)
    query = (
        sa.select(PayoutBatch.id, PayoutBatch.reference, should, moved)
        .outerjoin(paid, paid.c.batch_id == PayoutBatch.id)
        .outerjoin(posted, posted.c.reference == PayoutBatch.reference)
        .where(should != moved)
    )
    for batch_id, reference, cents, actual in _rows(query):
        items = session.scalars(
            sa.select(PayoutItem.id).where(
                PayoutItem.batch_id == batch_id, PayoutItem.status == ItemStatus.PAID
            )
        )
        report(
            "4 paid out agrees with payouts",
            f"batch {batch_id} ({reference}): paid items {list(items)} say {_num(cents)}, "
            f"paid-out postings say {_num(actual)}",
        )


def _check_payout_lines(report) -> None:
    """A sent item is the sum of its live lines (the transfers the bank file carries), and each
    line pays its own payee's claim in full: a provider's claim of the item's provider, less
    the offset it settles; an employer's reimbursement claim of the item's employer, never
    offset."""
    from wallet.claims.models import Claim
    from wallet.payments.models import ItemStatus, PayoutBatch, PayoutItem, PayoutLine
    from wallet.placements.models import ReimbursementClaim

    live = (
        sa.select(
            PayoutLine.item_id,
            sa.func.sum(PayoutLine.amount_cents).label("amount"),
            sa.func.sum(PayoutLine.claim_cents).label("gross"),
            sa.func.sum(PayoutLine.offset_cents).label("offset"),
        )
        .where(PayoutLine.released.is_(False))
        .group_by(PayoutLine.item_id)
        .subquery()
    )
    amount, gross = sa.func.coalesce(live.c.amount, 0), sa.func.coalesce(live.c.gross, 0)
    sent = PayoutItem.status.in_([ItemStatus.SUBMITTED, ItemStatus.PAID])
    query = (
        sa.select(PayoutItem.id, PayoutItem.amount_cents, amount)
        .outerjoin(live, live.c.item_id == PayoutItem.id)
        .where(
            sent,
            sa.or_(
                amount != PayoutItem.amount_cents,
                gross != PayoutItem.gross_cents,
                sa.func.coalesce(live.c.offset, 0) != PayoutItem.offset_cents,
            ),
        )
    )
    for item_id, cents, lines in _rows(query):
        detail = f"payout item {item_id} of {cents} cents but its transfers say {_num(lines)}"
        report("4 paid as approved", detail)
    live_line = sa.and_(sent, PayoutLine.released.is_(False))
    odd = (
        sa.select(PayoutLine.id, PayoutLine.item_id, Claim.id)
        .join(PayoutItem, PayoutItem.id == PayoutLine.item_id)
        .join(Claim, Claim.id == PayoutLine.claim_id)
        .where(live_line)
        .where(
            sa.or_(
                PayoutLine.claim_cents != Claim.amount_cents,
                PayoutLine.amount_cents != PayoutLine.claim_cents - PayoutLine.offset_cents,
                PayoutLine.offset_cents < 0,
                PayoutItem.provider_id.is_(None),
                Claim.provider_id != PayoutItem.provider_id,
            )
        )
    )
    for line_id, item_id, claim_id in _rows(odd):
        report(
            "4 paid as approved",
            f"payout line {line_id} of item {item_id} does not pay claim {claim_id} as approved",
        )
    odd = (
        sa.select(PayoutLine.id, PayoutLine.item_id, ReimbursementClaim.id)
        .join(PayoutItem, PayoutItem.id == PayoutLine.item_id)
        .join(PayoutBatch, PayoutBatch.id == PayoutItem.batch_id)
        .join(ReimbursementClaim, ReimbursementClaim.id == PayoutLine.reimbursement_claim_id)
        .where(live_line)
        .where(
            sa.or_(
                PayoutLine.claim_cents != ReimbursementClaim.amount_cents,
                PayoutLine.amount_cents != PayoutLine.claim_cents,
                PayoutLine.offset_cents != 0,
                PayoutItem.employer_id.is_(None),
                ReimbursementClaim.employer_id != PayoutItem.employer_id,
                ReimbursementClaim.fund_id != PayoutBatch.fund_id,
            )
        )
    )
    for line_id, item_id, claim_id in _rows(odd):
        report(
            "4 paid as approved",
            f"payout line {line_id} of item {item_id} does not pay "
            f"reimbursement claim {claim_id} as approved",
        )


def _check_kinds(report) -> None:
    """Every transaction is of a kind some use case writes."""
    # Any payout_* kind is known: the settlement rule below audits each against its batch.
    query = sa.select(LedgerTransaction.id, LedgerTransaction.kind).where(
        LedgerTransaction.kind.not_in(KNOWN_KINDS),
        LedgerTransaction.kind.not_like("payout\\_%", escape="\\"),
    )
    for tx, kind in _rows(query):
        report("6 decision audited", f"transaction {tx} is of unknown kind {kind!r}")


# The accounts each kind of transaction moves, and which way (1 credit, -1 debit): a kind
# audited on one account must not move money on another (an allocation that also pays the
# outside world, a "deposit" that drains a pot). Other payout_* kinds stay between the
# accounts of the payout flow.
K = AccountKind
SHAPES: dict[str, tuple[tuple[AccountKind, int], ...]] = {
    "deposit": ((K.FUNDING_SOURCE, -1), (K.FUND_POT, 1)),
    "grant": ((K.FUND_POT, -1), (K.GRANT, 1)),
    "allocation": ((K.FUND_POT, -1), (K.GRANT, 1)),
    "grant_expiry": ((K.GRANT, -1), (K.FUND_POT, 1)),
    "grant_cancel": ((K.GRANT, -1), (K.FUND_POT, 1)),
    "hold_post": ((K.GRANT, -1), (K.PAYABLE, 1)),
    "reimbursement": ((K.FUND_POT, -1), (K.PAYABLE, 1)),
    "clawback": ((K.FUND_POT, 1), (K.PAYABLE, -1), (K.RECEIVABLE, -1)),
    "payout_submit": ((K.PAYABLE, -1), (K.IN_TRANSIT, 1), (K.RECEIVABLE, 1)),
    "payout_paid": ((K.IN_TRANSIT, -1), (K.PAID_OUT, 1)),
    # After a clawback the provider owes less by the returned money: the receivable rises.
    "payout_returned": (
        (K.IN_TRANSIT, -1),
        (K.PAID_OUT, -1),
        (K.PAYABLE, 1),
        (K.RECEIVABLE, -1),
        (K.RECEIVABLE, 1),
    ),
    "copay_received": ((K.FUNDING_SOURCE, -1), (K.COPAY_RECEIVED, 1)),
    "copay_refunded": ((K.COPAY_RECEIVED, -1), (K.FUNDING_SOURCE, 1)),
}
PAYOUT_ACCOUNTS = (K.PAYABLE, K.IN_TRANSIT, K.PAID_OUT, K.RECEIVABLE)


def _check_posting_shapes(report) -> None:
    """Each posting is on an account its transaction's kind moves, in the direction it moves."""
    kind, cents, account = LedgerTransaction.kind, Posting.amount_cents, LedgerAccount.kind
    allowed = [
        sa.and_(kind == name, account == account_kind, cents * sign >= 0)
        for name, shape in SHAPES.items()
        for account_kind, sign in shape
    ]
    allowed.append(
        sa.and_(
            kind.not_in(SHAPES), kind.like("payout\\_%", escape="\\"), account.in_(PAYOUT_ACCOUNTS)
        )
    )
    query = (
        sa.select(LedgerTransaction.id, kind, LedgerAccount.code, cents)
        .join(Posting, Posting.transaction_id == LedgerTransaction.id)
        .join(LedgerAccount, LedgerAccount.id == Posting.account_id)
        .where(kind.in_(SHAPES) | kind.like("payout\\_%", escape="\\"), ~sa.or_(*allowed))
    )
    for tx, tx_kind, code, amount in _rows(query):
        report(
            "7 money moves by its use case",
            f"transaction {tx} ({tx_kind}) moved {amount} cents on {code}, "
            f"which no {tx_kind} moves that way",
        )


def _check_reversals(report) -> None:
    """A reversal is the mirror image of the transaction it reverses, account by account."""
    reversal = aliased(LedgerTransaction)
    own = (
        sa.select(
            reversal.id.label("tx"),
            Posting.account_id.label("account"),
            Posting.amount_cents.label("cents"),
        )
        .join(Posting, Posting.transaction_id == reversal.id)
        .where(reversal.kind == "reversal")
    )
    mirrored = (
        sa.select(reversal.id, Posting.account_id, Posting.amount_cents)
        .join(Posting, Posting.transaction_id == reversal.reverses_id)
        .where(reversal.kind == "reversal")
    )
    both = sa.union_all(own, mirrored).subquery()
    query = (
        sa.select(both.c.tx)
        .group_by(both.c.tx, both.c.account)
        .having(sa.func.sum(both.c.cents) != 0)
        .distinct()
    )
    for (tx,) in _rows(query):
        detail = f"transaction {tx} (reversal) is not the mirror image of what it reverses"
        report("7 money moves by its use case", detail)


def _unaudited(subject_type: str, subject_id, action: str | None = None):
    """No audit event with this subject (and action) exists."""
    from wallet.audit.models import AuditEvent

    condition = [AuditEvent.subject_type == subject_type, AuditEvent.subject_id == subject_id]
    if action is not None:
        condition.append(AuditEvent.action == action)
    return ~sa.exists().where(*condition)


def _check_decisions_audited(report) -> None:
    """Invariant 6: each decision transaction has its audit event (see the module docstring)."""
    from wallet.applications.models import Application
    from wallet.claims.models import Claim, ClaimPart
    from wallet.grants.models import AllocationRun, Grant
    from wallet.payments.models import Copayment, PayoutBatch, PayoutItem
    from wallet.placements.models import ReimbursementClaim

    tx = LedgerTransaction
    linked = {
        # Through the account it credits (indexed joins), not by parsing the reference.
        "grant": sa.select(tx.id, Grant.id)
        .join(Posting, sa.and_(Posting.transaction_id == tx.id, Posting.amount_cents > 0))
        .outerjoin(Grant, Grant.account_id == Posting.account_id)
        .where(tx.kind == "grant", _unaudited("grant", Grant.id, "grant")),
        "grant_cancel": sa.select(tx.id, Grant.id)
        .join(Posting, sa.and_(Posting.transaction_id == tx.id, Posting.amount_cents < 0))
        .outerjoin(Grant, Grant.account_id == Posting.account_id)
        .where(tx.kind == "grant_cancel", _unaudited("grant", Grant.id, "hold_cancelled")),
        "allocation": sa.select(tx.id, AllocationRun.id)
        .outerjoin(AllocationRun, AllocationRun.transaction_id == tx.id)
        .where(tx.kind == "allocation", _unaudited("allocation_run", AllocationRun.id, "allocate")),
        "hold_post": sa.select(tx.id, ClaimPart.claim_id)
        .outerjoin(ClaimPart, ClaimPart.transaction_id == tx.id)
        .where(tx.kind == "hold_post", _unaudited("claim", ClaimPart.claim_id, "approve")),
        "reimbursement": sa.select(tx.id, ReimbursementClaim.id)
        .outerjoin(ReimbursementClaim, ReimbursementClaim.transaction_id == tx.id)
        .where(
            tx.kind == "reimbursement",
            _unaudited("reimbursement_claim", ReimbursementClaim.id, "approve"),
        ),
        "clawback": sa.select(tx.id, Claim.id)
        .outerjoin(Claim, Claim.clawback_transaction_id == tx.id)
        .where(tx.kind == "clawback", _unaudited("claim", Claim.id, "claw_back")),
        "payout_submit": sa.select(tx.id, PayoutItem.batch_id)
        .outerjoin(PayoutItem, PayoutItem.transit_transaction_id == tx.id)
        .where(
            tx.kind == "payout_submit", _unaudited("payout_batch", PayoutItem.batch_id, "submit")
        ),
        "copay_received": sa.select(tx.id, Copayment.id)
        .outerjoin(Application, Application.reference == tx.reference)
        .outerjoin(Copayment, Copayment.application_id == Application.id)
        .where(tx.kind == "copay_received", _unaudited("copayment", Copayment.id, "received")),
        "copay_refunded": sa.select(tx.id, Copayment.id)
        .outerjoin(Application, Application.reference == tx.reference)
        .outerjoin(Copayment, Copayment.application_id == Application.id)
        .where(tx.kind == "copay_refunded", _unaudited("copayment", Copayment.id, "refunded")),
        "reversal": sa.select(tx.id, tx.reverses_id).where(
            tx.kind == "reversal", _unaudited("ledger_transaction", tx.reverses_id, "reverse")
        ),
    }
    for kind, query in linked.items():
        for tx_id, subject in _rows(query):
            report(
                "6 decision audited",
                f"transaction {tx_id} ({kind}) has no audit event of its decision"
                + (f" (subject {subject})" if subject is not None else ""),
            )
    _check_counted_decisions(report)
    _check_payout_settlements(report, PayoutBatch, PayoutItem)


def _check_counted_decisions(report) -> None:
    """Deposits and expiries: one audit event on the fund per transaction crediting its pot."""
    from wallet.audit.models import AuditEvent
    from wallet.funds.models import Fund

    for kind, action in (("deposit", "deposit"), ("grant_expiry", "expire_grants")):
        moved = (
            sa.select(Fund.id.label("fund"), sa.func.count().label("n"))
            .join(Posting, Posting.account_id == Fund.pot_account_id)
            .join(LedgerTransaction, LedgerTransaction.id == Posting.transaction_id)
            .where(LedgerTransaction.kind == kind, Posting.amount_cents > 0)
            .group_by(Fund.id)
            .subquery()
        )
        events = (
            sa.select(AuditEvent.subject_id.label("fund"), sa.func.count().label("n"))
            .where(AuditEvent.subject_type == "fund", AuditEvent.action == action)
            .group_by(AuditEvent.subject_id)
            .subquery()
        )
        have = sa.func.coalesce(events.c.n, 0)
        query = (
            sa.select(moved.c.fund, moved.c.n, have)
            .outerjoin(events, events.c.fund == moved.c.fund)
            .where(have < moved.c.n)
        )
        for fund_id, n, audited in _rows(query):
            report(
                "6 decision audited",
                f"fund {fund_id}: {n} {kind} transactions but {audited} {action} audit events",
            )


def _check_payout_settlements(report, PayoutBatch, PayoutItem) -> None:  # noqa: N803
    """Payout transactions after submit (paid, returned): one event on the batch's items or
    lines per transaction."""
    from wallet.audit.models import AuditEvent
    from wallet.payments.models import PayoutLine

    moved = (
        sa.select(PayoutBatch.id.label("batch"), sa.func.count().label("n"))
        .join(LedgerTransaction, LedgerTransaction.reference == PayoutBatch.reference)
        .where(
            LedgerTransaction.kind.like("payout\\_%", escape="\\"),
            LedgerTransaction.kind != "payout_submit",
        )
        .group_by(PayoutBatch.id)
        .subquery()
    )
    item_events = (
        sa.select(PayoutItem.batch_id.label("batch"), sa.func.count().label("n"))
        .join(
            AuditEvent,
            sa.and_(
                AuditEvent.subject_type == "payout_item", AuditEvent.subject_id == PayoutItem.id
            ),
        )
        .group_by(PayoutItem.batch_id)
        .subquery()
    )
    line_events = (
        sa.select(PayoutItem.batch_id.label("batch"), sa.func.count().label("n"))
        .join(PayoutLine, PayoutLine.item_id == PayoutItem.id)
        .join(
            AuditEvent,
            sa.and_(
                AuditEvent.subject_type == "payout_line", AuditEvent.subject_id == PayoutLine.id
            ),
        )
        .group_by(PayoutItem.batch_id)
        .subquery()
    )
    have = sa.func.coalesce(item_events.c.n, 0) + sa.func.coalesce(line_events.c.n, 0)
    query = (
        sa.select(moved.c.batch, moved.c.n, have)
        .outerjoin(item_events, item_events.c.batch == moved.c.batch)
        .outerjoin(line_events, line_events.c.batch == moved.c.batch)
        .where(have < moved.c.n)
    )
    for batch_id, n, audited in _rows(query):
        report(
            "6 decision audited",
            f"batch {batch_id}: {n} payout transactions after submit "
            f"but {audited} audit events of its items",
        )
    # Counted per batch above, so one that names no batch would escape the count.
    orphans = sa.select(LedgerTransaction.id, LedgerTransaction.kind).where(
        LedgerTransaction.kind.like("payout\\_%", escape="\\"),
        LedgerTransaction.kind != "payout_submit",
        ~sa.exists().where(PayoutBatch.reference == LedgerTransaction.reference),
    )
    for tx, kind in _rows(orphans):
        report("6 decision audited", f"transaction {tx} ({kind}) names no payout batch")


def _check_reports_rollup(report) -> None:
    """8 the reports' rollup of every rolled day equals the postings and holds summed again."""
    from wallet.reports.rollup import check_rollup

    check_rollup(report)
