"""The fund administrator's pages of employer applications: the persons waiting for a
decision, one application with its persons (approve with an amount after a confirmation,
or reject with a reason), and the fund's placements. The rules live in review.py."""

from __future__ import annotations

import math

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import Length, Optional

from wallet.accounts.access import role_required
from wallet.accounts.models import Role
from wallet.audit.services import history
from wallet.core.errors import DomainError, ValidationFailed
from wallet.core.forms import MoneyField, page_arg, replayed, show_errors, submit_once
from wallet.core.money import Money
from wallet.core.templating import money
from wallet.placements import followups, review, services
from wallet.placements.labels import CONTRACT_LABELS, STATUS_LABELS
from wallet.placements.models import PlacementStatus
from wallet.schemes.employer_rules import STARTING_SITUATIONS, TRAINING_KINDS

bp = Blueprint("fund_placements", __name__)

EVENT_LABELS = {
    ("employer_application", "start"): _l("Application started"),
    ("employer_application", "submit"): _l("Application sent by the employer"),
    ("employer_application", "discard"): _l("Application discarded"),
    ("employer_application", "withdraw"): _l("Application withdrawn by the employer"),
    ("placement", "add"): _l("Person added"),
    ("placement", "remove"): _l("Person removed"),
    ("placement", "approve"): _l("Approved"),
    ("placement", "approve_once"): _l("Approved once; a second administrator must approve"),
    ("placement", "reject"): _l("Rejected"),
    ("placement", "follow_up"): _l("Follow-up recorded"),
    ("placement", "not_started"): _l("Closed: did not start"),
    ("placement", "end_early"): _l("Closed: ended early"),
    ("placement", "retain"): _l("Closed: still employed at the last follow-up"),
}


class ApproveForm(FlaskForm):
    """The amount to commit; sent twice: to see the confirmation, then confirmed."""

    amount = MoneyField(_l("Amount to commit (euros)"), validators=[Optional()])
    confirmed = HiddenField()


class RejectForm(FlaskForm):
    """The reason of a rejection: the employer sees it."""

    reason = StringField(_l("Reason for the rejection"), validators=[Optional(), Length(max=500)])


@bp.app_context_processor
def _labels():
    return {"placement_status_labels": STATUS_LABELS}


@bp.get("/fund/employer-applications")
@role_required(Role.FUND_ADMIN)
def queue():
    """Persons in employer applications waiting for the fund's decision."""
    page = page_arg()
    rows, total = review.queue_page(current_user.fund_id, page)
    pages = max(1, math.ceil(total / services.PER_PAGE))
    return render_template(
        "placements/fund/queue.html",
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        situations=STARTING_SITUATIONS,
    )


def _application(application_id: int):
    if current_user.role != Role.FUND_ADMIN:
        abort(404)
    return services.visible_application(application_id, current_user)


def _forms(application) -> dict[int, tuple[ApproveForm, RejectForm]]:
    forms = {}
    for placement in application.placements:
        approve = ApproveForm(prefix=f"approve-{placement.id}")
        reject = RejectForm(prefix=f"reject-{placement.id}")
        forms[placement.id] = (approve, reject)
    return forms


def _show(application, forms=None, status: int = 200):
    forms = forms or _forms(application)
    rows = review.describe(list(application.placements), with_reasons=True)
    for row in rows:
        approve = forms[row.placement.id][0]
        if approve.amount.data is None and row.would_pay_cents:
            approve.amount.data = row.would_pay_cents
    events = history("employer_application", application.id)
    for placement in application.placements:
        events += history("placement", placement.id)
    events.sort(key=lambda event: (event.at, event.id))
    people = {p.id: p.full_name for p in application.placements}
    return render_template(
        "placements/fund/application.html",
        application=application,
        rows=rows,
        forms=forms,
        events=events,
        event_labels=EVENT_LABELS,
        people=people,
        actors=review.names_of({e.actor_id for e in events if e.actor_id}),
        situations=STARTING_SITUATIONS,
        training_kinds=TRAINING_KINDS,
        contracts=CONTRACT_LABELS,
    ), status


