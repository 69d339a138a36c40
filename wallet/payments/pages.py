"""Online payment pages: providers connect Stripe, workers pay their own contribution."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from wallet.accounts.access import role_required
from wallet.accounts.models import Role
from wallet.applications.models import Application
from wallet.core.db import session
from wallet.core.errors import DomainError
from wallet.core.urls import external_url
from wallet.payments import connect, copayments, gateway
from wallet.payments.models import Copayment
from wallet.providers.models import Provider

bp = Blueprint("online", __name__)
STRIPE_JS = "https://js.stripe.com"


@bp.get("/provider/stripe")
@role_required(Role.PROVIDER_STAFF)
def provider_stripe():
    """How the organisation is paid: SEPA to its IBAN, or Stripe once connected."""
    from wallet.payments.models import PayoutBatch, PayoutItem

    provider = session.get(Provider, current_user.provider_id)
    payouts = session.execute(
        sa.select(PayoutItem, PayoutBatch.reference, PayoutBatch.submitted_at)
        .join(PayoutBatch, PayoutBatch.id == PayoutItem.batch_id)
        .where(PayoutItem.provider_id == provider.id, PayoutItem.status != "draft")
        .order_by(PayoutItem.id.desc())
        .limit(100)
    ).all()
    return render_template(
        "payments/provider_stripe.html",
        provider=provider,
        payouts=payouts,
        stripe_enabled=gateway.enabled(),
        form=FlaskForm(),
    )


@bp.post("/provider/stripe")
@role_required(Role.PROVIDER_STAFF)
def provider_connect():
    """Go to Stripe to make or finish the organisation's Express account."""
    FlaskForm().validate()
    try:
        url = connect.onboarding_link(
            current_user.provider_id,
            return_url=external_url("online.provider_return"),
            refresh_url=external_url("online.provider_refresh"),
        )
    except DomainError as error:
        flash(error.detail, "error")
        return redirect(url_for("online.provider_stripe"))
    return redirect(url)


@bp.get("/provider/stripe/return")
@role_required(Role.PROVIDER_STAFF)
def provider_return():
    """Back from Stripe: ask how the account stands (the webhook says it too)."""
    try:
        provider = connect.refresh_account(current_user.provider_id)
    except DomainError as error:
        flash(error.detail, "error")
    else:
        if provider.stripe_payouts_enabled:
            flash(_("Your Stripe account can receive payouts."), "success")
        else:
            flash(_("Stripe still needs details from you before payouts can start."), "info")
    return redirect(url_for("online.provider_stripe"))


@bp.get("/provider/stripe/refresh")
@role_required(Role.PROVIDER_STAFF)
def provider_refresh():
    """The onboarding link expired: make a new one."""
    return provider_connect()


def _own_application(application_id: int) -> Application:
    application = session.get(Application, application_id)
    if application is None or application.user_id != current_user.id:
        abort(404)
    return application


@bp.route("/applications/<int:application_id>/pay", methods=["GET", "POST"])
@role_required(Role.WORKER)
def pay(application_id: int):
    """The worker's own contribution: online where Stripe is set up, else by bank transfer."""
    application = _own_application(application_id)
    form = FlaskForm()
    copayment = session.scalar(
        sa.select(Copayment).where(Copayment.application_id == application.id)
    )
    client_secret = None
    if form.validate_on_submit():
        try:
            copayment = copayments.start_online(current_user, application.id)
            intent = gateway.client().v1.payment_intents.retrieve(copayment.payment_intent_id)
            client_secret = intent.client_secret
        except DomainError as error:
            flash(error.detail, "error")
    response = render_template(
        "payments/pay.html",
        application=application,
        copayment=copayment,
        form=form,
        stripe_enabled=gateway.enabled(),
        client_secret=client_secret,
        publishable_key=current_app.config.get("STRIPE_PUBLISHABLE_KEY"),
    )
    headers = {}
    if client_secret:  # Stripe.js collects the card or iDEAL details on this page only
        headers["Content-Security-Policy"] = (
            f"default-src 'self'; script-src 'self' {STRIPE_JS}; frame-src {STRIPE_JS}; "
            "connect-src 'self' https://api.stripe.com; img-src 'self' data:; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
        )
    return response, 200, headers
