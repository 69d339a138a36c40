"""Application pages: the worker confirms a plan and follows it; the provider answers."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional

from wallet.accounts.access import role_required
from wallet.accounts.models import Role
from wallet.applications import services
from wallet.applications.labels import STATUS_LABELS
from wallet.applications.models import ApplicationStatus
from wallet.core import clock
from wallet.core.confirm import confirmation_page, confirmed
from wallet.core.db import session
from wallet.core.errors import DomainError, NotFound, ValidationFailed
from wallet.core.forms import replayed, show_errors, submit_once
from wallet.core.inputs import query_id
from wallet.core.money import MAX_CENTS
from wallet.core.templating import date, money
from wallet.grants.models import Grant
from wallet.twofactor.services import require_fresh_second_factor

bp = Blueprint("applications", __name__)


class ApplyForm(FlaskForm):
    """Confirm a spend with the password."""

    password = PasswordField(
        _l("Your password"),
        description=_l("Confirms that you want to spend your budget on this course."),
        validators=[DataRequired(_l("This field is required."))],
    )
    expected_copay = HiddenField()


def _seen_copay(text: str | None) -> int:
    """The co-payment the page showed (a hidden field); -1, which no plan has, if garbled."""
    try:
        cents = int(text or "")
    except ValueError:
        return -1
    return cents if 0 <= cents <= MAX_CENTS else -1


class AnswerForm(FlaskForm):
    """A provider's answer, with a reason or payment reference where needed."""

    reason = StringField(_l("Reason (for a rejection)"), validators=[Optional(), Length(max=500)])
    payment_reference = StringField(
        _l("Payment reference"), validators=[Optional(), Length(max=50)]
    )


@bp.route("/applications/new", methods=["GET", "POST"])
@role_required(Role.WORKER)
def new():
    """The funding plan of a run, its conditions, and the confirmation with the password."""
    run_id = query_id("run")
    form = ApplyForm()
    status = 200
    try:
        run = services.bookable_run(run_id)
    except DomainError as error:
        flash(error.detail, "error")
        return redirect(url_for("catalogue.search_page"))
    plan = services.plan_for(current_user.id, run)
    if form.validate_on_submit():
        if plan.covered_cents > current_app.config["STEP_UP_SPEND_CENTS"]:
            require_fresh_second_factor(current_user)  # a large spend: a fresh second factor
        try:
            done = submit_once(
                lambda: services.apply(
                    current_user,
                    run.id,
                    password=form.password.data,
                    expected_copay_cents=_seen_copay(form.expected_copay.data),
                    client_ip=request.remote_addr,
                )
            )
        except ValidationFailed as error:
            show_errors(form, error)
            status = 422
        except DomainError as error:
            flash(error.detail, "error")
            status = error.status
            plan = services.plan_for(current_user.id, run)
        else:
            if not replayed(done):
                flash(_sent_message(done.value), "success")
            return redirect(url_for("applications.mine"))
    elif form.errors:
        status = 422
    form.expected_copay.data = str(plan.copay_cents)
    wanted = [part.grant_id for part in plan.parts]
    grants = {g.id: g for g in session.scalars(sa.select(Grant).where(Grant.id.in_(wanted)))}
    return render_template(
        "applications/new.html", run=run, plan=plan, form=form, grants=grants
    ), status


@bp.get("/applications")
@role_required(Role.WORKER)
def mine():
    """The worker's applications and what they can still do with them."""
    from wallet.applications.timeline import budget_parts, timelines

    applications = services.applications_of_worker(current_user.id)
    cancellable = {a.id for a in applications if services.may_cancel(a)}
    ids = [a.id for a in applications]
    return render_template(
        "applications/mine.html",
        applications=applications,
        cancellable=cancellable,
        labels=STATUS_LABELS,
        form=AnswerForm(),
        timelines=timelines(ids),
        parts=budget_parts(ids),
    )


@bp.post("/applications/<int:application_id>/<action>")
@role_required(Role.WORKER, Role.PROVIDER_STAFF)
def act(application_id: int, action: str):
    """Cancel (worker), or confirm, reject, record a co-payment, start, complete (provider)."""
    form = AnswerForm()
    form.validate()
    if action == "cancel" and current_user.role == Role.WORKER and not confirmed():
        return _confirm_cancel(application_id)
    try:
        done = submit_once(
            lambda: services.record_decision(
                application_id,
                action,
                actor=current_user,
                reason=form.reason.data or "",
                payment_reference=form.payment_reference.data or "",
            )
        )
    except DomainError as error:
        flash(error.detail, "error")
    else:
        if not replayed(done):
            services.settle_after(done.value, action)
            flash(_("Done."), "success")
    if current_user.role == Role.WORKER:
        return redirect(url_for("applications.mine"))
    return redirect(url_for("applications.queue"))


def _sent_message(application) -> str:
    # "The budget is reserved" only where something was: an employer or the worker may pay all.
    if application.covered_cents:
        return _(
            "Your application %(reference)s is sent; %(amount)s of your budget is reserved for it.",
            reference=application.reference,
            amount=money(application.covered_cents),
        )
    return _("Your application %(reference)s is sent.", reference=application.reference)


def _confirm_cancel(application_id: int) -> str:
    """The worker's second step before cancelling: what they give up and get back."""
    application = services.get_application(application_id)
    if application.user_id != current_user.id:  # other people's applications do not exist
        raise NotFound(_("There is no such application."))
    if not services.may_cancel(application):
        flash(_("This application can no longer be cancelled."), "error")
        return redirect(url_for("applications.mine"))
    run = application.run
    consequences = [_("Your place on this course is given up; the provider is told.")]
    if application.covered_cents:
        consequences.append(
            _(
                "What is reserved from your budget and not yet paid to the "
                "provider goes back to your budget (at most %(amount)s).",
                amount=money(application.covered_cents),
            )
        )
    if application.copay_cents:
        consequences.append(
            _(
                "Your own contribution of %(amount)s is refunded where you "
                "have paid it and the rules allow it.",
                amount=money(application.copay_cents),
            )
        )
    return confirmation_page(
        title=_("Cancel your application %(reference)s?", reference=application.reference),
        facts=[
            (_("Course"), run.course.title(str(get_locale()))),
            (_("Starts on"), date(run.starts_on)),
        ],
        consequences=consequences,
        button=_("Yes, cancel %(reference)s", reference=application.reference),
        back_url=url_for("applications.mine"),
        back_text=_("No, keep my application"),
        danger=True,
    )


@bp.get("/provider/applications")
@role_required(Role.PROVIDER_STAFF)
def queue():
    """The provider's applications: to answer first, then those running."""
    applications = services.applications_of_provider(current_user.provider_id)
    from wallet.claims.services import claim_kinds

    waiting = [a for a in applications if a.status == ApplicationStatus.SUBMITTED]
    others = [a for a in applications if a not in waiting]
    invoiceable = {i for i, kinds in claim_kinds(others).items() if kinds}
    return render_template(
        "applications/queue.html",
        waiting=waiting,
        others=others,
        invoiceable=invoiceable,
        labels=STATUS_LABELS,
        form=AnswerForm(),
        today=clock.today(),
    )
