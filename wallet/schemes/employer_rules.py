"""Employer scheme rules as validated data, the eligibility check that explains every 'no',
and the reimbursement of an invoice amount (integer cents, rounded down, within the caps).

Window and total budget are part of the rules here; the scheme stores them in its columns
(window_opens_on, window_closes_on, total_cap_cents) so set-based SQL can use them, and the
rest as JSON: `employer_rules_of(scheme)` puts the two together again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from wallet.reference import kansberoepen

BPS = 10_000  # basis points in a whole
MAX_CENTS = 10_000_000_00  # € 10.000.000, as for every other amount (core.money)

STARTING_SITUATIONS = {
    "other_sector": _l("From another sector"),
    "ending_job": _l("From an ending job (werk-naar-werk)"),
    "benefit": _l("From a benefit"),
    "current_employee": _l("A current employee who retrains"),
}

TRAINING_KINDS = {
    "catalogue_run": _l("A course run from the catalogue"),
    "bespoke": _l("A bespoke course from an accredited provider, with its quote"),
    "work_and_learn": _l("A work-and-learn route (BBL or hbo-duaal)"),
    "work_experience": _l("A work-experience place"),
}

# Keys kept in the scheme's columns rather than in its rules JSON.
COLUMN_KEYS = ("window_opens_on", "window_closes_on", "total_budget_cents")


def occupation_names() -> set[str]:
    """The kansberoepen an employer scheme can name (the shipped regional lists)."""
    return {occupation.name for occupation in kansberoepen()}


@dataclass(frozen=True)
class EmployerRules:
    """What an employer scheme reimburses, to whom and for whom."""

    share_bps: int
    cap_per_person_cents: int
    total_budget_cents: int
    starting_situations: tuple[str, ...]
    target_occupations: tuple[str, ...]
    training_kinds: tuple[str, ...]
    cap_per_employer_year_cents: int | None = None  # None: no yearly cap per employer
    retention_months: int | None = None  # the last part is paid after this many months
    retention_share_bps: int = 0  # ... and is this share of the reimbursement
    window_opens_on: dt.date | None = None
    window_closes_on: dt.date | None = None
    four_eyes_above_cents: int = 250_000

    def window_is_open(self, day: dt.date) -> bool:
        """True when `day` falls inside the application window (an open end is open)."""
        if self.window_opens_on and day < self.window_opens_on:
            return False
        return not (self.window_closes_on and day > self.window_closes_on)


def _cents(**kwargs) -> fields.Integer:
    return fields.Integer(strict=True, validate=validate.Range(1, MAX_CENTS), **kwargs)


def _choices(options, message) -> fields.List:
    return fields.List(
        fields.String(validate=validate.OneOf(list(options), error=message)),
        required=True,
        validate=validate.Length(min=1, error=message),
    )


class EmployerRulesSchema(Schema):
    """Validates employer scheme rules as they are submitted, edited and stored."""

    share_bps = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(1, BPS, error=_l("The share must be between 0.01 % and 100 %.")),
    )
    cap_per_person_cents = _cents(required=True)
    cap_per_employer_year_cents = _cents(allow_none=True, load_default=None)
    total_budget_cents = _cents(required=True)
    starting_situations = _choices(
        STARTING_SITUATIONS, _l("Choose one or more of the listed starting situations.")
    )
    # The shipped list, read once: the OpenAPI document lists it as the allowed values.
    target_occupations = _choices(
        sorted(occupation_names()),
        _l("Choose one or more occupations from the list of kansberoepen."),
    )
    training_kinds = _choices(
        TRAINING_KINDS, _l("Choose one or more of the listed training kinds.")
    )
    retention_months = fields.Integer(
        strict=True, allow_none=True, load_default=None, validate=validate.Range(1, 36)
    )
    retention_share_bps = fields.Integer(
        strict=True, load_default=0, validate=validate.Range(0, BPS - 1)
    )
    window_opens_on = fields.Date(allow_none=True, load_default=None)
    window_closes_on = fields.Date(allow_none=True, load_default=None)
    four_eyes_above_cents = fields.Integer(
        strict=True, load_default=250_000, validate=validate.Range(0, MAX_CENTS)
    )

    @validates_schema(skip_on_field_errors=False)
    def _consistent(self, data, **_kwargs):
        errors = {}
        opens, closes = data.get("window_opens_on"), data.get("window_closes_on")
        if opens and closes and closes < opens:
            errors["window_closes_on"] = [_("The window cannot close before it opens.")]
        per_person, per_year = (
            data.get("cap_per_person_cents"),
            data.get("cap_per_employer_year_cents"),
        )
        if per_person and per_year and per_year < per_person:
            errors["cap_per_employer_year_cents"] = [
                _("The cap per employer per year cannot be below the cap per person.")
            ]
        months, held = data.get("retention_months"), data.get("retention_share_bps", 0)
        if months and not held:
            errors["retention_share_bps"] = [
                _("Say which share is paid only when the person is still employed.")
            ]
        if held and not months:
            errors["retention_months"] = [
                _("Say after how many months the person must still be employed.")
            ]
        if errors:
            raise ValidationError(errors)

    @post_load
    def _make(self, data, **_kwargs) -> EmployerRules:
        return EmployerRules(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})


def share_in_words(bps: int) -> str:
    """A share in basis points as a percentage in the reader's language ("33,33 %")."""
    return _("%(percent)s %%", percent=format_decimal(Decimal(bps) / 100))


