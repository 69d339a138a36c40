"""/api/v1 for employers' HR systems (and the fund's brokers) and for fund administrators:
employer applications with their persons, the fund's decisions, follow-ups and closures.

Every POST honours Idempotency-Key: a retry with the same key and request returns the first
result (with "replayed": true); the same key with another request is refused (409). The
handlers only translate: who may do what, and every rule, is wallet/placements' services'.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_babel import gettext as _
from flask_login import current_user

from wallet.accounts.access import role_required
from wallet.accounts.models import Role
from wallet.accounts.scopes import Scope
from wallet.api.common import IDEMPOTENCY_DOC, SECURED, Blueprint, ProblemSchema, idempotency_key
from wallet.core.errors import ValidationFailed
from wallet.core.idempotency import run_once
from wallet.placements import followups, review, services
from wallet.placements.models import EmployerApplicationStatus
from wallet.placements.schemas import (
    CLOSE_ACTIONS,
    EMPLOYER_ACTIONS,
    REVIEW_ACTIONS,
    CloseIn,
    EmployerApplicationActionIn,
    EmployerApplicationIn,
    EmployerApplicationOut,
    EmployerApplicationPage,
    EmployerApplicationsArgs,
    FollowUpIn,
    PlacementOut,
    PlacementReviewIn,
    QueuedPlacementOut,
    person_input,
)

blp = Blueprint(
    "api_placements",
    __name__,
    url_prefix="/api/v1",
    description="Employer applications and placements: employers' HR systems (and the fund's "
    "labour brokers) compose, send and follow up; fund administrators decide per person.",
    write_scope=Scope.CLAIMS,
)

# Employer staff act for their own employer; a broker of the fund prepares for an employer
# in the fund's caseload (never sends one: the employer confirms).
COMPOSERS = (Role.EMPLOYER_STAFF, Role.BROKER)


def _any(actions: tuple[str, ...]) -> str:
    """A path converter that allows only these actions (an enum in the OpenAPI document)."""
    return f"any({', '.join(actions)})"


class _Shown:
    """An object as the API shows it: its own attributes, plus `replayed` and any extras."""

    def __init__(self, shown, replayed: bool = False, **extras) -> None:
        self._shown, self.replayed = shown, replayed
        self.__dict__.update(extras)

    def __getattr__(self, name):
        return getattr(self._shown, name)


def _scope(kind: str, *parts) -> str:
    """An idempotency scope naming the caller, so a replay never shows another's result."""
    return ":".join([kind, *(str(p) for p in parts), str(current_user.id)])


def _application(outcome) -> _Shown:
    application = services.visible_application(outcome.result_id, current_user)
    return _Shown(application, outcome.replayed)


def _placement(outcome) -> _Shown:
    placement = services.visible_placement(outcome.result_id, current_user)
    return _Shown(placement, outcome.replayed)


@blp.route("/employer/applications")
class EmployerApplications(MethodView):
    """The applications the caller may see, and new ones."""

    @role_required(*COMPOSERS)
    @blp.doc(**SECURED)
    @blp.arguments(EmployerApplicationsArgs, location="query")
    @blp.response(200, EmployerApplicationPage)
    def get(self, args):
        """The employer's applications (a broker's: those of the caseload), newest first."""
        status = EmployerApplicationStatus(args["status"]) if args.get("status") else None
        rows, total = services.applications_for(current_user, page=args["page"], status=status)
        return {"items": rows, "total": total, "page": args["page"], "per_page": services.PER_PAGE}

    @role_required(*COMPOSERS)
    @blp.doc(**IDEMPOTENCY_DOC)
    @blp.arguments(EmployerApplicationIn)
    @blp.response(201, EmployerApplicationOut)
    @blp.alt_response(404, schema=ProblemSchema, description="No such employer or scheme")
    @blp.alt_response(409, schema=ProblemSchema, description="The scheme is not open")
    @blp.alt_response(422, schema=ProblemSchema, description="Problems, named per person")
    def post(self, data):
        """A draft with all its persons, written whole or not at all (honours
        Idempotency-Key). Problems come back as errors.persons[index][field]; send the
        draft with the submit action."""
        employer_id = data["employer_id"] or current_user.employer_id
        if employer_id is None:
            message = _("Name the employer the application is for.")
            raise ValidationFailed(message, errors={"employer_id": message})
        persons = [person_input(person) for person in data["persons"]]
        outcome = run_once(
            _scope("emp_app_new"),
            idempotency_key(),
            data,
            lambda: (
                services.compose_application(
                    current_user, employer_id, data["scheme_id"], persons
                ).id
            ),
        )
        return _application(outcome)


@blp.route("/employer/applications/<int:application_id>")
class EmployerApplicationView(MethodView):
    """One application."""

    @role_required(*COMPOSERS)
    @blp.doc(**SECURED)
    @blp.response(200, EmployerApplicationOut)
    @blp.alt_response(404, schema=ProblemSchema, description="Not an application you may see")
    def get(self, application_id):
        """The application with its persons and their follow-ups."""
        return _Shown(services.visible_application(application_id, current_user))


APPLICATION_STEPS = {
    "submit": lambda actor, id_, reason: services.submit_application(actor, id_),
    "withdraw": lambda actor, id_, reason: services.withdraw_application(actor, id_, reason),
    "discard": lambda actor, id_, reason: services.discard_application(actor, id_),
}


