"""Pages: open a verification link, ask for a new one, and the fund's queue of held grants."""

from __future__ import annotations

import secrets

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.validators import DataRequired, Length

from wallet.accounts.access import role_required
from wallet.accounts.models import Role
from wallet.core.confirm import confirmation_page, confirmed
from wallet.core.errors import DomainError, ValidationFailed
from wallet.core.forms import choices
from wallet.verification import holds, links
from wallet.verification.models import HoldDecision, MatchKind

bp = Blueprint("verification", __name__)

# A random id per browser, kept a year: the same browser behind two workers is a signal.
DEVICE_COOKIE = "lw_device"
MATCH_LABELS = {
    MatchKind.PERSON: _l("Same name, date of birth and postcode as"),
    MatchKind.DEVICE: _l("Same browser as"),
}


def device_id() -> str | None:
    """The browser's device id, when it has one."""
    value = request.cookies.get(DEVICE_COOKIE, "")
    return value if 16 <= len(value) <= 64 and value.isascii() else None


@bp.after_app_request
def _give_device_id(response: Response) -> Response:
    # Pages only: API clients and webhooks are systems, not browsers.
    if device_id() is None and response.mimetype == "text/html":
        response.set_cookie(
            DEVICE_COOKIE,
            secrets.token_urlsafe(24),
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure,
        )
    return response


class HoldDecisionForm(FlaskForm):
    """Release or cancel a held grant, with the reason kept in the audit trail."""

    decision = RadioField(
        _l("Decision"),
        choices=choices(
            [
                (HoldDecision.RELEASED.value, _l("Release: the worker may spend the budget")),
                (HoldDecision.CANCELLED.value, _l("Cancel: the budget goes back to the fund")),
            ]
        ),
        validators=[DataRequired(_l("Choose a decision."))],
    )
    reason = TextAreaField(
        _l("Reason"),
        description=_l("Kept in the audit trail."),
        validators=[DataRequired(_l("Give a reason.")), Length(min=3, max=500)],
    )


@bp.get("/verify/<token>")
def verify(token: str):
    """Open a verification link: the address is verified, once."""
    links.verify_email(token)
    flash(_("Thank you: your e-mail address is verified."), "success")
    return redirect(url_for("home.index"))


@bp.post("/verify/resend")
@login_required
def resend():
    """Send a new verification link, at most as often as the doubling wait allows."""
    if FlaskForm().validate_on_submit():
        try:
            links.resend_link(current_user)
        except DomainError as error:
            flash(error.detail, "error")
        else:
            flash(_("We sent a new link to %(email)s.", email=current_user.email), "success")
    return redirect(url_for("home.index"))


@bp.route("/fund/held-budgets", methods=["GET"])
@role_required(Role.FUND_ADMIN)
def queue():
    """Budgets held because their worker matched another account, oldest first."""
    held = holds.open_holds(current_user.fund_id)
    return render_template(
        "verification/queue.html", held=held, labels=MATCH_LABELS, form=HoldDecisionForm()
    ), 200


@bp.post("/fund/held-budgets/<int:hold_id>")
@role_required(Role.FUND_ADMIN)
def decide(hold_id: int):
    """Release or cancel one held budget."""
    form = HoldDecisionForm()
    if not form.validate_on_submit():
        flash(_("Choose a decision and give a reason of 3 to 500 characters."), "error")
        return redirect(url_for("verification.queue"), 303)
    if not confirmed():
        return _confirm_decision(hold_id, form)
    try:
        holds.decide_hold(
            hold_id, HoldDecision(form.decision.data), form.reason.data, actor=current_user
        )
    except ValidationFailed as error:
        flash(error.detail, "error")
    else:
        message = (
            _("The budget is released.")
            if form.decision.data == HoldDecision.RELEASED
            else _("The budget is cancelled and back in the fund.")
        )
        flash(message, "success")
    return redirect(url_for("verification.queue"), 303)


def _confirm_decision(hold_id: int, form: HoldDecisionForm) -> str:
    """The second step before a held budget is released or cancelled: neither is undone."""
    release = form.decision.data == HoldDecision.RELEASED
    if release:
        title = _("Release the held budget?")
        consequence = _("The worker may spend the budget; it is not held again for this match.")
        button = _("Yes, release the budget")
    else:
        title = _("Cancel the held budget?")
        consequence = _(
            "The budget is cancelled and goes back to the fund; the worker can no longer spend it."
        )
        button = _("Yes, cancel the budget")
    return confirmation_page(
        title=title,
        facts=[(_("Reason"), form.reason.data or "")],
        consequences=[consequence],
        button=button,
        back_url=url_for("verification.queue"),
        back_text=_("No, back to the held budgets"),
        danger=not release,
    )
