"""Broker pages: the caseload start page, one employer's entry, and the fund's broker team."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from wallet.accounts.access import role_required
from wallet.accounts.models import Role
from wallet.audit.services import history
from wallet.brokers import services
from wallet.brokers.forms import (
    KIND_LABELS,
    BrokerForm,
    ContactForm,
    HandOverForm,
    NextStepFields,
    StageForm,
)
from wallet.brokers.models import CaseloadStage
from wallet.core import clock
from wallet.core.errors import DomainError, ValidationFailed
from wallet.core.forms import choices, page_arg, show_errors
from wallet.funds.services import get_fund

bp = Blueprint("brokers", __name__)

STAGE_LABELS = {
    CaseloadStage.LEAD: _l("Lead"),
    CaseloadStage.PREPARING: _l("Preparing an application"),
    CaseloadStage.SUBMITTED: _l("Application submitted"),
    CaseloadStage.APPROVED: _l("Application approved"),
    CaseloadStage.PLACED: _l("Placed"),
    CaseloadStage.FOLLOWED_UP: _l("Followed up"),
    CaseloadStage.DROPPED: _l("Stopped"),
}
ACTION_LABELS = {
    "prepare": _l("Start preparing"),
    "submit": _l("Mark as submitted"),
    "approve": _l("Mark as approved"),
    "place": _l("Mark as placed"),
    "follow_up": _l("Mark as followed up"),
    "drop": _l("Stop"),
    "reopen": _l("Reopen as lead"),
}
EVENT_LABELS = {
    **ACTION_LABELS,
    "added": _l("Added to the caseload"),
    "handed_over": _l("Handed over"),
    "next_step_planned": _l("Next step planned"),
    "contact_logged": _l("Contact logged"),
}


@bp.app_context_processor
def _labels():
    return {"caseload_stage_labels": STAGE_LABELS, "contact_kind_labels": KIND_LABELS}


def start_context() -> dict:
    """What the broker's start page shows: their caseload by stage, due steps first."""
    mine = services.caseload_of(current_user.fund_id, broker_id=current_user.id)
    team = [e for e in services.caseload_of(current_user.fund_id) if e.broker_id != current_user.id]
    from wallet.placements.views import follow_ups_due  # placements build on brokers

    return {
        "follow_ups": follow_ups_due(),
        "due": services.due_this_week(mine),
        "groups": services.by_stage(mine),
        "team": team,
        "today": clock.today(),
    }


@bp.get("/broker")
@role_required(Role.BROKER)
def start():
    """The broker's start page."""
    return render_template("brokers/start.html", **start_context())


@bp.route("/broker/employers", methods=["GET", "POST"])
@role_required(Role.BROKER)
def add_employer():
    """Find an employer by name or KvK number and take it into the caseload."""
    form = NextStepFields()
    query = request.args.get("q", "")
    status = 200
    if request.method == "POST":
        employer_id = request.form.get("employer_id", type=int)
        if form.validate_on_submit() and employer_id:
            try:
                entry = services.add_to_caseload(
                    employer_id,
                    actor_id=current_user.id,
                    next_step=form.next_step.data or "",
                    next_step_on=form.next_step_on.data,
                )
            except ValidationFailed as error:
                show_errors(form, error)
                status = 422
            except DomainError as error:
                flash(error.detail, "error")
                status = error.status
            else:
                flash(_("The employer is in your caseload."), "success")
                return redirect(url_for("brokers.entry", entry_id=entry.id))
        else:
            status = 422
    return render_template(
        "brokers/add.html", form=form, query=query, employers=services.search_employers(query)
    ), status


def _forms(entry):
    hand_over = HandOverForm(prefix="handover")
    hand_over.broker.choices = choices(
        ((u.id, u.name) for u in services.colleagues_of(entry)), _l("Choose a colleague")
    )
    return {
        "stage_form": StageForm(prefix="stage"),
        "contact_form": ContactForm(prefix="contact"),
        "next_form": NextStepFields(prefix="next", obj=entry),
        "hand_over": hand_over,
    }


