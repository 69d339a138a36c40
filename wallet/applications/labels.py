"""How application statuses read for people (lazy: in the reader's language)."""

from flask_babel import lazy_gettext as _l

STATUS_LABELS = {
    "submitted": _l("Waiting for the training provider"),
    "awaiting_copay": _l("Waiting for your own contribution"),
    "confirmed": _l("Enrolled"),
    "in_progress": _l("Course in progress"),
    "completed": _l("Course completed"),
    "invoiced": _l("Invoiced by the provider"),
    "paid": _l("Paid"),
    "cancelled": _l("Cancelled"),
    "rejected": _l("Rejected"),
    "expired": _l("Expired"),
    "closed": _l("Closed unpaid"),
}
