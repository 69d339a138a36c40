"""The employer's and the broker's pages of employer applications and placements.

Employer staff compose, send and withdraw their applications; a broker prepares one for an
employer in the fund's caseload and the employer confirms and sends it. Both follow the
placements: record a follow-up when it is due, close a placement that did not start or
ended early. The rules are the services' (wallet/placements/services.py, followups.py).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from wallet.accounts.access import role_required
from wallet.accounts.models import Role
from wallet.core import clock
from wallet.core.errors import Conflict, ValidationFailed
from wallet.core.forms import page_arg, replayed, show_errors, submit_once
from wallet.placements import followups, services
from wallet.placements.forms import (
    FIELD_OF_ERROR,
    FollowUpForm,
    PersonForm,
    ReasonForm,
    StartForm,
)
from wallet.placements.labels import CONTRACT_LABELS, STATUS_LABELS
from wallet.placements.models import EmployerApplicationStatus, PlacementStatus
from wallet.placements.reimbursement_views import section as reimbursement_section
from wallet.providers.models import ProviderStatus
from wallet.providers.services import providers_by_status
from wallet.schemes.employer_rules import (
    STARTING_SITUATIONS,
    TRAINING_KINDS,
    employer_rules_of,
    share_in_words,
)

bp = Blueprint("placements", __name__)
COMPOSERS = (Role.EMPLOYER_STAFF, Role.BROKER)
CLOSE_ACTIONS = ("not_started", "end_early")


@bp.app_context_processor
def _labels():
    return {
        "placement_status_labels": STATUS_LABELS,
        "contract_labels": CONTRACT_LABELS,
        "starting_situations": STARTING_SITUATIONS,
        "training_kinds": TRAINING_KINDS,
        "share_in_words": share_in_words,
        "scheme_rules": employer_rules_of,
    }


def follow_ups_due() -> list:
    """The follow-ups due for the start page of an employer's staff member or a broker."""
    return followups.due_follow_ups(current_user)


def _show(application_id: int):
    return redirect(url_for("placements.application", application_id=application_id))


def _done(message: str) -> None:
    flash(message, "success")


# --- the employer's list and a new application ---------------------------------------------


