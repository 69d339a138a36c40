"""A training provider's sign-up page (the provider's other pages are the catalogue's)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_user

from wallet.core.errors import ValidationFailed
from wallet.core.forms import show_errors
from wallet.providers.forms import ProviderRegistrationForm
from wallet.providers.registration import ProviderRegistration, register_provider
from wallet.verification.views import device_id

bp = Blueprint("providers", __name__)


@bp.route("/register/provider", methods=["GET", "POST"])
def register():
    """A training provider signs up its organisation; it waits for verification."""
    form = ProviderRegistrationForm()
    if form.validate_on_submit():
        data = ProviderRegistration(
            organisation_name=form.organisation_name.data,
            kvk_number=form.kvk_number.data,
            name=form.name.data,
            email=form.email.data,
            password=form.password.data,
            preferred_language=form.preferred_language.data,
        )
        try:
            user = register_provider(data, ip_address=request.remote_addr, device_id=device_id())
        except ValidationFailed as error:
            show_errors(form, error)
        else:
            login_user(user)
            flash(_("Your organisation is registered and waits for verification."), "success")
            return redirect(url_for("home.index"))
    status = 422 if form.errors else 200
    return render_template("providers/register.html", form=form), status
