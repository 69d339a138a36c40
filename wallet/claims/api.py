"""/api/v1 for providers' systems (enrolments and claims) and fund administrators (review).

Every POST honours Idempotency-Key: a retry with the same key and request returns the first
result; the same key with another request is refused (409). Claims are sent as
multipart/form-data with the invoice PDF (and optionally a certificate and a UBL e-invoice).
"""

from __future__ import annotations

from flask.views import MethodView
from flask_babel import gettext as _
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
from wallet.applications import services as applications
from wallet.applications.models import ApplicationStatus
from wallet.claims import services
from wallet.claims.models import ClaimKind, ClaimStatus
from wallet.claims.queue import SORTS, QueueFilter, review_queue
from wallet.core.errors import NotFound
from wallet.core.idempotency import run_once
from wallet.fraud.services import flags_of

blp = Blueprint(
    "api_claims",
    __name__,
    url_prefix="/api/v1",
    description="Enrolments and claims (providers), review (fund administrators).",
    write_scope=Scope.CLAIMS,
)

PROVIDER_ACTIONS = ("confirm", "reject", "record_copayment", "start", "complete")
REVIEW_ACTIONS = ("approve", "reject", "close", "claw_back")
KINDS = [kind.value for kind in ClaimKind]


class ApplicationOut(Schema):
    """An application as its provider sees it."""

    id = fields.Integer()
    reference = fields.String()
    status = fields.String(attribute="status.value")
    run_id = fields.Integer()
    price_cents = fields.Integer()
    covered_cents = fields.Integer()
    copay_cents = fields.Integer()
    respond_by = fields.DateTime()
    reason = fields.String(allow_none=True)


class ApplicationsArgs(Schema):
    """?status=submitted"""

    status = fields.String(validate=validate.OneOf([s.value for s in ApplicationStatus]))


class ApplicationActionIn(Schema):
    """A reason (for a rejection) or a payment reference (for a co-payment)."""

    reason = fields.String(load_default="", validate=validate.Length(max=500))
    payment_reference = fields.String(load_default="", validate=validate.Length(max=50))


class FlagOut(Schema):
    """A fraud flag and why it was raised."""

    code = fields.String()
    severity = fields.String(attribute="severity.value")
    reason = fields.String()


class ClaimOut(Schema):
    """A claim's current version."""

    id = fields.Integer()
    reference = fields.String()
    application_id = fields.Integer()
    kind = fields.String(attribute="kind.value")
    status = fields.String(attribute="status.value")
    version = fields.Integer()
    invoice_number = fields.String()
    invoice_date = fields.Date()
    amount_cents = fields.Integer()
    vat_cents = fields.Integer()
    description = fields.String()
    attendance_pct = fields.Integer(allow_none=True)
    approvals_needed = fields.Integer()
    reason = fields.String(allow_none=True)
    submitted_at = fields.DateTime()
    flags = fields.List(
        fields.Nested(FlagOut), metadata={"description": "Only for reviewers; empty for providers."}
    )
    under_extra_review = fields.Boolean(
        metadata={"description": "Fraud flags were raised: the fund reviews it more closely."}
    )
    replayed = fields.Boolean()


class ClaimFormIn(Schema):
    """The invoice's fields and files (multipart/form-data): the invoice PDF (required), a
    certificate PDF and a UBL 2.1 e-invoice (optional)."""

    application_id = fields.Integer(required=True)
    kind = fields.String(load_default="final", validate=validate.OneOf(KINDS))
    invoice_number = fields.String(required=True, validate=validate.Length(1, 50))
    invoice_date = fields.Date(required=True)
    amount_cents = fields.Integer(required=True, strict=False, validate=validate.Range(1, 10**9))
    vat_cents = fields.Integer(load_default=0, validate=validate.Range(0, 10**9))
    description = fields.String(required=True, validate=validate.Length(1, 500))
    attendance_pct = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(0, 100)
    )

    invoice_pdf = Upload(required=True, metadata={"description": "The invoice, a PDF."})
    certificate_pdf = Upload(metadata={"description": "A certificate of participation (PDF)."})
    ubl_xml = Upload(metadata={"description": "The invoice as a UBL 2.1 e-invoice."})


class ResubmitFormIn(ClaimFormIn):
    """A corrected version: the same fields; the application is the claim's own."""

    application_id = fields.Integer(load_default=None)


