"""/api/v1/catalogue (public, read-only) and /api/v1/provider/courses (provider systems)."""

from __future__ import annotations

import json

from flask import request
from flask_login import current_user
from marshmallow import Schema, fields, validate

from wallet.accounts.access import role_required
from wallet.accounts.models import Role
from wallet.accounts.scopes import Scope
from wallet.api.common import SECURED, Blueprint, ProblemSchema
from wallet.catalogue import services
from wallet.catalogue.imports import import_courses
from wallet.catalogue.search import SORTS, SearchQuery, search
from wallet.core.db import session
from wallet.core.errors import NotFound
from wallet.providers.models import ProviderStatus

blp = Blueprint(
    "api_catalogue",
    __name__,
    url_prefix="/api/v1",
    description="Course catalogue.",
    write_scope=Scope.CATALOGUE,
)


class SearchArgs(Schema):
    """Search parameters; all optional."""

    q = fields.String(load_default="", validate=validate.Length(max=200))
    municipality = fields.List(fields.String(), load_default=list)
    nlqf_min = fields.Integer(load_default=None, validate=validate.Range(1, 8))
    nlqf_max = fields.Integer(load_default=None, validate=validate.Range(1, 8))
    kind = fields.List(fields.String(), load_default=list)
    modality = fields.String(load_default=None)
    language = fields.String(load_default=None)
    sector = fields.String(load_default=None)
    price_min_cents = fields.Integer(load_default=None, validate=validate.Range(0, 10**8))
    price_max_cents = fields.Integer(load_default=None, validate=validate.Range(0, 10**8))
    starts_from = fields.Date(load_default=None)
    starts_until = fields.Date(load_default=None)
    accreditation = fields.String(load_default=None)
    sort = fields.String(load_default="relevance", validate=validate.OneOf(SORTS))
    page = fields.Integer(load_default=1, validate=validate.Range(1, 10_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(1, 100))


class CourseSchema(Schema):
    """A course."""

    id = fields.Integer()
    provider_id = fields.Integer()
    code = fields.String()
    title_nl = fields.String()
    title_en = fields.String(allow_none=True)
    title_de = fields.String(allow_none=True)
    description_nl = fields.String()
    kind = fields.String()
    nlqf_level = fields.Integer(allow_none=True)
    sector = fields.String()
    skills = fields.List(fields.String())
    occupations = fields.List(fields.String())
    hours = fields.Integer()
    modality = fields.String()
    language = fields.String()
    municipality_code = fields.String()
    price_cents = fields.Integer()
    vat = fields.String()


class HitSchema(Schema):
    """A course run in the results."""

    run_id = fields.Integer()
    starts_on = fields.Date()
    ends_on = fields.Date()
    seats = fields.Integer()
    run_municipality = fields.String()
    provider_name = fields.String()
    course = fields.Nested(CourseSchema)


class ResultSchema(Schema):
    """A page of results."""

    hits = fields.List(fields.Nested(HitSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class ImportOut(Schema):
    """How many courses an upload added or changed."""

    changed = fields.Integer()


@blp.route("/catalogue/runs", methods=["GET"])
@blp.arguments(SearchArgs, location="query")
@blp.response(200, ResultSchema)
def search_runs(args):
    """Search upcoming course runs of accredited providers (no login needed)."""
    passed = (
        "nlqf_min",
        "nlqf_max",
        "modality",
        "language",
        "sector",
        "price_min_cents",
        "price_max_cents",
        "starts_from",
        "starts_until",
        "accreditation",
        "sort",
        "page",
        "per_page",
    )
    query = SearchQuery(
        text=args["q"],
        municipality_codes=tuple(args["municipality"]),
        kinds=tuple(args["kind"]),
        **{key: args[key] for key in passed},
    )
    return search(query)


@blp.route("/catalogue/courses/<int:course_id>", methods=["GET"])
@blp.response(200, CourseSchema)
@blp.alt_response(404, schema=ProblemSchema, description="No such published course")
def course(course_id):
    """A published course of an accredited provider."""
    found = services.get_course(course_id)
    if not found.published or found.provider.status != ProviderStatus.ACCREDITED:
        raise NotFound("There is no such course.")
    return found


@blp.route("/provider/courses", methods=["GET"])
@role_required(Role.PROVIDER_STAFF)
@blp.doc(**SECURED)
@blp.response(200, CourseSchema(many=True))
def own_courses():
    """Your organisation's courses."""
    return services.courses_of(current_user.provider_id)


@blp.route("/provider/courses", methods=["PUT"])
@role_required(Role.PROVIDER_STAFF)
@blp.doc(
    **SECURED,
    requestBody={
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {"courses": {"type": "array", "items": {"type": "object"}}},
                }
            }
        },
    },
)
@blp.response(200, ImportOut)
@blp.alt_response(422, schema=ProblemSchema, description="Problems per course; nothing saved")
def put_courses():
    """Add or change courses by your own codes, as the JSON import; all or nothing."""
    body = json.dumps(request.get_json(silent=True) or {}).encode()
    changed = import_courses(current_user.provider_id, "api.json", body, actor_id=current_user.id)
    session.rollback()
    return {"changed": changed}
