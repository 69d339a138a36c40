"""How claim statuses, kinds and history events read for people (lazy translations)."""

from flask_babel import lazy_gettext as _l

STATUS_LABELS = {
    "submitted": _l("Waiting for review"),
    "approved_once": _l("Approved once; a second administrator must approve"),
    "approved": _l("Approved; waiting for payment"),
    "rejected": _l("Rejected; can be corrected"),
    "closed": _l("Closed"),
    "in_batch": _l("In a payout batch"),
    "paid": _l("Paid"),
    "clawed_back": _l("Clawed back"),
}
KIND_LABELS = {"advance": _l("Advance at the start"), "final": _l("Final invoice")}

# (subject type, action) of audit events, for the history on the claim page
EVENT_LABELS = {
    ("application", "submit"): _l("The worker applied"),
    ("application", "confirm"): _l("The provider confirmed the place"),
    ("application", "reject"): _l("The provider rejected the application"),
    ("application", "record_copayment"): _l("The own contribution was received"),
    ("application", "start"): _l("The course started"),
    ("application", "complete"): _l("The course was completed"),
    ("application", "invoice"): _l("The provider sent the invoice"),
    ("application", "cancel"): _l("The application was cancelled"),
    ("application", "expire"): _l("The application expired"),
    ("application", "close"): _l("The application was closed unpaid"),
    ("application", "pay"): _l("The application was paid"),
    ("application", "return_payment"): _l("The bank returned the payment"),
    ("claim", "submit"): _l("Claim sent"),
    ("claim", "resubmit"): _l("Corrected claim sent"),
    ("claim", "approve"): _l("Approved by an administrator"),
    ("claim", "reject"): _l("Rejected"),
    ("claim", "close"): _l("Closed unpaid"),
    ("claim", "claw_back"): _l("Clawed back"),
    ("claim", "batch"): _l("Put in a payout batch"),
    ("claim", "unbatch"): _l("Taken out of a payout batch"),
    ("claim", "pay"): _l("Paid"),
    ("claim", "return_payment"): _l("The bank returned the payment; to be paid again"),
}