@blp.route(f"/employer/applications/<int:application_id>/actions/<{_any(EMPLOYER_ACTIONS)}:action>")
class EmployerApplicationAction(MethodView):
    """submit (the employer confirms and sends), withdraw (with a reason) or discard."""

    @role_required(*COMPOSERS)
    @blp.doc(**IDEMPOTENCY_DOC)
    @blp.arguments(EmployerApplicationActionIn)
    @blp.response(200, EmployerApplicationOut)
    @blp.alt_response(403, schema=ProblemSchema, description="Only the employer sends")
    @blp.alt_response(404, schema=ProblemSchema, description="Not an application you may see")
    @blp.alt_response(409, schema=ProblemSchema, description="Not possible in this state")
    @blp.alt_response(
        422, schema=ProblemSchema, description="A reason is missing, or a person does not qualify"
    )
    def post(self, data, application_id, action):
        """Move the application (honours Idempotency-Key)."""
        step = APPLICATION_STEPS[action]
        outcome = run_once(
            _scope("emp_app", application_id, action),
            idempotency_key(),
            data,
            lambda: step(current_user, application_id, data["reason"]).id,
        )
        return _application(outcome)


@blp.route("/employer/placements/<int:placement_id>/follow-ups")
class PlacementFollowUps(MethodView):
    """Is the person still employed?"""

    @role_required(*COMPOSERS)
    @blp.doc(**IDEMPOTENCY_DOC)
    @blp.arguments(FollowUpIn)
    @blp.response(200, PlacementOut)
    @blp.alt_response(403, schema=ProblemSchema, description="Not the employer or its broker")
    @blp.alt_response(404, schema=ProblemSchema, description="No such placement or follow-up")
    @blp.alt_response(409, schema=ProblemSchema, description="Not due yet, recorded, or closed")
    @blp.alt_response(422, schema=ProblemSchema, description="A note is needed")
    def post(self, data, placement_id):
        """Record the follow-up of `months` once due (honours Idempotency-Key): the last one
        still employed closes the placement as retained, one not employed as ended early."""
        outcome = run_once(
            _scope("follow_up", placement_id),
            idempotency_key(),
            data,
            lambda: (
                followups.record_follow_up(
                    placement_id,
                    data["months"],
                    actor=current_user,
                    still_employed=data["still_employed"],
                    note=data["note"],
                ).placement_id
            ),
        )
        return _placement(outcome)


@blp.route(f"/employer/placements/<int:placement_id>/actions/<{_any(CLOSE_ACTIONS)}:action>")
class PlacementClosure(MethodView):
    """The person did not start, or the employment ended early."""

    @role_required(*COMPOSERS)
    @blp.doc(**IDEMPOTENCY_DOC)
    @blp.arguments(CloseIn)
    @blp.response(200, PlacementOut)
    @blp.alt_response(403, schema=ProblemSchema, description="Not the employer or its broker")
    @blp.alt_response(404, schema=ProblemSchema, description="Not a placement you may see")
    @blp.alt_response(409, schema=ProblemSchema, description="Not possible in this state")
    def post(self, data, placement_id, action):
        """Close the placement with a reason (honours Idempotency-Key); what is no longer
        needed of the commitment goes back to the fund."""
        outcome = run_once(
            _scope("placement", placement_id, action),
            idempotency_key(),
            data,
            lambda: (
                followups.close(placement_id, action, actor=current_user, reason=data["reason"]).id
            ),
        )
        return _placement(outcome)


@blp.route("/fund/employer-applications")
class FundQueue(MethodView):
    """The persons waiting for the caller's fund's decision."""

    @role_required(Role.FUND_ADMIN)
    @blp.doc(**SECURED)
    @blp.response(200, QueuedPlacementOut(many=True))
    def get(self):
        """Persons in sent applications waiting for a decision (or a second approval),
        oldest application first."""
        return [
            _Shown(
                placement,
                reference=placement.application.reference,
                employer_name=placement.employer.name,
                submitted_on=placement.application.submitted_on,
            )
            for placement in review.queue(current_user.fund_id)
        ]


@blp.route(f"/fund/placements/<int:placement_id>/actions/<{_any(REVIEW_ACTIONS)}:action>")
class FundDecision(MethodView):
    """approve (committing budget) or reject (with a reason)."""

    @role_required(Role.FUND_ADMIN)
    @blp.doc(**IDEMPOTENCY_DOC)
    @blp.arguments(PlacementReviewIn)
    @blp.response(200, PlacementOut)
    @blp.alt_response(403, schema=ProblemSchema, description="You prepared this application")
    @blp.alt_response(404, schema=ProblemSchema, description="Not a person of your fund")
    @blp.alt_response(
        409,
        schema=ProblemSchema,
        description="Not possible in this state, or the budget does not allow it",
    )
    @blp.alt_response(422, schema=ProblemSchema, description="Amount or reason not right")
    def post(self, data, placement_id, action):
        """Decide on one person (honours Idempotency-Key). Above the scheme's threshold a
        first approval leaves the person approved_once; a second administrator commits."""
        outcome = run_once(
            _scope("placement", placement_id, action),
            idempotency_key(),
            data,
            lambda: (
                review.review(
                    placement_id,
                    action,
                    actor=current_user,
                    reason=data["reason"],
                    cents=data["cents"],
                ).id
            ),
        )
        return _placement(outcome)
