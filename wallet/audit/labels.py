"""How audit events read for people: each action as a sentence, states as words, details as a
list of "label: value" lines, amounts as money. The one mapping every audit trail uses."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from wallet.core.templating import money

SUBJECTS = {
    "allocation_run": _l("Yearly allocations"),
    "application": _l("Applications"),
    "caseload_entry": _l("Labour brokers' caseload"),
    "claim": _l("Claims and their decisions"),
    "copayment": _l("Own contributions"),
    "course": _l("Courses"),
    "employer": _l("Employers"),
    "employer_application": _l("Employers' applications"),
    "fund": _l("Fund"),
    "grant": _l("Budgets"),
    "payout_batch": _l("Payout batches"),
    "payout_item": _l("Payments to providers"),
    "payout_line": _l("Transfers"),
    "placement": _l("Placements"),
    "provider": _l("Training providers"),
    "reimbursement_claim": _l("Employers' reimbursement claims"),
    "scheme": _l("Schemes"),
    "user": _l("Users"),
}

# One subject, for the trail's "subject" column ("Scheme 3"); the plural names above filter.
SUBJECT = {
    "allocation_run": _l("Yearly allocation"),
    "application": _l("Application"),
    "caseload_entry": _l("Caseload"),
    "claim": _l("Claim"),
    "copayment": _l("Own contribution"),
    "course": _l("Course"),
    "employer": _l("Employer"),
    "employer_application": _l("Employer's application"),
    "fund": _l("Fund"),
    "grant": _l("Budget"),
    "payout_batch": _l("Payout batch"),
    "payout_item": _l("Payment"),
    "payout_line": _l("Transfer"),
    "placement": _l("Placement"),
    "provider": _l("Training provider"),
    "reimbursement_claim": _l("Reimbursement claim"),
    "scheme": _l("Scheme"),
    "user": _l("User"),
}

# (subject type, action) -> what happened, as a sentence.
ACTIONS = {
    ("allocation_run", "allocate"): _l("Yearly budgets allocated"),
    ("application", "submit"): _l("Application sent"),
    ("application", "confirm"): _l("Place confirmed by the provider"),
    ("application", "reject"): _l("Application rejected by the provider"),
    ("application", "record_copayment"): _l("Own contribution received"),
    ("application", "start"): _l("Course started"),
    ("application", "complete"): _l("Course completed"),
    ("application", "invoice"): _l("Invoice sent by the provider"),
    ("application", "cancel"): _l("Application cancelled"),
    ("application", "expire"): _l("Application expired"),
    ("application", "close"): _l("Application closed unpaid"),
    ("application", "pay"): _l("Application paid"),
    ("application", "return_payment"): _l("Payment returned by the bank"),
    ("caseload_entry", "added"): _l("Employer added to the caseload"),
    ("caseload_entry", "contact_logged"): _l("Contact logged"),
    ("caseload_entry", "handed_over"): _l("Employer handed over to another broker"),
    ("caseload_entry", "next_step_planned"): _l("Next step planned"),
    ("caseload_entry", "prepare"): _l("Application being prepared"),
    ("caseload_entry", "submit"): _l("Application marked as submitted"),
    ("caseload_entry", "approve"): _l("Application marked as approved"),
    ("caseload_entry", "place"): _l("Employer marked as placed"),
    ("caseload_entry", "follow_up"): _l("Employer marked as followed up"),
    ("caseload_entry", "drop"): _l("Caseload entry stopped"),
    ("caseload_entry", "reopen"): _l("Caseload entry reopened as a lead"),
    ("claim", "submit"): _l("Claim sent"),
    ("claim", "resubmit"): _l("Corrected claim sent"),
    ("claim", "approve"): _l("Claim approved"),
    ("claim", "reject"): _l("Claim rejected"),
    ("claim", "close"): _l("Claim closed unpaid"),
    ("claim", "claw_back"): _l("Claim clawed back"),
    ("claim", "batch"): _l("Claim put in a payout batch"),
    ("claim", "unbatch"): _l("Claim taken out of a payout batch"),
    ("claim", "pay"): _l("Claim paid"),
    ("claim", "return_payment"): _l("Payment of the claim returned by the bank"),
    ("copayment", "received"): _l("Own contribution received"),
    ("copayment", "failed"): _l("Own contribution payment failed"),
    ("copayment", "refund_decided"): _l("Refund of the own contribution decided"),
    ("copayment", "refunded"): _l("Own contribution refunded"),
    ("course", "published"): _l("Course published"),
    ("course", "unpublished"): _l("Course taken offline"),
    ("employer", "registered"): _l("Employer registered"),
    ("employer", "details_changed"): _l("Employer's details changed"),
    ("employer", "staff_added"): _l("Colleague added"),
    ("employer", "verify"): _l("Employer verified"),
    ("employer", "suspend"): _l("Employer suspended"),
    ("employer", "reject"): _l("Employer rejected"),
    ("employer", "reopen"): _l("Employer checked again"),
    ("employer_application", "start"): _l("Employer's application started"),
    ("employer_application", "submit"): _l("Employer's application sent"),
    ("employer_application", "discard"): _l("Employer's application discarded"),
    ("employer_application", "decide"): _l("Employer's application decided"),
    ("employer_application", "withdraw"): _l("Employer's application withdrawn"),
    ("fund", "create"): _l("Fund created"),
    ("fund", "deposit"): _l("Money deposited into the fund"),
    ("fund", "close"): _l("Fund closed"),
    ("fund", "fund_details_set"): _l("Fund's bank account set"),
    ("fund", "expire_grants"): _l("Expired budgets returned to the fund"),
    ("fund", "broker_added"): _l("Labour broker added"),
    ("fund", "provider_excluded"): _l("Training provider excluded from the fund"),
    ("fund", "provider_readmitted"): _l("Training provider admitted again"),
    ("grant", "grant"): _l("Budget granted"),
    ("grant", "hold_released"): _l("Held budget released"),
    ("grant", "hold_cancelled"): _l("Held budget cancelled"),
    ("payout_batch", "create"): _l("Payout batch made"),
    ("payout_batch", "discard"): _l("Payout batch discarded"),
    ("payout_batch", "submit"): _l("Payout batch submitted for payment"),
    ("payout_item", "paid"): _l("Payment made"),
    ("payout_item", "transfer_reversed"): _l("Transfer reversed"),
    ("payout_line", "failed"): _l("Transfer failed"),
    ("payout_line", "returned"): _l("Transfer returned by the bank"),
    ("placement", "add"): _l("Person added"),
    ("placement", "remove"): _l("Person removed"),
    ("placement", "submit"): _l("Person sent for review"),
    ("placement", "approve"): _l("Placement approved"),
    ("placement", "reject"): _l("Placement rejected"),
    ("placement", "withdraw"): _l("Placement withdrawn"),
    ("placement", "follow_up"): _l("Follow-up recorded"),
    ("placement", "lapse"): _l("Follow-up not recorded in time"),
    ("placement", "not_started"): _l("Placement closed: did not start"),
    ("placement", "end_early"): _l("Placement closed: ended early"),
    ("placement", "retain"): _l("Placement closed: still employed"),
    ("provider", "accreditation_added"): _l("Accreditation added"),
    ("provider", "details_changed"): _l("Provider's details changed"),
    ("provider", "staff_added"): _l("Colleague added"),
    ("provider", "stripe_account"): _l("Stripe account updated"),
    ("provider", "stripe_connect"): _l("Stripe account connected"),
    ("provider", "accredit"): _l("Provider accredited"),
    ("provider", "suspend"): _l("Provider suspended"),
    ("provider", "revoke"): _l("Accreditation revoked"),
    ("reimbursement_claim", "submit"): _l("Reimbursement claim sent"),
    ("reimbursement_claim", "approve"): _l("Reimbursement claim approved"),
    ("reimbursement_claim", "reject"): _l("Reimbursement claim rejected"),
    ("reimbursement_claim", "batch"): _l("Reimbursement claim put in a payout batch"),
    ("reimbursement_claim", "unbatch"): _l("Reimbursement claim taken out of a payout batch"),
    ("reimbursement_claim", "pay"): _l("Reimbursement claim paid"),
    ("reimbursement_claim", "return_payment"): _l("Reimbursement payment returned by the bank"),
    ("scheme", "define"): _l("Scheme defined"),
    ("scheme", "change"): _l("Scheme changed"),
    ("scheme", "activate"): _l("Scheme activated"),
    ("scheme", "waiting_room_set"): _l("Waiting room set"),
    ("scheme", "waiting_room_removed"): _l("Waiting room removed"),
    ("scheme", "close"): _l("Scheme closed"),
    ("scheme", "lottery_drawn"): _l("Lottery drawn"),
    ("user", "account_blocked"): _l("Account blocked"),
    ("user", "account_closed"): _l("Account closed"),
    ("user", "account_pseudonymised"): _l("Personal data replaced by a pseudonym"),
    ("user", "email_change_requested"): _l("Change of e-mail address asked"),
    ("user", "email_change_cancelled"): _l("Change of e-mail address taken back"),
    ("user", "email_change_refused"): _l("Change of e-mail address refused: the address is taken"),
    ("user", "email_changed"): _l("E-mail address changed"),
    ("user", "account_unblocked"): _l("Account unblocked"),
    ("user", "profile_changed"): _l("Personal details changed"),
    ("user", "second_factor_reset"): _l("Second factor reset by an administrator"),
    ("user", "sessions_ended"): _l("All sessions ended by an administrator"),
    ("user", "api_token_created"): _l("API key made"),
    ("user", "api_token_revoked"): _l("API key revoked"),
    ("user", "email_verified"): _l("E-mail address confirmed"),
    ("user", "oidc_identity_linked"): _l("Sign-in account linked"),
    ("user", "passkey_added"): _l("Passkey added"),
    ("user", "passkey_removed"): _l("Passkey removed"),
    ("user", "password_changed"): _l("Password changed"),
    ("user", "password_reset"): _l("Password reset"),
    ("user", "password_set"): _l("Password chosen"),
    ("user", "recovery_code_used"): _l("Recovery code used"),
    ("user", "second_factor_added"): _l("Second factor set up"),
    ("user", "second_factor_replaced"): _l("Second factor replaced"),
    ("user", "second_factor_removed"): _l("Second factor removed"),
    ("user", "second_factor_set"): _l("Second factor set up by an administrator"),
    ("user", "staff_added"): _l("Colleague added"),
}

# Actions recorded on more than one kind of subject (a provider's or an employer's bank details).
ANY_SUBJECT = {
    "bank_change_requested": _l("New IBAN requested"),
    "iban_changed": _l("IBAN changed"),
    "bank_change_rejected": _l("New IBAN not accepted"),
    "bank_change_withdrawn": _l("New IBAN withdrawn"),
}

STATES = {
    "accredited": _l("Accredited"),
    "active": _l("Active"),
    "added": _l("Added"),
    "approved": _l("Approved"),
    "approved_once": _l("Approved once"),
    "cancelled": _l("Cancelled"),
    "clawed_back": _l("Clawed back"),
    "closed": _l("Closed"),
    "completed": _l("Completed"),
    "confirmed": _l("Confirmed"),
    "decided": _l("Decided"),
    "discarded": _l("Discarded"),
    "draft": _l("Draft"),
    "dropped": _l("Stopped"),
    "ended_early": _l("Ended early"),
    "expired": _l("Expired"),
    "failed": _l("Failed"),
    "followed_up": _l("Followed up"),
    "held": _l("Held"),
    "in_batch": _l("In a payout batch"),
    "in_progress": _l("In progress"),
    "in_review": _l("Being reviewed"),
    "invoiced": _l("Invoiced"),
    "lead": _l("Lead"),
    "not_started": _l("Did not start"),
    "paid": _l("Paid"),
    "pending": _l("Being checked"),
    "placed": _l("Placed"),
    "preparing": _l("Preparing"),
    "rejected": _l("Rejected"),
    "released": _l("Released"),
    "retained": _l("Still employed"),
    "returned": _l("Returned"),
    "revoked": _l("Revoked"),
    "submitted": _l("Submitted"),
    "suspended": _l("Suspended"),
    "verified": _l("Verified"),
    "withdrawn": _l("Withdrawn"),
}

# A label per known detail key; other keys are shown humanised ("next_step_on" -> "Next step on").
DETAILS = {
    "account": _l("Account"),
    "active": _l("Active"),
    "after_clawback": _l("After claw-back"),
    "allocation_mode": _l("How budgets are given"),
    "amount": _l("Amount"),
    "amount_cents": _l("Amount"),
    "applicants": _l("Applicants"),
    "application_id": _l("Application"),
    "approvals": _l("Approvals"),
    "approvals_needed": _l("Approvals needed"),
    "before_start": _l("Before the start"),
    "bic": _l("BIC"),
    "broker": _l("Labour broker"),
    "by": _l("How"),
    "cents": _l("Amount"),
    "change": _l("Change"),
    "claim": _l("Claim"),
    "claims": _l("Claims"),
    "committed_cents": _l("Committed"),
    "contact": _l("Contact"),
    "copay": _l("Co-payment"),
    "covered": _l("Covered by budgets"),
    "email": _l("E-mail address"),
    "employer": _l("Employer"),
    "employer_id": _l("Employer"),
    "ended": _l("Ended"),
    "flags": _l("Flags"),
    "fund": _l("Fund"),
    "grants": _l("Budgets"),
    "hold_id": _l("Reservation"),
    "iban": _l("IBAN"),
    "identity": _l("Identity"),
    "invited": _l("Invited"),
    "issuer": _l("Identity provider"),
    "kind": _l("Kind"),
    "kvk_number": _l("KvK number"),
    "left_out": _l("Left out"),
    "link": _l("Link"),
    "method": _l("Method"),
    "months": _l("Months"),
    "name": _l("Name"),
    "next_step": _l("Next step"),
    "next_step_on": _l("Next step on"),
    "occupation": _l("Occupation"),
    "offset": _l("Set off"),
    "on": _l("Date"),
    "paid": _l("Paid"),
    "part": _l("Part"),
    "passkey": _l("Passkey"),
    "payouts_enabled": _l("Payouts enabled"),
    "period": _l("Period"),
    "persons": _l("Persons"),
    "placement_id": _l("Placement"),
    "provider": _l("Training provider"),
    "quote_cents": _l("Quote"),
    "reason": _l("Reason"),
    "reference": _l("Reference"),
    "region": _l("Region"),
    "reimbursement_claim": _l("Reimbursement claim"),
    "released": _l("Released"),
    "released_cents": _l("Released"),
    "replaces": _l("Replaces"),
    "request": _l("Request"),
    "requested_by": _l("Requested by"),
    "retention_hold_id": _l("Reservation for staying employed"),
    "role": _l("Role"),
    "scheme": _l("Scheme"),
    "scheme_id": _l("Scheme"),
    "seed": _l("Lottery seed"),
    "sessions_ended": _l("Sessions ended"),
    "source": _l("Source"),
    "stage": _l("Stage"),
    "status": _l("Status"),
    "still_employed": _l("Still employed"),
    "total_cap_cents": _l("Total cap"),
    "transaction": _l("Ledger transaction"),
    "transfer": _l("Transfer"),
    "unverified_not_drawn": _l("Not drawn (not verified)"),
    "user": _l("User"),
    "version": _l("Version"),
    "via": _l("Via"),
    "why": _l("Why"),
    "winners": _l("Winners"),
    "worker": _l("Worker"),
}

STATE_KEYS = ("status", "stage")

# Values of a few detail keys that are codes: how a scheme gives budgets, whom it pays.
VALUES = {
    "allocation_mode": {
        "manual": _l("By hand or by CSV upload"),
        "entitlement": _l("Every eligible worker (scheduled allocation)"),
        "first_come": _l("First come, first served until the cap"),
        "lottery": _l("Lottery among applicants after the window"),
    },
    "kind": {
        "worker_budget": _l("Budgets for workers"),
        "employer": _l("Reimbursements for employers"),
    },
}


def subject_label(subject_type: str, subject_id: int, name: str | None = None) -> str:
    """ "Scheme: Scholingsbudget Twente" (or "Scheme 3" when it has no name): which object an
    event is about."""
    kind = SUBJECT.get(subject_type)
    kind = kind if kind else humanise(subject_type)
    return f"{kind}: {name}" if name else f"{kind} {subject_id}"


def has_label(subject_type: str, action: str) -> bool:
    """Whether the action reads as a sentence (the test holds every recorded action to it)."""
    return (subject_type, action) in ACTIONS or action in ANY_SUBJECT


def action_label(subject_type: str, action: str) -> str:
    """What happened, as a sentence in the reader's language."""
    label = ACTIONS.get((subject_type, action)) or ANY_SUBJECT.get(action)
    return str(label) if label else humanise(action)