class ReviewIn(Schema):
    """A reason (required to reject or claw back) and, for high-risk claims, flags_seen."""

    reason = fields.String(load_default="", validate=validate.Length(max=500))
    flags_seen = fields.Boolean(load_default=False)


class QueueArgs(PageArgs):
    """?status=waiting&sort=age&flagged=true"""

    status = fields.String(
        load_default="waiting",
        validate=validate.OneOf(["waiting", "all", *[s.value for s in ClaimStatus]]),
    )
    sort = fields.String(load_default="age", validate=validate.OneOf(SORTS))
    flagged = fields.Boolean(load_default=False)


def _claim_out(claim, replayed: bool = False) -> dict:
    # The fraud rules' reasons are for reviewers only; a provider hears of extra review.
    flags = flags_of(claim.application_id, claim.id)
    reviewer = current_user.role != Role.PROVIDER_STAFF
    return {
        **{c: getattr(claim, c) for c in ClaimOut().fields if hasattr(claim, c)},
        "kind": claim.kind,
        "status": claim.status,
        "flags": flags if reviewer else [],
        "under_extra_review": bool(flags),
        "replayed": replayed,
    }


def _claim_once(scope: str, request: dict, perform) -> dict:
    """Run `perform` (which returns a claim) once per Idempotency-Key; the claim as output.

    run_once hashes the whole HTTP request (files included), not only `request`."""
    outcome = run_once(scope, idempotency_key(), request, lambda: perform().id)
    return _claim_out(services.get_claim(outcome.result_id), outcome.replayed)


FILES = ("invoice_pdf", "certificate_pdf", "ubl_xml")


def _fields(body: dict) -> dict:
    """The body without its files (run_once hashes their content from the request)."""
    return {name: value for name, value in body.items() if name not in FILES}


def _input(form: dict, kind: str) -> services.ClaimInput:
    def read(name):
        upload = form.get(name)
        return upload.read() if upload else None

    return services.ClaimInput(
        kind=ClaimKind(kind),
        invoice_number=form["invoice_number"],
        invoice_date=form["invoice_date"],
        amount_cents=form["amount_cents"],
        vat_cents=form["vat_cents"],
        description=form["description"],
        attendance_pct=form["attendance_pct"],
        invoice_pdf=read("invoice_pdf") or b"",
        certificate_pdf=read("certificate_pdf"),
        ubl_xml=read("ubl_xml"),
    )


@blp.route("/provider/applications")
class ProviderApplications(MethodView):
    """The provider's applications."""

    @role_required(Role.PROVIDER_STAFF)
    @blp.doc(**SECURED)
    @blp.arguments(ApplicationsArgs, location="query")
    @blp.response(200, ApplicationOut(many=True))
    def get(self, args):
        """Applications for the caller's courses, oldest first (optionally of one status)."""
        statuses = [ApplicationStatus(args["status"])] if args.get("status") else None
        return applications.applications_of_provider(current_user.provider_id, statuses)


@blp.route("/provider/applications/<int:application_id>/<action>")
class ProviderApplicationAction(MethodView):
    """confirm, reject, record_copayment, start or complete an enrolment."""

    @role_required(Role.PROVIDER_STAFF)
    @blp.doc(**IDEMPOTENCY_DOC)
    @blp.arguments(ApplicationActionIn)
    @blp.response(200, ApplicationOut)
    @blp.alt_response(404, schema=ProblemSchema, description="Not your application")
    @blp.alt_response(409, schema=ProblemSchema, description="Not possible in this state")
    def post(self, data, application_id, action):
        """Answer or move an application (honours Idempotency-Key)."""
        if action not in PROVIDER_ACTIONS:
            raise NotFound(_("There is no such action."))
        # The scope names the organisation: a replay never shows another's application.
        scope = f"application:{current_user.provider_id}:{application_id}:{action}"
        outcome = run_once(
            scope,
            idempotency_key(),
            data,
            lambda: applications.decide(application_id, action, actor=current_user, **data).id,
        )
        return applications.get_application(outcome.result_id)


