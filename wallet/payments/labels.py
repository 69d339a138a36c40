"""How payout statuses read for people (lazy translations)."""

from flask_babel import lazy_gettext as _l

BATCH_LABELS = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted: money in transit"),
    "closed": _l("Closed"),
    "discarded": _l("Discarded"),
}
PAYEE_LABELS = {"provider": _l("Training provider"), "employer": _l("Employer")}
ITEM_LABELS = {
    "draft": _l("Draft"),
    "submitted": _l("Waiting for the bank"),
    "paid": _l("Paid"),
    "failed": _l("Failed"),
}
COPAYMENT_LABELS = {
    "pending": _l("Waiting for payment"),
    "succeeded": _l("Paid"),
    "failed": _l("Payment failed"),
    "refunded": _l("Refunded"),
}
