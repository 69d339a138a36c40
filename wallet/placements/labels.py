"""How employer applications and placements read for people (lazy translations)."""

from flask_babel import lazy_gettext as _l

# One dictionary for both tables: an application's and a person's statuses share no values
# that would read differently.
STATUS_LABELS = {
    "draft": _l("Draft, not sent yet"),
    "submitted": _l("Sent; the fund is deciding"),
    "decided": _l("Decided"),
    "withdrawn": _l("Withdrawn"),
    "discarded": _l("Discarded"),
    "in_review": _l("Waiting for the fund's decision"),
    "approved_once": _l("Approved once; a second administrator must approve"),
    "approved": _l("Approved; the placement runs"),
    "rejected": _l("Rejected"),
    "not_started": _l("Did not start"),
    "ended_early": _l("Ended early"),
    "retained": _l("Still employed at the last follow-up"),
}
CONTRACT_LABELS = {
    "permanent": _l("Permanent contract"),
    "fixed_term": _l("Fixed-term contract"),
    "work_and_learn": _l("Work-and-learn contract (BBL or hbo-duaal)"),
    "work_experience": _l("Work-experience place"),
}
CLAIM_STATUS_LABELS = {
    "submitted": _l("Waiting for review"),
    "approved_once": _l("Approved once; a second administrator must approve"),
    "approved": _l("Approved; waiting for payment"),
    "rejected": _l("Rejected"),
    "in_batch": _l("In a payout batch"),
    "paid": _l("Paid"),
}
PART_LABELS = {
    "first": _l("The reimbursement of the paid invoice"),
    "retention": _l("The part paid when the person is still employed"),
}
# What a reimbursement claim's flag means, by its code (the service keeps an English reason).
FLAG_LABELS = {
    "person_claimed_twice": _l("Another employer claims for the same person."),
    "invoice_claimed_by_provider": _l("The provider claimed this invoice itself."),
    "invoice_before_application": _l("The invoice is dated before the application was sent."),
}
