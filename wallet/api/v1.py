"""/api/v1: the endpoints every API user has. Features add their own blueprints beside it."""

from flask.views import MethodView
from flask_login import current_user
from marshmallow import Schema, fields

from wallet.accounts.access import role_required
from wallet.api.common import SECURED, Blueprint, ProblemSchema

blp = Blueprint(
    "api_v1", __name__, url_prefix="/api/v1", description="Who you are, and the basics."
)


class OrganisationSchema(Schema):
    """The organisation a user belongs to."""

    id = fields.Integer()
    name = fields.String()
    status = fields.String()


class MeSchema(Schema):
    """The user a token belongs to."""

    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    role = fields.String()
    preferred_language = fields.String()
    provider = fields.Nested(OrganisationSchema, allow_none=True)
    fund = fields.Nested(OrganisationSchema, allow_none=True)


@blp.route("/me")
class Me(MethodView):
    """The caller."""

    @role_required()
    @blp.doc(**SECURED)
    @blp.response(200, MeSchema)
    @blp.alt_response(401, schema=ProblemSchema, description="No valid token")
    def get(self):
        """Who the presented token belongs to."""
        return current_user
