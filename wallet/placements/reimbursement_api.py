"""/api/v1 of employers' reimbursement claims: an HR or finance system claims a part of a
placement's reimbursement (multipart/form-data with the invoice and the proofs), the fund's
administrators list what waits and decide.

Every POST honours Idempotency-Key, as the claims API does: a retry with the same key and
request (files included) returns the first result; the same key with another request is
refused (409). The rules are wallet/placements/reimbursements.py's.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from wallet.accounts.access import role_required
from wallet.accounts.models import Role
from wallet.accounts.scopes import Scope
from wallet.api.common import IDEMPOTENCY_DOC, SECURED, Blueprint, ProblemSchema, idempotency_key
from wallet.core.idempotency import run_once
from wallet.core.money import MAX_CENTS
from wallet.placements import reimbursements
from wallet.placements.models import ReimbursementPart

blp = Blueprint(
    "api_reimbursements",
    __name__,
    url_prefix="/api/v1",
    description="Employers' reimbursement claims: the employer claims with the invoice and "
    "the proofs, the fund's administrators decide.",
    write_scope=Scope.CLAIMS,
)

PARTS = [part.value for part in ReimbursementPart]
DECISIONS = ("approve", "reject")
FILES = (
    "invoice_pdf",
    "payment_proof_pdf",
    "employment_proof_pdf",
    "participation_proof_pdf",
    "ubl_xml",
)


class ReimbursementFormIn(Schema):
    """One part of a placement's reimbursement (multipart/form-data): the provider's invoice,
    proof of payment and proof of employment (PDFs, required), proof of participation (PDF)
    and the UBL 2.1 e-invoice (optional)."""

    part = fields.String(
        load_default="first",
        validate=validate.OneOf(PARTS),
        metadata={
            "description": "first: on the paid invoice; retention: the "
            "part held back, once the follow-up says the person is "
            "still employed."
        },
    )
    invoice_number = fields.String(required=True, validate=validate.Length(1, 50))
    invoice_date = fields.Date(required=True)
    invoice_cents = fields.Integer(required=True, validate=validate.Range(1, MAX_CENTS))
    eligible_cents = fields.Integer(
        load_default=None,
        validate=validate.Range(1, MAX_CENTS),
        metadata={
            "description": "The eligible part of the invoice; the whole invoice when left out."
        },
    )
    invoice_pdf = Upload(required=True, metadata={"description": "The provider's invoice."})
    payment_proof_pdf = Upload(required=True, metadata={"description": "Proof of payment."})
    employment_proof_pdf = Upload(required=True, metadata={"description": "Contract or payslip."})
    participation_proof_pdf = Upload(metadata={"description": "Attendance or certificate."})
    ubl_xml = Upload(metadata={"description": "The invoice as a UBL 2.1 e-invoice."})


class ReimbursementFlagOut(Schema):
    """Why the fund should look closer."""

    code = fields.String()
    severity = fields.String()
    reason = fields.String()


class ReimbursementClaimOut(Schema):
    """A reimbursement claim; amounts in euro cents."""

    id = fields.Integer()
    reference = fields.String()
    placement_id = fields.Integer()
    employer_id = fields.Integer()
    part = fields.String(attribute="part.value")
    status = fields.String(attribute="status.value")
    invoice_number = fields.String()
    invoice_date = fields.Date()
    invoice_cents = fields.Integer()
    eligible_cents = fields.Integer()
    reimbursement_cents = fields.Integer(metadata={"description": "The whole reimbursement."})
    amount_cents = fields.Integer(metadata={"description": "What this claim pays."})
    approvals_needed = fields.Integer()
    reason = fields.String(allow_none=True)
    submitted_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)
    flags = fields.List(fields.Nested(ReimbursementFlagOut))
    replayed = fields.Boolean()


class ReimbursementDecisionIn(Schema):
    """A reason: required to reject; the employer sees it."""

    reason = fields.String(load_default="", validate=validate.Length(max=500))


class _Shown:
    def __init__(self, claim, replayed: bool = False) -> None:
        self._claim, self.replayed = claim, replayed

    def __getattr__(self, name):
        return getattr(self._claim, name)


def _once(scope: str, body: dict, perform) -> _Shown:
    """Run `perform` (which returns a claim) once per Idempotency-Key; run_once hashes the
    whole HTTP request, the files' content included."""
    outcome = run_once(f"{scope}:{current_user.id}", idempotency_key(), body, lambda: perform().id)
    return _Shown(reimbursements.get_claim(outcome.result_id, current_user), outcome.replayed)


