"""A passkey as the second factor: on the second step of a sign-in (after the password) and
on the step-up page, beside the authenticator app's code (wallet.twofactor offers every
method in CHALLENGE_METHODS; this module adds "passkey")."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from wallet.core.urls import safe_redirect_target
from wallet.passkeys import services
from wallet.passkeys.forms import PasskeySignInForm
from wallet.twofactor import services as twofactor
from wallet.twofactor import signin

bp = Blueprint("passkey_factor", __name__)

if "passkey" not in twofactor.CHALLENGE_METHODS:
    twofactor.CHALLENGE_METHODS.append("passkey")
if services.has_passkeys not in twofactor.STEP_UP_FACTORS:  # a passkey alone steps up too
    twofactor.STEP_UP_FACTORS.append(services.has_passkeys)


def _who():
    """The person answering: signed in (a step-up) or half-way a sign-in; None otherwise."""
    if current_user.is_authenticated:
        return current_user._get_current_object(), True
    return signin.pending_user(), False


@bp.post("/second-factor/passkey/options")
def options():
    """Options asking for one of the person's own passkeys, as JSON."""
    user, _stepping_up = _who()
    if user is None or not services.has_passkeys(user):
        return jsonify({"detail": _("There is no passkey to ask for.")}), 400
    return jsonify(services.assertion_options(user))


@bp.post("/second-factor/passkey")
def answer():
    """The browser's answer: the sign-in is finished, or the step-up counts from now."""
    user, stepping_up = _who()
    if user is None:
        flash(_("Your sign-in took too long. Please log in again."), "info")
        return redirect(url_for("accounts.login"))
    form = PasskeySignInForm()
    back = safe_redirect_target(form.next.data, url_for("home.index"))
    if not form.validate_on_submit() or not services.verify_assertion(user, form.credential.data):
        if twofactor.is_enrolled(user.id):
            flash(
                _("Your passkey was not accepted. Try again, or type the code of your app."),
                "error",
            )
        else:
            flash(_("Your passkey was not accepted. Try again."), "error")
        if stepping_up:
            return redirect(url_for("twofactor.step_up", next=back))
        return redirect(url_for("twofactor.challenge"))
    if not stepping_up:
        return redirect(signin.finish(user))
    twofactor.stepped_up(user)
    flash(_("Thank you. Now do it again: nothing was done before you confirmed."), "info")
    return redirect(back)
