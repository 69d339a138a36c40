"""The books of employer commitments: every hold on a fund's pot is a placement's, every
employer scheme counts exactly what its placements hold or were paid, and every employer's
payable is what its placements' holds posted, less what payout batches sent.

Part of `ledger verify` (called from wallet/books/checks.py), in the same manner: grouped
queries, no loop over rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from wallet.core.db import session
from wallet.ledger import accounts as account_codes
from wallet.ledger.models import AccountKind, Hold, HoldStatus, LedgerAccount, Posting

COMMITTED = ("approved", "not_started", "ended_early", "retained")


def _rows(query) -> Sequence[sa.Row]:
    return session.execute(query).all()


def _held_or_paid():
    """Per hold: what it still sets aside (pending) or moved (posted); 0 once released."""
    return sa.case(
        (Hold.status == HoldStatus.PENDING, Hold.amount_cents),
        (Hold.status == HoldStatus.POSTED, Hold.posted_cents),
        else_=0,
    )


def check_commitments(report) -> None:
    """Every check of this module; `report(invariant, detail)` receives each problem."""
    _check_pot_holds(report)
    _check_placements(report)
    _check_schemes(report)
    _check_employer_payables(report)
    _check_audited(report)


def _check_pot_holds(report) -> None:
    """A hold on a fund's pot belongs to a placement (its first part or the part held back)."""
    from wallet.funds.models import Fund
    from wallet.placements.models import Placement

    query = (
        sa.select(Hold.id, Fund.id)
        .join(Fund, Fund.pot_account_id == Hold.debit_account_id)
        .where(
            ~sa.exists().where(Placement.hold_id == Hold.id),
            ~sa.exists().where(Placement.retention_hold_id == Hold.id),
        )
    )
    for hold_id, fund_id in _rows(query):
        report(
            "7 hold has an owner",
            f"hold {hold_id} on the pot of fund {fund_id} belongs to no placement",
        )


def _check_placements(report) -> None:
    """A placement is committed exactly when it was approved, for what its holds carry; one
    that did not start carries nothing, one that ended early holds nothing back."""
    from wallet.placements.models import Placement

    held = sa.func.coalesce(
        sa.select(sa.func.sum(_held_or_paid()))
        .where(sa.or_(Hold.id == Placement.hold_id, Hold.id == Placement.retention_hold_id))
        .scalar_subquery(),
        0,
    )
    pending_back = sa.exists().where(
        Hold.id == Placement.retention_hold_id, Hold.status == HoldStatus.PENDING
    )
    any_pending = sa.exists().where(
        sa.or_(Hold.id == Placement.hold_id, Hold.id == Placement.retention_hold_id),
        Hold.status == HoldStatus.PENDING,
    )
    committed = Placement.status.in_(COMMITTED)
    wrong = sa.or_(
        sa.and_(committed, Placement.hold_id.is_(None)),
        sa.and_(
            ~committed,
            sa.or_(
                Placement.hold_id.is_not(None),
                Placement.retention_hold_id.is_not(None),
                Placement.committed_cents != 0,
            ),
        ),
        Placement.committed_cents != held,
        sa.and_(Placement.status == "not_started", Placement.committed_cents != 0),
        sa.and_(Placement.status == "not_started", any_pending),
        sa.and_(Placement.status == "ended_early", pending_back),
    )
    query = sa.select(Placement.id, Placement.status, Placement.committed_cents, held).where(wrong)
    for placement_id, status, cents, carried in _rows(query):
        report(
            "3 scheme covers commitments",
            f"placement {placement_id} ({status}) counts {cents} cents committed but its "
            f"holds carry {int(carried or 0)}",
        )


def _check_schemes(report) -> None:
    """An employer scheme counts what its placements committed, never above its budget."""
    from wallet.placements.models import Placement
    from wallet.schemes.models import Scheme, SchemeKind

    total = (
        sa.select(Placement.scheme_id, sa.func.sum(Placement.committed_cents).label("cents"))
        .group_by(Placement.scheme_id)
        .subquery()
    )
    counted = sa.func.coalesce(total.c.cents, 0)
    query = (
        sa.select(Scheme.id, Scheme.committed_cents, counted, Scheme.total_cap_cents)
        .outerjoin(total, total.c.scheme_id == Scheme.id)
        .where(
            Scheme.kind == SchemeKind.EMPLOYER_REIMBURSEMENT,
            sa.or_(
                Scheme.committed_cents != counted,
                Scheme.committed_cents
                > sa.func.coalesce(Scheme.total_cap_cents, Scheme.committed_cents),
            ),
        )
    )
    for scheme_id, committed, actual, cap in _rows(query):
        report(
            "3 scheme covers commitments",
            f"employer scheme {scheme_id}: counts {committed} committed, its placements "
            f"say {int(actual or 0)}, budget {cap}",
        )


