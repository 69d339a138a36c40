"""/api/v1/funds: a fund's figures and deposits (fund administrators, their own fund)."""

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from wallet.accounts.access import role_required
from wallet.accounts.models import Role
from wallet.accounts.scopes import Scope
from wallet.api.common import IDEMPOTENCY_DOC, SECURED, Blueprint, ProblemSchema, idempotency_key
from wallet.funds import services
from wallet.funds.access import own_fund

blp = Blueprint(
    "api_funds",
    __name__,
    url_prefix="/api/v1/funds",
    description="Funds and deposits.",
    write_scope=Scope.PAYOUTS,
)


class FiguresSchema(Schema):
    """Where the fund's money is, in cents."""

    deposited_cents = fields.Integer()
    available_cents = fields.Integer()
    granted_cents = fields.Integer()
    held_cents = fields.Integer()
    spent_cents = fields.Integer()
    returned_cents = fields.Integer()


class FundSchema(Schema):
    """A fund with its figures."""

    id = fields.Integer()
    name = fields.String()
    status = fields.String()
    pot_account_id = fields.Integer()
    figures = fields.Nested(FiguresSchema)


class DepositIn(Schema):
    """A deposit into the fund's pot."""

    amount_cents = fields.Integer(required=True, strict=True, validate=validate.Range(1, 10**9))
    reference = fields.String(required=True, validate=validate.Length(1, 100))
    currency = fields.String(
        load_default="EUR",
        validate=validate.OneOf(["EUR"], error="Leerwallet holds euros only (EUR)."),
    )


class DepositOut(Schema):
    """The ledger transaction of the deposit; `replayed` when the key was seen before."""

    transaction_id = fields.Integer()
    replayed = fields.Boolean()


@blp.route("/<int:fund_id>")
class FundView(MethodView):
    """A fund."""

    @role_required(Role.FUND_ADMIN)
    @blp.doc(**SECURED)
    @blp.response(200, FundSchema)
    @blp.alt_response(404, schema=ProblemSchema, description="Not your fund")
    def get(self, fund_id):
        """The fund and its figures."""
        fund = own_fund(fund_id)
        return {**fund.__dict__, "figures": services.fund_figures(fund.id)}


@blp.route("/<int:fund_id>/deposits")
class Deposits(MethodView):
    """Deposits into a fund's pot."""

    @role_required(Role.FUND_ADMIN)
    @blp.doc(**IDEMPOTENCY_DOC)
    @blp.arguments(DepositIn)
    @blp.response(201, DepositOut)
    @blp.alt_response(409, schema=ProblemSchema, description="Closed fund, or key reused")
    @blp.alt_response(422, schema=ProblemSchema, description="Invalid amount or reference")
    def post(self, data, fund_id):
        """Deposit money into the fund (honours Idempotency-Key)."""
        from flask_login import current_user

        own_fund(fund_id)
        outcome = services.deposit(
            fund_id,
            data["amount_cents"],
            reference=data["reference"],
            actor_id=current_user.id,
            idempotency_key=idempotency_key(),
        )
        return {"transaction_id": outcome.result_id, "replayed": outcome.replayed}
