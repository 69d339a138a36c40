"""/api/v1: grants of a scheme: by hand, by allocation, by lottery."""

from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import Schema, fields, validate, validates_schema
from marshmallow import ValidationError as SchemaError

from wallet.accounts.access import role_required
from wallet.accounts.models import Role
from wallet.accounts.scopes import Scope
from wallet.accounts.services import find_worker_id
from wallet.api.common import (
    IDEMPOTENCY_DOC,
    SECURED,
    Blueprint,
    PageArgs,
    ProblemSchema,
    idempotency_key,
)
from wallet.core import clock
from wallet.core.errors import NotFound
from wallet.funds.access import own_scheme
from wallet.grants import balances, granting
from wallet.grants.allocation import allocate
from wallet.grants.lottery import draw_lottery

blp = Blueprint(
    "api_grants", __name__, url_prefix="/api/v1", description="Grants.", write_scope=Scope.PAYOUTS
)


class GrantSchema(Schema):
    """A grant with its balances."""

    id = fields.Integer()
    scheme_id = fields.Integer()
    user_id = fields.Integer()
    worker_name = fields.String()
    worker_email = fields.String()
    amount_cents = fields.Integer()
    posted_cents = fields.Integer()
    held_cents = fields.Integer()
    status = fields.String()
    source = fields.String()
    period = fields.String()
    expires_at = fields.DateTime()
    account_id = fields.Integer()


class GrantPage(Schema):
    """One page of grants."""

    items = fields.List(fields.Nested(GrantSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class GrantIn(Schema):
    """Grant to one worker, by user id or e-mail; the scheme's amount unless given."""

    user_id = fields.Integer(load_default=None)
    email = fields.Email(load_default=None)
    amount_cents = fields.Integer(load_default=None, strict=True)

    @validates_schema
    def _one_worker(self, data, **_kwargs):
        if (data.get("user_id") is None) == (data.get("email") is None):
            raise SchemaError("Give either user_id or email.", "user_id")


class CreatedOut(Schema):
    """What a write made; `replayed` when its Idempotency-Key was seen before."""

    id = fields.Integer()
    replayed = fields.Boolean()


class AllocationOut(Schema):
    """An allocation run."""

    id = fields.Integer(allow_none=True)
    grants = fields.Integer()
    total_cents = fields.Integer()
    period = fields.String()


class DrawIn(Schema):
    """The seed of a lottery draw."""

    seed = fields.String(required=True, validate=validate.Length(1, 100))


class DrawOut(Schema):
    """The outcome of a draw."""

    seed = fields.String()
    applicants = fields.Integer()
    winners = fields.Integer()
    order = fields.List(fields.Integer())


def _row(grant, name, email, posted, held) -> dict:
    return {
        **grant.__dict__,
        "worker_name": name,
        "worker_email": email,
        "posted_cents": posted,
        "held_cents": held,
    }


@blp.route("/schemes/<int:scheme_id>/grants", methods=["GET"])
@role_required(Role.FUND_ADMIN)
@blp.doc(**SECURED)
@blp.arguments(PageArgs, location="query")
@blp.response(200, GrantPage)
def list_grants(args, scheme_id):
    """The scheme's grants, a page at a time."""
    own_scheme(scheme_id)
    rows, total = balances.grants_of_scheme(scheme_id, args["page"], args["per_page"])
    return {"items": [_row(*row) for row in rows], "total": total, **args}


@blp.route("/schemes/<int:scheme_id>/grants", methods=["POST"])
@role_required(Role.FUND_ADMIN)
@blp.doc(**IDEMPOTENCY_DOC)
@blp.arguments(GrantIn)
@blp.response(201, CreatedOut)
@blp.alt_response(409, schema=ProblemSchema, description="Already granted, cap or pot used up")
@blp.alt_response(422, schema=ProblemSchema, description="Not eligible, with every reason")
def grant(data, scheme_id):
    """Grant a budget to one eligible worker (honours Idempotency-Key)."""
    own_scheme(scheme_id)
    user_id = data["user_id"]
    if data["email"] is not None:
        user_id = find_worker_id(data["email"])
        if user_id is None:
            raise NotFound(_("No worker has this e-mail address."))
    outcome = granting.grant_to_worker(
        scheme_id,
        user_id,
        actor_id=current_user.id,
        cents=data["amount_cents"],
        idempotency_key=idempotency_key(),
    )
    return {"id": outcome.result_id, "replayed": outcome.replayed}


@blp.route("/schemes/<int:scheme_id>/allocations", methods=["POST"])
@role_required(Role.FUND_ADMIN)
@blp.doc(**SECURED)
@blp.response(201, AllocationOut)
def run_allocation(scheme_id):
    """Run the allocation of an entitlement scheme now (nobody is granted twice)."""
    own_scheme(scheme_id)
    run = allocate(scheme_id, actor_id=current_user.id)
    if run is None:
        return {"id": None, "grants": 0, "total_cents": 0, "period": str(clock.today().year)}
    return run


@blp.route("/schemes/<int:scheme_id>/lottery", methods=["POST"])
@role_required(Role.FUND_ADMIN)
@blp.doc(**SECURED)
@blp.arguments(DrawIn)
@blp.response(201, DrawOut)
def draw(data, scheme_id):
    """Draw the lottery after the window has closed (once)."""
    own_scheme(scheme_id)
    return draw_lottery(scheme_id, data["seed"], actor_id=current_user.id)