def _input(body: dict) -> reimbursements.ReimbursementInput:
    def read(name):
        upload = body.get(name)
        return upload.read() if upload else None

    return reimbursements.ReimbursementInput(
        part=body["part"],
        invoice_number=body["invoice_number"],
        invoice_date=body["invoice_date"],
        invoice_cents=body["invoice_cents"],
        eligible_cents=body["eligible_cents"] or body["invoice_cents"],
        invoice_pdf=read("invoice_pdf") or b"",
        payment_proof_pdf=read("payment_proof_pdf") or b"",
        employment_proof_pdf=read("employment_proof_pdf") or b"",
        participation_proof_pdf=read("participation_proof_pdf"),
        ubl_xml=read("ubl_xml"),
    )


@blp.route("/employer/placements/<int:placement_id>/reimbursement-claims")
class PlacementReimbursementClaims(MethodView):
    """Claim a part of a placement's reimbursement."""

    @role_required(Role.EMPLOYER_STAFF)
    @blp.doc(**IDEMPOTENCY_DOC)
    @blp.arguments(ReimbursementFormIn, location="multipart")
    @blp.response(201, ReimbursementClaimOut)
    @blp.alt_response(403, schema=ProblemSchema, description="Not the placement's employer")
    @blp.alt_response(404, schema=ProblemSchema, description="Not a placement you may see")
    @blp.alt_response(
        409,
        schema=ProblemSchema,
        description="Nothing to claim for this part now, or a claim for it waits already",
    )
    @blp.alt_response(422, schema=ProblemSchema, description="Problems, named per field")
    def post(self, body, placement_id):
        """Claim one part with the invoice and the proofs (honours Idempotency-Key); every
        problem comes back at once in errors[field]."""
        data = _input(body)
        form = {name: value for name, value in body.items() if name not in FILES}
        return _once(
            f"reimb:{placement_id}",
            form,
            lambda: reimbursements.submit(current_user, placement_id, data),
        )


@blp.route("/employer/reimbursement-claims/<int:claim_id>")
class EmployerReimbursementClaim(MethodView):
    """One of the employer's claims."""

    @role_required(Role.EMPLOYER_STAFF)
    @blp.doc(**SECURED)
    @blp.response(200, ReimbursementClaimOut)
    @blp.alt_response(404, schema=ProblemSchema, description="Not a claim of your employer")
    def get(self, claim_id):
        """The claim with its status (and the reason of a rejection)."""
        return _Shown(reimbursements.get_claim(claim_id, current_user))


@blp.route("/fund/reimbursement-claims")
class FundReimbursementClaims(MethodView):
    """The fund's reimbursement claims waiting for a decision."""

    @role_required(Role.FUND_ADMIN)
    @blp.doc(**SECURED)
    @blp.response(200, ReimbursementClaimOut(many=True))
    def get(self):
        """Waiting claims (or a second approval), oldest first, with their flags."""
        return [_Shown(claim) for claim in reimbursements.waiting(current_user.fund_id)]


@blp.route(
    f"/fund/reimbursement-claims/<int:claim_id>/actions/<any({', '.join(DECISIONS)}):action>"
)
class FundReimbursementDecision(MethodView):
    """approve (posting the commitment's hold to the employer's payable) or reject."""

    @role_required(Role.FUND_ADMIN)
    @blp.doc(**IDEMPOTENCY_DOC)
    @blp.arguments(ReimbursementDecisionIn)
    @blp.response(200, ReimbursementClaimOut)
    @blp.alt_response(403, schema=ProblemSchema, description="You sent this claim")
    @blp.alt_response(404, schema=ProblemSchema, description="Not a claim of your fund")
    @blp.alt_response(
        409,
        schema=ProblemSchema,
        description="Not possible in this state, or you approved it already",
    )
    @blp.alt_response(422, schema=ProblemSchema, description="A reason is missing")
    def post(self, data, claim_id, action):
        """Decide (honours Idempotency-Key). Where two administrators must approve, a first
        approval leaves the claim approved_once; a second administrator's approval pays."""
        return _once(
            f"reimb_claim:{claim_id}:{action}",
            data,
            lambda: reimbursements.review(
                claim_id, action, actor=current_user, reason=data["reason"]
            ),
        )