def _handle(entry, forms) -> int | None:
    """Run the posted form's use case; None when it succeeded."""
    kind = request.form.get("form")
    actor = current_user.id
    try:
        if kind == "stage" and forms["stage_form"].validate_on_submit():
            action = request.form.get("action", "")
            services.move_stage(
                entry.id, action, note=forms["stage_form"].note.data, actor_id=actor
            )
            flash(_("The step is recorded."), "success")
        elif kind == "contact" and forms["contact_form"].validate_on_submit():
            form = forms["contact_form"]
            services.log_contact(
                entry.id,
                kind=form.kind.data,
                contacted_on=form.contacted_on.data,
                note=form.note.data,
                actor_id=actor,
            )
            flash(_("The contact is logged."), "success")
        elif kind == "next" and forms["next_form"].validate_on_submit():
            form = forms["next_form"]
            services.plan_next_step(
                entry.id,
                next_step=form.next_step.data or "",
                next_step_on=form.next_step_on.data,
                actor_id=actor,
            )
            flash(_("The next step is saved."), "success")
        elif kind == "handover" and forms["hand_over"].validate_on_submit():
            services.hand_over(
                entry.id, to_broker_id=int(forms["hand_over"].broker.data), actor_id=actor
            )
            flash(_("The employer is handed over."), "success")
        elif kind in ("stage", "contact", "next", "handover"):
            return 422
        else:
            abort(400)
    except ValidationFailed as error:
        target = {
            "stage": "stage_form",
            "contact": "contact_form",
            "next": "next_form",
            "handover": "hand_over",
        }[kind]
        show_errors(forms[target], error)
        return 422
    except DomainError as error:
        flash(error.detail, "error")
        return error.status
    return None


def _application_context(entry) -> dict:
    """A broker of the fund prepares an application for the employer under an open scheme."""
    from wallet.placements.forms import StartForm  # placements build on brokers
    from wallet.placements.services import open_employer_schemes

    if current_user.role != Role.BROKER:
        return {"schemes": [], "start_form": None}
    return {"schemes": open_employer_schemes(entry.fund_id), "start_form": StartForm()}


@bp.route("/caseload/<int:entry_id>", methods=["GET", "POST"])
@role_required(Role.BROKER, Role.FUND_ADMIN)
def entry(entry_id: int):
    """One employer in the caseload: details, stage and its steps, contacts, hand-over."""
    item = services.get_entry(entry_id, current_user)
    forms = _forms(item)
    status = 200
    if request.method == "POST":
        status = _handle(item, forms)
        if status is None:
            return redirect(url_for("brokers.entry", entry_id=entry_id))
    contacts, pages = services.contacts_of(entry_id, page_arg())
    editable = services.may_edit(item, current_user)
    actions = (
        [(a, ACTION_LABELS[a]) for a in services.ACTIONS if (item.stage, a) in services.TRANSITIONS]
        if editable
        else []
    )
    return render_template(
        "brokers/entry.html",
        **_application_context(item),
        entry=item,
        contacts=contacts,
        page=page_arg(),
        pages=pages,
        editable=editable,
        may_hand_over=services.may_hand_over(item, current_user),
        actions=actions,
        events=history("caseload_entry", entry_id),
        event_labels=EVENT_LABELS,
        **forms,
    ), status


@bp.route("/fund/brokers", methods=["GET", "POST"])
@role_required(Role.FUND_ADMIN)
def team():
    """The fund's labour brokers with their caseload counts and caseload; add a broker."""
    return _team(current_user.fund_id, endpoint="brokers.team", with_caseload=True)


@bp.route("/admin/funds/<int:fund_id>/brokers", methods=["GET", "POST"])
@role_required(Role.PLATFORM_ADMIN)
def fund_team(fund_id: int):
    """A platform administrator adds a fund's brokers; the caseload stays the fund's own."""
    return _team(fund_id, endpoint="brokers.fund_team", with_caseload=False)


def _team(fund_id: int, *, endpoint: str, with_caseload: bool):
    fund = get_fund(fund_id)
    form = BrokerForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                services.create_broker(
                    fund.id,
                    name=form.name.data,
                    email=form.email.data,
                    actor_id=current_user.id,
                )
            except ValidationFailed as error:
                show_errors(form, error)
            else:
                flash(
                    _("We sent the labour broker an e-mail with a link to choose a password."),
                    "success",
                )
                return redirect(url_for(endpoint, fund_id=fund.id))
        status = 422
    return render_template(
        "brokers/team.html",
        fund=fund,
        form=form,
        action=url_for(endpoint, fund_id=fund.id),
        brokers=services.brokers_of(fund.id),
        caseload=services.caseload_of(fund.id) if with_caseload else None,
    ), status