def _check_employer_payables(report) -> None:
    """An employer's payable is its approved reimbursement claims not yet sent: approved, or
    in a payout batch's draft item (submitting moves it to in transit); and each approved
    claim moved exactly its amount from the fund's pot by its own transaction."""
    from wallet.employers.models import Employer
    from wallet.payments.models import ItemStatus, PayoutItem, PayoutLine
    from wallet.placements.models import ReimbursementClaim

    in_draft = (
        sa.select(PayoutLine.reimbursement_claim_id)
        .join(PayoutItem, PayoutItem.id == PayoutLine.item_id)
        .where(PayoutLine.released.is_(False), PayoutItem.status == ItemStatus.DRAFT)
    )
    owed = (
        sa.select(
            ReimbursementClaim.employer_id,
            sa.func.sum(ReimbursementClaim.amount_cents).label("cents"),
        )
        .where(
            sa.or_(
                ReimbursementClaim.status == "approved",
                sa.and_(
                    ReimbursementClaim.status == "in_batch", ReimbursementClaim.id.in_(in_draft)
                ),
            )
        )
        .group_by(ReimbursementClaim.employer_id)
        .subquery()
    )
    expected = sa.func.coalesce(owed.c.cents, 0)
    code = account_codes.employer_payable_sql(Employer.id)
    query = (
        sa.select(LedgerAccount.code, LedgerAccount.posted_cents, expected)
        .select_from(LedgerAccount)
        .outerjoin(Employer, code == LedgerAccount.code)
        .outerjoin(owed, owed.c.employer_id == Employer.id)
        .where(
            LedgerAccount.kind == AccountKind.PAYABLE,
            LedgerAccount.code.like(account_codes.EMPLOYER_PAYABLE_LIKE),
        )
        .where(sa.or_(Employer.id.is_(None), LedgerAccount.posted_cents != expected))
    )
    for account, balance, should in _rows(query):
        report(
            "4 payable agrees with claims",
            f"{account}: payable {balance} but its approved, unsent reimbursement claims say "
            f"{int(should or 0)}",
        )
    moved = (
        sa.select(
            Posting.transaction_id.label("tx"), sa.func.sum(Posting.amount_cents).label("cents")
        )
        .where(Posting.amount_cents > 0)
        .group_by(Posting.transaction_id)
        .subquery()
    )
    query = (
        sa.select(ReimbursementClaim.id, ReimbursementClaim.amount_cents, moved.c.cents)
        .outerjoin(moved, moved.c.tx == ReimbursementClaim.transaction_id)
        .where(
            ReimbursementClaim.status.in_(["approved", "in_batch", "paid"]),
            sa.or_(moved.c.cents.is_(None), moved.c.cents != ReimbursementClaim.amount_cents),
        )
    )
    for claim_id, amount, actual in _rows(query):
        detail = f"reimbursement claim {claim_id} of {amount} cents moved {int(actual or 0)}"
        report("4 paid as approved", detail)


def _check_audited(report) -> None:
    """Each commitment was approved, and each closure decided, with an audit event."""
    from wallet.audit.models import AuditEvent
    from wallet.placements.models import Placement

    def unaudited(action):
        return ~sa.exists().where(
            AuditEvent.subject_type == "placement",
            AuditEvent.subject_id == Placement.id,
            AuditEvent.action == action,
        )

    closing = {"not_started": "not_started", "ended_early": "end_early", "retained": "retain"}
    query = sa.select(Placement.id, Placement.status).where(
        sa.or_(
            sa.and_(Placement.hold_id.is_not(None), unaudited("approve")),
            *[
                sa.and_(Placement.status == status, unaudited(action))
                for status, action in closing.items()
            ],
        )
    )
    for placement_id, status in _rows(query):
        detail = f"placement {placement_id} ({status}) has no audit event of its decision"
        report("6 decision audited", detail)
