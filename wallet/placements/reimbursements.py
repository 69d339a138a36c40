"""Employers' reimbursement claims: the provider's invoice and the proofs, the scheme's share
of it within the commitment, reviewed by the fund and posted from the commitment's holds.

Per placement there are at most two parts: the first on the paid invoice, and, where the
scheme holds a share back, the rest once the follow-up at the scheme's retention months says
the person is still employed. The whole reimbursement R = the scheme's share of the eligible
invoice amount (rounded down), never above what was committed; the first claim pays R less
the part held back, the second that part (wallet/schemes/employer_rules.staged_parts), so a
claim never pays more than its hold. Posting a hold releases what it does not pay: back to
the fund's pot and the scheme's budget, at once.

Who may: the employer's staff submit for their own placements; administrators of the fund
decide (two when the amount is above the scheme's threshold or a high-risk flag is raised);
nobody approves a claim they submitted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from wallet.accounts.models import Role, User
from wallet.audit.services import record
from wallet.claims import files
from wallet.claims.models import Claim
from wallet.core import clock
from wallet.core.db import session, unit_of_work
from wallet.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wallet.core.money import MAX_CENTS
from wallet.core.templating import money
from wallet.core.transitions import advance, advance_many
from wallet.ledger import services as ledger
from wallet.ledger.models import Hold, HoldStatus
from wallet.placements.models import (
    LIVE_CLAIM,
    REIMBURSEMENT_TRANSITIONS,
    Placement,
    PlacementStatus,
    ReimbursementClaim,
    ReimbursementPart,
    ReimbursementStatus,
)
from wallet.placements.review import give_back
from wallet.placements.services import visible_placement
from wallet.schemes.employer_rules import BPS, employer_rules_of, staged_parts

S = ReimbursementStatus
CLAIMABLE = {
    ReimbursementPart.FIRST: (
        PlacementStatus.APPROVED,
        PlacementStatus.RETAINED,
        PlacementStatus.ENDED_EARLY,
    ),
    ReimbursementPart.RETENTION: (PlacementStatus.APPROVED, PlacementStatus.RETAINED),
}


@dataclass(frozen=True)
class ReimbursementInput:
    """What an employer sends for one part of a placement's reimbursement."""

    part: str
    invoice_number: str
    invoice_date: dt.date | None
    invoice_cents: int | None
    eligible_cents: int | None
    invoice_pdf: bytes
    payment_proof_pdf: bytes
    employment_proof_pdf: bytes
    participation_proof_pdf: bytes | None = None
    ubl_xml: bytes | None = None


def _hold_of(placement: Placement, part: ReimbursementPart) -> Hold | None:
    hold_id = placement.hold_id if part == ReimbursementPart.FIRST else placement.retention_hold_id
    return session.get(Hold, hold_id) if hold_id else None


def _approved_first(placement: Placement) -> ReimbursementClaim | None:
    return session.scalar(
        sa.select(ReimbursementClaim).where(
            ReimbursementClaim.placement_id == placement.id,
            ReimbursementClaim.part == ReimbursementPart.FIRST,
            ReimbursementClaim.status.in_([S.APPROVED, S.IN_BATCH, S.PAID]),
        )
    )


