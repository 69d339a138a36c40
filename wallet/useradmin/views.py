"""The platform administrator's pages: find users, see one, block, unblock, end sessions,
reset the second factor, invite administrators; the list of funds and opening one.

Every page that acts asks for a fresh second factor before it is even shown (so what is
typed is not lost to the step-up), then for a confirmation; the services check both again.
"""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from wallet.accounts.access import role_required
from wallet.accounts.models import Role
from wallet.core.errors import DomainError, ValidationFailed
from wallet.core.forms import page_arg, replayed, show_errors, submit_once
from wallet.core.money import Money
from wallet.sessions.devices import device_in_words
from wallet.twofactor.services import require_fresh_second_factor
from wallet.useradmin import funds, services
from wallet.useradmin.forms import (
    ROLE_LABELS,
    CloseForm,
    FundForm,
    InviteForm,
    OptionalReasonForm,
    ReasonForm,
    SearchForm,
)

bp = Blueprint("useradmin", __name__, url_prefix="/admin")
admin_only = role_required(Role.PLATFORM_ADMIN)


def fresh_first(view):
    """A fresh second factor before the page is shown and again when it is sent."""

    @wraps(view)
    def guarded(*args, **kwargs):
        require_fresh_second_factor(current_user)
        return view(*args, **kwargs)

    return guarded


@bp.app_context_processor
def _labels():
    return {"role_labels": ROLE_LABELS}


