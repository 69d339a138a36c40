"""/api/v1: a fund's schemes (regelingen), defined, activated and closed by its administrators."""

from flask.views import MethodView
from flask_login import current_user
from marshmallow import Schema, fields, pre_dump, validate

from wallet.accounts.access import role_required
from wallet.accounts.models import Role
from wallet.accounts.scopes import Scope
from wallet.api.common import SECURED, Blueprint, ProblemSchema
from wallet.funds.access import own_fund, own_scheme
from wallet.schemes import services
from wallet.schemes.employer_rules import EmployerRulesSchema, employer_rules_of
from wallet.schemes.models import AllocationMode, Scheme, SchemeKind
from wallet.schemes.rules import SchemeRulesSchema

blp = Blueprint(
    "api_schemes",
    __name__,
    url_prefix="/api/v1",
    description="Schemes (regelingen).",
    write_scope=Scope.PAYOUTS,
)


class SchemeSchema(Schema):
    """A scheme: its kind, terms and rules.

    A worker budget scheme (kind "worker_budget") needs allocation_mode, amount_cents,
    validity_months and `rules`. An employer scheme (kind "employer") has all its terms,
    window and total budget included, in `employer_rules`; the top-level window and
    total_cap_cents then mirror them and amount_cents is its cap per person.
    """

    id = fields.Integer(dump_only=True)
    fund_id = fields.Integer(dump_only=True)
    status = fields.String(dump_only=True)
    committed_cents = fields.Integer(dump_only=True)
    kind = fields.String(
        load_default=SchemeKind.WORKER_BUDGET.value,
        validate=validate.OneOf([k.value for k in SchemeKind]),
    )
    name = fields.String(required=True, validate=validate.Length(1, 200))
    allocation_mode = fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.OneOf([m.value for m in AllocationMode]),
    )
    amount_cents = fields.Integer(allow_none=True, load_default=None, strict=True)
    validity_months = fields.Integer(allow_none=True, load_default=None, strict=True)
    window_opens_on = fields.Date(allow_none=True, load_default=None)
    window_closes_on = fields.Date(allow_none=True, load_default=None)
    total_cap_cents = fields.Integer(allow_none=True, load_default=None, strict=True)
    rules = fields.Nested(SchemeRulesSchema, load_default=dict)
    employer_rules = fields.Nested(EmployerRulesSchema, allow_none=True, load_default=None)

    @pre_dump
    def _by_kind(self, scheme: Scheme, **_kwargs) -> dict:
        values = {name: getattr(scheme, name) for name in SCHEME_COLUMNS}
        values["kind"] = scheme.kind.value
        if scheme.for_employers:
            values.update(rules={}, employer_rules=employer_rules_of(scheme))
        else:
            values.update(rules=scheme.rules or {}, employer_rules=None)
        return values


SCHEME_COLUMNS = (
    "id",
    "fund_id",
    "status",
    "committed_cents",
    "name",
    "allocation_mode",
    "amount_cents",
    "validity_months",
    "window_opens_on",
    "window_closes_on",
    "total_cap_cents",
)


def _terms(data: dict) -> services.SchemeTerms:
    rules = data.pop("rules")
    employer_rules = data.pop("employer_rules")
    if data["kind"] == SchemeKind.EMPLOYER_REIMBURSEMENT.value:
        rules = EmployerRulesSchema().dump(employer_rules) if employer_rules else {}
    elif not isinstance(rules, dict):
        rules = SchemeRulesSchema().dump(rules.__dict__)
    return services.SchemeTerms(rules=rules, **data)


@blp.route("/funds/<int:fund_id>/schemes")
class Schemes(MethodView):
    """A fund's schemes."""

    @role_required(Role.FUND_ADMIN)
    @blp.doc(**SECURED)
    @blp.response(200, SchemeSchema(many=True))
    def get(self, fund_id):
        """The fund's schemes, newest first."""
        own_fund(fund_id)
        return services.schemes_of(fund_id)

    @role_required(Role.FUND_ADMIN)
    @blp.doc(**SECURED)
    @blp.arguments(SchemeSchema)
    @blp.response(201, SchemeSchema)
    @blp.alt_response(422, schema=ProblemSchema, description="Invalid terms")
    def post(self, data, fund_id):
        """Define a draft scheme."""
        own_fund(fund_id)
        return services.define_scheme(fund_id, _terms(data), actor_id=current_user.id)


@blp.route("/schemes/<int:scheme_id>")
class SchemeView(MethodView):
    """One scheme."""

    @role_required(Role.FUND_ADMIN)
    @blp.doc(**SECURED)
    @blp.response(200, SchemeSchema)
    def get(self, scheme_id):
        """The scheme."""
        return own_scheme(scheme_id)

    @role_required(Role.FUND_ADMIN)
    @blp.doc(**SECURED)
    @blp.arguments(SchemeSchema)
    @blp.response(200, SchemeSchema)
    @blp.alt_response(409, schema=ProblemSchema, description="Not a draft any more")
    def put(self, data, scheme_id):
        """Change a draft scheme."""
        own_scheme(scheme_id)
        return services.change_scheme(scheme_id, _terms(data), actor_id=current_user.id)


@blp.route("/schemes/<int:scheme_id>/activate", methods=["POST"])
@role_required(Role.FUND_ADMIN)
@blp.doc(**SECURED)
@blp.response(200, SchemeSchema)
def activate(scheme_id):
    """Start granting under a draft scheme."""
    own_scheme(scheme_id)
    return services.activate_scheme(scheme_id, actor_id=current_user.id)


@blp.route("/schemes/<int:scheme_id>/close", methods=["POST"])
@role_required(Role.FUND_ADMIN)
@blp.doc(**SECURED)
@blp.response(200, SchemeSchema)
def close(scheme_id):
    """Grant no more under the scheme."""
    own_scheme(scheme_id)
    return services.close_scheme(scheme_id, actor_id=current_user.id)
