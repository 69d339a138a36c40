"""Small pieces every API blueprint uses: the Idempotency-Key header, pagination, problems."""

from __future__ import annotations

import flask_smorest
from flask import request
from flask_babel import gettext as _
from marshmallow import Schema, fields, validate
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict

from wallet.accounts.scopes import Scope
from wallet.api.scopes import ScopedSpec, check_scope
from wallet.core.errors import ValidationFailed
from wallet.core.idempotency import IDEMPOTENCY_HEADER
from wallet.core.inputs import MAX_BIGINT, MAX_ID

IDEMPOTENCY_DOC = {
    "parameters": [
        {
            "in": "header",
            "name": IDEMPOTENCY_HEADER,
            "required": False,
            "schema": {"type": "string", "maxLength": 200},
            "description": "Send the same key when retrying: the write happens once, a replay "
            "returns the first result, the same key with any other request (any field of the "
            "body, path or query, or another file) is refused (409).",
        }
    ],
    "security": [{"bearerAuth": []}],
}
SECURED = {"security": [{"bearerAuth": []}]}
PROBLEM_JSON = "application/problem+json"


def idempotency_key() -> str | None:
    """The request's Idempotency-Key header, if any."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is not None and not 1 <= len(key) <= 200:
        raise ValidationFailed(_("An idempotency key has 1 to 200 characters."))
    return key


class PageArgs(Schema):
    """?page=1&per_page=50"""

    page = fields.Integer(load_default=1, validate=validate.Range(1, 100_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(1, 500))


class ProblemSchema(Schema):
    """An error, as application/problem+json."""

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.Dict()


def _out_of_range(data) -> dict:
    """Integers no database column can hold: ids (`id`, `*_id`) beyond PostgreSQL's integer,
    any other beyond a 64-bit integer; as {field: [message]}."""
    found: dict = {}
    items = data.items() if isinstance(data, dict) else enumerate(data)
    for name, value in items:
        if isinstance(value, dict | list):
            inner = _out_of_range(value)
            if inner:
                found[name] = inner
        elif isinstance(value, int) and not isinstance(value, bool):
            is_id = isinstance(name, str) and (name == "id" or name.endswith("_id"))
            limit = MAX_ID if is_id else MAX_BIGINT
            if not -limit <= value <= limit:
                found[name] = [_("Must be between %(low)d and %(high)d.", low=-limit, high=limit)]
    return found


class _Parser(FlaskParser):
    """webargs' parser that refuses integers beyond what the database holds (422, for every
    schema at once), with a `multipart` location: form fields and files read by one schema."""

    __location_map__ = {**FlaskParser.__location_map__, "multipart": "load_multipart"}

    def parse(self, argmap, req=None, *, location=None, **kwargs):
        """Parse as webargs does, then refuse out-of-range integers."""
        data = super().parse(argmap, req, location=location, **kwargs)
        problems = _out_of_range(data) if isinstance(data, dict | list) else {}
        if problems:
            flask_smorest.abort(422, messages={location or self.location: problems})
        return data

    def load_multipart(self, req, schema):
        """Form fields and uploaded files of a multipart/form-data body."""
        return self._makeproxy(CombinedMultiDict([req.form, req.files]), schema)


class Blueprint(flask_smorest.Blueprint):
    """The blueprint of every API feature: flask-smorest's, with the parser above. Multipart
    bodies are one schema, so the OpenAPI document shows every field (with location "form"
    plus "files" it showed only the files)."""

    ARGUMENTS_PARSER = _Parser()

    def __init__(self, *args, write_scope: Scope | None = None, **kwargs) -> None:
        """`write_scope`: what a token needs for this blueprint's writes (reads need read)."""
        super().__init__(*args, **kwargs)
        self.write_scope = write_scope
        self.before_request(lambda: check_scope(self.write_scope))

    def register_views_in_doc(self, api, app, spec, *, name, parameters):
        """Document the views as flask-smorest does, each operation with its scope."""
        scoped = ScopedSpec(spec, app, self.write_scope)
        super().register_views_in_doc(api, app, scoped, name=name, parameters=parameters)

    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
        **flask_smorest.Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
        "multipart": "multipart/form-data",
    }

    def alt_response(self, status_code, *args, content_type=None, **kwargs):
        """An alternative answer; errors (4xx, 5xx) are documented as problem+json."""
        if content_type is None and int(status_code) >= 400:
            content_type = PROBLEM_JSON
        return super().alt_response(status_code, *args, content_type=content_type, **kwargs)
