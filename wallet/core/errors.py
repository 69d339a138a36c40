"""Domain errors and the one place that turns any error into an answer.

Under /api an error is problem+json (RFC 9457); elsewhere an HTML page in the user's
language. A service raises a DomainError subclass; nothing else needs to know HTTP.
"""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """A rule of the domain said no. Subclasses set the status and a human title."""

    status = 400
    title = "Request refused"
    code = "refused"

    def __init__(self, detail: str, *, errors: dict | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or {}


class NotFound(DomainError):
    """The object does not exist, or is not yours to see."""

    status = 404
    title = "Not found"
    code = "not-found"


class Forbidden(DomainError):
    """You are known, but this is not yours to do."""

    status = 403
    title = "Forbidden"
    code = "forbidden"


class Conflict(DomainError):
    """The request clashes with the current state (a duplicate, a replay with other data)."""

    status = 409
    title = "Conflict"
    code = "conflict"


class ValidationFailed(DomainError):
    """The input is wrong; `errors` maps fields to messages."""

    status = 422
    title = "Invalid input"
    code = "invalid-input"


def wants_problem_json() -> bool:
    """Answer in problem+json: API routes, webhooks and the health check."""
    return request.path.startswith(("/api/", "/webhooks/")) or request.path == "/api"


def problem(status: int, title: str, detail: str, *, code: str, errors=None, headers=None):
    """A problem+json response."""
    body = {"type": f"https://leerwallet.nl/problems/{code}", "title": title, "status": status}
    body["detail"] = detail
    if errors:
        body["errors"] = errors
    response: Response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


HTTP_DETAILS = {
    400: "The request could not be understood.",
    401: "Log in, or send a valid API token in the Authorization header.",
    403: "You are not allowed to do this.",
    404: "There is nothing at this address.",
    405: "This address does not accept this method.",
    413: "The request is larger than Leerwallet accepts.",
    415: "Send the request body as application/json.",
    422: "The request contains invalid input.",
    429: "Too many attempts; wait a little and try again.",
}


def _http_error(error: HTTPException):
    status = error.code or 500
    errors = None
    data = getattr(error, "data", None) or {}
    if isinstance(data, dict) and "messages" in data:
        # webargs/flask-smorest validation errors: {"json": {"field": ["msg"]}}
        errors = data["messages"]
    custom = error.description and error.description != type(error).description
    detail = (
        error.description
        if custom and error.description
        else HTTP_DETAILS.get(status, error.description or "")
    )
    if wants_problem_json():
        code = (error.name or "error").lower().replace(" ", "-")
        headers = dict(error.get_headers()) if status == 405 else None
        if headers:
            headers.pop("Content-Type", None)
        return problem(status, error.name, detail, code=code, errors=errors, headers=headers)
    return _html_error(status, error.name, error.description if custom else None)


def _domain_error(error: DomainError):
    if wants_problem_json():
        return problem(
            error.status, error.title, error.detail, code=error.code, errors=error.errors
        )
    return _html_error(error.status, error.title, error.detail)


def _unexpected(error: Exception):
    from flask import current_app

    current_app.logger.exception("unhandled error", exc_info=error)
    if wants_problem_json():
        detail = "Something went wrong on our side. It has been logged; please try again later."
        return problem(500, "Internal Server Error", detail, code="internal")
    return _html_error(500, "Internal Server Error", None)


def _html_error(status: int, title: str, detail: str | None):
    details = {
        400: _("The request could not be understood."),
        401: _("Log in to see this page."),
        403: _("Your account does not give access to this page."),
        404: _("There is nothing at this address. Check the link or go back to the start."),
        405: _("This address does not accept this kind of request."),
        413: _("The file or form is larger than Leerwallet accepts."),
        429: _("Wait a little and try again."),
        500: _("Something went wrong on our side. It has been logged; please try again later."),
    }
    titles = {
        400: _("The request could not be understood"),
        401: _("Please log in"),
        403: _("You are not allowed to do this"),
        404: _("Page not found"),
        405: _("This action is not possible here"),
        409: _("This clashes with what is already there"),
        413: _("The upload is too large"),
        422: _("Please check what you entered"),
        429: _("Too many attempts"),
        500: _("Something went wrong"),
        503: _("Briefly unavailable"),
    }
    if detail is None:
        detail = details.get(status, "")
    body = render_template(
        "errors/error.html", status=status, title=titles.get(status, title), detail=detail
    )
    return body, status


def init_app(app: Flask) -> None:
    """Register the error handlers."""
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(Exception, _unexpected)
