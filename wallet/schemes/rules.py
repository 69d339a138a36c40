"""Scheme rules as validated data, and the eligibility check that explains every 'no'."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from wallet.reference import (
    ACCREDITATIONS,
    COURSE_KINDS,
    EMPLOYMENT_STATUSES,
    municipalities,
)


@dataclass(frozen=True)
class SchemeRules:
    """Who qualifies and which courses a scheme pays for. Empty lists mean 'any'."""

    co_funding_bps: int = 10_000
    cap_per_course_cents: int | None = None
    municipalities: tuple[str, ...] = ()
    target_groups: tuple[str, ...] = ()
    min_age: int | None = None
    max_age: int | None = None
    max_education_level: int | None = None
    course_kinds: tuple[str, ...] = ()
    accreditations: tuple[str, ...] = ()
    nlqf_min: int | None = None
    nlqf_max: int | None = None
    target_occupations: tuple[str, ...] = ()
    max_grants_per_course: int = 3
    # Claims: proof of participation, staged payment, and when two administrators approve.
    attendance_threshold_pct: int = 80
    advance_share_bps: int = 0  # e.g. 6000: 60 % of the budget's share claimable at the start
    four_eyes_above_cents: int = 250_000
    # May the worker cancel once the course has started (the rest of the budget released)?
    cancel_after_start: bool = False
    extra: dict = field(default_factory=dict)


def _one_of(choices) -> validate.Validator:
    return validate.OneOf(list(choices))


class SchemeRulesSchema(Schema):
    """Validates scheme rules as they are stored (JSON) and edited."""

    co_funding_bps = fields.Integer(load_default=10_000, validate=validate.Range(0, 10_000))
    cap_per_course_cents = fields.Integer(
        allow_none=True, load_default=None, validate=validate.Range(1, 10_000_000_00)
    )
    municipalities = fields.List(
        fields.String(validate=lambda code: code in municipalities()), load_default=list
    )
    target_groups = fields.List(
        fields.String(validate=_one_of(EMPLOYMENT_STATUSES)), load_default=list
    )
    min_age = fields.Integer(allow_none=True, load_default=None, validate=validate.Range(15, 100))
    max_age = fields.Integer(allow_none=True, load_default=None, validate=validate.Range(15, 100))
    max_education_level = fields.Integer(
        allow_none=True, load_default=None, validate=validate.Range(1, 8)
    )
    course_kinds = fields.List(fields.String(validate=_one_of(COURSE_KINDS)), load_default=list)
    accreditations = fields.List(fields.String(validate=_one_of(ACCREDITATIONS)), load_default=list)
    nlqf_min = fields.Integer(allow_none=True, load_default=None, validate=validate.Range(1, 8))
    nlqf_max = fields.Integer(allow_none=True, load_default=None, validate=validate.Range(1, 8))
    target_occupations = fields.List(
        fields.String(validate=validate.Length(1, 200)), load_default=list
    )
    max_grants_per_course = fields.Integer(load_default=3, validate=validate.Range(1, 10))
    attendance_threshold_pct = fields.Integer(load_default=80, validate=validate.Range(0, 100))
    advance_share_bps = fields.Integer(load_default=0, validate=validate.Range(0, 9_000))
    four_eyes_above_cents = fields.Integer(
        load_default=250_000, validate=validate.Range(0, 10_000_000_00)
    )
    cancel_after_start = fields.Boolean(load_default=False)

    @validates_schema
    def _ranges(self, data, **_kwargs):
        if data.get("min_age") and data.get("max_age") and data["min_age"] > data["max_age"]:
            raise ValidationError("The minimum age is above the maximum age.", "min_age")
        if data.get("nlqf_min") and data.get("nlqf_max") and data["nlqf_min"] > data["nlqf_max"]:
            raise ValidationError("The lowest NLQF level is above the highest.", "nlqf_min")

    @post_load
    def _make(self, data, **_kwargs) -> SchemeRules:
        return SchemeRules(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})


def load_rules(data: dict | None) -> SchemeRules:
    """Rules from stored or submitted JSON; marshmallow.ValidationError when wrong."""
    return SchemeRulesSchema().load(data or {})


def dump_rules(rules: SchemeRules) -> dict:
    """Rules as JSON for storage."""
    return {
        key: list(value) if isinstance(value, tuple) else value
        for key, value in rules.__dict__.items()
        if key != "extra"
    }


@dataclass(frozen=True)
class WorkerFacts:
    """What eligibility looks at of a worker."""

    municipality_code: str
    employment_status: str
    date_of_birth: dt.date
    education_level: int


def age_on(born: dt.date, day: dt.date) -> int:
    """Age in whole years on `day`."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def eligibility_problems(rules: SchemeRules, worker: WorkerFacts, today: dt.date) -> list[str]:
    """Every reason the worker does not qualify; empty when they do."""
    problems = []
    if rules.municipalities and worker.municipality_code not in rules.municipalities:
        problems.append(_("You do not live in a municipality this scheme is for."))
    if rules.target_groups and worker.employment_status not in rules.target_groups:
        problems.append(_("This scheme is not for your employment situation."))
    age = age_on(worker.date_of_birth, today)
    if rules.min_age is not None and age < rules.min_age:
        problems.append(_("This scheme is for people aged %(age)d or older.", age=rules.min_age))
    if rules.max_age is not None and age > rules.max_age:
        problems.append(_("This scheme is for people up to %(age)d years old.", age=rules.max_age))
    if rules.max_education_level is not None and worker.education_level > rules.max_education_level:
        problems.append(
            _(
                "This scheme is for people with an education level up to NLQF %(level)d.",
                level=rules.max_education_level,
            )
        )
    return problems