def load_employer_rules(data: dict | None) -> EmployerRules:
    """Rules from submitted JSON; marshmallow.ValidationError when wrong."""
    return EmployerRulesSchema().load(data or {})


def dump_employer_rules(rules: EmployerRules) -> dict:
    """Rules as JSON (dates as ISO strings), window and total budget included."""
    return EmployerRulesSchema().dump(rules)


def stored_rules(rules: EmployerRules) -> dict:
    """The part of the rules a scheme keeps as JSON (the rest lives in its columns)."""
    return {k: v for k, v in dump_employer_rules(rules).items() if k not in COLUMN_KEYS}


def employer_rules_of(scheme) -> EmployerRules:
    """The whole rules of a stored employer scheme: its JSON and its columns together."""
    data = dict(scheme.rules or {})
    data.update(
        window_opens_on=scheme.window_opens_on and scheme.window_opens_on.isoformat(),
        window_closes_on=scheme.window_closes_on and scheme.window_closes_on.isoformat(),
        total_budget_cents=scheme.total_cap_cents,
    )
    return load_employer_rules(data)


@dataclass(frozen=True)
class PersonFacts:
    """What eligibility looks at of one person in an employer's application."""

    starting_situation: str
    target_occupation: str
    training_kind: str
    applied_on: dt.date
    already_reimbursed_cents: int = 0  # for this person, under this scheme, so far


@dataclass(frozen=True)
class EmployerFacts:
    """What eligibility looks at of the employer."""

    verified: bool
    reimbursed_this_year_cents: int = 0  # under this scheme, this calendar year


def employer_eligibility(
    rules: EmployerRules, person: PersonFacts, employer: EmployerFacts
) -> list[str]:
    """Every reason the person and training do not qualify; empty when they do."""
    reasons = []
    if not employer.verified:
        reasons.append(_("The employer has not been verified yet."))
    if not rules.window_is_open(person.applied_on):
        reasons.append(_("Applications for this scheme are not open on this date."))
    if person.starting_situation not in rules.starting_situations:
        reasons.append(_("This scheme is not for people in this starting situation."))
    if person.target_occupation not in rules.target_occupations:
        reasons.append(_("The new job is not one of the occupations this scheme is for."))
    if person.training_kind not in rules.training_kinds:
        reasons.append(_("This scheme does not pay for this kind of training."))
    if person.already_reimbursed_cents >= rules.cap_per_person_cents:
        reasons.append(_("The most this scheme pays for one person has already been reached."))
    cap = rules.cap_per_employer_year_cents
    if cap is not None and employer.reimbursed_this_year_cents >= cap:
        reasons.append(_("The most this scheme pays one employer this year has been reached."))
    return reasons


def reimbursable_cents(
    rules: EmployerRules, eligible_cost_cents: int, already_this_year_cents: int
) -> int:
    """The scheme's share of an eligible cost, rounded down, within the cap per person and
    what is left of the employer's cap for this calendar year."""
    if eligible_cost_cents < 0 or already_this_year_cents < 0:
        raise ValueError("amounts cannot be negative")
    cents = min(eligible_cost_cents * rules.share_bps // BPS, rules.cap_per_person_cents)
    if rules.cap_per_employer_year_cents is not None:
        cents = min(cents, max(0, rules.cap_per_employer_year_cents - already_this_year_cents))
    return cents


def staged_parts(rules: EmployerRules, cents: int) -> tuple[int, int]:
    """(paid at once, paid when the person is still employed after the retention months);
    the held-back part is rounded down so the two always add up to `cents`."""
    held_back = cents * rules.retention_share_bps // BPS if rules.retention_months else 0
    return cents - held_back, held_back
