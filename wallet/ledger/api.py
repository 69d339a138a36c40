"""/api/v1/ledger: a fund's accounts with their statements (read only).

Holds move only through their application or claim (apply, cancel, approve, close), never
by a direct call: no endpoint here posts or voids a hold.
"""

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import Schema, fields

from wallet.accounts.access import role_required
from wallet.accounts.models import Role
from wallet.api.common import SECURED, Blueprint, PageArgs
from wallet.core.db import session
from wallet.core.errors import NotFound
from wallet.funds.models import Fund
from wallet.grants.models import Grant
from wallet.ledger import services as ledger

blp = Blueprint("api_ledger", __name__, url_prefix="/api/v1/ledger", description="The ledger.")


class LineSchema(Schema):
    """One movement on an account."""

    id = fields.Integer(attribute="id")
    created_at = fields.DateTime()
    kind = fields.String()
    description = fields.String()
    reference = fields.String(allow_none=True)
    amount_cents = fields.Integer()
    balance_cents = fields.Integer()


class AccountSchema(Schema):
    """An account: its balance and a page of its statement."""

    id = fields.Integer()
    code = fields.String()
    kind = fields.String()
    posted_cents = fields.Integer()
    held_cents = fields.Integer()
    available_cents = fields.Integer()
    lines = fields.List(fields.Nested(LineSchema))
    total_lines = fields.Integer()


def fund_owning_account(account_id: int) -> int | None:
    """The fund whose pot or grant this account is, if any."""
    fund_id = session.scalar(sa.select(Fund.id).where(Fund.pot_account_id == account_id))
    if fund_id is None:
        fund_id = session.scalar(sa.select(Grant.fund_id).where(Grant.account_id == account_id))
    return fund_id


def _own_account(account_id: int):
    account = ledger.get_account(account_id)
    if fund_owning_account(account_id) != current_user.fund_id:
        raise NotFound(_("There is no such ledger account."))
    return account


@blp.route("/accounts/<int:account_id>", methods=["GET"])
@role_required(Role.FUND_ADMIN)
@blp.doc(**SECURED)
@blp.arguments(PageArgs, location="query")
@blp.response(200, AccountSchema)
def account(args, account_id):
    """An account of your fund (its pot or one of its grants) with a page of its statement."""
    found = _own_account(account_id)
    lines, total = ledger.statement_page(account_id, page=args["page"], per_page=args["per_page"])
    return {
        **found.__dict__,
        "available_cents": found.available_cents,
        "lines": lines,
        "total_lines": total,
    }
