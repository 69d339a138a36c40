"""Rate limits (Flask-Limiter) on what an attacker repeats: signing in, asking for a password
reset, the step-up of a second factor, and the API.

Registration is not limited here but in its service (wallet.verification.signals
`check_registration_rate`): it counts the accounts made per address and network in the
database, which every app process shares whether Redis is configured or not.

Each app gets its own limiter (tests build several apps). Counters live in memory by
default, in Redis when RATELIMIT_STORAGE_URI or REDIS_URL is set, as production needs with
several app processes. The limits are settings (strings such as "10 per minute; 50 per
hour"). A refused request gets 429 with Retry-After: a readable page, or problem+json under
/api. The addresses are the client's as the app sees them: TRUSTED_PROXIES decides whether
X-Forwarded-For is believed (see wallet._trust_proxies), so clients cannot choose them.

Pages are limited by their endpoint name in ENDPOINT_LIMITS, or by `@rate_limited(SETTING)`
on the view function (the step-up page of the second factor uses STEP_UP_RATE_LIMIT).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from flask import Flask, current_app, g, render_template, request
from flask_babel import gettext as _
from flask_limiter import Limiter, RateLimitExceeded
from flask_login import current_user

from wallet.core.errors import problem, wants_problem_json

MARK = "_rate_limit_setting"
API_BLUEPRINT_PREFIX = "api_"


def client_address() -> str:
    """The client's address (after the trusted proxies, if any)."""
    return request.remote_addr or "unknown"


def signed_in_user() -> str:
    """The signed-in user (step-up guesses a second factor for one account), else the address."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return f"address:{client_address()}"


def api_caller() -> str:
    """The API token (each system its own budget), else the address: requests without a valid
    token share their address's budget, so inventing tokens buys nothing."""
    if current_user.is_authenticated and g.get("api_token") is not None:
        return f"token:{g.api_token.id}"
    return f"address:{client_address()}"


# endpoint -> the settings of its limits, each with what it counts by. Only POSTs count:
# looking at a form costs nothing.
ENDPOINT_LIMITS: dict[str, tuple[tuple[str, Callable[[], str]], ...]] = {
    "accounts.login": (("LOGIN_RATE_LIMIT", client_address),),
    "passwords.forgot": (("PASSWORD_RESET_RATE_LIMIT", client_address),),
    # Other ways in count as sign-ins: a passkey, or linking an identity with a password.
    "passkeys.sign_in_options": (("LOGIN_RATE_LIMIT", client_address),),
    "passkeys.sign_in": (("LOGIN_RATE_LIMIT", client_address),),
    # The second step of a sign-in: its codes are guessed at the sign-in's pace at most.
    "twofactor.challenge": (("LOGIN_RATE_LIMIT", client_address),),
    "twofactor.enrol_at_sign_in": (("LOGIN_RATE_LIMIT", client_address),),
    "passkey_factor.options": (("LOGIN_RATE_LIMIT", client_address),),
    "passkey_factor.answer": (("LOGIN_RATE_LIMIT", client_address),),
    "oidc.link": (("LOGIN_RATE_LIMIT", client_address),),
}


def rate_limited(setting: str) -> Callable:
    """Mark a view function for the limit in `setting`, counted per signed-in user (else per
    address), on POST. For the step-up endpoint: `@rate_limited("STEP_UP_RATE_LIMIT")`."""

    def mark(view: Callable) -> Callable:
        setattr(view, MARK, setting)
        return view

    return mark


def _limits_of(app: Flask) -> dict[str, tuple[tuple[str, Callable[[], str]], ...]]:
    limits = dict(ENDPOINT_LIMITS)
    for endpoint, view in app.view_functions.items():
        setting = getattr(view, MARK, None)
        if setting is not None:
            limits[endpoint] = ((setting, signed_in_user),)
    return limits


def limit_views(app: Flask) -> None:
    """Put the page limits on every endpoint of ENDPOINT_LIMITS and every marked view that
    has none yet (init_app does; call it again for views registered later)."""
    limiter: Limiter = app.extensions["leerwallet_limiter"]
    done: set[str] = app.extensions.setdefault("leerwallet_limited_views", set())
    for endpoint, limits in _limits_of(app).items():
        if endpoint in done:
            continue
        if endpoint not in app.view_functions:
            raise RuntimeError(f"rate limit for an endpoint that does not exist: {endpoint}")
        view = app.view_functions[endpoint]
        for setting, key in limits:
            view = limiter.limit(app.config[setting], key_func=key, methods=["POST"])(view)
        app.view_functions[endpoint] = view
        done.add(endpoint)


def _apply_api_limit(app: Flask, limiter: Limiter) -> None:
    # One budget per token across the whole API, not one per endpoint.
    shared = limiter.shared_limit(app.config["API_RATE_LIMIT"], scope="api", key_func=api_caller)
    for name, blueprint in app.blueprints.items():
        if name.startswith(API_BLUEPRINT_PREFIX):
            shared(blueprint)


def _wait_seconds() -> int:
    limiter: Limiter = current_app.extensions["leerwallet_limiter"]
    limit = limiter.current_limit
    if limit is None:
        return 60
    return max(1, math.ceil(limit.reset_at - time.time()))


def _too_many_requests(_error: RateLimitExceeded):
    seconds = _wait_seconds()
    headers = {"Retry-After": str(seconds)}
    if wants_problem_json():
        detail = f"Too many requests. Try again in {seconds} seconds."
        return problem(429, "Too Many Requests", detail, code="too-many-requests", headers=headers)
    if seconds < 120:
        detail = _("Too many attempts. Try again in %(seconds)d seconds.", seconds=seconds)
    else:
        minutes = math.ceil(seconds / 60)
        detail = _("Too many attempts. Try again in %(minutes)d minutes.", minutes=minutes)
    body = render_template(
        "errors/error.html", status=429, title=_("Too many attempts"), detail=detail
    )
    return body, 429, headers


def init_app(app: Flask) -> None:
    """Give the app its limiter and its limits; call after every blueprint is registered."""
    config = app.config
    storage = config.get("RATELIMIT_STORAGE_URI") or config.get("REDIS_URL") or "memory://"
    config["RATELIMIT_STORAGE_URI"] = storage
    limiter = Limiter(key_func=client_address, storage_uri=storage)
    limiter.init_app(app)
    app.extensions["leerwallet_limiter"] = limiter
    app.register_error_handler(RateLimitExceeded, _too_many_requests)
    limit_views(app)
    _apply_api_limit(app, limiter)
