"""Pages for signing up, logging in and out, the language switch and API tokens."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from wallet.accounts import services
from wallet.accounts.access import role_required
from wallet.accounts.forms import (
    ApiTokenForm,
    ConfirmForm,
    LanguageForm,
    LoginForm,
    WorkerRegistrationForm,
)
from wallet.accounts.scopes import scope_names
from wallet.core.errors import DomainError, ValidationFailed
from wallet.core.forms import show_errors
from wallet.core.urls import safe_redirect_target
from wallet.twofactor.stepup import fresh_second_factor_required
from wallet.verification.services import note_sign_in
from wallet.verification.views import device_id

bp = Blueprint("accounts", __name__)


def _safe_next(target: str | None) -> str:
    """Only local paths, so a login link can't send anyone to another site."""
    return safe_redirect_target(target, url_for("home.index"))


def _referrer_path() -> str | None:
    """The path of the page the user came from, when it is ours."""
    if not request.referrer:
        return None
    parts = urlsplit(request.referrer)
    if parts.netloc != request.host:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


@bp.route("/register", methods=["GET", "POST"])
def register_worker():
    """A worker signs up and is logged in."""
    form = WorkerRegistrationForm()
    if request.method == "GET":
        form.preferred_language.data = str(session.get("language", "nl"))
    if form.validate_on_submit():
        data = services.WorkerRegistration(
            name=form.name.data,
            email=form.email.data,
            password=form.password.data,
            date_of_birth=form.date_of_birth.data,
            municipality_code=form.municipality_code.data,
            employment_status=form.employment_status.data,
            sector=form.sector.data,
            occupation=form.occupation.data,
            education_level=int(form.education_level.data),
            target_occupation=form.target_occupation.data,
            preferred_language=form.preferred_language.data,
            postcode=form.postcode.data or "",
            house_number=form.house_number.data or "",
        )
        try:
            user = services.register_worker(
                data, ip_address=request.remote_addr, device_id=device_id()
            )
        except ValidationFailed as error:
            show_errors(form, error)
        else:
            login_user(user)
            flash(_("Welcome to Leerwallet, %(name)s.", name=user.name), "success")
            return redirect(url_for("home.index"))
    return render_template("accounts/register_worker.html", form=form), 422 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in with e-mail address and password."""
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    status = 200
    if form.validate_on_submit():
        try:
            user = services.authenticate(
                form.email.data, form.password.data, request.remote_addr or "unknown"
            )
        except DomainError as error:
            flash(error.detail, "error")
            status = error.status
        else:
            from wallet.twofactor.signin import after_password

            note_sign_in(user, request.remote_addr, device_id())
            # login_user only once the second factor is done too (issue 13).
            return after_password(user, _safe_next(form.next.data))
    elif form.errors:
        status = 422
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    """Log out and forget the session."""
    if ConfirmForm().validate_on_submit():
        logout_user()
        session.clear()
        flash(_("You are logged out."), "success")
    return redirect(url_for("home.index"))


@bp.post("/language")
def switch_language():
    """Switch the language of the screens, for this session and the user's account."""
    form = LanguageForm()
    if form.validate_on_submit():
        user = current_user if current_user.is_authenticated else None
        services.set_language(user, form.language.data)
        session["language"] = form.language.data
    return redirect(_safe_next(form.next.data or _referrer_path()))


@bp.get("/account")
@role_required()
def account():
    """Everything about signing in, in one place: password, second factor, passkeys,
    sessions and (for organisations and funds) API tokens."""
    return render_template(
        "accounts/account.html", show_tokens=current_user.role in services.TOKEN_ROLES
    )


@bp.route("/account/tokens", methods=["GET", "POST"])
@role_required(*services.TOKEN_ROLES)
@fresh_second_factor_required
def api_tokens():
    """List, create and revoke the API tokens of a provider's, employer's or fund's systems."""
    form = ApiTokenForm.for_role(current_user.role)
    if form.validate_on_submit():
        try:
            token, plain = services.create_api_token(
                current_user, form.name.data, form.scopes.data, form.valid_days.data
            )
        except ValidationFailed as error:
            show_errors(form, error)
        else:
            # Rendered straight away, never flashed: the plain token must not sit in a cookie.
            return render_template("accounts/token_created.html", token=token, plain=plain)
    tokens = services.api_tokens_of(current_user)
    status = 422 if form.errors else 200
    return render_template(
        "accounts/tokens.html",
        form=form,
        tokens=tokens,
        revoke_form=ConfirmForm(),
        scope_names=scope_names,
    ), status


@bp.post("/account/tokens/<int:token_id>/revoke")
@role_required(*services.TOKEN_ROLES)
def revoke_api_token(token_id: int):
    """Revoke a token; it stops working at once."""
    if ConfirmForm().validate_on_submit():
        token = services.revoke_api_token(current_user, token_id)
        flash(_("The token '%(name)s' is revoked.", name=token.name), "success")
    return redirect(url_for("accounts.api_tokens"))
