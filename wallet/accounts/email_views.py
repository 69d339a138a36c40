"""Pages for changing the e-mail address: ask for it on the account page, confirm it with
the link sent to the new address (no sign-in needed: the link proves the mailbox)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from wallet.accounts import email_change
from wallet.accounts.access import role_required
from wallet.accounts.forms import ConfirmForm, EmailChangeForm
from wallet.core.errors import DomainError, ValidationFailed
from wallet.core.forms import show_errors
from wallet.twofactor.services import require_fresh_second_factor

bp = Blueprint("email_change", __name__)

TOKEN_MAX_LENGTH = 100


@bp.route("/account/email", methods=["GET", "POST"])
@role_required()
def change():
    """Ask for a new address with the current password, after a fresh second factor where
    one is enrolled (asked before the form is filled in, and checked again on sending)."""
    require_fresh_second_factor(current_user)
    form, status = EmailChangeForm(), 200
    if form.validate_on_submit():
        try:
            email_change.request_email_change(
                current_user,
                form.new_email.data,
                form.current_password.data,
                ip_address=request.remote_addr or "unknown",
            )
        except ValidationFailed as error:
            show_errors(form, error)
        except DomainError as error:
            flash(error.detail, "error")
            status = error.status
        else:
            flash(
                _(
                    "We sent a link to %(email)s. Your address changes when you open it.",
                    email=form.new_email.data.strip(),
                ),
                "success",
            )
            return redirect(url_for("email_change.change"))
    if form.errors and status == 200:
        status = 422
    return render_template(
        "accounts/change_email.html",
        form=form,
        cancel_form=ConfirmForm(),
        pending=email_change.pending_change(current_user),
    ), status


@bp.post("/account/email/cancel")
@role_required()
def cancel():
    """Take back a request whose link was not opened yet."""
    if ConfirmForm().validate_on_submit() and email_change.cancel_email_change(current_user):
        flash(
            _("Your request for a new address is cancelled; its link no longer works."), "success"
        )
    return redirect(url_for("email_change.change"))


@bp.route("/account/email/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    """Show the new address and change it on the button, not on opening the link (mail
    programs open links to check them)."""
    token = token[:TOKEN_MAX_LENGTH]
    try:
        change = email_change.change_for(token)
    except email_change.EmailChangeLinkInvalid as error:
        return _message(_("This link no longer works"), error.detail, error.status)
    form = ConfirmForm()
    if form.validate_on_submit():
        signed_in = current_user if current_user.is_authenticated else None
        try:
            user = email_change.confirm_email_change(token, signed_in=signed_in)
        except email_change.EmailAddressTaken as error:
            return _message(_("Your address was not changed"), error.detail, error.status)
        except email_change.EmailChangeLinkInvalid as error:
            return _message(_("This link no longer works"), error.detail, error.status)
        flash(_("Your account now uses the address %(email)s.", email=user.email), "success")
        if signed_in is not None and signed_in.id == user.id:
            return redirect(url_for("accounts.account"))
        flash(_("Log in with your new address."), "info")
        return redirect(url_for("accounts.login"))
    page = render_template("accounts/confirm_email.html", form=form, change=change, token=token)
    return page, 200, {"Referrer-Policy": "no-referrer"}


def _message(title: str, detail: str, status: int):
    page = render_template("accounts/email_change_message.html", title=title, detail=detail)
    return page, status, {"Referrer-Policy": "no-referrer"}
