"""Use cases of claims: submit, review (four eyes), resubmit, close and claw back.

Who may do what is part of the rules. Staff of the application's provider submit, correct
and close their claims; administrators of the claim's fund approve, reject, close and claw
back; nobody approves a claim they submitted, and nobody approves one version twice. Money
moves only on the approval that completes a claim: the held amounts are posted to the
provider's payable account in the same transaction as the status change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from wallet.accounts.models import Role, User
from wallet.applications import services as applications
from wallet.applications.models import Application, ApplicationPart, ApplicationStatus
from wallet.audit.services import record
from wallet.claims import files
from wallet.claims.labels import STATUS_LABELS
from wallet.claims.models import (
    OPEN,
    TRANSITIONS,
    Claim,
    ClaimApproval,
    ClaimKind,
    ClaimPart,
    ClaimStatus,
    ClaimVersion,
)
from wallet.core import clock
from wallet.core.db import session, unit_of_work
from wallet.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wallet.core.money import MAX_CENTS
from wallet.core.templating import money
from wallet.core.transitions import advance
from wallet.fraud.services import flag_claim, needs_second_look
from wallet.grants.models import Grant
from wallet.ledger import accounts as account_codes
from wallet.ledger import services as ledger
from wallet.ledger.models import AccountKind, Hold, HoldStatus
from wallet.notifications.services import notify, notify_fund_admins, notify_provider
from wallet.providers.models import Provider, ProviderStatus
from wallet.schemes.models import Scheme
from wallet.schemes.rules import load_rules


@dataclass(frozen=True)
class ClaimInput:
    """What a provider submits: the invoice, its files and the proof of participation."""

    kind: ClaimKind
    invoice_number: str
    invoice_date: dt.date
    amount_cents: int
    vat_cents: int
    description: str
    attendance_pct: int | None
    invoice_pdf: bytes
    certificate_pdf: bytes | None = None
    ubl_xml: bytes | None = None


@dataclass(frozen=True)
class ClaimTerms:
    """The strictest terms of the schemes that pay for an application."""

    fund_id: int
    attendance_threshold_pct: int
    advance_share_bps: int
    four_eyes_above_cents: int


def _not_sent(errors: dict[str, str]) -> ValidationFailed:
    return ValidationFailed(_("The claim was not sent: correct the marked fields."), errors=errors)


def terms_of(application: Application) -> ClaimTerms:
    """Claim terms from the schemes of the application's grants (strictest wins)."""
    rows = session.execute(
        sa.select(Scheme.fund_id, Scheme.rules)
        .join(Grant, Grant.scheme_id == Scheme.id)
        .join(ApplicationPart, ApplicationPart.grant_id == Grant.id)
        .where(ApplicationPart.application_id == application.id)
        .order_by(ApplicationPart.id)
    ).all()
    if not rows:
        raise Conflict(_("No budget pays for this application, so there is nothing to claim."))
    rules = [load_rules(row.rules) for row in rows]
    return ClaimTerms(
        fund_id=rows[0].fund_id,
        attendance_threshold_pct=max(r.attendance_threshold_pct for r in rules),
        advance_share_bps=min(r.advance_share_bps for r in rules),
        four_eyes_above_cents=min(r.four_eyes_above_cents for r in rules),
    )


def _pending_holds(application: Application) -> list[tuple[ApplicationPart, Hold]]:
    rows = session.execute(
        sa.select(ApplicationPart, Hold)
        .join(Hold, Hold.id == ApplicationPart.hold_id)
        .where(ApplicationPart.application_id == application.id, Hold.status == HoldStatus.PENDING)
        .order_by(ApplicationPart.id)
    ).all()
    return [(row[0], row[1]) for row in rows]


