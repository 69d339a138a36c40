"""Employer pages: sign-up, the start page and organisation of employer staff, and the
platform's moderation of employers."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user

from wallet.accounts.access import role_required
from wallet.accounts.forms import ColleagueForm
from wallet.accounts.models import Role
from wallet.audit.services import history
from wallet.core import clock
from wallet.core.errors import DomainError, ValidationFailed
from wallet.core.forms import add_colleague, show_errors
from wallet.employers import services
from wallet.employers.forms import (
    DETAIL_FIELDS,
    DecisionForm,
    EmployerDetailsForm,
    EmployerRegistrationForm,
)
from wallet.employers.models import EmployerStatus
from wallet.reference import municipality, sbi_name
from wallet.verification.views import device_id

bp = Blueprint("employers", __name__)

STATUS_LABELS = {
    EmployerStatus.PENDING: _l("Being checked"),
    EmployerStatus.VERIFIED: _l("Verified"),
    EmployerStatus.SUSPENDED: _l("Suspended"),
    EmployerStatus.REJECTED: _l("Rejected"),
}
ACTION_LABELS = {
    "verify": _l("Verify"),
    "suspend": _l("Suspend"),
    "reject": _l("Reject"),
    "reopen": _l("Check again"),
}
EVENT_LABELS = {
    "registered": _l("Registered"),
    "details_changed": _l("Details changed"),
    "iban_changed": _l("IBAN changed"),
    "bank_change_requested": _l("New IBAN requested"),
    "bank_change_rejected": _l("New IBAN not accepted"),
    "bank_change_withdrawn": _l("New IBAN withdrawn"),
    "staff_added": _l("Colleague added"),
    "verify": _l("Verified"),
    "suspend": _l("Suspended"),
    "reject": _l("Rejected"),
    "reopen": _l("Checked again"),
}


@bp.app_context_processor
def _labels():
    return {
        "employer_status_labels": STATUS_LABELS,
        "sbi_name": sbi_name,
        "municipality": municipality,
    }


def _details(form) -> services.EmployerDetails:
    values = {name: form[name].data or "" for name in (*DETAIL_FIELDS, "iban") if name in form}
    name = form.organisation_name.data if "organisation_name" in form else form.name.data
    return services.EmployerDetails(name=name or "", **values)


@bp.route("/employers/register", methods=["GET", "POST"])
def register():
    """An employer signs up its organisation and first staff user; it waits for verification."""
    form = EmployerRegistrationForm()
    if form.validate_on_submit():
        data = services.EmployerRegistration(
            details=_details(form),
            kvk_number=form.kvk_number.data,
            name=form.name.data,
            email=form.email.data,
            password=form.password.data,
            preferred_language=form.preferred_language.data,
        )
        try:
            user = services.register_employer(
                data, ip_address=request.remote_addr, device_id=device_id()
            )
        except ValidationFailed as error:
            show_errors(form, error)
        else:
            login_user(user)
            flash(_("Your organisation is registered and is being checked."), "success")
            return redirect(url_for("employers.start"))
    status = 422 if form.errors else 200
    return render_template("employers/register.html", form=form), status


def start_context() -> dict:
    """What the start page of employer staff shows: the organisation and the follow-ups due."""
    from wallet.placements.views import follow_ups_due  # placements build on employers

    return {
        "employer": current_user.employer,
        "follow_ups": follow_ups_due(),
        "today": clock.today(),
    }


@bp.get("/employer")
@role_required(Role.EMPLOYER_STAFF)
def start():
    """The start page of employer staff: where the organisation stands."""
    return render_template("employers/start.html", **start_context())


@bp.route("/employer/organisation", methods=["GET", "POST"])
@role_required(Role.EMPLOYER_STAFF)
def organisation():
    """The employer's details and colleagues; the IBAN changes on the bank details page."""
    employer = current_user.employer
    details = EmployerDetailsForm(obj=employer if request.method == "GET" else None)
    colleague = ColleagueForm(prefix="colleague")
    status = 200
    if request.method == "POST" and request.form.get("form") == "colleague":
        back = url_for("employers.organisation")
        if added := add_colleague(colleague, services.add_staff_member, employer.id, back):
            return added
        status = 422
    elif request.method == "POST":
        if details.validate_on_submit():
            try:
                services.update_details(employer.id, _details(details), actor_id=current_user.id)
            except ValidationFailed as error:
                show_errors(details, error)
            else:
                flash(_("Your details are saved."), "success")
                return redirect(url_for("employers.organisation"))
        status = 422
    staff = services.staff_of(employer.id)
    return render_template(
        "employers/organisation.html",
        employer=employer,
        details=details,
        colleague=colleague,
        staff=staff,
    ), status


@bp.get("/admin/employers")
@role_required(Role.PLATFORM_ADMIN)
def moderation():
    """Employers by status, the ones being checked first."""
    try:
        status = EmployerStatus(request.args.get("status", "pending"))
    except ValueError:
        status = EmployerStatus.PENDING
    return render_template(
        "employers/moderation.html", status=status, employers=services.employers_by_status(status)
    )


@bp.route("/admin/employers/<int:employer_id>", methods=["GET", "POST"])
@role_required(Role.PLATFORM_ADMIN)
def employer_page(employer_id: int):
    """An employer with its details, staff and history; verify, suspend or reject it."""
    employer = services.get_employer(employer_id)
    form = DecisionForm()
    status = 200
    if request.method == "POST":
        action = request.form.get("action", "")
        if form.validate_on_submit() and action in services.ACTIONS:
            try:
                services.change_status(
                    employer_id, action, reason=form.reason.data, actor_id=current_user.id
                )
            except DomainError as error:
                flash(error.detail, "error")
                status = error.status
            else:
                flash(_("The decision is recorded."), "success")
                return redirect(url_for("employers.employer_page", employer_id=employer_id))
        else:
            flash(_("Give a reason; the employer sees it."), "error")
            status = 422
    return render_template(
        "employers/employer.html",
        employer=employer,
        form=form,
        staff=services.staff_of(employer_id),
        events=history("employer", employer_id),
        event_labels=EVENT_LABELS,
        actions=[
            (a, ACTION_LABELS[a])
            for a in services.ACTIONS
            if (employer.status, a) in services.TRANSITIONS
        ],
    ), status
