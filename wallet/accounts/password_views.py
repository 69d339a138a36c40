"""Pages for a forgotten password, a reset or invitation link, and changing the password."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from wallet.accounts import resets
from wallet.accounts.access import role_required
from wallet.accounts.forms import ChangePasswordForm, ForgotPasswordForm, NewPasswordForm
from wallet.accounts.models import PasswordLinkPurpose
from wallet.core.errors import DomainError, ValidationFailed
from wallet.core.forms import show_errors

bp = Blueprint("passwords", __name__)

TOKEN_MAX_LENGTH = 100


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot():
    """Ask for a reset link. Every address gets the same answer on the same page."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        resets.request_password_reset(form.email.data)
        return redirect(url_for("passwords.link_sent"))
    status = 422 if form.errors else 200
    return render_template("accounts/forgot_password.html", form=form), status


@bp.get("/password/forgot/sent")
def link_sent():
    """What everyone who asked for a link reads, whether the address has an account or not."""
    return render_template("accounts/reset_link_sent.html")


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    """Choose a password with the link from a reset or invitation e-mail."""
    try:
        link = resets.link_for(token[:TOKEN_MAX_LENGTH])
    except resets.PasswordLinkInvalid as error:
        return _no_referrer(
            render_template("accounts/link_invalid.html", detail=error.detail), error.status
        )
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            user = resets.set_password_by_link(token, form.password.data)
        except resets.PasswordLinkInvalid as error:
            return _no_referrer(
                render_template("accounts/link_invalid.html", detail=error.detail), error.status
            )
        except ValidationFailed as error:
            show_errors(form, error)
        else:
            return _after_new_password(user)
    invitation = link.purpose == PasswordLinkPurpose.INVITATION
    page = render_template(
        "accounts/reset_password.html", form=form, invitation=invitation, email=link.user.email
    )
    return _no_referrer(page, 422 if form.errors else 200)


def _after_new_password(user):
    """Log in with the new password; staff without a second factor set one up right here,
    in the browser that just proved the mailbox, so nobody else who learns the password
    can enrol an authenticator of their own first."""
    from wallet.twofactor import services as twofactor
    from wallet.twofactor.signin import after_password

    if twofactor.must_enrol(user) and not twofactor.is_enrolled(user.id):
        answer = after_password(user, url_for("home.index"))
        flash(_("Your password is set. Now set up your second factor."), "success")
        return answer
    flash(_("Your password is set. Log in with it."), "success")
    return redirect(url_for("accounts.login"))


def _no_referrer(body: str, status: int):
    # The token is in this page's address: no other site may read it from a Referer header.
    return body, status, {"Referrer-Policy": "no-referrer"}


@bp.route("/account/password", methods=["GET", "POST"])
@role_required()
def change():
    """A signed-in user changes their password with the current one."""
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            resets.change_password(
                current_user,
                form.current_password.data,
                form.password.data,
                ip_address=request.remote_addr or "unknown",
            )
        except ValidationFailed as error:
            show_errors(form, error)
        except DomainError as error:
            flash(error.detail, "error")
            status = error.status
        else:
            flash(_("Your password is changed. We sent you an e-mail about it."), "success")
            return redirect(url_for("home.index"))
    if form.errors and status == 200:
        status = 422
    return render_template("accounts/change_password.html", form=form), status
