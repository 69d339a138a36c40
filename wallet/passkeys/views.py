"""Pages and JSON endpoints of passkeys: the account's passkeys page, and signing in with a
passkey from the login page. Options are JSON for static/js/passkeys.js; answers come back
as ordinary form posts, so errors show on the page like any other form's."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from wallet.accounts.access import role_required
from wallet.accounts.forms import ConfirmForm, LoginForm
from wallet.accounts.reauth import confirm_password
from wallet.core.errors import DomainError, ValidationFailed
from wallet.core.forms import show_errors
from wallet.core.urls import safe_redirect_target
from wallet.passkeys import services
from wallet.passkeys.ceremony import relying_party
from wallet.passkeys.forms import AddPasskeyForm, PasskeySignInForm
from wallet.twofactor import services as twofactor
from wallet.twofactor.stepup import fresh_second_factor_required

bp = Blueprint("passkeys", __name__)


def passkeys_reachable() -> bool:
    """Whether this page is served on the relying party's own host: browsers bind a passkey
    to it and refuse others (an IP address above all). Only compared, never used in a link."""
    return (urlsplit(f"//{request.host}").hostname or "") == relying_party().id


@bp.app_context_processor
def _passkey_helpers() -> dict:
    # For the "Sign in with a passkey" part of the login page, which accounts renders.
    return {
        "passkeys_reachable": passkeys_reachable,
        "passkey_origin": lambda: relying_party().origin,
        "has_passkeys": services.has_passkeys,
    }


@bp.route("/account/passkeys", methods=["GET", "POST"])
@role_required()
@fresh_second_factor_required
def index():
    """See, add and remove your passkeys."""
    form = AddPasskeyForm()
    status = 200
    ask_password = twofactor.asks_password_to_enrol(current_user)
    if form.validate_on_submit():
        try:
            if ask_password:
                confirm_password(
                    current_user,
                    form.password.data,
                    ip_address=request.remote_addr or "unknown",
                    field="password",
                )
            passkey = services.add_passkey(current_user, form.name.data, form.credential.data)
        except ValidationFailed as error:
            show_errors(form, error)
        except DomainError as error:
            flash(error.detail, "error")
            status = error.status
            form.credential.data = ""  # that answer is spent: the next try makes a new one
        else:
            flash(
                _(
                    "The passkey '%(name)s' is added. We sent you an e-mail about it.",
                    name=passkey.name,
                ),
                "success",
            )
            return redirect(url_for("passkeys.index"))
    if form.errors and status == 200:
        status = 422
    page = render_template(
        "passkeys/index.html",
        form=form,
        passkeys=services.passkeys_of(current_user),
        remove_form=ConfirmForm(),
        reachable=passkeys_reachable(),
        origin=relying_party().origin,
        passwordless=current_user.role in services.PASSWORDLESS_ROLES,
        ask_password=ask_password,
    )
    return page, status


@bp.post("/account/passkeys/options")
@role_required()
def registration_options():
    """The options for navigator.credentials.create(), as JSON. A person with a second factor
    gives it first (a passkey is one): the answer then names the step-up page to go to."""
    if not twofactor.has_fresh_second_factor(current_user):
        back = url_for("passkeys.index")
        return jsonify({"step_up": url_for("twofactor.step_up", next=back)}), 403
    return jsonify(services.registration_options(current_user))


@bp.post("/account/passkeys/<int:passkey_id>/remove")
@role_required()
@fresh_second_factor_required
def remove(passkey_id: int):
    """Remove a passkey; it stops working at once."""
    if ConfirmForm().validate_on_submit():
        passkey = services.remove_passkey(current_user, passkey_id)
        flash(
            _(
                "The passkey '%(name)s' is removed. We sent you an e-mail about it.",
                name=passkey.name,
            ),
            "success",
        )
    return redirect(url_for("passkeys.index"))


@bp.post("/login/passkey/options")
def sign_in_options():
    """The options for navigator.credentials.get() on the login page, as JSON."""
    return jsonify(services.sign_in_options())


@bp.post("/login/passkey")
def sign_in():
    """Sign in with a passkey; a new session, as the password login starts one."""
    form = PasskeySignInForm()
    if form.validate_on_submit():
        try:
            user = services.sign_in_with_passkey(form.credential.data)
        except DomainError as error:
            flash(error.detail, "error")
            status = error.status
        else:
            session.clear()
            session["language"] = user.preferred_language
            login_user(user)
            # A passkey is two factors in one: like the app's code at sign-in, it counts as
            # a fresh factor for the step-up window.
            twofactor.stepped_up(user)
            return redirect(safe_redirect_target(form.next.data, url_for("home.index")))
    else:
        flash(_("Your browser sent no passkey. Try again."), "error")
        status = 400
    login_form = LoginForm(formdata=None, next=form.next.data or "")
    return render_template("accounts/login.html", form=login_form), status