def _pages(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


@bp.get("/users")
@admin_only
def users():
    """Find users by name or e-mail address, 50 a page."""
    form = SearchForm(request.args)
    page = page_arg()
    role = Role(form.role.data) if form.validate() and form.role.data else None
    rows, total = services.find_users(form.q.data or "", page, role=role)
    args = {k: v for k, v in (("q", form.q.data), ("role", form.role.data)) if v}
    return render_template(
        "useradmin/users.html",
        form=form,
        rows=rows,
        total=total,
        page=page,
        pages=_pages(total, services.PER_PAGE),
        args=args,
    )


def _user_or_404(user_id: int):
    try:
        return services.get_user(user_id)
    except DomainError:
        abort(404)


@bp.get("/users/<int:user_id>")
@admin_only
def user(user_id: int):
    """One user's facts, sessions and the actions on their account."""
    found = _user_or_404(user_id)
    rows = [
        {
            "device": device_in_words(r.user_agent),
            "address": r.ip_address,
            "started": r.created_at,
            "last_seen": r.last_seen_at,
        }
        for r in services.sessions_of(found)
    ]
    blocked_by = found.blocked_by_id and services.get_user(found.blocked_by_id)
    return render_template(
        "useradmin/user.html",
        facts=services.facts_of(found),
        sessions=rows,
        blocked_by=blocked_by,
        is_self=found.id == current_user.id,
    )


# What each action asks and does: (form, service call, message when done).
ACTIONS = {
    "block": (
        ReasonForm,
        lambda uid, form: services.block_user(current_user, uid, form.reason.data),
    ),
    "unblock": (
        OptionalReasonForm,
        lambda uid, form: services.unblock_user(current_user, uid, form.reason.data),
    ),
    "end-sessions": (None, lambda uid, _form: services.end_user_sessions(current_user, uid)),
    "reset-second-factor": (
        ReasonForm,
        lambda uid, form: services.reset_second_factor(current_user, uid, form.reason.data),
    ),
    "close": (
        CloseForm,
        lambda uid, form: services.close_user(current_user, uid, form.reason.data),
    ),
}


def _done_message(action: str, found, result) -> str:
    if action == "block":
        return _("The account of %(name)s is blocked and every session has ended.", name=found.name)
    if action == "unblock":
        return _("The account of %(name)s is open again.", name=found.name)
    if action == "close":
        return _("The account of %(name)s is closed and every session has ended.", name=found.name)
    if action == "end-sessions":
        return ngettext(
            "%(num)d session of %(name)s has ended.",
            "%(num)d sessions of %(name)s have ended.",
            result,
            name=found.name,
        )
    return _(
        "The second factor of %(name)s is reset; they set up a new one at their next sign-in.",
        name=found.name,
    )


@bp.route(
    "/users/<int:user_id>/"
    "<any(block, unblock, close, 'end-sessions', 'reset-second-factor'):action>",
    methods=["GET", "POST"],
)
@admin_only
@fresh_first
def act(user_id: int, action: str):
    """Ask for the confirmation (and the reason), then take the action."""
    from wallet.accounts.forms import ConfirmForm

    found = _user_or_404(user_id)
    form_class, perform = ACTIONS[action]
    form = (form_class or ConfirmForm)()
    status = 200
    if form.validate_on_submit():
        try:
            result = perform(found.id, form)
        except ValidationFailed as error:
            show_errors(form, error)
        except DomainError as error:
            flash(error.detail, "error")
            return redirect(url_for("useradmin.user", user_id=found.id))
        else:
            flash(_done_message(action, found, result), "success")
            return redirect(url_for("useradmin.user", user_id=found.id))
    if form.errors:
        status = 422
    return render_template(
        "useradmin/confirm.html",
        form=form,
        action=action,
        found=found,
        facts=services.facts_of(found),
    ), status


@bp.route("/users/invite", methods=["GET", "POST"])
@admin_only
@fresh_first
def invite():
    """Invite a platform or fund administrator: the form, a confirmation, the e-mail."""
    form = InviteForm().with_funds(funds.all_funds())
    status = 200
    if form.validate_on_submit():
        if request.form.get("confirmed") == "yes":
            try:
                invited = services.invite_administrator(
                    current_user,
                    name=form.name.data,
                    email=form.email.data,
                    role=Role(form.role.data),
                    fund_id=int(form.fund.data) if form.fund.data else None,
                )
            except ValidationFailed as error:
                show_errors(form, error)
            else:
                flash(
                    _(
                        "We sent %(name)s an e-mail with a link to choose a password.",
                        name=invited.name,
                    ),
                    "success",
                )
                return redirect(url_for("useradmin.user", user_id=invited.id))
        else:
            return render_template(
                "useradmin/invite_confirm.html", form=form, fund_name=_choice_label(form.fund)
            )
    if form.errors:
        status = 422
    return render_template("useradmin/invite.html", form=form), status


def _choice_label(field) -> str:
    """The label of the option chosen in a select field, or ""."""
    for value, label, *_rest in field.iter_choices():
        if value == field.data and value:
            return str(label)
    return ""


@bp.get("/funds")
@admin_only
def fund_list():
    """Every fund, 50 a page, with a link to open a new one."""
    page = page_arg()
    rows, total = funds.funds_page(page)
    return render_template(
        "useradmin/funds.html", rows=rows, page=page, total=total, pages=_pages(total, 50)
    )


@bp.route("/funds/new", methods=["GET", "POST"])
@admin_only
@fresh_first
def new_fund():
    """Open a fund: the form, a confirmation of what will be made, then the fund."""
    form = FundForm().with_regions(funds.regions())
    status = 200
    if form.validate_on_submit():
        details = funds.NewFund(
            name=form.name.data,
            region=form.region.data,
            iban=form.iban.data,
            bic=form.bic.data or "",
            opening_cents=form.opening.cents,
            reference=form.reference.data or "",
        )
        try:
            iban, bic = funds.checked(details)
            if request.form.get("confirmed") != "yes":
                opening = Money(details.opening_cents).format() if details.opening_cents else ""
                return render_template(
                    "useradmin/fund_confirm.html", form=form, iban=iban, bic=bic, opening=opening
                )
            done = submit_once(lambda: funds.open_fund(current_user, details))
        except ValidationFailed as error:
            show_errors(form, error)
        except DomainError as error:
            form.name.errors = [*form.name.errors, error.detail]
        else:
            if not replayed(done):
                flash(_("The fund %(name)s is open.", name=done.value.name), "success")
            return redirect(url_for("useradmin.fund_list"))
    if form.errors:
        status = 422
    return render_template("useradmin/fund_new.html", form=form), status