@bp.get("/fund/employer-applications/<int:application_id>")
@role_required(Role.FUND_ADMIN)
def application(application_id: int):
    """One application with each person: eligibility, amounts, decisions and history."""
    return _show(_application(application_id))


def _placement_in(application, placement_id: int):
    placement = next((p for p in application.placements if p.id == placement_id), None)
    if placement is None:
        abort(404)
    return placement


@bp.post("/fund/employer-applications/<int:application_id>/persons/<int:placement_id>/approve")
@role_required(Role.FUND_ADMIN)
def approve(application_id: int, placement_id: int):
    """First the confirmation of what is committed; once confirmed, the approval."""
    item = _application(application_id)
    placement = _placement_in(item, placement_id)
    forms = _forms(item)
    form = forms[placement.id][0]
    back = url_for("fund_placements.application", application_id=item.id)
    if not form.validate_on_submit():
        return _show(item, forms, 422)
    second = placement.status == PlacementStatus.APPROVED_ONCE
    if not second and form.amount.cents is None:
        form.amount.errors = [_("Give the amount to commit in euros.")]
        return _show(item, forms, 422)
    cents = None if second else form.amount.cents
    try:
        if form.confirmed.data != "yes":
            amount = review.amount_to_commit(placement.id, actor=current_user, cents=cents)
            return render_template(
                "placements/fund/confirm.html",
                application=item,
                placement=placement,
                form=form,
                amount=amount,
                amount_text=Money(amount).digits(),
                second=second,
            )
        done = submit_once(
            lambda: review.review(placement.id, "approve", actor=current_user, cents=cents)
        )
    except ValidationFailed as error:
        if "cents" in error.errors:  # the service's name of the amount
            error.errors["amount"] = error.errors.pop("cents")
        show_errors(form, error)
        return _show(item, forms, 422)
    except DomainError as error:
        flash(error.detail, "error")
        return redirect(back)
    if not replayed(done):
        decided = done.value
        if decided.status == PlacementStatus.APPROVED_ONCE:
            flash(
                _(
                    "You approved %(person)s once; a second administrator must approve.",
                    person=decided.full_name,
                ),
                "success",
            )
        else:
            flash(
                _(
                    "%(person)s is approved: %(amount)s is committed.",
                    person=decided.full_name,
                    amount=money(decided.committed_cents),
                ),
                "success",
            )
    return redirect(back)


@bp.post("/fund/employer-applications/<int:application_id>/persons/<int:placement_id>/reject")
@role_required(Role.FUND_ADMIN)
def reject(application_id: int, placement_id: int):
    """Reject one person with a reason the employer sees."""
    item = _application(application_id)
    placement = _placement_in(item, placement_id)
    forms = _forms(item)
    form = forms[placement.id][1]
    if not form.validate_on_submit():
        return _show(item, forms, 422)
    try:
        done = submit_once(
            lambda: review.review(
                placement.id, "reject", actor=current_user, reason=form.reason.data or ""
            )
        )
    except ValidationFailed as error:
        show_errors(form, error)
        return _show(item, forms, 422)
    except DomainError as error:
        flash(error.detail, "error")
    else:
        if not replayed(done):
            flash(
                _("%(person)s is rejected; the employer is told why.", person=done.value.full_name),
                "success",
            )
    return redirect(url_for("fund_placements.application", application_id=item.id))


FILTER_STATUSES = [s.value for s in followups.OVERVIEW_STATUSES]


@bp.get("/fund/placements")
@role_required(Role.FUND_ADMIN)
def placements():
    """The fund's placements: running and closed, with the next follow-up due."""
    wanted = request.args.get("status", "")
    status = PlacementStatus(wanted) if wanted in FILTER_STATUSES else None
    page = page_arg()
    rows, total = followups.placements_of_fund(current_user.fund_id, status=status, page=page)
    pages = max(1, math.ceil(total / services.PER_PAGE))
    return render_template(
        "placements/fund/placements.html",
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        status=status.value if status else "",
        statuses=FILTER_STATUSES,
        due_on=review.due_on,
        pending=review.pending_commitment,
    )
