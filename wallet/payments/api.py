"""/api/v1 for a fund's finance system: payout batches, their SEPA files, bank statements.

Fund administrators, of their own fund only (another fund's batch or payment is 404). The
same services as the payout pages, so the same rules. Every POST that moves money honours
Idempotency-Key; a bank statement needs none: the same file imported again changes nothing
and says so (`duplicate`).
"""

from __future__ import annotations

from flask import Response
from flask_login import current_user
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from wallet.accounts.access import role_required
from wallet.accounts.models import Role
from wallet.accounts.scopes import Scope
from wallet.api.common import (
    IDEMPOTENCY_DOC,
    SECURED,
    Blueprint,
    PageArgs,
    ProblemSchema,
    idempotency_key,
)
from wallet.core.db import session
from wallet.core.idempotency import earlier_outcome, run_once
from wallet.payments import batches
from wallet.payments.connect import pay_stripe_batch
from wallet.payments.models import (
    BatchStatus,
    ItemStatus,
    PayeeKind,
    PayoutBatch,
    PayoutItem,
    PayoutMethod,
    TransferState,
)
from wallet.payments.sepa import SCHEMAS, sepa_file
from wallet.payments.statements import import_statement

blp = Blueprint(
    "api_payments",
    __name__,
    url_prefix="/api/v1",
    description="Payout batches, their SEPA files and bank statements (fund administrators).",
    write_scope=Scope.PAYOUTS,
)

BATCH_ACTIONS = ("submit", "discard", "pay_stripe")
ITEM_ACTIONS = ("mark_paid", "mark_failed")


def _enum(enum_cls, **kwargs) -> fields.Enum:
    """A field of an enum's values, documented as a string with its values."""
    return fields.Enum(enum_cls, by_value=True, metadata={"type": "string"}, **kwargs)


class LeftOutOut(Schema):
    """A payee (provider or employer) whose approved claims were left out of the batch, and
    why."""

    name = fields.String()
    reason = fields.String()


class LineOut(Schema):
    """One claim in a payment (a provider's claim or an employer's reimbursement claim); its
    end-to-end id is the reference of its transfer."""

    id = fields.Integer()
    claim_id = fields.Integer(allow_none=True, metadata={"description": "A provider's claim."})
    reimbursement_claim_id = fields.Integer(
        allow_none=True, metadata={"description": "An employer's reimbursement claim."}
    )
    claim_reference = fields.String()
    end_to_end_id = fields.String()
    claim_cents = fields.Integer()
    offset_cents = fields.Integer(metadata={"description": "Set against what the provider owes."})
    amount_cents = fields.Integer(metadata={"description": "Transferred: claim less offset."})
    released = fields.Boolean(metadata={"description": "Taken out of the batch (failed)."})
    paid_at = fields.DateTime(allow_none=True)
    returned_at = fields.DateTime(allow_none=True)


class ItemOut(Schema):
    """One payee's payment in a batch (a provider or an employer), with its claims."""

    id = fields.Integer()
    batch_id = fields.Integer()
    payee_kind = _enum(PayeeKind)
    provider_id = fields.Integer(allow_none=True)
    employer_id = fields.Integer(allow_none=True)
    payee_name = fields.String(attribute="account_holder")
    iban = fields.String(allow_none=True)
    bic = fields.String(allow_none=True)
    status = _enum(ItemStatus)
    gross_cents = fields.Integer()
    offset_cents = fields.Integer()
    amount_cents = fields.Integer()
    transfer_state = _enum(TransferState)
    stripe_transfer_id = fields.String(allow_none=True)
    failure_reason = fields.String(allow_none=True)
    paid_at = fields.DateTime(allow_none=True)
    lines = fields.List(fields.Nested(LineOut))


class ItemActionOut(ItemOut):
    """The payment after the action; `replayed` when its Idempotency-Key was seen before."""

    replayed = fields.Boolean()


