"""Leerwallet: individual learning budgets, from fund to course to paid invoice."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from flask import Flask, Response, current_app, request, session
from werkzeug.middleware.proxy_fix import ProxyFix

import config as settings
from wallet import ops, ratelimits
from wallet.core.web import ROOT, csrf

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
}


def _environment(overrides: Mapping) -> str | None:
    if "ENVIRONMENT" in overrides:
        return overrides["ENVIRONMENT"]
    return "testing" if overrides.get("TESTING") else None


def create_app(config: Mapping | None = None) -> Flask:
    """Build the application: settings, extensions, blueprints, CLI and error handlers."""
    overrides = dict(config or {})
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
    )
    app.config.update(settings.load(_environment(overrides)))
    app.config.update(overrides)
    if not app.config.get("DATABASE_URL"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'leerwallet.db'}"
    # Invoices and certificates: outside the static folder, served only by the claim pages.
    app.config.setdefault(
        "UPLOAD_FOLDER", os.environ.get("UPLOAD_FOLDER") or str(Path(app.instance_path) / "uploads")
    )

    # First: every later hook, and every line they log, already has the request id.
    ops.init_app(app)
    _init_extensions(app)
    _register_blueprints(app)
    ratelimits.init_app(app)  # after the blueprints: it limits their views
    _register_cli(app)
    _trust_proxies(app)
    app.after_request(_security_headers)
    return app


def _trust_proxies(app: Flask) -> None:
    # Only as many X-Forwarded-* hops as the operator says sit in front of the app; with none
    # configured the headers are ignored, so a client cannot choose its own address.
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)


def _security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    hsts = current_app.config.get("STRICT_TRANSPORT_SECURITY")
    if hsts:
        response.headers.setdefault("Strict-Transport-Security", hsts)
    # Pages and API answers for a signed-in user are theirs alone: no shared or back-button
    # cache may keep them. Static files are the same for everyone and stay cacheable. The
    # session's user id (not current_user) decides, so no response needs a database read.
    if request.endpoint != "static" and (
        "Authorization" in request.headers or session.get("_user_id") is not None
    ):
        response.headers["Cache-Control"] = "no-store"
    return response


def _init_extensions(app: Flask) -> None:
    from wallet import i18n, sessions, waitingroom
    from wallet.accounts import access
    from wallet.core import db, errors, inputs, templating
    from wallet.grants import templating as grant_filters

    inputs.init_app(app)  # before the blueprints: their `<int:...>` routes use its converter
    db.init_app(app)
    csrf.init_app(app)
    access.init_app(app)
    sessions.init_app(app)  # sessions on the server, and the "your sessions" page
    i18n.init_app(app)
    templating.init_app(app)
    grant_filters.init_app(app)
    _connect_reactions()
    errors.init_app(app)
    waitingroom.init_app(app)  # the queue in front of first-come window openings


def _connect_reactions() -> None:
    """Import the modules that plug a feature into a lower one (docs/architecture.md): receivers
    of its signals (blinker connects them on import), and what it registers with it."""
    from wallet.brokers import audit_scope as _caseload_scope  # noqa: F401
    from wallet.claims import audit_scope as _claim_scope  # noqa: F401
    from wallet.fraud import reactions as _fraud_reactions  # noqa: F401
    from wallet.payments import audit_scope as _payout_scope  # noqa: F401
    from wallet.payments import reactions  # noqa: F401
    from wallet.schemes import audit_scope as _scheme_scope  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    from wallet.accounts.email_views import bp as email_change_bp
    from wallet.accounts.password_views import bp as passwords_bp
    from wallet.accounts.views import bp as accounts_bp
    from wallet.api import init_app as init_api
    from wallet.applications.views import bp as applications_bp
    from wallet.audit.views import bp as audit_bp
    from wallet.bankdetails.views import bp as bankdetails_bp
    from wallet.brokers.views import bp as brokers_bp
    from wallet.catalogue.views import bp as catalogue_bp
    from wallet.claims.views import bp as claims_bp
    from wallet.employers.views import bp as employers_bp
    from wallet.funds.views import bp as funds_bp
    from wallet.grants.views import bp as grants_bp
    from wallet.home.views import bp as home_bp
    from wallet.notifications.views import bp as notifications_bp
    from wallet.oidc import init_app as init_oidc
    from wallet.ops.views import bp as ops_bp
    from wallet.pages.views import bp as pages_bp
    from wallet.passkeys.second_factor import bp as passkey_factor_bp
    from wallet.passkeys.views import bp as passkeys_bp
    from wallet.payments.pages import bp as online_bp
    from wallet.payments.views import bp as payments_bp
    from wallet.payments.webhooks import bp as webhooks_bp
    from wallet.placements.fund_views import bp as fund_placements_bp
    from wallet.placements.reimbursement_views import bp as reimbursements_bp
    from wallet.placements.views import bp as placements_bp
    from wallet.profiles.views import bp as profiles_bp
    from wallet.providers.views import bp as providers_bp
    from wallet.reports.public_views import bp as public_bp
    from wallet.reports.views import bp as reports_bp
    from wallet.schemes.views import bp as schemes_bp
    from wallet.twofactor.views import bp as twofactor_bp
    from wallet.useradmin.views import bp as useradmin_bp
    from wallet.verification.views import bp as verification_bp

    blueprints = (
        home_bp,
        accounts_bp,
        passwords_bp,
        funds_bp,
        schemes_bp,
        grants_bp,
        catalogue_bp,
        applications_bp,
        claims_bp,
        audit_bp,
        notifications_bp,
        payments_bp,
        online_bp,
        webhooks_bp,
        ops_bp,
        employers_bp,
        brokers_bp,
        placements_bp,
        fund_placements_bp,
        reimbursements_bp,
        public_bp,
        bankdetails_bp,
        reports_bp,
        passkeys_bp,
        passkey_factor_bp,
        twofactor_bp,
        verification_bp,
        useradmin_bp,
        profiles_bp,
        email_change_bp,
        pages_bp,
        providers_bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    init_api(app, _api_blueprints())
    init_oidc(app)


def _api_blueprints() -> list:
    """The features' API blueprints, in the order the OpenAPI document lists them."""
    from wallet.api.v1 import blp as v1
    from wallet.catalogue.api import blp as catalogue
    from wallet.claims.api import blp as claims
    from wallet.funds.api import blp as funds
    from wallet.grants.api import blp as grants
    from wallet.ledger.api import blp as ledger
    from wallet.payments.api import blp as payments
    from wallet.placements.api import blp as placements
    from wallet.placements.reimbursement_api import blp as reimbursements
    from wallet.reports.api import blp as open_data
    from wallet.schemes.api import blp as schemes

    return [
        v1,
        funds,
        schemes,
        grants,
        ledger,
        catalogue,
        claims,
        payments,
        placements,
        reimbursements,
        open_data,
    ]


def _register_cli(app: Flask) -> None:
    from wallet.books import cli as books_cli  # noqa: F401  (adds `ledger verify`)
    from wallet.catalogue.cli import catalogue_cli
    from wallet.core.migrate import db_cli
    from wallet.demo.cli import demo_cli
    from wallet.funds.cli import funds_cli
    from wallet.grants.cli import grants_cli
    from wallet.housekeeping.cli import housekeeping_cli
    from wallet.ledger.cli import ledger_cli
    from wallet.payments.cli import payouts_cli
    from wallet.reports.cli import reports_cli
    from wallet.scheduler.cli import jobs_cli, scheduler_cli

    commands = (
        db_cli,
        demo_cli,
        funds_cli,
        grants_cli,
        ledger_cli,
        jobs_cli,
        scheduler_cli,
        catalogue_cli,
        payouts_cli,
        reports_cli,
        housekeeping_cli,
    )
    for command in commands:
        app.cli.add_command(command)
