"""The audit trail for administrators: all of it for the platform, a fund's own for its admins."""

from __future__ import annotations

import json
from collections.abc import Iterator

from flask import Blueprint, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional

from wallet.accounts.access import role_required
from wallet.accounts.models import Role
from wallet.audit import labels, services
from wallet.audit.labels import SUBJECTS
from wallet.audit.names import subject_names
from wallet.audit.services import AMSTERDAM, EventFilter
from wallet.core.csvfiles import csv_download, csv_lines
from wallet.core.forms import choices, page_arg

bp = Blueprint("audit", __name__)


@bp.app_context_processor
def _labels():
    # Every object's history reads its events with the same sentences as this page.
    return {"audit_labels": labels}


PER_PAGE = 50
ADMINS = (Role.PLATFORM_ADMIN, Role.FUND_ADMIN)
FILTER_FIELDS = ("subject_type", "action", "actor", "date_from", "date_to")


class AuditFilterForm(FlaskForm):
    """The audit filters (GET, no CSRF needed: it changes nothing)."""

    class Meta:
        csrf = False

    subject_type = SelectField(_l("Subject"), validators=[Optional()])
    action = SelectField(_l("What happened"), validators=[Optional()])
    actor = StringField(
        _l("Done by (e-mail address)"),
        description=_l("All or part of the address."),
        validators=[Optional(), Length(max=254)],
    )
    date_from = DateField(_l("From date"), validators=[Optional()])
    date_to = DateField(_l("To date (inclusive)"), validators=[Optional()])


def _filter_form() -> tuple[AuditFilterForm, EventFilter]:
    """The form as filled in, and the filter made of its valid fields (invalid ones ignored)."""
    scope = current_user.fund_id if current_user.role == Role.FUND_ADMIN else None
    form = AuditFilterForm(request.args)
    types = services.subject_types(scope)
    form.subject_type.choices = choices(((t, SUBJECTS.get(t, t)) for t in types), _("All subjects"))
    form.action.choices = choices(
        labels.action_choices(services.actions_in_trail(scope)), _("Everything")
    )
    form.validate()

    def valid(name: str):
        field = form[name]
        return None if field.errors else field.data or None

    wanted = EventFilter(
        fund_id=scope,
        subject_type=valid("subject_type"),
        action=(valid("action") or "").strip() or None,
        actor_email=valid("actor"),
        date_from=valid("date_from"),
        date_to=valid("date_to"),
    )
    return form, wanted


def compact(value: dict | None) -> str:
    """A JSON value on one line with sorted keys; empty when there is none."""
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


@bp.get("/audit")
@role_required(*ADMINS)
def index():
    """The audit events the administrator may see, filtered, newest first."""
    form, wanted = _filter_form()
    page = page_arg()
    rows, total = services.find_events(wanted, page, PER_PAGE)
    names = subject_names(
        ((event.subject_type, event.subject_id) for event, _email in rows), str(get_locale())
    )
    args = {name: request.args[name] for name in FILTER_FIELDS if request.args.get(name)}
    return render_template(
        "audit/index.html",
        form=form,
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        args=args,
        subjects=SUBJECTS,
        labels=labels,
        names=names,
    )


@bp.get("/audit.csv")
@role_required(*ADMINS)
def export():
    """The same filtered events as a CSV file (semicolons, UTF-8 with BOM), streamed."""
    _form, wanted = _filter_form()
    return csv_download(_csv_lines(wanted), "leerwallet-audit.csv")


def _csv_lines(wanted: EventFilter) -> Iterator[str]:
    header = [
        _("When"),
        _("Who"),
        _("Subject"),
        _("Subject id"),
        _("Action"),
        _("Before"),
        _("After"),
        _("Reason"),
    ]
    rows = (
        [
            event.at.astimezone(AMSTERDAM).strftime("%Y-%m-%d %H:%M:%S"),
            email or _("system"),
            event.subject_type,
            event.subject_id,
            event.action,
            compact(event.before),
            compact(event.after),
            event.reason or "",
        ]
        for event, email in services.iter_events(wanted)
    )
    return csv_lines(header, rows)