@blp.route("/provider/claims")
class ProviderClaims(MethodView):
    """The provider's claims."""

    @role_required(Role.PROVIDER_STAFF)
    @blp.doc(**SECURED)
    @blp.response(200, ClaimOut(many=True))
    def get(self):
        """The caller's organisation's claims, newest first."""
        return [_claim_out(c) for c in services.claims_of_provider(current_user.provider_id)]

    @role_required(Role.PROVIDER_STAFF)
    @blp.doc(**IDEMPOTENCY_DOC)
    @blp.arguments(ClaimFormIn, location="multipart")
    @blp.response(201, ClaimOut)
    @blp.alt_response(404, schema=ProblemSchema, description="Not your application")
    @blp.alt_response(409, schema=ProblemSchema, description="Out of order, or already claimed")
    @blp.alt_response(422, schema=ProblemSchema, description="Wrong amount, file or proof")
    def post(self, body):
        """Submit a claim with its invoice (honours Idempotency-Key)."""
        form, data = _fields(body), _input(body, body["kind"])
        return _claim_once(
            f"claim:{current_user.provider_id}",
            form,
            lambda: services.submit(current_user, form["application_id"], data),
        )


@blp.route("/provider/claims/<int:claim_id>/resubmit")
class ProviderClaimResubmit(MethodView):
    """A corrected version of a rejected claim."""

    @role_required(Role.PROVIDER_STAFF)
    @blp.doc(**IDEMPOTENCY_DOC)
    @blp.arguments(ResubmitFormIn, location="multipart")
    @blp.response(200, ClaimOut)
    @blp.alt_response(404, schema=ProblemSchema, description="Not your claim")
    @blp.alt_response(409, schema=ProblemSchema, description="Not rejected")
    @blp.alt_response(422, schema=ProblemSchema, description="Wrong amount, file or proof")
    def post(self, body, claim_id):
        """Resubmit a rejected claim (honours Idempotency-Key)."""
        claim = services.visible_claim(claim_id, current_user)
        form, data = _fields(body), _input(body, claim.kind.value)
        return _claim_once(
            f"claim:{current_user.provider_id}:{claim_id}:resubmit",
            form,
            lambda: services.resubmit(current_user, claim_id, data),
        )


@blp.route("/claims/<int:claim_id>")
class ClaimView(MethodView):
    """One claim."""

    @role_required(Role.PROVIDER_STAFF, Role.FUND_ADMIN, Role.PLATFORM_ADMIN)
    @blp.doc(**SECURED)
    @blp.response(200, ClaimOut)
    @blp.alt_response(404, schema=ProblemSchema, description="Not a claim you may see")
    def get(self, claim_id):
        """The claim with its flags."""
        return _claim_out(services.visible_claim(claim_id, current_user))


@blp.route("/claims/<int:claim_id>/<action>")
class ClaimDecision(MethodView):
    """approve, reject, close or claw_back."""

    @role_required(Role.PROVIDER_STAFF, Role.FUND_ADMIN)
    @blp.doc(**IDEMPOTENCY_DOC)
    @blp.arguments(ReviewIn)
    @blp.response(200, ClaimOut)
    @blp.alt_response(403, schema=ProblemSchema, description="Providers never approve")
    @blp.alt_response(404, schema=ProblemSchema, description="Not a claim you may decide on")
    @blp.alt_response(409, schema=ProblemSchema, description="Not possible in this state")
    @blp.alt_response(422, schema=ProblemSchema, description="Reason or flags_seen missing")
    def post(self, data, claim_id, action):
        """Decide on a claim (honours Idempotency-Key)."""
        if action not in REVIEW_ACTIONS:
            raise NotFound(_("There is no such action."))
        return _claim_once(
            f"claim:{claim_id}:{action}:{current_user.id}",
            data,
            lambda: services.review(claim_id, action, actor=current_user, **data),
        )


@blp.route("/fund/claims")
class FundClaims(MethodView):
    """The review queue of the caller's fund."""

    @role_required(Role.FUND_ADMIN)
    @blp.doc(**SECURED)
    @blp.arguments(QueueArgs, location="query")
    @blp.response(200, ClaimOut(many=True))
    def get(self, args):
        """Claims of the fund; waiting ones oldest first by default."""
        wanted = QueueFilter(
            status=args["status"],
            sort=args["sort"],
            flagged_only=args["flagged"],
            page=args["page"],
            per_page=args["per_page"],
        )
        rows, _total = review_queue(current_user.fund_id, wanted)
        return [_claim_out(row.claim) for row in rows]
