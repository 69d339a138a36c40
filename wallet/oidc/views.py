"""Pages of identity-provider sign-in: start, the provider's answer, link or register.

Every page answers 404 while no issuer is configured. An unknown subject is kept in the
session only (nothing is written) until the person links it with their password or signs up.
"""

from __future__ import annotations

from dataclasses import asdict

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _

from wallet.accounts.forms import WorkerRegistrationForm
from wallet.accounts.models import User
from wallet.core import clock
from wallet.core.errors import DomainError, ValidationFailed
from wallet.core.forms import show_errors
from wallet.core.urls import safe_redirect_target
from wallet.oidc import client, services
from wallet.oidc.forms import LinkForm, registration_from
from wallet.verification.views import device_id

bp = Blueprint("oidc", __name__, url_prefix="/oidc")

PENDING = "oidc_pending"
NEXT = "oidc_next"
# How long an unknown identity waits in the session for its link or sign-up.
PENDING_SECONDS = 15 * 60


@bp.before_request
def _only_when_configured():
    if not client.is_configured():
        abort(404)


@bp.app_context_processor
def _button():
    """The login page shows the button only when an issuer is configured."""
    return {"oidc_label": current_app.config["OIDC_LABEL"] if client.is_configured() else None}


@bp.get("/login")
def login():
    """Send the person to the identity provider."""
    session[NEXT] = safe_redirect_target(request.args.get("next"), url_for("home.index"))
    try:
        return client.begin()
    except DomainError as error:
        return _failed(error)


@bp.get("/callback")
def callback():
    """The provider's answer: a known subject is logged in, an unknown one is asked to link
    an account or sign up."""
    try:
        identity = client.finish()
    except DomainError as error:
        return _failed(error)
    user = services.known_user(identity)
    if user is not None:
        return _log_in(user, session.get(NEXT))
    session[PENDING] = {**asdict(identity), "until": clock.now().timestamp() + PENDING_SECONDS}
    return redirect(url_for("oidc.link"))


@bp.route("/link", methods=["GET", "POST"])
def link():
    """Link the new identity to an existing account with its password, or choose to sign up."""
    identity = _pending()
    if identity is None:
        return _expired()
    form = LinkForm()
    if request.method == "GET":
        form.email.data = identity.email
    status = 200
    if form.validate_on_submit():
        ip = request.remote_addr or "unknown"
        try:
            user = services.link_with_password(identity, form.email.data, form.password.data, ip)
        except DomainError as error:
            flash(error.detail, "error")
            status = error.status
        else:
            return _log_in(user, session.get(NEXT), linked=True)
    elif form.errors:
        status = 422
    return render_template("oidc/link.html", form=form, identity=identity), status


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Sign up as a worker, prefilled with what the provider told; the identity is linked."""
    identity = _pending()
    if identity is None:
        return _expired()
    form = WorkerRegistrationForm()
    if request.method == "GET":
        form.name.data = identity.name
        form.email.data = identity.email
        form.preferred_language.data = str(session.get("language", "nl"))
    if form.validate_on_submit():
        try:
            user = services.register_worker(
                identity,
                registration_from(form),
                ip_address=request.remote_addr,
                device_id=device_id(),
            )
        except ValidationFailed as error:
            show_errors(form, error)
        except DomainError as error:
            return _failed(error)
        else:
            return _log_in(user, None, linked=True)
    status = 422 if form.errors else 200
    return render_template("oidc/register.html", form=form, identity=identity), status


def _pending() -> client.ProviderIdentity | None:
    data = session.get(PENDING)
    if not isinstance(data, dict) or data.get("until", 0) < clock.now().timestamp():
        session.pop(PENDING, None)
        return None
    return client.ProviderIdentity(
        issuer=data["issuer"], subject=data["subject"], name=data["name"], email=data["email"]
    )


def _log_in(user: User, target: str | None, *, linked: bool = False):
    """The provider's sign-in counts as the first factor, as the password does: a user with a
    second factor (or a role that needs one) is asked for it next (wallet.twofactor)."""
    from wallet.twofactor.signin import after_password

    if linked:
        message = _(
            "Your account is linked: from now on you can log in with %(label)s.",
            label=current_app.config["OIDC_LABEL"],
        )
    answer = after_password(user, safe_redirect_target(target, url_for("home.index")))
    if linked:
        flash(message, "success")  # after the new session began, so it is shown
    return answer


def _failed(error: DomainError):
    page = render_template("oidc/failed.html", detail=error.detail)
    return page, error.status


def _expired():
    error = client.SignInFailed(
        _(
            "Too much time passed since you signed in with %(label)s. Please start again.",
            label=current_app.config["OIDC_LABEL"],
        )
    )
    return _failed(error)
