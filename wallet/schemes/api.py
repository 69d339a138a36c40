"""/api/v1: a fund's schemes (regelingen), defined, activated and closed by its administrators."""

from flask.views import MethodView
from flask_login import current_user
from marshmallow import Schema, fields, validate

from wallet.accounts.access import role_required
from wallet.accounts.models import Role
from wallet.api.common import SECURED, Blueprint, ProblemSchema
from wallet.funds.access import own_fund, own_scheme
from wallet.schemes import services
from wallet.schemes.models import AllocationMode
from wallet.schemes.rules import SchemeRulesSchema

blp = Blueprint("api_schemes", __name__, url_prefix="/api/v1", description="Schemes (regelingen).")


class SchemeSchema(Schema):
    """A scheme: its terms and rules."""

    id = fields.Integer(dump_only=True)
    fund_id = fields.Integer(dump_only=True)
    status = fields.String(dump_only=True)
    committed_cents = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(1, 200))
    allocation_mode = fields.String(
        required=True, validate=validate.OneOf([m.value for m in AllocationMode])
    )
    amount_cents = fields.Integer(required=True, strict=True)
    validity_months = fields.Integer(required=True, strict=True)
    window_opens_on = fields.Date(allow_none=True, load_default=None)
    window_closes_on = fields.Date(allow_none=True, load_default=None)
    total_cap_cents = fields.Integer(allow_none=True, load_default=None, strict=True)
    rules = fields.Nested(SchemeRulesSchema, load_default=dict)


def _terms(data: dict) -> services.SchemeTerms:
    rules = data.pop("rules")
    payload = rules if isinstance(rules, dict) else SchemeRulesSchema().dump(rules.__dict__)
    return services.SchemeTerms(rules=payload, **data)


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
