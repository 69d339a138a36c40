"""The JSON API: /api/v1, its OpenAPI document at /api/openapi.json and a readable page.

Authentication is a bearer token (see wallet.accounts.access); errors are problem+json.
"""

from __future__ import annotations

import http
import re
from collections.abc import Iterable

from flask import Flask, abort, render_template, request
from flask_smorest import Api, Blueprint
from flask_smorest.utils import prepare_response

from wallet.accounts.scopes import SCOPE_DOCS
from wallet.api.common import PROBLEM_JSON, ProblemSchema
from wallet.core.web import csrf

API_PREFIX = "/api"


class LeerwalletApi(Api):
    """flask-smorest's Api, leaving error answers to wallet.core.errors (problem+json) and
    documenting them as they are sent: application/problem+json with the Problem schema."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self) -> None:
        pass

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Any other error", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)


api = LeerwalletApi()

BEARER = {
    "type": "http",
    "scheme": "bearer",
    "description": "An API token made on the tokens page. A token carries one or more scopes "
    "and does only what they and its user's role allow; each operation names the scope it "
    "needs in its security requirement (and in `x-scope`), and a token without it gets 403 "
    "problem+json naming the missing scope. Scopes: "
    + "; ".join(f"`{scope}`: {text}" for scope, text in SCOPE_DOCS.items())
    + ". A token expires (90 days unless chosen otherwise, at most a year) and can be "
    "revoked; either answers 401.",
}


MULTIPART_PATHS = ("/api/v1/provider/claims", "/api/v1/bank-statements")
# Multipart endpoints with an id inside their path (an employer's reimbursement claim).
MULTIPART_PATTERN = re.compile(r"/api/v1/employer/placements/\d+/reimbursement-claims\Z")


def _check_json_body() -> None:
    """Refuse bodies that are not JSON or too large before a handler sees them."""
    from flask import current_app

    if request.method not in {"POST", "PUT", "PATCH"} or not request.path.startswith("/api/"):
        return
    if request.mimetype == "multipart/form-data" and (
        request.path.startswith(MULTIPART_PATHS) or MULTIPART_PATTERN.match(request.path)
    ):
        return  # claims with their files, bank statements; MAX_CONTENT_LENGTH bounds them
    if request.content_length and request.content_length > current_app.config["API_MAX_JSON_BYTES"]:
        abort(413)
    if request.content_length and not request.is_json:
        abort(415)
    if request.content_length and request.get_json(silent=True) is None:
        abort(400, description="The request body is not valid JSON.")


def init_app(app: Flask, blueprints: Iterable[Blueprint]) -> None:
    """Mount the API blueprints the app factory passes in (the features' own, so this package
    imports none of them) and the documentation."""
    app.config.setdefault("API_TITLE", "Leerwallet API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", API_PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {
                "description": "Learning budgets, courses, applications, claims and payouts. "
                "Errors are application/problem+json (RFC 9457).",
            },
            "servers": [{"url": "/"}],
        },
    )
    api.init_app(app)
    api.spec.components.security_scheme("bearerAuth", BEARER)

    for blueprint in blueprints:
        api.register_blueprint(blueprint)
        csrf.exempt(blueprint)
    app.before_request(_check_json_body)

    @app.get("/api/docs")
    def api_docs():
        """A readable page of the OpenAPI document, rendered on the server."""
        return render_template("api/docs.html", spec=api.spec.to_dict())
