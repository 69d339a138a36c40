"""Bank details pages: the owner's staff ask for a new IBAN; a second person confirms it."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from wallet.accounts.access import role_required
from wallet.accounts.models import Role
from wallet.audit.services import masked_iban
from wallet.bankdetails import services
from wallet.bankdetails.models import ChangeStatus, OwnerKind
from wallet.core.errors import DomainError, Forbidden, ValidationFailed
from wallet.core.forms import show_errors
from wallet.twofactor.services import require_fresh_second_factor

bp = Blueprint("bankdetails", __name__)
REQUIRED = _l("This field is required.")
STAFF = (Role.PROVIDER_STAFF, Role.EMPLOYER_STAFF, Role.FUND_ADMIN)
CONFIRMERS = (Role.PLATFORM_ADMIN, Role.FUND_ADMIN)
STATUS_LABELS = {
    ChangeStatus.PENDING: _l("Waiting for confirmation"),
    ChangeStatus.CONFIRMED: _l("Confirmed"),
    ChangeStatus.REJECTED: _l("Not accepted"),
    ChangeStatus.WITHDRAWN: _l("Withdrawn"),
}
OWNER_LABELS = {
    OwnerKind.PROVIDER: _l("Training provider"),
    OwnerKind.EMPLOYER: _l("Employer"),
    OwnerKind.FUND: _l("Fund"),
}


class RequestForm(FlaskForm):
    """A new IBAN, with the password of the person asking."""

    iban = StringField(
        _l("New IBAN"),
        validators=[DataRequired(REQUIRED), Length(max=42)],
        description=_l("For example NL91 ABNA 0417 1643 00."),
    )
    password = PasswordField(
        _l("Your password"),
        validators=[DataRequired(REQUIRED)],
        description=_l("To be sure it is you who asks."),
    )


class RejectForm(FlaskForm):
    """Why a new IBAN is not accepted."""

    reason = TextAreaField(
        _l("Reason"),
        description=_l("The organisation is told this."),
        validators=[DataRequired(REQUIRED), Length(max=500)],
    )


def waiting_for(kind: OwnerKind) -> str:
    """Who confirms a new IBAN of this kind of owner, in words."""
    if kind == OwnerKind.FUND:
        return _("another administrator of the fund or a platform administrator")
    return _("a platform administrator")


def bank_state(user) -> dict | None:
    """The user's organisation's IBAN in force and the change waiting, for the owner's pages."""
    kind = services.STAFF_ROLES.get(user.role)
    if kind is None or not getattr(user, f"{kind.value}_id"):
        return None
    owner_id = getattr(user, f"{kind.value}_id")
    return {
        "owner": services.get_owner(kind, owner_id),
        "pending": services.pending_change(kind, owner_id),
        "confirmer": waiting_for(kind),
    }


def grouped(iban: str | None) -> str:
    """An IBAN in groups of four, as printed on bank cards: read aloud and checked by phone."""
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4)) if iban else ""


@bp.app_context_processor
def _helpers():
    return {
        "bank_state": bank_state,
        "masked_iban": masked_iban,
        "grouped_iban": grouped,
        "waiting_iban": lambda kind, owner_id: services.pending_change(OwnerKind(kind), owner_id),
    }


@bp.route("/bank-details", methods=["GET", "POST"])
@role_required(*STAFF)
def mine():
    """The IBAN in force, the change waiting, asking for a new one or withdrawing it."""
    form, status = RequestForm(), 200
    if request.method == "POST" and request.form.get("form") == "withdraw":
        try:
            services.withdraw_change(request.form.get("change", 0, type=int), current_user)
        except DomainError as error:
            flash(error.detail, "error")
        else:
            flash(_("Your request is withdrawn; the IBAN in use stays."), "success")
        return redirect(url_for("bankdetails.mine"))
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                services.request_change(current_user, form.iban.data, password=form.password.data)
            except ValidationFailed as error:
                show_errors(form, error)
            else:
                flash(
                    _("Your request is sent. The new IBAN is used once it is confirmed."), "success"
                )
                return redirect(url_for("bankdetails.mine"))
        status = 422
    form.password.data = ""
    kind, owner_id = services.owner_of(current_user)
    history = services.history_of(kind, owner_id)
    people = services.users_by_id(c.decided_by_id for c in history)
    page = render_template(
        "bankdetails/mine.html",
        form=form,
        state=bank_state(current_user),
        history=history,
        labels=STATUS_LABELS,
        people=people,
    )
    return page, status


@bp.get("/admin/bank-details")
@role_required(*CONFIRMERS)
def queue():
    """Changes waiting for a second person, oldest first."""
    changes = services.changes_to_decide(current_user)
    return render_template(
        "bankdetails/queue.html",
        changes=changes,
        names=services.names_of(changes),
        people=services.users_by_id(c.requested_by_id for c in changes),
        refusals={c.id: services.refusal(current_user, c) for c in changes},
        owner_labels=OWNER_LABELS,
        reject_form=RejectForm(),
    )


@bp.route("/admin/bank-details/<int:change_id>/confirm", methods=["GET", "POST"])
@role_required(*CONFIRMERS)
def confirm(change_id: int):
    """A confirmation step shows the change in full; only the second POST changes the IBAN."""
    change = services.get_change(change_id)
    if why := services.refusal(current_user, change):
        raise Forbidden(why)  # a readable 403 page, before anything is shown in full
    if request.method == "POST" and FlaskForm().validate_on_submit():
        require_fresh_second_factor(current_user)
        try:
            services.confirm_change(change_id, current_user)
        except DomainError as error:
            flash(error.detail, "error")
        else:
            flash(_("The new IBAN is in use."), "success")
        return redirect(url_for("bankdetails.queue"))
    names = services.names_of([change])
    return render_template(
        "bankdetails/confirm.html",
        change=change,
        form=FlaskForm(),
        owner=names[(change.owner_kind, change.owner_id)],
        owner_label=OWNER_LABELS[change.owner_kind],
        requester=services.users_by_id([change.requested_by_id])[change.requested_by_id],
    )


@bp.post("/admin/bank-details/<int:change_id>/reject")
@role_required(*CONFIRMERS)
def reject(change_id: int):
    """Refuse a new IBAN with a reason; the organisation's staff are told."""
    form = RejectForm()
    form.validate()
    try:
        services.reject_change(change_id, current_user, reason=form.reason.data or "")
    except DomainError as error:
        flash(error.detail, "error")
    else:
        flash(_("The new IBAN is not accepted; the organisation is told."), "success")
    return redirect(url_for("bankdetails.queue"))
