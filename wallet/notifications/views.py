"""Pages of the outbox: everyone reads their own messages; platform administrators see all."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import Optional

from wallet.accounts.access import role_required
from wallet.accounts.models import Role
from wallet.core.forms import choices, page_arg
from wallet.notifications import services
from wallet.notifications.models import MessageStatus

bp = Blueprint("notifications", __name__)

MESSAGES_PER_PAGE = 20
OUTBOX_PER_PAGE = 50

STATUS_LABELS = {
    MessageStatus.PENDING.value: _l("Waiting to be sent"),
    MessageStatus.SENT.value: _l("Sent"),
    MessageStatus.FAILED.value: _l("Failed"),
}


class OutboxFilter(FlaskForm):
    """The outbox filter (GET, no CSRF needed: it changes nothing)."""

    class Meta:
        csrf = False

    status = SelectField(
        _l("Status"),
        choices=choices(STATUS_LABELS.items(), _l("All messages")),
        validators=[Optional()],
    )


def _page() -> int:
    return page_arg()


def _pages(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


@bp.get("/messages")
@role_required()
def messages():
    """The signed-in user's own messages, newest first."""
    page = _page()
    rows, total = services.messages_of_user(current_user.id, page, MESSAGES_PER_PAGE)
    return render_template(
        "notifications/messages.html",
        messages=rows,
        total=total,
        page=page,
        pages=_pages(total, MESSAGES_PER_PAGE),
    )


@bp.get("/outbox")
@role_required(Role.PLATFORM_ADMIN)
def outbox():
    """Every message with its status and recipient, optionally of one status. A message
    with a link that sets a password is shown to its recipient only (on their own messages
    page), except where OUTBOX_SHOWS_LINKS is set (development: the demo sends no mail)."""
    form = OutboxFilter(request.args)
    status = MessageStatus(form.status.data) if form.validate() and form.status.data else None
    page = _page()
    rows, total = services.outbox(status, page, OUTBOX_PER_PAGE)
    return render_template(
        "notifications/outbox.html",
        messages=rows,
        total=total,
        form=form,
        labels=STATUS_LABELS,
        page=page,
        secret_topics=services.SECRET_TOPICS,
        show_links=current_app.config.get("OUTBOX_SHOWS_LINKS", False),
        pages=_pages(total, OUTBOX_PER_PAGE),
        args={"status": status.value} if status else {},
    )
