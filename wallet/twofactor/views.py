"""Pages of the second factor: the sign-in challenge, enrolment (at sign-in for staff, from
the account page for anyone), the account page, and the step-up confirmation."""

from __future__ import annotations

import segno
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from wallet.accounts.access import role_required
from wallet.accounts.forms import ConfirmForm
from wallet.accounts.reauth import confirm_password
from wallet.core.errors import DomainError, ValidationFailed, wants_problem_json
from wallet.core.forms import show_errors
from wallet.core.urls import safe_redirect_target
from wallet.ratelimits import rate_limited
from wallet.twofactor import services, signin
from wallet.twofactor.forms import CodeForm, FirstCodeForm
from wallet.twofactor.models import FactorState
from wallet.twofactor.stepup import fresh_second_factor_required

bp = Blueprint("twofactor", __name__)

# What a staff member who still has to enrol may open: enrolment itself, logging out, the
# language switch and static files. Everything else sends them to enrolment.
OPEN_BEFORE_ENROLMENT = frozenset(
    {
        "twofactor.enrol",
        "twofactor.account",
        "accounts.logout",
        "accounts.switch_language",
        "static",
    }
)


def _ip() -> str:
    return request.remote_addr or "unknown"


def _qr_svg(uri: str) -> Markup:
    """The otpauth address as an inline SVG QR code, with a text alternative."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, border=2, title=None)
    label = _("QR code for your authenticator app")
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1))  # noqa: S704 - segno's own markup


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _enrol_page(
    user, form: FirstCodeForm, action: str, status: int = 200, *, ask_password: bool = False
):
    secret = services.pending_secret(user) or services.start_enrolment(user)
    form.password.data = ""
    return render_template(
        "twofactor/enrol.html",
        form=form,
        action=action,
        secret=_grouped(secret),
        qr=_qr_svg(services.provisioning_uri(secret, user)),
        user=user,
        replacing=services.state_of(user.id) == FactorState.REPLACING,
        ask_password=ask_password,
    ), status


def _confirm_first_code(user, form: FirstCodeForm, *, ask_password: bool = False):
    """The recovery codes once the first code (and, where asked, the password) is right."""
    if not form.validate_on_submit():
        return None
    try:
        if ask_password:
            confirm_password(user, form.password.data, ip_address=_ip(), field="password")
        return services.confirm_enrolment(user, form.code.data)
    except ValidationFailed as error:
        show_errors(form, error)
    except DomainError as error:
        flash(error.detail, "error")
    return None


@bp.route("/login/second-factor", methods=["GET", "POST"])
def challenge():
    """The second step of signing in: a code from the app, or a recovery code."""
    user = signin.pending_user()
    if user is None:
        flash(_("Your sign-in took too long. Please log in again."), "info")
        return redirect(url_for("accounts.login"))
    form, status = CodeForm(), 200
    if form.validate_on_submit():
        try:
            how = services.verify_second_factor(user, form.code.data, _ip())
        except ValidationFailed as error:
            show_errors(form, error)
            status = 422
        except DomainError as error:
            flash(error.detail, "error")
            status = error.status
        else:
            if how == "recovery":
                flash(
                    _(
                        "You used a recovery code; %(left)d are left.",
                        left=services.recovery_codes_left(user.id),
                    ),
                    "info",
                )
            return redirect(signin.finish(user))
    elif form.errors:
        status = 422
    form.code.data = ""
    return render_template(
        "twofactor/challenge.html",
        form=form,
        user=user,
        methods=services.CHALLENGE_METHODS,
        action=url_for("twofactor.challenge"),
    ), status


@bp.route("/login/second-factor/enrol", methods=["GET", "POST"])
def enrol_at_sign_in():
    """Staff without a second factor set one up before they are logged in."""
    user = signin.pending_user()
    if user is None:
        flash(_("Your sign-in took too long. Please log in again."), "info")
        return redirect(url_for("accounts.login"))
    if services.is_enrolled(user.id):
        return redirect(url_for("twofactor.challenge"))
    form = FirstCodeForm()
    codes = _confirm_first_code(user, form)
    if codes is not None:
        signin.finish(user)
        return render_template(
            "twofactor/recovery_codes.html", codes=codes, next=url_for("home.index")
        )
    return _enrol_page(
        user, form, url_for("twofactor.enrol_at_sign_in"), 422 if form.errors else 200
    )


@bp.get("/account/second-factor")
@role_required()
def account():
    """The user's second factor: whether one is set, recovery codes left, change or remove."""
    state = services.state_of(current_user.id)
    return render_template(
        "twofactor/account.html",
        state=state,
        states=FactorState,
        enrolled=state in (FactorState.ACTIVE, FactorState.REPLACING),
        required=services.must_enrol(current_user),
        form=ConfirmForm(),
        left=services.recovery_codes_left(current_user.id),
    )