def amounts(placement: Placement, part: ReimbursementPart, eligible_cents: int) -> tuple[int, int]:
    """(the whole reimbursement R, what this part pays) for an eligible cost."""
    rules = employer_rules_of(placement.application.scheme)
    if part == ReimbursementPart.RETENTION:
        first = _approved_first(placement)
        whole = first.reimbursement_cents if first else 0
        return whole, staged_parts(rules, whole)[1]
    committed = placement.committed_cents if placement.hold_id else 0
    whole = min(eligible_cents * rules.share_bps // BPS, committed)
    return whole, staged_parts(rules, whole)[0]


def _files(data: ReimbursementInput) -> dict[str, str]:
    errors = {}
    for name in (
        "invoice_pdf",
        "payment_proof_pdf",
        "employment_proof_pdf",
        "participation_proof_pdf",
    ):
        content = getattr(data, name)
        if content is None and name == "participation_proof_pdf":
            continue
        try:
            files.check_pdf(content or b"")
        except files.FileProblem as problem:
            errors[name] = str(problem)
    if data.ubl_xml:
        try:
            invoice = files.read_ubl(data.ubl_xml)
        except files.FileProblem as problem:
            errors["ubl_xml"] = str(problem)
        else:
            if (invoice.number, invoice.payable_cents) != (
                data.invoice_number.strip(),
                data.invoice_cents,
            ):
                errors["ubl_xml"] = _(
                    "The e-invoice disagrees with the form: its number is "
                    "%(number)s and its amount %(amount)s.",
                    number=invoice.number,
                    amount=money(invoice.payable_cents),
                )
    return errors


def _check(placement: Placement, part: ReimbursementPart, data: ReimbursementInput) -> dict:
    """Every problem with the claim, by field; empty when it can be accepted."""
    errors: dict[str, str] = {}
    if not 1 <= len(data.invoice_number.strip()) <= 50:
        errors["invoice_number"] = _("Give the invoice number (at most 50 characters).")
    today = clock.today()
    if data.invoice_date is None or data.invoice_date > today:
        errors["invoice_date"] = _("Give the invoice date; it cannot be in the future.")
    elif (
        placement.status == PlacementStatus.ENDED_EARLY and data.invoice_date > placement.closed_on
    ):
        errors["invoice_date"] = _(
            "The invoice is dated after the placement ended on %(day)s.",
            day=placement.closed_on.isoformat(),
        )
    invoice, eligible = data.invoice_cents, data.eligible_cents
    if not isinstance(invoice, int) or isinstance(invoice, bool) or not 0 < invoice <= MAX_CENTS:
        errors["invoice_cents"] = _("Give the invoice amount in euros, more than € 0.")
    elif invoice > placement.quote_cents:
        errors["invoice_cents"] = _(
            "The invoice is above the quote of %(quote)s the fund approved.",
            quote=money(placement.quote_cents),
        )
    if not isinstance(eligible, int) or isinstance(eligible, bool) or eligible < 1:
        errors["eligible_cents"] = _("Give the eligible part of the invoice, more than € 0.")
    elif isinstance(invoice, int) and eligible > invoice:
        errors["eligible_cents"] = _("The eligible part cannot be more than the invoice.")
    return {**errors, **_files(data)}


def _flags(placement: Placement, data: ReimbursementInput) -> list[dict]:
    """Patterns a fund should look at before the money leaves."""
    found = []
    others = (
        sa.select(ReimbursementClaim.id)
        .join(Placement)
        .where(
            Placement.person_key == placement.person_key,
            Placement.employer_id != placement.employer_id,
            ReimbursementClaim.status.in_(LIVE_CLAIM),
        )
    )
    if session.scalar(others.limit(1)) is not None:
        found.append(
            {
                "code": "person_claimed_twice",
                "severity": "high",
                "reason": "The same person is claimed for by another employer.",
            }
        )
    if placement.provider_id is not None:
        by_provider = sa.select(Claim.id).where(
            Claim.provider_id == placement.provider_id,
            Claim.invoice_number == data.invoice_number.strip(),
        )
        if session.scalar(by_provider.limit(1)) is not None:
            found.append(
                {
                    "code": "invoice_claimed_by_provider",
                    "severity": "high",
                    "reason": "The provider claimed this invoice itself.",
                }
            )
    submitted_on = placement.application.submitted_on
    if submitted_on and data.invoice_date and data.invoice_date < submitted_on:
        reason = "The invoice is dated before the application was sent."
        found.append({"code": "invoice_before_application", "severity": "medium", "reason": reason})
    return found


def submit(actor: User, placement_id: int, data: ReimbursementInput) -> ReimbursementClaim:
    """An employer's claim for one part; its files and amounts are checked before anything is
    written, and every problem is named at once."""
    placement = visible_placement(placement_id, actor)
    if actor.role != Role.EMPLOYER_STAFF or actor.employer_id != placement.employer_id:
        raise Forbidden(_("Only the employer claims its reimbursement."))
    try:
        part = ReimbursementPart(data.part)
    except ValueError:
        message = _("Choose which part you claim.")
        raise ValidationFailed(message, errors={"part": message}) from None
    if placement.status not in CLAIMABLE[part]:
        raise Conflict(
            _(
                "Nothing can be claimed for this part of this placement now: the "
                "placement did not start, ended early or is not approved."
            )
        )
    hold = _hold_of(placement, part)
    if hold is None or hold.status != HoldStatus.PENDING:
        raise Conflict(_("This part has been claimed already or nothing is set aside for it."))
    live = sa.select(ReimbursementClaim.id).where(
        ReimbursementClaim.placement_id == placement.id,
        ReimbursementClaim.part == part,
        ReimbursementClaim.status.in_([S.SUBMITTED, S.APPROVED_ONCE]),
    )
    if session.scalar(live) is not None:
        raise Conflict(_("A claim for this part waits for the fund's decision already."))
    if part == ReimbursementPart.RETENTION:
        _require_retention(placement)
    errors = _check(placement, part, data)
    if errors:
        raise ValidationFailed(
            _("The claim was not sent: please correct the marked fields."), errors=errors
        )
    whole, cents = amounts(placement, part, data.eligible_cents)
    if cents < 1:
        raise Conflict(_("Nothing is left to pay for this part."))
    rules = employer_rules_of(placement.application.scheme)
    flags = _flags(placement, data)
    high = any(flag["severity"] == "high" for flag in flags)
    stored = {
        "invoice_file": files.store(data.invoice_pdf, "pdf"),
        "payment_proof_file": files.store(data.payment_proof_pdf, "pdf"),
        "employment_proof_file": files.store(data.employment_proof_pdf, "pdf"),
        "participation_proof_file": files.store(data.participation_proof_pdf, "pdf")
        if data.participation_proof_pdf
        else None,
        "ubl_file": files.store(data.ubl_xml, "xml") if data.ubl_xml else None,
    }
    now = clock.now()
    with unit_of_work() as db:
        claim = ReimbursementClaim(
            placement_id=placement.id,
            employer_id=placement.employer_id,
            fund_id=placement.application.fund_id,
            part=part,
            status=S.SUBMITTED,
            provider_id=placement.provider_id,
            invoice_number=data.invoice_number.strip(),
            invoice_date=data.invoice_date,
            invoice_cents=data.invoice_cents,
            eligible_cents=data.eligible_cents,
            reimbursement_cents=whole,
            amount_cents=cents,
            flags=flags,
            approvals_needed=2 if high or cents > rules.four_eyes_above_cents else 1,
            submitted_by_id=actor.id,
            submitted_at=now,
            updated_at=now,
            **stored,
        )
        db.add(claim)
        db.flush()
        claim.reference = f"WD-{now.year}-{claim.id:07d}"
        record(
            "reimbursement_claim",
            claim.id,
            "submit",
            actor_id=actor.id,
            after={
                "placement_id": placement.id,
                "part": part.value,
                "amount": cents,
                "flags": [flag["code"] for flag in flags],
            },
        )
        from wallet.notifications.services import notify_fund_admins

        notify_fund_admins(
            claim.fund_id, "claim_waiting", reference=claim.reference, amount_cents=cents
        )
    return claim


def _require_retention(placement: Placement) -> None:
    rules = employer_rules_of(placement.application.scheme)
    follow_up = next((f for f in placement.follow_ups if f.months == rules.retention_months), None)
    if follow_up is None or follow_up.still_employed is not True:
        raise Conflict(
            _(
                "The part held back is paid once the follow-up at %(months)d months "
                "says the person is still employed.",
                months=rules.retention_months or 0,
            )
        )
    if _approved_first(placement) is None:
        raise Conflict(_("Claim the first part first: the part held back follows from it."))


# --- the fund's decision ------------------------------------------------------------------


def get_claim(claim_id: int, actor: User) -> ReimbursementClaim:
    """The claim if the actor may see it (the employer's staff, the fund's administrators)."""
    claim = session.get(ReimbursementClaim, claim_id)
    if claim is None:
        raise NotFound(_("There is no such claim."))
    if actor.role == Role.EMPLOYER_STAFF and actor.employer_id == claim.employer_id:
        return claim
    if actor.role == Role.FUND_ADMIN and actor.fund_id == claim.fund_id:
        return claim
    raise NotFound(_("There is no such claim."))


def move(claim: ReimbursementClaim, action: str, **values) -> ReimbursementStatus:
    """One conditional UPDATE along the transition table (`target` where four eyes stop an
    approval short); of two racing moves one wins."""
    target = REIMBURSEMENT_TRANSITIONS.get((claim.status, action))
    if target is None:
        raise Conflict(
            _(
                "This is not possible for a claim that is %(status)s.",
                status=_status_word(claim.status),
            )
        )
    target = values.pop("target", None) or target
    if not advance(
        ReimbursementClaim, claim.id, claim.status, target, updated_at=clock.now(), **values
    ):
        raise Conflict(_("The claim changed meanwhile. Please look again."))
    session.expire(claim)
    return target


def move_many(
    claim_ids: list[int],
    before: ReimbursementStatus,
    action: str,
    *,
    actor_id: int | None,
    detail: dict,
) -> None:
    """Move many claims along the transition table at once (payout batches), each with its
    audit event: all of them or none (someone else moved one meanwhile). Flush only."""
    target = REIMBURSEMENT_TRANSITIONS.get((before, action))
    if target is None:
        raise Conflict(
            _("This is not possible for a claim that is %(status)s.", status=_status_word(before))
        )
    if not claim_ids:
        return
    moved = advance_many(ReimbursementClaim, claim_ids, before, target, updated_at=clock.now())
    if moved != len(claim_ids):
        raise Conflict(_("Some claims changed meanwhile. Please try again."))
    from wallet.audit.models import AuditEvent

    now = clock.now()
    session.execute(
        sa.insert(AuditEvent),
        [
            {
                "at": now,
                "actor_id": actor_id,
                "subject_type": "reimbursement_claim",
                "subject_id": claim_id,
                "action": action,
                "before": {"status": before.value},
                "after": {"status": target.value, **detail},
                "reason": None,
            }
            for claim_id in claim_ids
        ],
    )


def _status_word(status: ReimbursementStatus) -> str:
    from wallet.placements.labels import CLAIM_STATUS_LABELS

    return str(CLAIM_STATUS_LABELS.get(status.value, status.value))


def review(claim_id: int, action: str, *, actor: User, reason: str = "") -> ReimbursementClaim:
    """approve or reject (with a reason the employer sees)."""
    claim = get_claim(claim_id, actor)
    if actor.role != Role.FUND_ADMIN:
        raise Forbidden(_("Employers do not decide on their own claims."))
    if action not in ("approve", "reject"):
        raise NotFound(_("There is no such decision."))
    if (claim.status, action) not in REIMBURSEMENT_TRANSITIONS:
        move(claim, action)  # raises the table's Conflict
    if action == "reject":
        reason = reason.strip()
        if not reason:
            raise ValidationFailed(
                _("Give a reason; the employer sees it."), errors={"reason": _("Give a reason.")}
            )
        with unit_of_work():
            before = claim.status
            move(
                claim, "reject", reason=reason[:500], decided_by_id=actor.id, decided_at=clock.now()
            )
            record(
                "reimbursement_claim",
                claim.id,
                "reject",
                actor_id=actor.id,
                before={"status": before.value},
                after={"status": "rejected"},
                reason=reason[:500],
            )
        return claim
    return _approve(claim, actor)


def _approve(claim: ReimbursementClaim, actor: User) -> ReimbursementClaim:
    if actor.id == claim.submitted_by_id:
        raise Forbidden(_("Nobody approves their own claim."))
    if actor.id == claim.first_approver_id:
        raise Conflict(_("You have approved this claim already; a second administrator must."))
    before = claim.status
    complete = before == S.APPROVED_ONCE or claim.approvals_needed < 2
    with unit_of_work():
        if not complete:
            move(claim, "approve", target=S.APPROVED_ONCE, first_approver_id=actor.id)
            record(
                "reimbursement_claim",
                claim.id,
                "approve",
                actor_id=actor.id,
                before={"status": before.value},
                after={"status": "approved_once"},
            )
            return claim
        placement = claim.placement
        hold = _hold_of(placement, claim.part)
        move(claim, "approve", decided_by_id=actor.id, decided_at=clock.now())
        transaction = ledger.post_hold(
            hold.id,
            claim.amount_cents,
            kind="reimbursement",
            actor_id=actor.id,
            description=f"Reimbursement {claim.reference} ({placement.application.reference})",
        )
        released = hold.amount_cents - claim.amount_cents
        give_back(placement, released)
        table = ReimbursementClaim.__table__
        session.execute(
            sa.update(table).where(table.c.id == claim.id).values(transaction_id=transaction.id)
        )
        record(
            "reimbursement_claim",
            claim.id,
            "approve",
            actor_id=actor.id,
            before={"status": before.value},
            after={"status": "approved", "amount": claim.amount_cents, "released": released},
        )
    session.expire_all()
    return session.get(ReimbursementClaim, claim.id)


def claims_of_placement(placement_id: int) -> list[ReimbursementClaim]:
    """A placement's claims, oldest first."""
    query = sa.select(ReimbursementClaim).where(ReimbursementClaim.placement_id == placement_id)
    return list(session.scalars(query.order_by(ReimbursementClaim.id)))


def waiting(fund_id: int) -> list[ReimbursementClaim]:
    """The fund's reimbursement claims waiting for a decision, oldest first."""
    query = sa.select(ReimbursementClaim).where(
        ReimbursementClaim.fund_id == fund_id,
        ReimbursementClaim.status.in_([S.SUBMITTED, S.APPROVED_ONCE]),
    )
    return list(session.scalars(query.order_by(ReimbursementClaim.submitted_at)))


# --- read-only helpers for the pages: what can be claimed now, what a claim would pay ------


def open_parts(placement: Placement) -> list[ReimbursementPart]:
    """The parts the employer can claim now (reads only; submit decides again)."""
    waiting_parts = {
        c.part
        for c in claims_of_placement(placement.id)
        if c.status in (S.SUBMITTED, S.APPROVED_ONCE)
    }
    found = []
    for part in ReimbursementPart:
        hold = _hold_of(placement, part)
        if (
            placement.status not in CLAIMABLE[part]
            or part in waiting_parts
            or hold is None
            or hold.status != HoldStatus.PENDING
        ):
            continue
        if part == ReimbursementPart.RETENTION:
            try:
                _require_retention(placement)
            except Conflict:
                continue
        found.append(part)
    return found


def preview(
    placement: Placement, part: ReimbursementPart, data: ReimbursementInput
) -> tuple[int, int]:
    """(the whole reimbursement, what this part pays) for the confirmation before sending,
    or the field errors submit would name; reads only."""
    errors = _check(placement, part, data)
    if errors:
        raise ValidationFailed(
            _("The claim was not sent: please correct the marked fields."), errors=errors
        )
    return amounts(placement, part, data.eligible_cents)
