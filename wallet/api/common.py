"""Small pieces every API blueprint uses: the Idempotency-Key header, pagination, problems."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from marshmallow import Schema, fields, validate

from wallet.core.errors import ValidationFailed

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_DOC = {
    "parameters": [
        {
            "in": "header",
            "name": IDEMPOTENCY_HEADER,
            "required": False,
            "schema": {"type": "string", "maxLength": 200},
            "description": "Send the same key when retrying: the write happens once, a replay "
            "returns the first result, the same key with another body is refused (409).",
        }
    ],
    "security": [{"bearerAuth": []}],
}
SECURED = {"security": [{"bearerAuth": []}]}


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
