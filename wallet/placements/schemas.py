"""The JSON shapes of employer applications, placements and follow-ups (/api/v1).

Enumerations are validated here, so the OpenAPI document lists what is allowed; every rule
beyond a field's type and its allowed values is the services' (persons.check_person), which
name every problem of every person at once.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from wallet.placements.models import (
    ContractType,
    EmployerApplicationStatus,
    PlacementStatus,
)
from wallet.placements.persons import PersonInput
from wallet.reference import sbi_divisions
from wallet.schemes.employer_rules import (
    MAX_CENTS,
    STARTING_SITUATIONS,
    TRAINING_KINDS,
    occupation_names,
)

APPLICATION_STATUSES = [s.value for s in EmployerApplicationStatus]
PLACEMENT_STATUSES = [s.value for s in PlacementStatus]
CONTRACT_TYPES = [c.value for c in ContractType]
OCCUPATIONS = sorted(occupation_names())  # the shipped kansberoepen, read once
EMPLOYER_ACTIONS = ("submit", "withdraw", "discard")
CLOSE_ACTIONS = ("not_started", "end_early")
REVIEW_ACTIONS = ("approve", "reject")


def _one_of(values) -> validate.OneOf:
    return validate.OneOf(list(values))


class PersonIn(Schema):
    """One person in an application: who, where from, the new job and the training."""

    full_name = fields.String(required=True, validate=validate.Length(1, 200))
    date_of_birth = fields.Date(required=True)
    starting_situation = fields.String(required=True, validate=_one_of(STARTING_SITUATIONS))
    from_sbi_code = fields.String(
        load_default=None,
        allow_none=True,
        validate=_one_of(sorted(sbi_divisions())),
        metadata={
            "description": "The SBI division (two digits) of the sector the person comes from."
        },
    )
    occupation = fields.String(
        required=True,
        validate=_one_of(OCCUPATIONS),
        metadata={"description": "A kansberoep; the scheme names which of them it pays for."},
    )
    contract_type = fields.String(required=True, validate=_one_of(CONTRACT_TYPES))
    hours_per_week = fields.Integer(required=True, validate=validate.Range(1, 60))
    start_date = fields.Date(required=True)
    training_kind = fields.String(required=True, validate=_one_of(TRAINING_KINDS))
    quote_cents = fields.Integer(
        required=True,
        validate=validate.Range(1, MAX_CENTS),
        metadata={"description": "The training's price in euro cents."},
    )
    run_id = fields.Integer(
        load_default=None,
        allow_none=True,
        metadata={"description": "The course run, for a catalogue_run."},
    )
    provider_id = fields.Integer(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "The accredited provider that made the quote (bespoke, work_and_learn)."
        },
    )
    training_description = fields.String(load_default="", validate=validate.Length(max=500))
    worker_email = fields.Email(
        load_default=None, allow_none=True, validate=validate.Length(max=254)
    )


class EmployerApplicationIn(Schema):
    """A new application with all its persons: written whole or not at all. A broker names
    the employer (one in their fund's caseload); an employer's staff leave it out."""

    scheme_id = fields.Integer(required=True)
    employer_id = fields.Integer(load_default=None, allow_none=True)
    persons = fields.List(fields.Nested(PersonIn), required=True, validate=validate.Length(1, 200))


def person_input(data: dict) -> PersonInput:
    """A loaded PersonIn as the services take it."""
    return PersonInput(**data)


class EmployerApplicationsArgs(Schema):
    """?status=submitted&page=1 (25 a page)"""

    page = fields.Integer(load_default=1, validate=validate.Range(1, 100_000))
    status = fields.String(validate=_one_of(APPLICATION_STATUSES))


class EmployerApplicationActionIn(Schema):
    """A reason: required to withdraw, not read otherwise."""

    reason = fields.String(load_default="", validate=validate.Length(max=500))


class FollowUpIn(Schema):
    """A follow-up once due: is the person still employed? A note says why not."""

    months = fields.Integer(required=True, validate=validate.Range(1, 36))
    still_employed = fields.Boolean(required=True)
    note = fields.String(load_default="", validate=validate.Length(max=500))


class CloseIn(Schema):
    """Why the person did not start, or why the employment ended."""

    reason = fields.String(required=True, validate=validate.Length(1, 500))


class PlacementReviewIn(Schema):
    """approve: the amount to commit (what the scheme would pay unless given; the second of
    four eyes approves the first's amount); reject: a reason the employer sees."""

    cents = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(1, MAX_CENTS)
    )
    reason = fields.String(load_default="", validate=validate.Length(max=500))


class FollowUpOut(Schema):
    """A follow-up: due on a day, recorded once."""

    months = fields.Integer()
    due_on = fields.Date()
    still_employed = fields.Boolean(allow_none=True)
    note = fields.String(allow_none=True)
    recorded_at = fields.DateTime(allow_none=True)


class PlacementOut(Schema):
    """One person and what became of them; amounts in euro cents."""

    id = fields.Integer()
    application_id = fields.Integer()
    status = fields.String(validate=_one_of(PLACEMENT_STATUSES))
    full_name = fields.String()
    date_of_birth = fields.Date()
    starting_situation = fields.String(validate=_one_of(STARTING_SITUATIONS))
    from_sbi_code = fields.String(allow_none=True)
    occupation = fields.String()
    contract_type = fields.String(validate=_one_of(CONTRACT_TYPES))
    hours_per_week = fields.Integer()
    start_date = fields.Date()
    training_kind = fields.String(validate=_one_of(TRAINING_KINDS))
    run_id = fields.Integer(allow_none=True)
    provider_id = fields.Integer(allow_none=True)
    training_description = fields.String(allow_none=True)
    quote_cents = fields.Integer()
    requested_cents = fields.Integer()
    committed_cents = fields.Integer()
    first_approved_cents = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)
    closed_on = fields.Date(allow_none=True)
    follow_ups = fields.List(fields.Nested(FollowUpOut))
    replayed = fields.Boolean()


class QueuedPlacementOut(PlacementOut):
    """A person waiting for the fund's decision, with their application and employer."""

    reference = fields.String()
    employer_id = fields.Integer()
    employer_name = fields.String()
    submitted_on = fields.Date(allow_none=True)


class EmployerApplicationSummaryOut(Schema):
    """An application in a list."""

    id = fields.Integer()
    reference = fields.String()
    status = fields.String(validate=_one_of(APPLICATION_STATUSES))
    employer_id = fields.Integer()
    scheme_id = fields.Integer()
    fund_id = fields.Integer()
    submitted_on = fields.Date(allow_none=True)
    created_at = fields.DateTime()
    persons = fields.Function(
        lambda application: len(application.placements),
        metadata={"type": "integer", "description": "How many persons it lists."},
    )


class EmployerApplicationOut(EmployerApplicationSummaryOut):
    """An application with its persons and their follow-ups."""

    persons = fields.List(fields.Nested(PlacementOut), attribute="placements")
    replayed = fields.Boolean()


class EmployerApplicationPage(Schema):
    """One page of applications, newest first."""

    items = fields.List(fields.Nested(EmployerApplicationSummaryOut))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
