"""Which scope each API endpoint needs, checked before the handler runs and shown in the
OpenAPI document.

Reading (GET, HEAD) needs `read`; a write needs its blueprint's `write_scope` unless the
handler says otherwise with `@requires_scope(...)`. A write that declares no scope is refused
to every token (fail closed), and a test walks every route to keep that from happening.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, g, request
from flask_login import current_user

from wallet.accounts.scopes import Scope
from wallet.core.errors import problem

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SCOPE_ATTRIBUTE = "_api_scope"


def requires_scope(scope: Scope) -> Callable:
    """Declare the scope a handler needs, where its method's default is not right."""

    def decorate(view: Callable) -> Callable:
        setattr(view, SCOPE_ATTRIBUTE, scope)
        return view

    return decorate


def _handler(endpoint: str, method: str) -> Callable | None:
    view = current_app.view_functions.get(endpoint)
    view_class = getattr(view, "view_class", None)
    if view_class is not None:  # a MethodView: one handler per method
        return getattr(view_class, method.lower(), None)
    return view


def scope_needed(endpoint: str, method: str, write_scope: Scope | None) -> Scope | None:
    """The scope a request to `endpoint` with `method` needs; None when none is declared."""
    declared = getattr(_handler(endpoint, method), SCOPE_ATTRIBUTE, None)
    if declared is not None:
        return declared
    return Scope.READ if method.upper() in READ_METHODS else write_scope


def check_scope(write_scope: Scope | None):
    """Before an API handler: a token without the scope the endpoint needs gets 403."""
    from wallet.accounts.services import token_scopes

    if not current_user.is_authenticated:
        return None  # anonymous: the handler's own role check answers 401 where it must
    token = g.get("api_token")
    if token is None:
        return None
    needed = scope_needed(request.endpoint or "", request.method, write_scope)
    if needed is not None and needed in token_scopes(token):
        return None
    if needed is None:
        detail = "This endpoint declares no scope, so no token may use it."
    else:
        detail = (
            f"This token lacks the scope '{needed}'. Make a token with that scope on the "
            "tokens page (your role must allow it)."
        )
    return problem(
        403,
        "Missing scope",
        detail,
        code="missing-scope",
        errors={"scope": needed.value if needed else None},
    )


class ScopedSpec:
    """The apispec object as a blueprint registers its paths, writing the scope each
    secured operation needs into its security requirement (OpenAPI 3.1 allows a list of
    roles for an http bearer scheme)."""

    def __init__(self, spec, app, write_scope: Scope | None) -> None:
        self._spec, self._app, self._write_scope = spec, app, write_scope

    def __getattr__(self, name: str):
        return getattr(self._spec, name)

    def path(self, *, rule, operations, parameters=None, **kwargs):
        """Register the path as apispec does, each secured operation with its scope."""
        with self._app.app_context():
            for method, operation in operations.items():
                scope = scope_needed(rule.endpoint, method, self._write_scope)
                if operation.get("security") and scope is not None:
                    operation["security"] = [{"bearerAuth": [scope.value]}]
                if scope is not None:
                    operation["x-scope"] = scope.value
        return self._spec.path(rule=rule, operations=operations, parameters=parameters, **kwargs)