@bp.get("/employer/applications")
@role_required(Role.EMPLOYER_STAFF)
def applications():
    """The employer's applications, newest first."""
    page = page_arg()
    rows, total = services.applications_for(current_user, page=page)
    pages = max(1, -(-total // services.PER_PAGE))
    return render_template(
        "placements/applications.html", applications=rows, page=page, pages=pages, total=total
    )


@bp.route("/employer/applications/new", methods=["GET", "POST"])
@role_required(Role.EMPLOYER_STAFF)
def new_application():
    """The open employer schemes, each with what it pays; start a draft under one."""
    form = StartForm()
    if request.method == "POST":
        return _start(form, current_user.employer_id)
    return render_template(
        "placements/new.html", form=form, schemes=services.open_employer_schemes()
    )


@bp.post("/caseload/applications")
@role_required(Role.BROKER)
def prepare_application():
    """A broker starts a draft for an employer in the caseload, for the employer to confirm."""
    form = StartForm()
    return _start(form, form.employer_id.data or 0)


def _start(form: StartForm, employer_id: int):
    if not form.validate_on_submit() or not form.scheme_id.data or not employer_id:
        flash(_("Choose a scheme."), "error")
        return redirect(request.referrer or url_for("home.index"))
    scheme_id = form.scheme_id.data
    done = submit_once(lambda: services.start_application(current_user, employer_id, scheme_id))
    if replayed(done):
        return _show(done.result_id) if done.result_id else redirect(url_for("home.index"))
    _done(_("The application is started as a draft. Add the persons it is for."))
    return _show(done.value.id)


# --- one application -----------------------------------------------------------------------


def _person_form(application) -> PersonForm:
    form = PersonForm(prefix="person")
    form.offer(
        employer_rules_of(application.scheme), providers_by_status(ProviderStatus.ACCREDITED)
    )
    return form


def _render(application, person_form=None, status: int = 200):
    is_draft = application.status == EmployerApplicationStatus.DRAFT
    may_compose = is_draft and services.may_change(current_user, application)
    if person_form is None and may_compose:
        person_form = _person_form(application)
    return render_template(
        "placements/application.html",
        application=application,
        rules=employer_rules_of(application.scheme),
        person_form=person_form,
        may_compose=may_compose,
        is_employer=current_user.role == Role.EMPLOYER_STAFF,
        reason_form=ReasonForm(),
    ), status


@bp.get("/employer/applications/<int:application_id>")
@role_required(*COMPOSERS)
def application(application_id: int):
    """An application with its persons; on a draft, the form to add one."""
    return _render(services.visible_application(application_id, current_user))


@bp.post("/employer/applications/<int:application_id>/persons")
@role_required(*COMPOSERS)
def add_person(application_id: int):
    """List one more person in a draft; every problem shown on its field, nothing written."""
    application = services.visible_application(application_id, current_user)
    form = _person_form(application)
    if not form.validate_on_submit():
        return _render(application, form, 422)
    try:
        done = submit_once(lambda: services.add_person(current_user, application.id, form.person()))
    except ValidationFailed as error:
        errors = {FIELD_OF_ERROR.get(k, k): v for k, v in error.errors.items()}
        show_errors(form, ValidationFailed(error.detail, errors=errors))
        return _render(application, form, 422)
    if not replayed(done):
        _done(_("%(name)s is added to the application.", name=done.value.full_name))
    return _show(application.id)


@bp.post("/employer/applications/<int:application_id>/persons/<int:placement_id>/remove")
@role_required(*COMPOSERS)
def remove_person(application_id: int, placement_id: int):
    """Take a person out of a draft."""
    if not ReasonForm().validate_on_submit():  # the CSRF check
        flash(_("The form had expired. Please send it again."), "error")
        return _show(application_id)
    placement = services.visible_placement(placement_id, current_user)
    if placement.application_id != application_id:
        return _show(application_id)
    done = submit_once(lambda: services.remove_person(current_user, placement_id))
    if not replayed(done):
        _done(_("%(name)s is taken out of the application.", name=placement.full_name))
    return _show(application_id)


# Each step that cannot be undone first shows what it does and asks to confirm.
STEPS = {
    "send": services.submit_application,
    "discard": services.discard_application,
    "withdraw": services.withdraw_application,
}


@bp.route(
    "/employer/applications/<int:application_id>/<any(send, discard, withdraw):step>",
    methods=["GET", "POST"],
)
@role_required(*COMPOSERS)
def confirm_step(application_id: int, step: str):
    """Send to the fund, discard the draft or withdraw what is sent: confirm first."""
    application = services.visible_application(application_id, current_user)
    form = ReasonForm()
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        args = (current_user, application.id)
        if step == "withdraw":
            args = (*args, form.reason.data or "")
        try:
            done = submit_once(lambda: STEPS[step](*args))
        except ValidationFailed as error:
            show_errors(form, error)
            status = 422
        else:
            if not replayed(done):
                _done(
                    {
                        "send": _("The application is sent to the fund."),
                        "discard": _("The draft is discarded."),
                        "withdraw": _("The application is withdrawn."),
                    }[step]
                )
            return _show(application.id)
    elif request.method == "POST":
        status = 422
    waiting = (PlacementStatus.DRAFT, PlacementStatus.IN_REVIEW)
    total = sum(p.requested_cents for p in application.placements if p.status in waiting)
    return render_template(
        "placements/confirm.html", application=application, step=step, form=form, total=total
    ), status


# --- one placement -------------------------------------------------------------------------


@bp.route("/placements/<int:placement_id>", methods=["GET", "POST"])
@role_required(*COMPOSERS)
def placement(placement_id: int):
    """One person: the decision, the commitment and the follow-ups; record a due one."""
    item = services.visible_placement(placement_id, current_user)
    form = FollowUpForm()
    status = 200
    months = request.form.get("months", type=int)
    if request.method == "POST" and form.validate_on_submit():
        answer = form.still_employed.data
        if answer not in ("yes", "no"):
            form.still_employed.errors = [_("Say whether the person is still employed.")]
            status = 422
        else:
            try:
                done = submit_once(
                    lambda: followups.record_follow_up(
                        item.id,
                        months or 0,
                        actor=current_user,
                        still_employed=answer == "yes",
                        note=form.note.data or "",
                    )
                )
            except ValidationFailed as error:
                show_errors(form, error)
                status = 422
            else:
                if not replayed(done):
                    _done(_("The follow-up is recorded."))
                return redirect(url_for("placements.placement", placement_id=item.id))
    elif request.method == "POST":
        status = 422
    today = clock.today()
    due = [f for f in item.follow_ups if f.recorded_at is None and f.due_on <= today]
    return render_template(
        "placements/placement.html",
        placement=item,
        form=form,
        today=today,
        due=due[0] if due and item.status == PlacementStatus.APPROVED else None,
        form_months=months,
        **reimbursement_section(item),
    ), status


@bp.route(
    "/placements/<int:placement_id>/<any(not_started, end_early):action>", methods=["GET", "POST"]
)
@role_required(*COMPOSERS)
def close_placement(placement_id: int, action: str):
    """Close a placement as not started or ended early: with a reason, after confirming."""
    item = services.visible_placement(placement_id, current_user)
    form = ReasonForm()
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        try:
            done = submit_once(
                lambda: followups.close(
                    item.id, action, actor=current_user, reason=form.reason.data or ""
                )
            )
        except ValidationFailed as error:
            show_errors(form, error)
            status = 422
        else:
            if not replayed(done):
                _done(_("The placement is closed."))
            return redirect(url_for("placements.placement", placement_id=item.id))
    elif request.method == "POST":
        status = 422
    return render_template(
        "placements/close.html", placement=item, action=action, form=form
    ), status


@bp.errorhandler(Conflict)
def _refused(error: Conflict):
    """A step not possible now (sent meanwhile, not due yet): say why on the page it came
    from. Other refusals (not found, not allowed) are the application's error pages."""
    flash(error.detail, "error")
    back = request.view_args or {}
    if "application_id" in back:
        return _show(back["application_id"])
    if "placement_id" in back:
        return redirect(url_for("placements.placement", placement_id=back["placement_id"]))
    return redirect(url_for("home.index"))