class BatchOut(Schema):
    """A payout batch and its totals."""

    id = fields.Integer()
    reference = fields.String()
    method = _enum(PayoutMethod)
    status = _enum(BatchStatus)
    claim_count = fields.Integer()
    gross_cents = fields.Integer()
    offset_cents = fields.Integer()
    amount_cents = fields.Integer()
    created_at = fields.DateTime()
    submitted_at = fields.DateTime(allow_none=True)
    execution_date = fields.Date(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    left_out = fields.List(
        fields.Nested(LeftOutOut),
        allow_none=True,
        metadata={
            "description": "Providers left out when it was made, and why; null for "
            "batches made before this was kept."
        },
    )


class BatchPage(Schema):
    """One page of batches, newest first."""

    items = fields.List(fields.Nested(BatchOut))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class BatchDetailOut(BatchOut):
    """A batch with its payments and their claims. `replayed` when the request's
    Idempotency-Key was seen before; `problems`: transfers Stripe did not make (pay_stripe)."""

    items = fields.List(fields.Nested(ItemOut))
    replayed = fields.Boolean()
    problems = fields.List(fields.String())


class BatchesArgs(PageArgs):
    """?status=draft&page=1&per_page=50"""

    status = _enum(BatchStatus)


class NewBatchIn(Schema):
    """How the batch is paid: a SEPA file for the fund's bank, or Stripe Connect transfers."""

    method = _enum(PayoutMethod, required=True)


class ItemActionIn(Schema):
    """Why the payment failed (required for mark_failed)."""

    reason = fields.String(load_default="", validate=validate.Length(max=300))


class SepaArgs(Schema):
    """?schema=pain.001.001.03 for banks that need the older format."""

    xml_schema = fields.String(
        data_key="schema", load_default=SCHEMAS[0], validate=validate.OneOf(SCHEMAS)
    )


class StatementIn(Schema):
    """A camt.053 bank statement (001.02 or 001.08) of the fund's own account."""

    statement = Upload(required=True, metadata={"description": "The camt.053 XML file."})


class StatementOut(Schema):
    """What the statement settled, and every line it could not place. `duplicate`: this
    very file was imported before (at `imported_before`); nothing changed."""

    matched = fields.Integer(metadata={"description": "Transfers found on the statement."})
    paid_items = fields.List(fields.Integer(), metadata={"description": "Payments now paid."})
    failed_items = fields.List(fields.Integer(), metadata={"description": "Payments failed."})
    returned = fields.List(
        fields.String(), metadata={"description": "End-to-end ids returned by the bank."}
    )
    unmatched = fields.List(fields.String(), metadata={"description": "Lines not placed, why."})
    duplicate = fields.Boolean()
    imported_before = fields.DateTime(allow_none=True)


def _fresh() -> None:
    # The services move rows with set-based UPDATEs; answer with what was committed, not
    # with objects this request loaded before.
    session.expire_all()


def _item(item: PayoutItem, lines: list, references: dict[int, str]) -> dict:
    names = [name for name in ItemOut().fields if name not in {"payee_name", "lines"}]
    return {
        **{name: getattr(item, name) for name in names},
        "account_holder": item.account_holder,
        "lines": [_line(line, references) for line in lines],
    }


def _line(line, references: dict[int, str]) -> dict:
    names = [name for name in LineOut().fields if name != "claim_reference"]
    return {
        **{name: getattr(line, name) for name in names},
        "claim_reference": references.get(line.id),
    }


def _batch(batch: PayoutBatch, **extra) -> dict:
    _fresh()
    lines, references = batches.lines_by_item(batch), batches.claim_references(batch)
    items = [_item(item, lines.get(item.id, []), references) for item in batch.items]
    return {**{name: getattr(batch, name) for name in BatchOut().fields}, "items": items, **extra}


def _payment(item_id: int, **extra) -> dict:
    _fresh()
    item = batches.get_item(item_id, current_user.fund_id)
    batch = batches.get_batch(item.batch_id, current_user.fund_id)
    lines = batches.lines_by_item(batch).get(item.id, [])
    return {**_item(item, lines, batches.claim_references(batch)), **extra}


@blp.route("/payout-batches", methods=["GET"])
@role_required(Role.FUND_ADMIN)
@blp.doc(**SECURED)
@blp.arguments(BatchesArgs, location="query")
@blp.response(200, BatchPage)
def list_batches(args):
    """The fund's payout batches, newest first (optionally of one status)."""
    rows, total = batches.page_of_batches(
        current_user.fund_id,
        status=args.get("status"),
        page=args["page"],
        per_page=args["per_page"],
    )
    return {"items": rows, "total": total, "page": args["page"], "per_page": args["per_page"]}


@blp.route("/payout-batches", methods=["POST"])
@role_required(Role.FUND_ADMIN)
@blp.doc(**IDEMPOTENCY_DOC)
@blp.arguments(NewBatchIn)
@blp.response(201, BatchDetailOut)
@blp.alt_response(
    409,
    schema=ProblemSchema,
    description="No approved claims to pay, Stripe not set up, or key reused",
)
@blp.alt_response(
    422,
    schema=ProblemSchema,
    description="Nobody with approved claims can be paid this way, and why",
)
def create_batch(data):
    """Make a draft batch of every approved claim of the fund not in another batch, one payment
    per provider and one per employer (its reimbursement claims; employers are paid by SEPA
    only); payees that cannot be paid this way are left out, with the reason (honours
    Idempotency-Key)."""
    fund_id, method = current_user.fund_id, data["method"]
    outcome = run_once(
        f"payout-batch:{fund_id}",
        idempotency_key(),
        {"method": method.value},
        lambda: batches.create_batch(fund_id, method=method, actor=current_user).batch.id,
    )
    batch = batches.get_batch(outcome.result_id, fund_id)
    return _batch(batch, replayed=outcome.replayed, problems=[])


@blp.route("/payout-batches/<int:batch_id>", methods=["GET"])
@role_required(Role.FUND_ADMIN)
@blp.doc(**SECURED)
@blp.response(200, BatchDetailOut)
@blp.alt_response(404, schema=ProblemSchema, description="Not a batch of your fund")
def get_batch(batch_id):
    """The batch with its payments (payee, IBAN, amount, status) and their claims."""
    return _batch(batches.get_batch(batch_id, current_user.fund_id), replayed=False, problems=[])


@blp.route(
    f"/payout-batches/<int:batch_id>/actions/<any({', '.join(BATCH_ACTIONS)}):action>",
    methods=["POST"],
)
@role_required(Role.FUND_ADMIN)
@blp.doc(**IDEMPOTENCY_DOC)
@blp.response(200, BatchDetailOut)
@blp.alt_response(404, schema=ProblemSchema, description="Not a batch of your fund")
@blp.alt_response(
    409,
    schema=ProblemSchema,
    description="Not possible in the batch's status, Stripe unavailable, or key reused",
)
def batch_action(batch_id, action):
    """submit a draft (its money goes in transit), discard a draft (its claims are approved
    and unbatched again), or pay_stripe: send the transfers of a submitted Stripe batch
    (honours Idempotency-Key)."""
    fund_id, key = current_user.fund_id, idempotency_key()
    scope = f"payout-batch:{fund_id}:{batch_id}:{action}"
    if action == "pay_stripe":
        # Transfers commit one by one around their Stripe calls, never inside run_once; each
        # is made once whatever happens (see connect.py). The key is recorded afterwards.
        earlier = earlier_outcome(scope, key, {})
        if earlier is not None:
            return _batch(batches.get_batch(batch_id, fund_id), replayed=True, problems=[])
        problems = pay_stripe_batch(batch_id, fund_id, actor=current_user)
        outcome = run_once(scope, key, {}, lambda: batch_id)
        return _batch(
            batches.get_batch(batch_id, fund_id), replayed=outcome.replayed, problems=problems
        )
    perform = {"submit": batches.submit_batch, "discard": batches.discard_batch}[action]
    outcome = run_once(scope, key, {}, lambda: perform(batch_id, fund_id, actor=current_user).id)
    return _batch(batches.get_batch(batch_id, fund_id), replayed=outcome.replayed, problems=[])


@blp.route("/payout-batches/<int:batch_id>/sepa", methods=["GET"])
@role_required(Role.FUND_ADMIN)
@blp.doc(**SECURED)
@blp.arguments(SepaArgs, location="query")
@blp.response(
    200,
    {"type": "string"},
    content_type="application/xml",
    description="The pain.001 file, validated against its XSD, as an attachment",
)
@blp.alt_response(404, schema=ProblemSchema, description="Not a batch of your fund")
@blp.alt_response(
    409,
    schema=ProblemSchema,
    description="A draft, discarded or Stripe batch, nothing to transfer, or the "
    "fund's own IBAN missing",
)
@blp.alt_response(
    422, schema=ProblemSchema, description="Unknown schema, or IBANs that cannot be paid (named)"
)
def sepa(args, batch_id):
    """The SEPA credit-transfer file of a submitted batch for the fund's bank; the same file
    at every download (pain.001.001.09, or ?schema=pain.001.001.03)."""
    schema = args["xml_schema"]
    document = sepa_file(batch_id, current_user.fund_id, schema)
    batch = batches.get_batch(batch_id, current_user.fund_id)
    disposition = f'attachment; filename="{batch.reference}-{schema}.xml"'
    return Response(
        document, mimetype="application/xml", headers={"Content-Disposition": disposition}
    )


@blp.route("/bank-statements", methods=["POST"])
@role_required(Role.FUND_ADMIN)
@blp.doc(**SECURED)
@blp.arguments(StatementIn, location="multipart")
@blp.response(200, StatementOut)
@blp.alt_response(
    422,
    schema=ProblemSchema,
    description="Not a readable camt.053, or not of the fund's own account; nothing was written",
)
def bank_statement(body):
    """Import a camt.053 statement of the fund's account: transfers on it mark their payments
    paid, returned ones turn their claims back to approved; every line it could not place is
    listed. The same file again changes nothing (`duplicate`)."""
    return import_statement(current_user.fund_id, body["statement"].read(), actor=current_user)


@blp.route(
    f"/payout-items/<int:item_id>/actions/<any({', '.join(ITEM_ACTIONS)}):action>",
    methods=["POST"],
)
@role_required(Role.FUND_ADMIN)
@blp.doc(**IDEMPOTENCY_DOC)
@blp.arguments(ItemActionIn)
@blp.response(200, ItemActionOut)
@blp.alt_response(404, schema=ProblemSchema, description="Not a payment of your fund")
@blp.alt_response(
    409,
    schema=ProblemSchema,
    description="Settled already, a Stripe transfer under way, or key reused",
)
@blp.alt_response(422, schema=ProblemSchema, description="mark_failed without a reason")
def item_action(data, item_id, action):
    """mark_paid: the bank paid the provider (in transit → paid out, its claims paid);
    mark_failed with a reason: the transfer bounced, its claims are approved again for a later
    batch (honours Idempotency-Key)."""
    fund_id = current_user.fund_id

    def perform() -> int:
        if action == "mark_paid":
            return batches.mark_paid(item_id, fund_id, actor=current_user).id
        return batches.mark_failed(item_id, fund_id, actor=current_user, reason=data["reason"]).id

    scope = f"payout-item:{fund_id}:{item_id}:{action}"
    outcome = run_once(scope, idempotency_key(), data, perform)
    return _payment(item_id, replayed=outcome.replayed)