def claimable_cents(application: Application, kind: ClaimKind, terms: ClaimTerms) -> int:
    """The most a claim of this kind may ask now: never more than is held."""
    held = sum(hold.amount_cents for _part, hold in _pending_holds(application))
    if kind == ClaimKind.FINAL:
        return held
    return min(held, application.covered_cents * terms.advance_share_bps // 10_000)


def claim_kinds(applications_: list[Application]) -> dict[int, list[ClaimKind]]:
    """What each application can be invoiced with now (two queries for any number): a final
    claim once the course is completed, an advance once it started where every paying scheme
    pays in stages and nothing was claimed yet; never beside a claim under review."""
    running = {
        a.id: a
        for a in applications_
        if a.status in (ApplicationStatus.IN_PROGRESS, ApplicationStatus.COMPLETED)
    }
    if not running:
        return {}
    claimed: dict[int, set[ClaimStatus]] = {}
    for application_id, status in session.execute(
        sa.select(Claim.application_id, Claim.status).where(
            Claim.application_id.in_(running), Claim.status != ClaimStatus.CLOSED
        )
    ):
        claimed.setdefault(application_id, set()).add(status)
    advance: dict[int, int] = {}
    for application_id, rules in session.execute(
        sa.select(ApplicationPart.application_id, Scheme.rules)
        .join(Grant, Grant.id == ApplicationPart.grant_id)
        .join(Scheme, Scheme.id == Grant.scheme_id)
        .where(ApplicationPart.application_id.in_(running))
    ):
        share = load_rules(rules).advance_share_bps
        advance[application_id] = min(share, advance.get(application_id, share))
    kinds = {}
    for application_id, application in running.items():
        earlier = claimed.get(application_id, set())
        if application_id not in advance or earlier & set(OPEN):
            kinds[application_id] = []  # no budget pays for it, or a claim is under review
        elif application.status == ApplicationStatus.COMPLETED:
            kinds[application_id] = [ClaimKind.FINAL]
        else:
            kinds[application_id] = (
                [ClaimKind.ADVANCE] if advance[application_id] and not earlier else []
            )
    return kinds


def get_claim(claim_id: int) -> Claim:
    """The claim, or NotFound."""
    claim = session.get(Claim, claim_id)
    if claim is None:
        raise NotFound(_("There is no such claim."))
    return claim


def _own_provider(actor: User, provider_id: int) -> bool:
    return actor.role == Role.PROVIDER_STAFF and actor.provider_id == provider_id


def _fund_admin(actor: User, claim: Claim) -> bool:
    return actor.role == Role.FUND_ADMIN and actor.fund_id == claim.fund_id


def can_see(actor: User, claim: Claim) -> bool:
    """Staff of its provider, administrators of its fund and platform administrators."""
    return (
        _own_provider(actor, claim.provider_id)
        or _fund_admin(actor, claim)
        or actor.role == Role.PLATFORM_ADMIN
    )


def visible_claim(claim_id: int, actor: User) -> Claim:
    """The claim if the actor may see it; others' claims do not exist for them."""
    claim = get_claim(claim_id)
    if not can_see(actor, claim):
        raise NotFound(_("There is no such claim."))
    return claim


def _check(
    application: Application, data: ClaimInput, terms: ClaimTerms, claim: Claim | None
) -> dict[str, str]:
    """Every problem with the input, by field; empty when it can be accepted."""
    errors: dict[str, str] = {}
    number = data.invoice_number.strip()
    if not 1 <= len(number) <= 50:
        errors["invoice_number"] = _("Give the invoice number (at most 50 characters).")
    else:
        taken = sa.select(Claim.id).where(
            Claim.provider_id == application.provider_id, Claim.invoice_number == number
        )
        if claim is not None:
            taken = taken.where(Claim.id != claim.id)
        if session.scalar(taken) is not None:
            errors["invoice_number"] = _("You have already used this invoice number.")
    if data.invoice_date > clock.today():
        errors["invoice_date"] = _("The invoice date cannot be in the future.")
    most = claimable_cents(application, data.kind, terms)
    if claim is not None and claim.kind == ClaimKind.ADVANCE:
        most = min(most, application.covered_cents * terms.advance_share_bps // 10_000)
    amount = data.amount_cents
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= MAX_CENTS:
        errors["amount"] = _("Give the amount in euros, more than € 0.")
    elif amount > most:
        errors["amount"] = _(
            "At most %(most)s can be claimed; that is what is reserved.", most=money(most)
        )
    vat = data.vat_cents
    if isinstance(vat, bool) or not isinstance(vat, int) or vat < 0 or vat > max(amount, 0):
        errors["vat"] = _("The VAT must be between € 0 and the amount.")
    if not 1 <= len(data.description.strip()) <= 500:
        errors["description"] = _("Describe what the invoice is for (at most 500 characters).")
    pct = data.attendance_pct
    if pct is not None and not 0 <= pct <= 100:
        errors["attendance_pct"] = _("Attendance is a percentage from 0 to 100.")
    if data.kind == ClaimKind.FINAL and pct is None and not data.certificate_pdf:
        errors["attendance_pct"] = _(
            "Give the attendance or attach a certificate: a claim needs proof of participation."
        )
    for name, content in (
        ("invoice_pdf", data.invoice_pdf),
        ("certificate_pdf", data.certificate_pdf),
    ):
        if content is None and name == "certificate_pdf":
            continue
        try:
            files.check_pdf(content or b"")
        except files.FileProblem as problem:
            errors[name] = str(problem)
    if data.ubl_xml:
        errors.update(_cross_check(application, data))
    return errors


def _cross_check(application: Application, data: ClaimInput) -> dict[str, str]:
    try:
        invoice = files.read_ubl(data.ubl_xml)
    except files.FileProblem as problem:
        return {"ubl_xml": str(problem)}
    provider = session.get(Provider, application.provider_id)
    problems = []
    if invoice.number != data.invoice_number.strip():
        problems.append(_("its invoice number is %(number)s", number=invoice.number))
    if invoice.payable_cents != data.amount_cents:
        problems.append(_("its amount is %(amount)s", amount=money(invoice.payable_cents)))
    if invoice.tax_cents != data.vat_cents:
        problems.append(_("its VAT is %(amount)s", amount=money(invoice.tax_cents)))
    ours = (provider.vat_number or "").replace(" ", "").upper()
    if invoice.supplier_vat != ours:
        problems.append(
            _("its supplier VAT id is %(vat)s, not yours", vat=invoice.supplier_vat or "—")
        )
    if not problems:
        return {}
    return {
        "ubl_xml": _(
            "The e-invoice disagrees with the form: %(problems)s.", problems="; ".join(problems)
        )
    }


def _snapshot(data: ClaimInput, names: dict[str, str | None]) -> dict:
    values = asdict(data)
    for key in ("invoice_pdf", "certificate_pdf", "ubl_xml"):
        values.pop(key)
    values.update(kind=data.kind.value, invoice_date=data.invoice_date.isoformat(), **names)
    return values


def _store(data: ClaimInput) -> dict[str, str | None]:
    return {
        "invoice_file": files.store(data.invoice_pdf, "pdf"),
        "certificate_file": files.store(data.certificate_pdf, "pdf")
        if data.certificate_pdf
        else None,
        "ubl_file": files.store(data.ubl_xml, "xml") if data.ubl_xml else None,
    }


def _approvals_needed(claim: Claim, terms: ClaimTerms) -> int:
    above = claim.amount_cents > terms.four_eyes_above_cents
    return 2 if above or needs_second_look(claim.application_id, claim.id) else 1


def submit(actor: User, application_id: int, data: ClaimInput) -> Claim:
    """A provider's claim for an application; its files are checked before anything is written."""
    application = applications.get_application(application_id)
    if not _own_provider(actor, application.provider_id):
        raise NotFound(_("There is no such application."))
    if data.kind not in claim_kinds([application]).get(application.id, []):
        raise Conflict(
            _(
                "This claim cannot be sent now: a final claim needs a completed "
                "course, an advance a started one in a scheme that pays in stages and "
                "nothing claimed yet, and no claim may be under review."
            )
        )
    terms = terms_of(application)
    errors = _check(application, data, terms, None)
    if errors:
        raise _not_sent(errors)
    names = _store(data)
    now = clock.now()
    with unit_of_work() as db:
        claim = Claim(
            reference=None,
            application_id=application.id,
            provider_id=application.provider_id,
            fund_id=terms.fund_id,
            kind=data.kind,
            status=ClaimStatus.SUBMITTED,
            version=1,
            invoice_number=data.invoice_number.strip(),
            invoice_date=data.invoice_date,
            amount_cents=data.amount_cents,
            vat_cents=data.vat_cents,
            description=data.description.strip(),
            attendance_pct=data.attendance_pct,
            submitted_by_id=actor.id,
            submitted_at=now,
            updated_at=now,
            **names,
        )
        db.add(claim)
        try:
            db.flush()
        except sa.exc.IntegrityError:
            raise Conflict(
                _("This claim was sent already (same invoice number or a claim under review).")
            ) from None
        claim.reference = f"DC-{now.year}-{claim.id:07d}"
        db.add(
            ClaimVersion(
                claim_id=claim.id,
                version=1,
                data=_snapshot(data, names),
                submitted_by_id=actor.id,
                submitted_at=now,
            )
        )
        if data.kind == ClaimKind.FINAL:
            applications.move(application, "invoice", actor_id=actor.id)
        flag_claim(claim, attendance_threshold_pct=terms.attendance_threshold_pct)
        claim.approvals_needed = _approvals_needed(claim, terms)
        record(
            "claim",
            claim.id,
            "submit",
            actor_id=actor.id,
            after={
                "status": claim.status.value,
                "amount": claim.amount_cents,
                "version": 1,
                "approvals_needed": claim.approvals_needed,
            },
        )
        notify_fund_admins(
            claim.fund_id,
            "claim_waiting",
            reference=claim.reference,
            amount_cents=claim.amount_cents,
        )
    return claim


def resubmit(actor: User, claim_id: int, data: ClaimInput) -> Claim:
    """A corrected version of a rejected claim; the earlier versions are kept."""
    claim = get_claim(claim_id)
    if not _own_provider(actor, claim.provider_id):
        raise NotFound(_("There is no such claim."))
    _require_transition(claim, "resubmit")
    application = claim.application
    terms = terms_of(application)
    data = ClaimInput(**{**asdict(data), "kind": claim.kind})
    errors = _check(application, data, terms, claim)
    if errors:
        raise _not_sent(errors)
    names = _store(data)
    with unit_of_work() as db:
        version = claim.version + 1
        _change_status(
            claim,
            ClaimStatus.REJECTED,
            ClaimStatus.SUBMITTED,
            version=version,
            invoice_number=data.invoice_number.strip(),
            invoice_date=data.invoice_date,
            amount_cents=data.amount_cents,
            vat_cents=data.vat_cents,
            description=data.description.strip(),
            attendance_pct=data.attendance_pct,
            **names,
        )
        db.add(
            ClaimVersion(
                claim_id=claim.id,
                version=version,
                data=_snapshot(data, names),
                submitted_by_id=actor.id,
                submitted_at=clock.now(),
            )
        )
        flag_claim(claim, attendance_threshold_pct=terms.attendance_threshold_pct)
        claim.approvals_needed = _approvals_needed(claim, terms)
        record(
            "claim",
            claim.id,
            "resubmit",
            actor_id=actor.id,
            before={"status": "rejected", "version": version - 1},
            after={"status": "submitted", "version": version, "amount": data.amount_cents},
        )
        notify_fund_admins(
            claim.fund_id,
            "claim_waiting",
            reference=claim.reference,
            amount_cents=claim.amount_cents,
        )
    return claim


def _require_transition(claim: Claim, action: str) -> ClaimStatus:
    target = TRANSITIONS.get((claim.status, action))
    if target is None:
        raise Conflict(
            _(
                "This is not possible for a claim that is %(status)s.",
                status=STATUS_LABELS[claim.status.value],
            )
        )
    return target


def _change_status(claim: Claim, before: ClaimStatus, after: ClaimStatus, **values) -> None:
    """One conditional UPDATE: of two racing decisions only one gets through."""
    if not advance(Claim, claim.id, before, after, updated_at=clock.now(), **values):
        raise Conflict(_("The claim changed meanwhile. Please look again."))
    session.expire(claim)


def review(
    claim_id: int, action: str, *, actor: User, reason: str = "", flags_seen: bool = False
) -> Claim:
    """approve, reject, close or claw_back, by the rules of who may."""
    claim = get_claim(claim_id)
    provider_closes = action == "close" and _own_provider(actor, claim.provider_id)
    if not (_fund_admin(actor, claim) or provider_closes):
        if _own_provider(actor, claim.provider_id):
            raise Forbidden(_("Training providers do not decide on claims."))
        raise NotFound(_("There is no such claim."))
    target = _require_transition(claim, action)
    reason = reason.strip()
    if action in {"reject", "claw_back"} and not reason:
        raise ValidationFailed(
            _("Give a reason; the provider sees it."), errors={"reason": _("Give a reason.")}
        )
    if action == "approve":
        return _approve(claim, actor, flags_seen=flags_seen)
    with unit_of_work():
        before = claim.status
        if action == "reject":
            _change_status(claim, before, target, reason=reason[:500])
            version = session.scalar(
                sa.select(ClaimVersion).where(
                    ClaimVersion.claim_id == claim.id, ClaimVersion.version == claim.version
                )
            )
            version.rejected_reason = reason[:500]
        elif action == "close":
            _change_status(claim, before, target)
            if claim.kind == ClaimKind.FINAL:  # the rest goes back to the budgets
                applications.move(claim.application, "close", actor_id=actor.id, reason=reason)
        else:
            _claw_back(claim, before, actor, reason)
        record(
            "claim",
            claim.id,
            action,
            actor_id=actor.id,
            before={"status": before.value},
            after={"status": target.value},
            reason=reason or None,
        )
        decision = {"reject": "rejected", "claw_back": "clawed_back"}.get(action)
        if decision:
            notify_provider(
                claim.provider_id,
                "claim_decided",
                reference=claim.reference,
                decision=decision,
                reason=reason,
            )
    return claim


def _approve(claim: Claim, actor: User, *, flags_seen: bool) -> Claim:
    if actor.id == claim.submitted_by_id:
        raise Forbidden(_("Nobody approves their own claim."))
    already = sa.select(ClaimApproval.id).where(
        ClaimApproval.claim_id == claim.id,
        ClaimApproval.version == claim.version,
        ClaimApproval.approver_id == actor.id,
    )
    if session.scalar(already) is not None:
        raise Conflict(_("You have approved this claim already; a second administrator must."))
    if needs_second_look(claim.application_id, claim.id) and not flags_seen:
        message = _("This claim has high-risk flags: confirm that you looked at them.")
        raise ValidationFailed(message, errors={"flags_seen": message})
    provider = session.get(Provider, claim.provider_id)
    if provider.status != ProviderStatus.ACCREDITED:
        raise Conflict(_("The provider is not accredited now; claims wait until it is."))
    approvals = session.scalar(
        sa.select(sa.func.count(ClaimApproval.id)).where(
            ClaimApproval.claim_id == claim.id, ClaimApproval.version == claim.version
        )
    )
    # A flag raised since the submission can only add a second pair of eyes.
    needed = max(claim.approvals_needed, _approvals_needed(claim, terms_of(claim.application)))
    complete = approvals + 1 >= needed
    before = claim.status
    target = ClaimStatus.APPROVED if complete else ClaimStatus.APPROVED_ONCE
    with unit_of_work() as db:
        _change_status(claim, before, target)
        db.add(
            ClaimApproval(
                claim_id=claim.id, version=claim.version, approver_id=actor.id, at=clock.now()
            )
        )
        db.flush()
        if complete:
            _post_to_payable(claim, actor)
        record(
            "claim",
            claim.id,
            "approve",
            actor_id=actor.id,
            before={"status": before.value},
            after={"status": target.value, "approvals": approvals + 1},
        )
        notify_provider(
            claim.provider_id,
            "claim_decided",
            reference=claim.reference,
            decision="approved" if complete else "approved_once",
        )
        if complete:
            application = claim.application
            notify(
                application.user,
                "claim_spent",
                reference=application.reference,
                course=application.run.course.title_nl,
                amount_cents=claim.amount_cents,
            )
    return claim


def _post_to_payable(claim: Claim, actor: User) -> None:
    """Post the claimed amount from the holds, earliest part first; the rest is released
    (final claim) or held again for the final claim (advance)."""
    remaining = claim.amount_cents
    for part, hold in _pending_holds(claim.application):
        cents = min(remaining, hold.amount_cents)
        if cents == 0 and claim.kind == ClaimKind.ADVANCE:
            continue
        transaction = ledger.post_hold(
            hold.id, cents, actor_id=actor.id, description=f"Claim {claim.reference}"
        )
        if transaction is not None:
            session.add(
                ClaimPart(
                    claim_id=claim.id,
                    grant_id=part.grant_id,
                    hold_id=hold.id,
                    cents=cents,
                    transaction_id=transaction.id,
                )
            )
        rest = hold.amount_cents - cents
        if claim.kind == ClaimKind.ADVANCE and rest:
            again = ledger.place_hold(
                hold.debit_account_id, hold.credit_account_id, rest, reference=hold.reference
            )
            part.hold_id = again.id
        remaining -= cents
    if remaining:
        raise Conflict(_("Less is reserved than this claim asks; it cannot be approved."))
    session.flush()


def receivable_account(provider_id: int, fund_id: int):
    """What a provider owes one fund after clawbacks: below zero by the amount owed, offset
    against that fund's later payouts to the provider (never another fund's)."""
    code = account_codes.provider_receivable(provider_id, fund_id)
    return ledger.open_account(code, AccountKind.RECEIVABLE, allow_negative=True)


def _claw_back(claim: Claim, before: ClaimStatus, actor: User, reason: str) -> None:
    """The money returns to the fund pots. Not paid yet: it comes out of what is payable to
    the provider (and a final claim's application closes). Paid: the provider owes it, a
    receivable offset against the fund's later payouts."""
    from wallet.funds.models import Fund

    _change_status(claim, before, ClaimStatus.CLAWED_BACK)
    rows = session.execute(
        sa.select(Fund.pot_account_id, ClaimPart.cents)
        .join(Grant, Grant.id == ClaimPart.grant_id)
        .join(Fund, Fund.id == Grant.fund_id)
        .where(ClaimPart.claim_id == claim.id)
    ).all()
    if before == ClaimStatus.APPROVED:
        source = payable_account(claim.provider_id)
    else:
        source = receivable_account(claim.provider_id, claim.fund_id).id
    entries = [(pot, cents) for pot, cents in rows]
    entries.append((source, -sum(cents for _pot, cents in rows)))
    transaction = ledger.record(
        entries,
        kind="clawback",
        actor_id=actor.id,
        description=f"Clawback {claim.reference}: {reason}",
        reference=claim.reference,
    )
    claim.clawback_transaction_id = transaction.id
    session.flush()
    application = claim.application
    if claim.kind == ClaimKind.FINAL and application.status == ApplicationStatus.INVOICED:
        applications.move(application, "close", actor_id=actor.id, reason=reason)


def payable_account(provider_id: int) -> int:
    """What Leerwallet owes the provider (also after its accreditation ended)."""
    return ledger.open_account(account_codes.provider_payable(provider_id), AccountKind.PAYABLE).id


def claims_of_provider(provider_id: int) -> list[Claim]:
    """A provider's claims, newest first."""
    query = sa.select(Claim).where(Claim.provider_id == provider_id).order_by(Claim.id.desc())
    return list(session.scalars(query))


def claims_of_application(application_id: int) -> list[Claim]:
    """An application's claims, oldest first."""
    query = sa.select(Claim).where(Claim.application_id == application_id).order_by(Claim.id)
    return list(session.scalars(query))