@bp.route("/account/second-factor/enrol", methods=["GET", "POST"])
@role_required()
def enrol():
    """Set up a second factor, or replace the one in use (which needs a fresh code)."""
    if services.is_enrolled(current_user.id):
        services.require_fresh_second_factor(current_user)
    form = FirstCodeForm()
    ask_password = services.asks_password_to_enrol(current_user)
    codes = _confirm_first_code(current_user, form, ask_password=ask_password)
    if codes is not None:
        services.stepped_up(current_user)
        # Staff who had to enrol go on with their work; a worker returns to their account.
        after = "home.index" if services.must_enrol(current_user) else "twofactor.account"
        return render_template("twofactor/recovery_codes.html", codes=codes, next=url_for(after))
    return _enrol_page(
        current_user,
        form,
        url_for("twofactor.enrol"),
        422 if form.errors else 200,
        ask_password=ask_password,
    )


@bp.post("/account/second-factor/cancel")
@role_required()
def cancel():
    """Drop a replacement that was never confirmed."""
    if ConfirmForm().validate_on_submit():
        try:
            services.cancel_replacement(current_user)
        except DomainError as error:
            flash(error.detail, "error")
    return redirect(url_for("twofactor.account"))


@bp.post("/account/second-factor/remove")
@role_required()
@fresh_second_factor_required
def remove():
    """A worker switches the second factor off."""
    if ConfirmForm().validate_on_submit():
        try:
            services.remove_factor(current_user)
        except DomainError as error:
            flash(error.detail, "error")
        else:
            flash(_("Your second factor is removed. We sent you an e-mail about it."), "success")
    return redirect(url_for("twofactor.account"))


@bp.route("/account/second-factor/confirm", methods=["GET", "POST"])
@role_required()
@rate_limited("STEP_UP_RATE_LIMIT")
def step_up():
    """Confirm it is you with a fresh code, then go back to where you were."""
    form, status = CodeForm(), 200
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    back = safe_redirect_target(form.next.data, url_for("home.index"))
    if not services.can_step_up(current_user):
        return redirect(back)
    if form.validate_on_submit():
        try:
            services.verify_second_factor(current_user, form.code.data, _ip())
        except ValidationFailed as error:
            show_errors(form, error)
            status = 422
        except DomainError as error:
            flash(error.detail, "error")
            status = error.status
        else:
            services.stepped_up(current_user)
            flash(_("Thank you. Now do it again: nothing was done before you confirmed."), "info")
            return redirect(back)
    elif form.errors:
        status = 422
    form.code.data = ""
    # A worker whose only factor is a passkey is not offered an app they do not have.
    methods = [
        m
        for m in services.CHALLENGE_METHODS
        if m != "totp" or services.is_enrolled(current_user.id)
    ]
    return render_template(
        "twofactor/step_up.html", form=form, methods=methods, action=url_for("twofactor.step_up")
    ), status


@bp.app_errorhandler(services.StepUpRequired)
def _ask_for_step_up(_error):
    flash(_("Confirm it is you with your second factor; nothing was done yet."), "info")
    return redirect(url_for("twofactor.step_up", next=_page_they_were_on()))


def _page_they_were_on() -> str:
    """The form the person sent (its page), so they come back to it after confirming."""
    from urllib.parse import urlsplit

    if request.method == "GET":
        return request.full_path.rstrip("?")
    if request.referrer:
        parts = urlsplit(request.referrer)
        if parts.netloc == request.host:
            return parts.path + (f"?{parts.query}" if parts.query else "")
    return url_for("home.index")


@bp.before_app_request
def _staff_enrol_first():
    """A signed-in staff member without a second factor (a new registration, a session from
    before factors were required) can do nothing but enrol."""
    if (
        request.endpoint in OPEN_BEFORE_ENROLMENT
        or wants_problem_json()
        or not current_user.is_authenticated
        or not services.must_enrol(current_user)
        or services.is_enrolled(current_user.id)
    ):
        return None
    flash(_("Set up your second factor first: your role needs one."), "info")
    return redirect(url_for("twofactor.enrol"))
