"""The worker's profile page: see and change what they told at sign-up."""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from wallet.accounts.access import role_required
from wallet.accounts.models import Role
from wallet.accounts.services import WorkerDetails
from wallet.core.errors import ValidationFailed
from wallet.core.forms import show_errors
from wallet.profiles import services
from wallet.profiles.forms import ProfileForm

bp = Blueprint("profiles", __name__)


@bp.route("/profile", methods=["GET", "POST"])
@role_required(Role.WORKER)
def edit():
    """Show the worker's profile in a form; save what they change."""
    form = ProfileForm()
    if request.method == "GET":
        current = asdict(services.profile_of(current_user.id))
        current["education_level"] = str(current["education_level"])
        form.process(data=current)
    elif form.validate_on_submit():
        change = WorkerDetails(
            **{
                name: form[name].data or ""
                for name in (
                    "name",
                    "municipality_code",
                    "employment_status",
                    "sector",
                    "occupation",
                    "target_occupation",
                    "postcode",
                    "house_number",
                )
            },
            date_of_birth=form.date_of_birth.data,
            education_level=int(form.education_level.data),
        )
        try:
            changed = services.update_profile(current_user.id, change, actor_id=current_user.id)
        except ValidationFailed as error:
            show_errors(form, error)
        else:
            flash(_("Your profile is saved.") if changed else _("Nothing was changed."), "success")
            return redirect(url_for("profiles.edit"))
    return render_template("profiles/edit.html", form=form), 422 if form.errors else 200