def action_choices(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(action code, sentence) for a filter, one per action, sorted by the sentence."""
    seen: dict[str, str] = {}
    for subject_type, action in pairs:
        seen.setdefault(action, action_label(subject_type, action))
    return sorted(seen.items(), key=lambda pair: pair[1].lower())


def humanise(code: str) -> str:
    """A code as words: "next_step_on" -> "Next step on"."""
    words = str(code).replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:]


def state_label(value) -> str:
    """A state as a word."""
    label = STATES.get(str(value))
    return str(label) if label else humanise(value)


# Keys whose integer values are cents although their names do not say so (claims, batches).
MONEY_KEYS = frozenset({"amount", "copay", "covered", "offset", "released"})


def value_text(key: str, value) -> str:
    """One detail value as a person reads it: money as money, states as words."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if (key.endswith("cents") or key in MONEY_KEYS) and isinstance(value, int):
        return money(value)
    if key in STATE_KEYS:
        return state_label(value)
    if isinstance(value, dict):
        return "; ".join(f"{detail_label(k)}: {value_text(k, v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(value_text(key, v) for v in value) or "—"
    code = str(value).rsplit(".", 1)[-1].lower()  # an enum printed as "SchemeKind.X" too
    if code in VALUES.get(key, {}):
        return str(VALUES[key][code])
    if key in ("kind", "allocation_mode", "method", "via", "by", "source"):
        return humanise(str(value).rsplit(".", 1)[-1])
    return str(value)


def detail_label(key: str) -> str:
    """The label of a detail key."""
    label = DETAILS.get(key)
    return str(label) if label else humanise(key)


@dataclass(frozen=True)
class Detail:
    """One line of an event's details: what it was and what it became."""

    label: str
    before: str | None
    after: str | None

    @property
    def text(self) -> str:
        """ "Draft → Active" for a change, else the one value there is."""
        if self.before is not None and self.after is not None and self.before != self.after:
            return _("%(before)s → %(after)s", before=self.before, after=self.after)
        return self.after if self.after is not None else self.before or ""


def details(before: dict | None, after: dict | None) -> list[Detail]:
    """The event's before and after as lines, one per key, in a stable order."""
    before, after = before or {}, after or {}
    keys = list(dict.fromkeys([*before, *after]))
    return [
        Detail(
            detail_label(key),
            value_text(key, before[key]) if key in before else None,
            value_text(key, after[key]) if key in after else None,
        )
        for key in keys
    ]
